"""Template helpers of the dashboard pages (catalog, orders, sync, overview): money in the
store's currency (``config.money``), sortable column headers, status badges, durations.

``{% load dashboard %}``. Nothing here touches the database.
"""

from html import escape as html_escape

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import ngettext

from catalog.richtext import display_html
from config.money import format_money

register = template.Library()


@register.filter
def money(value, currency="ILS"):
    """``{{ order.total|money:store.currency }}``: isolated so it reads right in Hebrew too."""
    text = format_money(value, currency)
    if text == "—":
        return text
    return format_html('<bdi class="money" dir="ltr">{}</bdi>', text)


@register.filter
def money_compact(value, currency="ILS"):
    text = format_money(value, currency, compact=True)
    if text == "—":
        return text
    return format_html('<bdi class="money" dir="ltr">{}</bdi>', text)


@register.filter
def money_text(value, currency="ILS"):
    """Plain text (for attributes, titles and SVG labels)."""
    return format_money(value, currency)


@register.simple_tag(takes_context=True)
def sort_header(context, key, label, current, default_desc=False, param="sort"):
    """A ``<th>`` whose link sorts by ``key`` (toggling direction), keeping the other filters.

    ``current`` is the active sort key (``name`` or ``-name``). Renders ``aria-sort``.
    """
    request = context["request"]
    params = request.GET.copy()
    params.pop("page", None)
    active = current in (key, f"-{key}")
    descending = current == f"-{key}"
    if active:
        target = key if descending else f"-{key}"
    else:
        target = f"-{key}" if default_desc else key
    params[param] = target
    aria = ("descending" if descending else "ascending") if active else "none"
    arrow = ("↓" if descending else "↑") if active else "↕"
    return format_html(
        '<th scope="col" aria-sort="{}" class="sortable{}"><a href="?{}">{}'
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        aria,
        " is-sorted" if active else "",
        params.urlencode(),
        label,
        arrow,
    )


@register.simple_tag(takes_context=True)
def page_url(context, number):
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()


STATUS_TONES = {
    # products
    "publish": "success",
    "draft": "neutral",
    "pending": "warning",
    "private": "neutral",
    "trash": "danger",
    # stock
    "instock": "success",
    "outofstock": "danger",
    "onbackorder": "warning",
    # orders
    "processing": "info",
    "on-hold": "warning",
    "completed": "success",
    "cancelled": "neutral",
    "refunded": "neutral",
    "failed": "danger",
    "checkout-draft": "neutral",
    # sync runs and pushes
    "running": "info",
    "success": "success",
    "partial": "warning",
    "skipped": "neutral",
    "done": "success",
    "conflict": "danger",
    "open": "danger",
    "resolved": "success",
    "synced": "success",
    "error": "danger",
    "local": "info",
}


@register.filter
def tone(status):
    """Badge colour for a status value: ``<span class="pill pill-{{ s|tone }}">``."""
    return STATUS_TONES.get(str(status or ""), "neutral")


@register.filter
def duration(seconds):
    """``75`` -> ``1 min 15 s``."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return gettext("%(s)d s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return gettext("%(m)d min %(s)d s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return gettext("%(h)d h %(m)d min") % {"h": hours, "m": minutes}


@register.filter
def age(when):
    """How long ago, short: ``4 min``, ``3 h``, ``2 days``."""
    if not when:
        return "—"
    seconds = max(0, int((timezone.now() - when).total_seconds()))
    if seconds < 60:
        return gettext("just now")
    minutes = seconds // 60
    if minutes < 60:
        return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}


@register.filter
def percent(value, total):
    try:
        value, total = float(value or 0), float(total or 0)
    except (TypeError, ValueError):
        return 0
    if total <= 0:
        return 0
    return max(0, min(100, round(value * 100 / total)))


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def elapsed(start, end):
    """Seconds from ``start`` to ``end`` (for ``|duration``)."""
    if not start or not end:
        return None
    return max(0, (end - start).total_seconds())


@register.filter
def slug_text(value):
    """WooCommerce percent-encodes non-Latin slugs (``%d7%91...``): show them readable."""
    from urllib.parse import unquote

    return unquote(value or "")


@register.simple_tag
def select_options(choices, selected=None):
    """``<option>``s (and ``<optgroup>``s) for ``choices``, built with plain string joins: a
    store's hundreds of categories and tags would cost a template render per option through
    Django's widgets (and format_html per option is still too slow for a thousand of them)."""
    selected = "" if selected is None else str(selected)
    parts = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            parts.append(f'<optgroup label="{_esc(value)}">')
            parts.extend(_option(v, text, selected) for v, text in label)
            parts.append("</optgroup>")
        else:
            parts.append(_option(value, label, selected))
    return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped


def _esc(value):
    return html_escape(str(value), quote=True)


def _option(value, label, selected):
    value = "" if value is None else str(value)
    flag = " selected" if value == selected else ""
    return f'<option value="{_esc(value)}"{flag}>{_esc(label)}</option>'


@register.filter
def shop_html(value):
    """A product description as the shop formatted it, sanitised (``catalog.richtext``)."""
    return mark_safe(display_html(value))  # noqa: S308 - sanitised by nh3 with an allow-list
