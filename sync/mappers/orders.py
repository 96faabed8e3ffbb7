"""``GET /orders`` -> ``orders`` (the additive columns are listed in docs/schema-notes.md)."""

from __future__ import annotations

from decimal import Decimal

from .common import MappingError
from .common import blank_to_none
from .common import gmt
from .common import money
from .common import reads_payload
from .common import require
from .common import text
from .common import woo_id

# The ``orders`` columns a pull writes, with their SQL types (the upsert's inputs and what it
# compares): declared once.
ORDER_COLUMNS = {
    "status": "text",
    "total": "numeric",
    "customer_name": "text",
    "customer_email": "text",
    "number": "text",
    "currency": "text",
    "customer_phone": "text",
    "billing": "jsonb",
    "shipping": "jsonb",
    "line_items": "jsonb",
    "payment_method": "text",
    "payment_method_title": "text",
    "discount_total": "numeric",
    "shipping_total": "numeric",
    "total_tax": "numeric",
    "customer_note": "text",
    "woo_created_at": "timestamptz",
    "woo_modified_at": "timestamptz",
    "date_paid": "timestamptz",
    "date_completed": "timestamptz",
    "refunded_total": "numeric",
    "customer_woo_id": "bigint",
}
ORDER_FIELDS = tuple(ORDER_COLUMNS)
# The keys of a WooCommerce order that the pull reads (``order_fields``): see
# ``PRODUCT_PAYLOAD_KEYS`` in ``products``.
ORDER_PAYLOAD_KEYS = (
    "id",
    "status",
    "total",
    "number",
    "currency",
    "billing",
    "shipping",
    "line_items",
    "payment_method",
    "payment_method_title",
    "discount_total",
    "shipping_total",
    "total_tax",
    "customer_note",
    "customer_id",
    "date_created_gmt",
    "date_modified_gmt",
    "date_paid_gmt",
    "date_completed_gmt",
    "refunds",
)


def customer_name(billing: dict, shipping: dict) -> str:
    """Billing first + last name; then the shipping name; then the company; else ""."""
    for address in (billing, shipping):
        first, last = address.get("first_name") or "", address.get("last_name") or ""
        words = f"{first.strip()} {last.strip()}".split()
        if words:
            return " ".join(words)
    return (billing.get("company") or shipping.get("company") or "").strip()


def refunded_total(refunds) -> Decimal:
    """The order's ``refunds`` list (``total`` is negative, "-10.00") as one positive amount."""
    amount = Decimal(0)
    for refund in refunds if isinstance(refunds, list) else []:
        value = money(refund.get("total"), field="refunds.total") if isinstance(refund, dict) else None
        if value is not None:
            amount += abs(value)
    return amount


@reads_payload
def order_fields(payload: dict) -> dict:
    oid = woo_id(payload)
    billing = payload.get("billing") or {}
    shipping = payload.get("shipping") or {}
    line_items = payload.get("line_items") or []
    if not isinstance(billing, dict) or not isinstance(shipping, dict) or not isinstance(line_items, list):
        raise MappingError("billing/shipping/line_items have the wrong shape", woo_id=oid)
    try:
        total = money(require(payload, "total", (str, int, float)), field="total")
        if total is None:
            raise MappingError("total is empty", field="total")
        return {
            "woo_id": oid,
            "status": require(payload, "status", str),
            "total": total,
            "customer_name": customer_name(billing, shipping),
            "customer_email": blank_to_none(billing.get("email")),
            "number": blank_to_none(text(payload, "number")) or str(oid),
            "currency": blank_to_none(text(payload, "currency")),
            "customer_phone": blank_to_none(billing.get("phone")),
            "billing": billing,
            "shipping": shipping,
            "line_items": line_items,
            "payment_method": blank_to_none(text(payload, "payment_method")),
            "payment_method_title": blank_to_none(text(payload, "payment_method_title")),
            "discount_total": money(payload.get("discount_total"), field="discount_total"),
            "shipping_total": money(payload.get("shipping_total"), field="shipping_total"),
            "total_tax": money(payload.get("total_tax"), field="total_tax"),
            "customer_note": blank_to_none(text(payload, "customer_note")),
            "woo_created_at": gmt(payload.get("date_created_gmt"), field="date_created_gmt"),
            "woo_modified_at": gmt(payload.get("date_modified_gmt"), field="date_modified_gmt"),
            "date_paid": gmt(payload.get("date_paid_gmt"), field="date_paid_gmt"),
            "date_completed": gmt(payload.get("date_completed_gmt"), field="date_completed_gmt"),
            "refunded_total": refunded_total(payload.get("refunds")),
            "customer_woo_id": payload.get("customer_id") if isinstance(payload.get("customer_id"), int) else 0,
        }
    except MappingError as exc:
        exc.woo_id = oid
        raise


def order_status_to_woo(status: str) -> dict:
    return {"status": status}
