"""Money in a store's currency as plain text, for pages (``{{ value|money }}`` in
``catalog/templatetags/dashboard.py``), charts and the audit trail alike."""

from decimal import Decimal
from decimal import InvalidOperation

from django.utils.numberformat import format as number_format
from django.utils.translation import get_language_bidi

# ISO 4217 code -> symbol for the currencies WooCommerce shops here use most; others show the code.
CURRENCY_SYMBOLS = {
    "ILS": "₪",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "RUB": "₽",
    "TRY": "₺",
    "KRW": "₩",
    "PLN": "zł",
    "UAH": "₴",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "CHF": "CHF",
}
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "CLP", "VND", "ISK", "HUF"}


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None  # "NaN" or "Infinity" stored by a plugin


def format_money(value, currency="ILS", *, compact=False):
    """``1234.5, "ILS"`` -> ``₪1,234.50`` (English) / ``1,234.50 ₪`` (Hebrew). Plain text."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    currency = (currency or "ILS").upper()
    places = 0 if compact or currency in ZERO_DECIMAL_CURRENCIES else 2
    if compact and abs(amount) >= 10000:
        number = number_format(amount / 1000, ".", decimal_pos=1, grouping=3, thousand_sep=",", force_grouping=True)
        number = number.removesuffix(".0") + "K"
    else:
        number = number_format(amount, ".", decimal_pos=places, grouping=3, thousand_sep=",", force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    negative = number.startswith("-")
    number = number.lstrip("-")
    sign = "-" if negative else ""
    if get_language_bidi():
        return f"{sign}{number}\u00a0{symbol}"
    if len(symbol) > 1 and symbol.isalpha():
        return f"{sign}{symbol}\u00a0{number}"
    return f"{sign}{symbol}{number}"
