"""WooCommerce object shapes: blank records, derived fields and REST serialisation.

Records are stored already in the REST shape (minus ``_links``), so answering a list
page is a shallow copy per object. Records are treated as immutable once stored: every
write builds a new dict (and new nested lists), which lets responses be JSON-encoded
outside the store lock.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .text import price_html
from .text import price_range_html
from .text import to_decimal

PRODUCT_STATUSES = ("publish", "draft", "pending", "private", "future")
PRODUCT_TYPES = ("simple", "variable", "grouped", "external")
VARIATION_STATUSES = ("publish", "private", "draft", "pending")
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
# Statuses in which WooCommerce has reduced stock for an order (wc_maybe_reduce_stock_levels).
STOCK_REDUCING_STATUSES = ("processing", "completed", "on-hold")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
BACKORDERS = ("no", "notify", "yes")


def image(media_id: int, dates: tuple[str, str], src: str, name: str = "", alt: str = "") -> dict[str, Any]:
    local, gmt = dates
    return {
        "id": media_id,
        "date_created": local,
        "date_created_gmt": gmt,
        "date_modified": local,
        "date_modified_gmt": gmt,
        "src": src,
        "name": name,
        "alt": alt,
    }


# A new product's and a new variation's SKU, prices and sale dates (in WooCommerce's key order).
_BLANK_PRICES: dict[str, Any] = {
    "sku": "",
    "price": "",
    "regular_price": "",
    "sale_price": "",
    "date_on_sale_from": None,
    "date_on_sale_from_gmt": None,
    "date_on_sale_to": None,
    "date_on_sale_to_gmt": None,
}

# ... and their tax and stock settings.
_BLANK_STOCK: dict[str, Any] = {
    "tax_status": "taxable",
    "tax_class": "",
    "manage_stock": False,
    "stock_quantity": None,
    "stock_status": "instock",
    "backorders": "no",
    "backorders_allowed": False,
    "backordered": False,
}


def blank_product(product_id: int, created: tuple[str, str]) -> dict[str, Any]:
    local, gmt = created
    return {
        "id": product_id,
        "name": "",
        "slug": "",
        "permalink": "",
        "date_created": local,
        "date_created_gmt": gmt,
        "date_modified": local,
        "date_modified_gmt": gmt,
        "type": "simple",
        "status": "publish",
        "featured": False,
        "catalog_visibility": "visible",
        "description": "",
        "short_description": "",
        **_BLANK_PRICES,
        "price_html": "",
        "on_sale": False,
        "purchasable": False,
        "total_sales": 0,
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "external_url": "",
        "button_text": "",
        **_BLANK_STOCK,
        "sold_individually": False,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_required": True,
        "shipping_taxable": True,
        "shipping_class": "",
        "shipping_class_id": 0,
        "reviews_allowed": True,
        "average_rating": "0.00",
        "rating_count": 0,
        "related_ids": [],
        "upsell_ids": [],
        "cross_sell_ids": [],
        "parent_id": 0,
        "purchase_note": "",
        "categories": [],
        "tags": [],
        "brands": [],
        "images": [],
        "attributes": [],
        "default_attributes": [],
        "variations": [],
        "grouped_products": [],
        "menu_order": 0,
        "meta_data": [],
    }


def blank_variation(variation_id: int, created: tuple[str, str]) -> dict[str, Any]:
    local, gmt = created
    return {
        "id": variation_id,
        "date_created": local,
        "date_created_gmt": gmt,
        "date_modified": local,
        "date_modified_gmt": gmt,
        "description": "",
        "permalink": "",
        **_BLANK_PRICES,
        "on_sale": False,
        "status": "publish",
        "purchasable": False,
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        **_BLANK_STOCK,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "",
        "shipping_class_id": 0,
        "image": None,
        "attributes": [],
        "menu_order": 0,
        "meta_data": [],
    }


def blank_address(with_contact: bool) -> dict[str, str]:
    address = {
        "first_name": "",
        "last_name": "",
        "company": "",
        "address_1": "",
        "address_2": "",
        "city": "",
        "state": "",
        "postcode": "",
        "country": "",
    }
    if with_contact:
        address["email"] = ""
        address["phone"] = ""
    return address


def blank_order(order_id: int, created: tuple[str, str]) -> dict[str, Any]:
    local, gmt = created
    return {
        "id": order_id,
        "parent_id": 0,
        "number": str(order_id),
        "order_key": "",
        "created_via": "rest-api",
        "version": "9.6.0",
        "status": "pending",
        "currency": "ILS",
        "date_created": local,
        "date_created_gmt": gmt,
        "date_modified": local,
        "date_modified_gmt": gmt,
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": "0.00",
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": "0.00",
        "total_tax": "0.00",
        "prices_include_tax": True,
        "customer_id": 0,
        "customer_ip_address": "",
        "customer_user_agent": "",
        "customer_note": "",
        "billing": blank_address(with_contact=True),
        "shipping": blank_address(with_contact=False),
        "payment_method": "",
        "payment_method_title": "",
        "transaction_id": "",
        "date_paid": None,
        "date_paid_gmt": None,
        "date_completed": None,
        "date_completed_gmt": None,
        "cart_hash": "",
        "meta_data": [],
        "line_items": [],
        "tax_lines": [],
        "shipping_lines": [],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
    }


# --- derived fields ---------------------------------------------------------------


def _sale_active(rec: dict[str, Any], now_gmt: str) -> bool:
    sale, regular = to_decimal(rec["sale_price"]), to_decimal(rec["regular_price"])
    if sale is None or regular is None or sale >= regular:
        return False
    starts, ends = rec["date_on_sale_from_gmt"], rec["date_on_sale_to_gmt"]
    return (starts is None or starts <= now_gmt) and (ends is None or ends >= now_gmt)


def derive_priced(rec: dict[str, Any], now_gmt: str) -> None:
    """Price, sale and stock fields WooCommerce computes on save (simple products and variations)."""
    rec["on_sale"] = _sale_active(rec, now_gmt)
    rec["price"] = rec["sale_price"] if rec["on_sale"] else rec["regular_price"]
    if rec["manage_stock"]:
        quantity = rec["stock_quantity"] or 0
        rec["stock_quantity"] = quantity
        if quantity > 0:
            rec["stock_status"] = "instock"
        else:
            rec["stock_status"] = "outofstock" if rec["backorders"] == "no" else "onbackorder"
    else:
        rec["stock_quantity"] = None
    rec["backorders_allowed"] = rec["backorders"] != "no"
    rec["backordered"] = rec["manage_stock"] and rec["stock_status"] == "onbackorder"
    rec["purchasable"] = rec["price"] != "" and rec.get("type") != "external"


def derive_product(rec: dict[str, Any], base_url: str, now_gmt: str, children: list[dict[str, Any]]) -> None:
    """All derived product fields; ``children`` are the variations of a variable product."""
    if rec["status"] == "publish":
        rec["permalink"] = f"{base_url}/product/{rec['slug']}/"
    else:
        rec["permalink"] = f"{base_url}/?post_type=product&p={rec['id']}"
    rec["shipping_required"] = not rec["virtual"]
    rec["shipping_taxable"] = rec["shipping_required"] and rec["tax_status"] in ("taxable", "shipping")
    if rec["type"] != "variable":
        derive_priced(rec, now_gmt)
        rec["price_html"] = price_html(rec["price"], rec["regular_price"], rec["on_sale"])
        return
    # A variable product's prices summarise its purchasable variations (WC_Product_Variable::sync).
    rec["regular_price"] = rec["sale_price"] = ""
    visible = [c for c in children if c["status"] == "publish"]
    priced = sorted((c for c in visible if c["price"] != ""), key=lambda c: to_decimal(c["price"]))
    rec["price"] = priced[0]["price"] if priced else ""
    rec["price_html"] = price_range_html(priced[0]["price"], priced[-1]["price"]) if priced else ""
    rec["on_sale"] = any(c["on_sale"] for c in visible)
    rec["purchasable"] = rec["price"] != ""
    if not rec["manage_stock"]:
        rec["stock_quantity"] = None
        statuses = {c["stock_status"] for c in visible}
        if statuses:
            rec["stock_status"] = next(s for s in STOCK_STATUSES if s in statuses)
    rec["backorders_allowed"] = rec["backorders"] != "no"
    rec["backordered"] = False


def variation_permalink(parent_permalink: str, attribute_query: list[tuple[str, str]]) -> str:
    """``attribute_query`` is ``[(attribute key, value slug), ...]`` (pa_color=black, size=M)."""
    if not attribute_query:
        return parent_permalink
    separator = "&" if "?" in parent_permalink else "?"
    return parent_permalink + separator + "&".join(f"attribute_{k}={quote(v)}" for k, v in attribute_query)


# --- serialisation -------------------------------------------------------------------


def _href(url: str) -> list[dict[str, str]]:
    return [{"href": url}]


def links(rec: dict[str, Any], collection: str, **related: str | None) -> dict[str, Any]:
    """WooCommerce's ``_links`` of ``rec``: itself and ``collection`` (the collection's absolute
    URL), then each ``related`` URL that is set (``up``, ``customer``)."""
    found = {"self": _href(f"{collection}/{rec['id']}"), "collection": _href(collection)}
    found.update((rel, _href(url)) for rel, url in related.items() if url)
    return found


def with_links(rec: dict[str, Any], collection: str, **related: str | None) -> dict[str, Any]:
    """``rec`` with its ``_links`` (see :func:`links`)."""
    return {**rec, "_links": links(rec, collection, **related)}


def product_links(rec: dict[str, Any], api: str) -> dict[str, Any]:
    parent_id = rec["parent_id"]
    return links(rec, f"{api}/products", up=f"{api}/products/{parent_id}" if parent_id else None)


def product_out(rec: dict[str, Any], api: str) -> dict[str, Any]:
    return {**rec, "_links": product_links(rec, api)}


def variation_links(rec: dict[str, Any], parent_id: int, api: str) -> dict[str, Any]:
    return links(rec, f"{api}/products/{parent_id}/variations", up=f"{api}/products/{parent_id}")


def variation_out(rec: dict[str, Any], parent_id: int, api: str) -> dict[str, Any]:
    return {**rec, "_links": variation_links(rec, parent_id, api)}


def variation_as_product(rec: dict[str, Any], parent: dict[str, Any], api: str) -> dict[str, Any]:
    """A variation as ``GET /products/<variation id>`` (and so product webhooks) return it."""
    out = blank_product(rec["id"], (rec["date_created"], rec["date_created_gmt"]))
    for key in out:
        if key in rec and key not in ("image", "attributes"):
            out[key] = rec[key]
    options = ", ".join(a["option"] for a in rec["attributes"])
    out.update(
        name=f"{parent['name']} - {options}" if options else parent["name"],
        slug=f"{parent['slug']}-{rec['id']}",
        type="variation",
        parent_id=parent["id"],
        short_description="",
        price_html=price_html(rec["price"], rec["regular_price"], rec["on_sale"]),
        images=[rec["image"]] if rec["image"] else [],
        attributes=[dict(a) for a in rec["attributes"]],
        catalog_visibility=parent["catalog_visibility"],
        shipping_required=not rec["virtual"],
        shipping_taxable=not rec["virtual"] and rec["tax_status"] in ("taxable", "shipping"),
    )
    return product_out(out, api)


def order_links(rec: dict[str, Any], api: str) -> dict[str, Any]:
    customer_id = rec["customer_id"]
    return links(rec, f"{api}/orders", customer=f"{api}/customers/{customer_id}" if customer_id else None)


def order_out(rec: dict[str, Any], api: str) -> dict[str, Any]:
    return {**rec, "_links": order_links(rec, api)}


def term_out(rec: dict[str, Any], collection: str) -> dict[str, Any]:
    """Categories, tags, brands and attribute terms; ``collection`` is the absolute collection URL."""
    parent = rec.get("parent")
    return with_links(rec, collection, up=f"{collection}/{parent}" if parent else None)


WEBHOOK_FIELDS = (
    "id",
    "name",
    "status",
    "topic",
    "resource",
    "event",
    "hooks",
    "delivery_url",
    "date_created",
    "date_created_gmt",
    "date_modified",
    "date_modified_gmt",
)


def webhook_out(rec: dict[str, Any], api: str) -> dict[str, Any]:
    return with_links({key: rec[key] for key in WEBHOOK_FIELDS}, f"{api}/webhooks")
