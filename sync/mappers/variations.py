"""``GET /products/{id}/variations`` -> ``product_variations``; and local variation -> body."""

from __future__ import annotations

from datetime import date
from typing import Any

from .common import MappingError
from .common import amount
from .common import blank_to_none
from .common import decimal
from .common import gmt
from .common import image_src
from .common import integer
from .common import measures
from .common import measures_body
from .common import reads_payload
from .common import require
from .common import sent
from .common import stock_body
from .common import text
from .common import woo_id
from .products import marker_meta


def _sale_date(payload: dict, key: str) -> date | None:
    """WooCommerce's sale dates are the shop's local dates ("2026-12-01T00:00:00")."""
    value = payload.get(key)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise MappingError(f"{key} is not a date", field=key) from None


# The ``product_variations`` columns a pull writes from a variation's fields, with their SQL types
# (the upsert's inputs): declared once. Also what a push sends.
VARIATION_COLUMNS = {
    "sku": "text",
    "price": "numeric",
    "regular_price": "numeric",
    "sale_price": "numeric",
    "stock_quantity": "integer",
    "stock_status": "text",
    "attributes": "jsonb",
    "status": "text",
    "description": "text",
    "weight": "numeric",
    "length": "numeric",
    "width": "numeric",
    "height": "numeric",
    "backorders": "text",
    "date_on_sale_from": "date",
    "date_on_sale_to": "date",
}
VARIATION_FIELDS = tuple(VARIATION_COLUMNS)


# The keys of a WooCommerce variation that the pull reads (``variation_fields``; ``parent_id``
# from the store-wide listing): see ``PRODUCT_PAYLOAD_KEYS``. The columns above are read under
# their own names, but the measures, which come in ``dimensions``.
VARIATION_PAYLOAD_KEYS = (
    "id",
    "parent_id",
    *(name for name in VARIATION_FIELDS if name not in ("length", "width", "height")),
    "dimensions",
    "date_modified_gmt",
    "image",
)


@reads_payload
def variation_fields(payload: dict) -> dict:
    """Column values, plus ``image_src``/``image_woo_id`` to link ``image_id`` to a
    ``product_images`` row of the parent product."""
    vid = woo_id(payload)
    attributes = payload.get("attributes") or []
    if not isinstance(attributes, list):
        raise MappingError("attributes is not a list", field="attributes", woo_id=vid)
    try:
        refs = []
        for attribute in attributes:
            if not isinstance(attribute, dict):
                raise MappingError("an attribute is not an object", field="attributes")
            refs.append(
                {
                    "id": integer(attribute.get("id", 0), field="attributes.id") or 0,
                    "name": attribute.get("name", ""),
                    "option": attribute.get("option", ""),
                }
            )
        image = payload.get("image")
        dimensions = payload.get("dimensions") if isinstance(payload.get("dimensions"), dict) else {}
        return {
            "woo_id": vid,
            "sku": blank_to_none(text(payload, "sku")),
            "price": decimal(payload.get("price"), field="price"),
            "regular_price": decimal(payload.get("regular_price"), field="regular_price"),
            "sale_price": decimal(payload.get("sale_price"), field="sale_price"),
            "stock_quantity": integer(payload.get("stock_quantity"), field="stock_quantity"),
            "stock_status": text(payload, "stock_status", "instock") or "instock",
            "attributes": refs,
            "status": require(payload, "status", str),
            "description": blank_to_none(text(payload, "description")),
            **measures(payload, dimensions),
            "backorders": text(payload, "backorders", "no") or "no",
            "date_on_sale_from": _sale_date(payload, "date_on_sale_from"),
            "date_on_sale_to": _sale_date(payload, "date_on_sale_to"),
            "woo_modified_at": gmt(payload.get("date_modified_gmt"), field="date_modified_gmt"),
            "image_src": image_src(image),
            "image_woo_id": integer(image.get("id"), field="image.id") if isinstance(image, dict) else None,
        }
    except MappingError as exc:
        exc.woo_id = vid
        raise


def variation_to_woo(
    fields: dict[str, Any], *, only: set[str] | None = None, image: dict | None = None, marker_value: str | None = None
) -> dict:
    wanted = sent(fields, only)
    body: dict[str, Any] = {}
    if wanted("sku"):
        body["sku"] = fields["sku"] or ""
    for name in ("regular_price", "sale_price"):
        if wanted(name):
            body[name] = amount(fields[name])
    body.update(stock_body(fields, wanted))
    for name in ("stock_status", "status", "backorders"):
        if wanted(name) and fields[name]:
            body[name] = fields[name]
    if wanted("description"):
        body["description"] = fields["description"] or ""
    body.update(measures_body(fields, wanted))
    # A sale runs from the start of its first day to the end of its last (WooCommerce's own).
    if wanted("date_on_sale_from"):
        start = fields["date_on_sale_from"]
        body["date_on_sale_from"] = f"{start.isoformat()}T00:00:00" if start else None
    if wanted("date_on_sale_to"):
        end = fields["date_on_sale_to"]
        body["date_on_sale_to"] = f"{end.isoformat()}T23:59:59" if end else None
    if wanted("attributes"):
        body["attributes"] = [
            {**({"id": ref["id"]} if ref.get("id") else {"name": ref.get("name", "")}), "option": ref.get("option", "")}
            for ref in fields["attributes"] or []
        ]
    if image is not None:
        # {} takes the variation's image off (WooCommerce's set_image_id('')).
        body["image"] = (
            {"id": image["woo_id"]} if image.get("woo_id") else {"src": image["original_url"]} if image else {}
        )
        if "src" in body["image"] and image.get("name"):
            body["image"]["name"] = image["name"]
    if marker_value:
        body["meta_data"] = marker_meta(marker_value)
    return body
