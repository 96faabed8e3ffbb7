"""Shop HTML (product descriptions) made safe to store, send and show, with nh3.

WooCommerce descriptions are HTML written in WordPress's editor, and they are untrusted: a
description can carry a script or an ``on*=`` handler. What survives is the formatting a shop
uses (paragraphs, headings, lists, emphasis, links, tables, images); everything else is dropped.

A link or an image keeps its address only when it is absolute (:func:`web_url`): a relative one
(``/stores/<id>/orders/export.csv``, ``//host/path``) would point our pages at our own site and
make each viewer's browser send a signed-in request there.
"""

import re
from urllib.parse import urlsplit

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


def web_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) address (store content is untrusted: no
    ``javascript:``, no address relative to our site), else None."""
    value = (value or "").strip()
    parts = urlsplit(value)
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _absolute_addresses(_tag: str, attribute: str, value: str) -> str | None:
    if attribute == "src":
        return web_url(value)
    if attribute == "href":
        return value if value.strip().lower().startswith("mailto:") else web_url(value)
    return value


def clean_html(value: str | None) -> str | None:
    """``value`` without anything that could run or restyle the page; None stays None."""
    if value is None:
        return None
    return nh3.clean(
        value,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_absolute_addresses,
    )


def display_html(value: str | None) -> str:
    """Sanitised HTML for a page, with paragraphs where the shop wrote plain text."""
    cleaned = clean_html(value) or ""
    return cleaned if _BLOCK.search(cleaned) else linebreaks(cleaned, autoescape=False)
