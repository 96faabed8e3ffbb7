"""Order notes and refunds: ``/orders/<id>/notes`` and ``/orders/<id>/refunds`` (FACTS.md §11).

Notes follow ``WC_REST_Order_Notes_Controller``: a list of every note (``type=any|customer|internal``),
``note`` required, ``customer_note`` makes it a note to the customer, ``added_by_user`` credits the
API user instead of the system ("WooCommerce"). Status changes write system notes as
``WC_Order::status_transition`` does.

Refunds follow the v2/v3 refunds controller and ``wc_create_refund``: the amount is given or summed
from the line items' ``refund_total`` + ``refund_tax``; more than what is left to refund is
"Invalid refund amount."; ``api_refund`` (default true) asks the gateway, which fails for gateways
without refunds; ``api_restock`` puts the refunded quantities back in stock; a refund that
leaves nothing to refund marks the order "refunded"; every refund fires ``order.updated``.
"""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation
from typing import TYPE_CHECKING
from typing import Any

from .errors import ApiError
from .model import with_links
from .params import Args
from .params import Page
from .params import collection_args
from .params import paginate
from .params import parse_bool
from .params import parse_int
from .text import money
from .text import to_decimal

if TYPE_CHECKING:
    from .catalog import Catalog
    from .store import Store

Record = dict[str, Any]
ZERO = Decimal(0)
API_USER = "shop-api"
# Gateways of the sandbox's shops that can return money themselves (bank transfer and cash cannot).
REFUNDING_GATEWAYS = frozenset({"stripe", "paypal", "cardcom"})
STATUS_LABELS = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "checkout-draft": "Draft",
    "trash": "Trash",
}


def order_invalid() -> ApiError:
    return ApiError(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")


def refund_failed(message: str) -> ApiError:
    # The controller wraps wc_create_refund's WP_Error as a 500.
    return ApiError(500, "woocommerce_rest_cannot_create_order_refund", message)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _line_amount(line: Record) -> Decimal:
    return (to_decimal(line["refund_total"]) or ZERO) + (to_decimal(line["refund_tax"]) or ZERO)


class OrderExtras:
    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.s = store
        self.catalog = catalog

    # --- notes ---------------------------------------------------------------------------

    def list_notes(self, order_id: int, params: dict[str, Any]) -> list[Record]:
        args = Args(params, self.s.clock)
        kind = args.enum("type", ("any", "customer", "internal"), "any")
        args.check()
        with self.s.lock:
            self._order(order_id)
            notes = self.s.order_notes.get(order_id, [])
            if kind != "any":
                notes = [n for n in notes if n["customer_note"] == (kind == "customer")]
            return [self._note_out(order_id, n) for n in sorted(notes, key=lambda n: n["id"], reverse=True)]

    def create_note(self, order_id: int, body: dict[str, Any]) -> Record:
        text = body.get("note")
        if text in (None, ""):
            raise ApiError(400, "rest_missing_callback_param", "Missing parameter(s): note", params=["note"])
        with self.s.tx():
            self._order(order_id)
            by_user = bool(parse_bool(body.get("added_by_user")))
            note = self.add_note(order_id, str(text), bool(parse_bool(body.get("customer_note"))), by_user)
            if note["customer_note"]:
                self.s.customer_emails.append({"order_id": order_id, "note": note["note"]})
            return self._note_out(order_id, note)

    def add_note(self, order_id: int, text: str, customer_note: bool = False, by_user: bool = False) -> Record:
        stamp = self.s.clock.stamp()
        note = {
            "id": self.s.next_id("comment"),
            "author": API_USER if by_user else "WooCommerce",
            "date_created": stamp[0],
            "date_created_gmt": stamp[1],
            "note": text,
            "customer_note": customer_note,
        }
        self.s.order_notes.setdefault(order_id, []).append(note)
        return note

    def status_changed(self, order_id: int, old: str | None, new: str) -> None:
        if old is None:
            return
        self.add_note(
            order_id,
            f"Order status changed from {STATUS_LABELS.get(old, old)} to {STATUS_LABELS.get(new, new)}.",
        )

    def _note_out(self, order_id: int, note: Record) -> Record:
        return self._with_links(order_id, "notes", note)

    # --- refunds -------------------------------------------------------------------------

    def list_refunds(self, order_id: int, params: dict[str, Any]) -> Page:
        args = Args(params, self.s.clock)
        coll = collection_args(args, ("date", "id", "include", "title", "slug", "modified"))
        args.check()
        with self.s.lock:
            self._order(order_id)
            refunds = sorted(self.s.refunds.get(order_id, []), key=lambda r: r["id"], reverse=coll.order == "desc")
            page = paginate(refunds, coll)
            page.items = [self._refund_out(order_id, r) for r in page.items]
        return page

    def create_refund(self, order_id: int, body: dict[str, Any]) -> Record:
        amount = _decimal(body.get("amount"))
        if body.get("amount") not in (None, "") and amount is None:
            raise ApiError(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): amount",
                params={"amount": "amount is not of type string."},
            )
        if amount is not None and amount < 0:
            raise ApiError(400, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.")
        api_refund = parse_bool(body.get("api_refund"))
        api_refund = True if api_refund is None else api_refund
        restock = parse_bool(body.get("api_restock"))
        restock = True if restock is None else restock
        with self.s.tx():
            order = self._order(order_id)
            lines = self._refund_lines(order, body.get("line_items"))
            if amount is None:
                amount = sum((_line_amount(line) for line in lines), ZERO)
            amount = amount.quantize(Decimal("0.01"))
            refunded = sum((to_decimal(r["amount"]) for r in self.s.refunds.get(order_id, [])), ZERO)
            remaining = (to_decimal(order["total"]) or ZERO) - refunded
            if amount <= 0 and not lines:
                raise refund_failed("Invalid refund amount.")
            if amount > remaining:
                raise refund_failed("Invalid refund amount.")
            if api_refund and order["payment_method"] not in REFUNDING_GATEWAYS:
                raise refund_failed("The payment gateway for this order does not support automatic refunds.")
            stamp = self.s.clock.stamp()
            refund = {
                "id": self.s.next_id("post"),
                "date_created": stamp[0],
                "date_created_gmt": stamp[1],
                "amount": money(amount),
                "reason": str(body.get("reason") or ""),
                "refunded_by": 1,
                "refunded_payment": bool(api_refund),
                "meta_data": [],
                "line_items": [self._refund_line_out(line) for line in lines],
            }
            self.s.refunds.setdefault(order_id, []).append(refund)
            if restock:
                for line in lines:
                    self.catalog.adjust_stock(line["variation_id"] or line["product_id"], line["quantity"])
                    self.add_note(order_id, f"Item #{line['item_id']} stock increased by {line['quantity']}.")
            rec = dict(order)
            rec["refunds"] = [
                {"id": r["id"], "reason": r["reason"], "total": "-" + r["amount"]}
                for r in sorted(self.s.refunds[order_id], key=lambda r: r["id"], reverse=True)
            ]
            rec["date_modified"], rec["date_modified_gmt"] = self.s.clock.stamp(order["date_modified_gmt"])
            old_status = order["status"]
            if amount == remaining:
                rec["status"] = "refunded"
            self.s.orders[order_id] = rec
            self.s.bump("orders")
            if rec["status"] != old_status:
                self.status_changed(order_id, old_status, rec["status"])
            self.s.emit("order.updated", order_id)
            return self._refund_out(order_id, refund)

    def _refund_lines(self, order: Record, values: Any) -> list[Record]:
        items = {item["id"]: item for item in order["line_items"]}
        lines = []
        for value in values if isinstance(values, list) else []:
            if not isinstance(value, dict):
                continue
            item = items.get(parse_int(value.get("id")) or 0)
            if item is None:
                continue
            quantity = parse_int(value.get("quantity")) or 0
            refund_total = _decimal(value.get("refund_total")) or ZERO
            refund_tax = sum(
                (_decimal(t.get("refund_total")) or ZERO for t in value.get("refund_tax") or [] if isinstance(t, dict)),
                ZERO,
            )
            if quantity <= 0 and refund_total <= 0:
                continue
            lines.append(
                {
                    "item_id": item["id"],
                    "name": item["name"],
                    "product_id": item["product_id"],
                    "variation_id": item["variation_id"],
                    "sku": item["sku"],
                    "quantity": max(quantity, 0),
                    "refund_total": money(refund_total),
                    "refund_tax": money(refund_tax),
                }
            )
        return lines

    def _refund_line_out(self, line: Record) -> Record:
        total, tax = to_decimal(line["refund_total"]), to_decimal(line["refund_tax"])
        quantity = line["quantity"]
        return {
            "id": self.s.next_id("item"),
            "name": line["name"],
            "product_id": line["product_id"],
            "variation_id": line["variation_id"],
            "quantity": -quantity,
            "tax_class": "",
            "subtotal": money(-total),
            "subtotal_tax": money(-tax),
            "total": money(-total),
            "total_tax": money(-tax),
            "taxes": [{"id": 1, "total": money(-tax), "subtotal": money(-tax)}] if tax else [],
            "meta_data": [{"id": self.s.next_id("meta"), "key": "_refunded_item_id", "value": str(line["item_id"])}],
            "sku": line["sku"],
            "price": float(-total / quantity) if quantity else 0,
            "refund_total": float(total),
        }

    def _refund_out(self, order_id: int, refund: Record) -> Record:
        return self._with_links(order_id, "refunds", refund)

    def _with_links(self, order_id: int, collection: str, record: Record) -> Record:
        order = f"{self.s.api}/orders/{order_id}"
        return with_links(record, f"{order}/{collection}", up=order)

    def _order(self, order_id: int) -> Record:
        order = self.s.orders.get(order_id)
        if order is None:
            raise order_invalid()
        return order
