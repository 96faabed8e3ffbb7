"""Shop HTML (product descriptions) made safe to store, send and show, with nh3.

WooCommerce descriptions are HTML written in WordPress's editor, and they are untrusted: a
description can carry a script or an ``on*=`` handler. What survives is the formatting a shop
uses (paragraphs, headings, lists, emphasis, links, tables, images); everything else is dropped.
"""

import re

import nh3
from django.utils.html import linebreaks

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "del", "div", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "s", "small",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "*": {"dir", "lang"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Text without block markup is paragraphs separated by blank lines (WordPress's wpautop).
_BLOCK = re.compile(r"<(p|div|br|ul|ol|table|h[1-6]|blockquote|pre)\b", re.IGNORECASE)


def clean_html(value: str | None) -> str | None:
    """``value`` without anything that could run or restyle the page; None stays None."""
    if value is None:
        return None
    return nh3.clean(
        value, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow"
    )


def display_html(value: str | None) -> str:
    """Sanitised HTML for a page, with paragraphs where the shop wrote plain text."""
    cleaned = clean_html(value) or ""
    return cleaned if _BLOCK.search(cleaned) else linebreaks(cleaned, autoescape=False)
