"""Text helpers that reproduce WordPress/WooCommerce formatting."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any
from urllib.parse import quote

CURRENCY_SYMBOL = "&#8362;"  # ILS, as wc_price() HTML-encodes it
CENT = Decimal("0.01")

# ASCII punctuation sanitize_title drops; letters, digits, "_", "-", spaces and non-ASCII stay.
_SLUG_DROP = re.compile(r"[!-,./:-@\[-^`{-~]")
_SLUG_DASHES = re.compile(r"[\s-]+")


# One encoder for every answer: json.dumps with non-default arguments builds one per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)


def wp_json_encode(payload: Any) -> str:
    """Serialise like PHP's wp_json_encode: compact, ``\\/`` for slashes, non-ASCII as ``\\uXXXX``.

    A ``/`` can only occur inside JSON strings, so replacing it globally is safe.
    """
    return _ENCODER.encode(payload).replace("/", "\\/")


def slugify(title: str) -> str:
    """sanitize_title(): lowercase ASCII, dashes, non-ASCII kept as lowercase percent-encoded UTF-8."""
    encoded = quote(_SLUG_DROP.sub("", title.strip()), safe=" -_").lower()
    return _SLUG_DASHES.sub("-", encoded).strip("-")


def to_decimal(value: str) -> Decimal | None:
    """A WooCommerce decimal string as Decimal; None for "" or garbage (WC treats those as unset)."""
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def money(value: Decimal) -> str:
    """Two-decimal string as WooCommerce stores order amounts ("29.35")."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def wc_price(amount: str) -> str:
    """HTML of wc_price() for the shop's default formatting (left symbol, 2 decimals)."""
    number = to_decimal(amount) or Decimal(0)
    return (
        '<span class="woocommerce-Price-amount amount"><bdi>'
        f'<span class="woocommerce-Price-currencySymbol">{CURRENCY_SYMBOL}</span>{number:.2f}</bdi></span>'
    )


def price_html(price: str, regular: str, on_sale: bool) -> str:
    if price == "":
        return ""
    if not on_sale:
        return wc_price(price)
    return (
        f'<del aria-hidden="true">{wc_price(regular)}</del> '
        f'<span class="screen-reader-text">Original price was: {CURRENCY_SYMBOL}{to_decimal(regular):.2f}.</span>'
        f'<ins aria-hidden="true">{wc_price(price)}</ins>'
        f'<span class="screen-reader-text">Current price is: {CURRENCY_SYMBOL}{to_decimal(price):.2f}.</span>'
    )


def price_range_html(low: str, high: str) -> str:
    if to_decimal(low) == to_decimal(high):
        return wc_price(low)
    return f"{wc_price(low)} &ndash; {wc_price(high)}"
