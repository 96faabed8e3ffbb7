"""Orders: queries, writes, totals, stock side effects and webhook events."""

from __future__ import annotations

import string
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Any

from .catalog import Catalog
from .catalog_schema import POST_ORDERBY
from .errors import ApiError
from .errors import already_trashed
from .errors import invalid_id
from .model import ORDER_STATUSES
from .model import STOCK_REDUCING_STATUSES
from .model import blank_address
from .model import blank_order
from .model import order_links
from .model import order_out
from .order_extras import OrderExtras
from .params import Args
from .params import FieldSpec
from .params import Page
from .params import StatusFilter
from .params import apply_common_filters
from .params import collection_args
from .params import order_records
from .params import paginate
from .params import parse_int
from .params import validate_body
from .store import Store
from .text import money
from .text import slugify
from .text import to_decimal

Record = dict[str, Any]

VAT_RATE = Decimal("0.18")
VAT_RATE_ID = 1
ZERO = Decimal(0)

ORDER_SCHEMA: dict[str, FieldSpec] = {
    "parent_id": "integer",
    "status": ("enum", ORDER_STATUSES),
    "currency": "string",
    "customer_id": "integer",
    "customer_note": "string",
    "billing": "object",
    "shipping": "object",
    "payment_method": "string",
    "payment_method_title": "string",
    "transaction_id": "string",
    "meta_data": "array",
    "line_items": "array",
    "shipping_lines": "array",
    "fee_lines": "array",
    "set_paid": "boolean",
}
ORDER_STATUS_FILTER = ("any", "trash", *ORDER_STATUSES)
ORDER_SORT_KEYS = {
    "date": itemgetter("date_created_gmt", "id"),
    "modified": itemgetter("date_modified_gmt", "id"),
    "id": itemgetter("id"),
    # An order's post_title is "Order &ndash; <date>", so title and slug follow the date.
    "title": itemgetter("date_created_gmt", "id"),
    "slug": itemgetter("date_created_gmt", "id"),
}


def split_vat(gross: Decimal) -> tuple[Decimal, Decimal]:
    """Prices include 18% VAT: ``(net, tax)`` rounded to cents, summing to ``gross``."""
    net = (gross / (1 + VAT_RATE)).quantize(Decimal("0.01"))
    return net, gross.quantize(Decimal("0.01")) - net


def unit_price(net_total: Decimal, quantity: int) -> int | float:
    """``line_items[].price``: a JSON number (total / quantity), integral values without decimals."""
    value = net_total / max(quantity, 1)
    return int(value) if value == value.to_integral_value() else float(value)


def order_key(rng: Any) -> str:
    return "wc_order_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(13))


class Orders:
    """Order endpoints over a :class:`Store`; stock changes go through the :class:`Catalog`."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.s = store
        self.catalog = catalog
        self.extras = OrderExtras(store, catalog)

    # --- reads ---------------------------------------------------------------------------

    def list_orders(self, params: dict[str, Any]) -> Page:
        args = Args(params, self.s.clock)
        coll = collection_args(args, POST_ORDERBY)
        statuses = set(args.enum_list("status", ORDER_STATUS_FILTER, ["any"]))
        customer = args.integer("customer") if args.has("customer") else None
        product = args.integer("product") if args.has("product") else None
        parents = set(args.ids("parent"))
        args.check()
        if "any" in statuses:
            statuses |= set(ORDER_STATUSES)
        with self.s.lock:
            records = order_records(
                self.s.orders.values(),
                coll,
                ORDER_SORT_KEYS,
                cached=lambda name, key, where: self.s.sorted_values("orders", name, key, where),
                where=StatusFilter(only=frozenset(statuses)),
            )
            records = apply_common_filters(records, coll)
            if coll.search:
                records = [r for r in records if _order_matches(r, coll.search.casefold())]
            if customer is not None:
                records = [r for r in records if r["customer_id"] == customer]
            if product is not None:
                records = [r for r in records if any(item["product_id"] == product for item in r["line_items"])]
            if parents:
                records = [r for r in records if r["parent_id"] in parents]
            page = paginate(records, coll)
            self.s.item_cache.page("order", page, {"_links": partial(order_links, api=self.s.api)})
        return page

    def get_order(self, order_id: int) -> Record:
        with self.s.lock:
            rec = self.s.orders.get(order_id)
            if rec is None:
                raise invalid_id("shop_order")
            return order_out(rec, self.s.api)

    # --- writes --------------------------------------------------------------------------

    def create_order(self, body: dict[str, Any]) -> Record:
        if body.get("id"):
            raise ApiError(400, "woocommerce_rest_shop_order_exists", "Cannot create existing shop_order.")
        fields = validate_body(body, ORDER_SCHEMA, self.s.clock)
        with self.s.tx():
            rec = blank_order(self.s.next_id("post"), self.s.clock.stamp())
            rec["order_key"] = order_key(self.s.rng)
            self._apply(rec, fields)
            self._save(rec)
            self._after_status_change(rec, None)
            self.s.emit("order.created", rec["id"])
            return order_out(self.s.orders[rec["id"]], self.s.api)

    def update_order(self, order_id: int, body: dict[str, Any]) -> Record:
        fields = validate_body(body, ORDER_SCHEMA, self.s.clock)
        with self.s.tx():
            old = self.s.orders.get(order_id)
            if old is None:
                raise invalid_id("shop_order", 400)
            rec = dict(old)
            rec["date_modified"], rec["date_modified_gmt"] = self.s.clock.stamp(old["date_modified_gmt"])
            self._apply(rec, fields)
            if old["status"] == "trash" and rec["status"] != "trash":
                self.s.trashed_status.pop(order_id, None)
            self._save(rec)
            self._after_status_change(rec, old["status"])
            self.s.emit("order.updated", order_id)
            return order_out(self.s.orders[order_id], self.s.api)

    def delete_order(self, order_id: int, force: bool = False) -> Record:
        with self.s.tx():
            rec = self.s.orders.get(order_id)
            if rec is None:
                raise invalid_id("shop_order")
            out = order_out(rec, self.s.api)
            if force:
                del self.s.orders[order_id]
                self.s.bump("orders")
                self.s.trashed_status.pop(order_id, None)
                self.s.stock_reduced.discard(order_id)
            else:
                if rec["status"] == "trash":
                    raise already_trashed("shop_order")
                self.s.trashed_status[order_id] = rec["status"]
                self._set_status(order_id, "trash")
                self.s.emit("order.deleted", order_id)
            return out

    def restore_order(self, order_id: int) -> Record:
        """Untrash (woocommerce_untrash_order): the previous status returns, order.restored fires."""
        with self.s.tx():
            rec = self.s.orders.get(order_id)
            if rec is None:
                raise invalid_id("shop_order")
            if rec["status"] == "trash":
                self._set_status(order_id, self.s.trashed_status.pop(order_id, "pending"))
                self.s.emit("order.restored", order_id)
            return order_out(self.s.orders[order_id], self.s.api)

    # --- internals -------------------------------------------------------------------

    def _set_status(self, order_id: int, status: str) -> None:
        old = self.s.orders[order_id]
        rec = dict(old, status=status)
        rec["date_modified"], rec["date_modified_gmt"] = self.s.clock.stamp(old["date_modified_gmt"])
        self._save(rec)

    def _save(self, rec: Record) -> None:
        self.s.orders[rec["id"]] = rec
        self.s.bump("orders")

    def _apply(self, rec: Record, f: dict[str, Any]) -> None:
        for key in (
            "parent_id",
            "status",
            "currency",
            "customer_id",
            "customer_note",
            "payment_method",
            "payment_method_title",
            "transaction_id",
        ):
            if key in f:
                rec[key] = f[key]
        for key in ("billing", "shipping"):
            if key in f:
                template = blank_address(with_contact=key == "billing")
                rec[key] = {field: str(f[key].get(field, rec[key][field])) for field in template}
        if "meta_data" in f:
            rec["meta_data"] = self.catalog.merge_meta(rec["meta_data"], f["meta_data"])
        if "line_items" in f:
            rec["line_items"] = self._line_items(rec["line_items"], f["line_items"])
        if "shipping_lines" in f:
            rec["shipping_lines"] = self._shipping_lines(f["shipping_lines"])
        if "fee_lines" in f:
            rec["fee_lines"] = self._fee_lines(f["fee_lines"])
        if {"line_items", "shipping_lines", "fee_lines"} & f.keys():
            recompute_totals(rec, lambda: self.s.next_id("item"))
        if f.get("set_paid"):
            # payment_complete(): paid now, and processing unless the order is already further along.
            if rec["status"] in ("pending", "failed", "on-hold", "cancelled", "checkout-draft"):
                rec["status"] = "processing"
            if rec["date_paid"] is None:
                rec["date_paid"], rec["date_paid_gmt"] = self.s.clock.stamp()

    def _after_status_change(self, rec: Record, old_status: str | None) -> None:
        """Paid/completed dates and stock levels follow status changes like WooCommerce's hooks."""
        status = rec["status"]
        if status == old_status:
            return
        self.extras.status_changed(rec["id"], old_status, status)
        updates: dict[str, Any] = {}
        if status in ("processing", "completed") and rec["date_paid"] is None:
            updates["date_paid"], updates["date_paid_gmt"] = self.s.clock.stamp()
        if status == "completed" and rec["date_completed"] is None:
            updates["date_completed"], updates["date_completed_gmt"] = self.s.clock.stamp()
        if updates:
            self._save(dict(rec, **updates))
        if status in STOCK_REDUCING_STATUSES and rec["id"] not in self.s.stock_reduced:
            self.s.stock_reduced.add(rec["id"])
            sign = -1
        elif status in ("cancelled", "pending") and rec["id"] in self.s.stock_reduced:
            self.s.stock_reduced.discard(rec["id"])
            sign = 1
        else:
            return
        for item in rec["line_items"]:
            self.catalog.adjust_stock(item["variation_id"] or item["product_id"], sign * item["quantity"])

    def _line_items(self, existing: list[Record], values: list[Any]) -> list[Record]:
        """Items with an ``id`` update (quantity 0 removes them); items without one are added."""
        items = {item["id"]: item for item in existing}
        for value in values:
            if not isinstance(value, dict):
                continue
            item_id = parse_int(value.get("id")) or 0
            current = items.get(item_id)
            quantity = parse_int(value.get("quantity", current["quantity"] if current else 1))
            if current is not None and quantity == 0:
                del items[item_id]
                continue
            built = self.line_item(value, current, quantity or 1)
            items[built["id"]] = built
        return list(items.values())

    def line_item(self, value: dict[str, Any], current: Record | None, quantity: int) -> Record:
        """One line item for a product or variation, priced from the catalog unless totals are given."""
        product_id = parse_int(value.get("product_id")) or (current["product_id"] if current else 0)
        variation_id = parse_int(value.get("variation_id")) or (current["variation_id"] if current else 0)
        if not product_id and not variation_id and value.get("sku"):
            owner = self.s.sku_owner(str(value["sku"]))
            if owner in self.s.variations:
                product_id, variation_id = self.s.variation_parent[owner], owner
            elif owner is not None:
                product_id = owner
        if not product_id and not variation_id:
            raise ApiError(400, "woocommerce_rest_required_product_reference", "Product ID or SKU is required.")
        if variation_id and not product_id:
            product_id = self.s.variation_parent.get(variation_id, 0)
        product = self.s.products.get(product_id)
        variation = self.s.variations.get(variation_id)
        source = variation or product
        name = str(value.get("name") or (current["name"] if current else ""))
        meta: list[Record] = []
        if product is not None and not name:
            options = ", ".join(a["option"] for a in variation["attributes"]) if variation else ""
            name = f"{product['name']} - {options}" if options else product["name"]
        if variation is not None:
            meta = [
                {"id": self.s.next_id("meta"), "key": key, "value": val} for key, val in self._variation_meta(variation)
            ]
        gross = (to_decimal(source["price"]) or ZERO) * quantity if source else ZERO
        net, tax = split_vat(gross)
        if "total" in value and to_decimal(str(value["total"])) is not None:
            net = to_decimal(str(value["total"])).quantize(Decimal("0.01"))
            tax = (net * VAT_RATE).quantize(Decimal("0.01"))
        sub_net, sub_tax = net, tax
        if "subtotal" in value and to_decimal(str(value["subtotal"])) is not None:
            sub_net = to_decimal(str(value["subtotal"])).quantize(Decimal("0.01"))
            sub_tax = (sub_net * VAT_RATE).quantize(Decimal("0.01"))
        return {
            "id": current["id"] if current else self.s.next_id("item"),
            "name": name,
            "product_id": product_id,
            "variation_id": variation_id,
            "quantity": quantity,
            "tax_class": "",
            "subtotal": money(sub_net),
            "subtotal_tax": money(sub_tax),
            "total": money(net),
            "total_tax": money(tax),
            "taxes": [{"id": VAT_RATE_ID, "total": money(tax), "subtotal": money(sub_tax)}],
            "meta_data": meta,
            "sku": source["sku"] if source else "",
            "price": unit_price(net, quantity),
        }

    def _variation_meta(self, variation: Record) -> list[tuple[str, str]]:
        """Line item meta for a variation: ``pa_color=black`` for global attributes, ``size=M`` otherwise."""
        pairs = []
        for attribute in variation["attributes"]:
            if attribute["id"] in self.s.attributes:
                term = self.catalog.find_term(attribute["id"], attribute["option"])
                pairs.append(
                    (self.s.attributes[attribute["id"]]["slug"], term["slug"] if term else slugify(attribute["option"]))
                )
            else:
                pairs.append((slugify(attribute["name"]), attribute["option"]))
        return pairs

    def _shipping_lines(self, values: list[Any]) -> list[Record]:
        lines = []
        for value in values:
            if not isinstance(value, dict):
                continue
            net = (to_decimal(str(value.get("total", "0"))) or ZERO).quantize(Decimal("0.01"))
            tax = (net * VAT_RATE).quantize(Decimal("0.01"))
            lines.append(
                {
                    "id": parse_int(value.get("id")) or self.s.next_id("item"),
                    "method_title": str(value.get("method_title", "")),
                    "method_id": str(value.get("method_id", "")),
                    "total": money(net),
                    "total_tax": money(tax),
                    "taxes": [{"id": VAT_RATE_ID, "total": money(tax), "subtotal": ""}] if tax else [],
                    "meta_data": [],
                }
            )
        return lines

    def _fee_lines(self, values: list[Any]) -> list[Record]:
        fees = []
        for value in values:
            if not isinstance(value, dict):
                continue
            net = (to_decimal(str(value.get("total", "0"))) or ZERO).quantize(Decimal("0.01"))
            fees.append(
                {
                    "id": parse_int(value.get("id")) or self.s.next_id("item"),
                    "name": str(value.get("name", "")),
                    "tax_class": "",
                    "tax_status": "none",
                    "total": money(net),
                    "total_tax": "0.00",
                    "taxes": [],
                    "meta_data": [],
                }
            )
        return fees


def recompute_totals(rec: Record, new_item_id: Callable[[], int]) -> None:
    """Order totals and the single VAT tax line from line, shipping and fee lines."""
    cart_net = sum((to_decimal(i["total"]) or ZERO for i in rec["line_items"]), ZERO)
    cart_tax = sum((to_decimal(i["total_tax"]) or ZERO for i in rec["line_items"]), ZERO)
    ship_net = sum((to_decimal(s["total"]) or ZERO for s in rec["shipping_lines"]), ZERO)
    ship_tax = sum((to_decimal(s["total_tax"]) or ZERO for s in rec["shipping_lines"]), ZERO)
    fees = sum((to_decimal(f["total"]) or ZERO for f in rec["fee_lines"]), ZERO)
    rec["cart_tax"] = money(cart_tax)
    rec["shipping_total"] = money(ship_net)
    rec["shipping_tax"] = money(ship_tax)
    rec["total_tax"] = money(cart_tax + ship_tax)
    rec["total"] = money(cart_net + cart_tax + ship_net + ship_tax + fees)
    existing_id = rec["tax_lines"][0]["id"] if rec["tax_lines"] else None
    rec["tax_lines"] = (
        [
            {
                "id": existing_id or new_item_id(),
                "rate_code": "IL-VAT-1",
                "rate_id": VAT_RATE_ID,
                "label": 'מע"מ',
                "compound": False,
                "tax_total": money(cart_tax),
                "shipping_tax_total": money(ship_tax),
                "meta_data": [],
            }
        ]
        if cart_tax or ship_tax
        else []
    )


def _order_matches(rec: Record, needle: str) -> bool:
    if needle == str(rec["id"]):
        return True
    billing, shipping = rec["billing"], rec["shipping"]
    haystack = (
        billing["first_name"],
        billing["last_name"],
        billing["email"],
        billing["phone"],
        billing["company"],
        shipping["first_name"],
        shipping["last_name"],
        *(item["name"] for item in rec["line_items"]),
    )
    return any(needle in value.casefold() for value in haystack)
