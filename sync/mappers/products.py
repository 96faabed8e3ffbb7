"""``GET /products`` -> ``products``, ``product_attributes`` and ``product_images`` rows;
and the reverse, local product -> request body for ``POST/PUT /products``."""

from __future__ import annotations

from typing import Any

from .common import MappingError
from .common import amount
from .common import blank_to_none
from .common import gmt
from .common import integer
from .common import loose_text
from .common import measures
from .common import measures_body
from .common import money
from .common import refs
from .common import require
from .common import sent
from .common import stock_body
from .common import text
from .common import woo_id

# The ``products`` columns a pull writes from a product's fields, with their SQL types (the
# upsert's inputs): declared once. Also what conflicts compare, field by field, and what a push
# sends.
PRODUCT_COLUMNS = {
    "name": "text",
    "description": "text",
    "short_description": "text",
    "price": "numeric",
    "sale_price": "numeric",
    "stock_quantity": "integer",
    "stock_status": "text",
    "status": "text",
    "type": "text",
    "sku": "text",
    "weight": "numeric",
    "length": "numeric",
    "width": "numeric",
    "height": "numeric",
    "categories": "jsonb",
    "tags": "jsonb",
    "brands": "jsonb",
    "featured": "boolean",
    "catalog_visibility": "text",
}
PRODUCT_FIELDS = tuple(PRODUCT_COLUMNS)

# The keys of a WooCommerce product that the pull reads (``product_fields``, the attribute and
# image rows, the variable products' list, the marker): its listings ask for these only
# (``_fields``), so the rest of each item is neither sent nor decoded. A test maps every product
# of a sandbox shop both whole and cut to these keys.
PRODUCT_PAYLOAD_KEYS = (
    "id",
    "name",
    "type",
    "status",
    "sku",
    "description",
    "short_description",
    "regular_price",
    "sale_price",
    "stock_quantity",
    "stock_status",
    "weight",
    "dimensions",
    "categories",
    "tags",
    "brands",
    "featured",
    "catalog_visibility",
    "permalink",
    "date_created_gmt",
    "date_modified_gmt",
    "attributes",
    "images",
    "variations",
    "meta_data",
)

# Not underscored: WooCommerce hides "protected" (underscore) meta keys from the REST API.
MARKER_KEY = "storedesk_id"


def product_fields(payload: dict) -> dict:
    pid = woo_id(payload)
    dimensions = payload.get("dimensions") or {}
    if not isinstance(dimensions, dict):
        raise MappingError("dimensions is not an object", field="dimensions", woo_id=pid)
    try:
        return {
            "woo_id": pid,
            "name": require(payload, "name", str),
            "description": text(payload, "description"),
            "short_description": text(payload, "short_description"),
            "price": money(payload.get("regular_price"), field="regular_price"),
            "sale_price": money(payload.get("sale_price"), field="sale_price"),
            "stock_quantity": integer(payload.get("stock_quantity"), field="stock_quantity"),
            "stock_status": text(payload, "stock_status", "instock") or "instock",
            "status": require(payload, "status", str),
            "type": require(payload, "type", str),
            "sku": blank_to_none(text(payload, "sku")),
            **measures(payload, dimensions),
            "categories": refs(payload, "categories"),
            "tags": refs(payload, "tags"),
            "brands": refs(payload, "brands"),
            "featured": bool(payload.get("featured", False)),
            "catalog_visibility": text(payload, "catalog_visibility", "visible") or "visible",
            "permalink": blank_to_none(text(payload, "permalink", None)),
            "woo_created_at": gmt(payload.get("date_created_gmt"), field="date_created_gmt"),
            "woo_modified_at": gmt(payload.get("date_modified_gmt"), field="date_modified_gmt"),
        }
    except MappingError as exc:
        exc.woo_id = pid
        raise


def product_attribute_rows(payload: dict) -> list[dict]:
    """``attributes[]`` -> ``product_attributes`` rows (``woo_id`` = the global attribute id,
    0 for a custom attribute)."""
    attributes = payload.get("attributes") or []
    if not isinstance(attributes, list):
        raise MappingError("attributes is not a list", field="attributes", woo_id=payload.get("id"))
    rows, seen = [], set()
    for index, attribute in enumerate(attributes):
        if not isinstance(attribute, dict) or not isinstance(attribute.get("name"), str):
            raise MappingError(f"attribute {index} is invalid", field="attributes", woo_id=payload.get("id"))
        name = attribute["name"]
        global_id = integer(attribute.get("id", 0), field="attributes.id") or 0
        if (global_id, name) in seen:  # a global and a custom attribute may share a name
            raise MappingError(f"attribute {name!r} appears twice", field="attributes", woo_id=payload.get("id"))
        seen.add((global_id, name))
        options = attribute.get("options") or []
        if not isinstance(options, list) or not all(isinstance(option, str) for option in options):
            raise MappingError(f"attribute {name!r} has invalid options", field="attributes", woo_id=payload.get("id"))
        rows.append(
            {
                "name": name,
                "options": list(options),
                "variation": bool(attribute.get("variation", True)),
                "visible": bool(attribute.get("visible", True)),
                "position": integer(attribute.get("position", 0), field="attributes.position") or 0,
                "woo_id": global_id,
            }
        )
    return rows


def product_image_rows(payload: dict) -> list[dict]:
    """``images[]`` -> ``product_images`` rows. The first image is the featured one."""
    images = payload.get("images") or []
    if not isinstance(images, list):
        raise MappingError("images is not a list", field="images", woo_id=payload.get("id"))
    rows, seen = [], set()
    for image in images:
        if not isinstance(image, dict):
            raise MappingError("an image is not an object", field="images", woo_id=payload.get("id"))
        src = loose_text(image.get("src"), field="images.src")
        if not src or src in seen:
            continue  # the unique key is (product, original_url): one row per distinct file
        seen.add(src)
        rows.append(
            {
                "woo_id": integer(image.get("id"), field="images.id"),
                "original_url": src,
                "alt_text": loose_text(image.get("alt"), field="images.alt"),
                "description": loose_text(image.get("name"), field="images.name"),
                "display_order": len(rows),
                "type": "featured" if not rows else "gallery",
            }
        )
    return rows


def variation_ids(payload: dict) -> list[int]:
    value = payload.get("variations") or []
    return [item for item in value if isinstance(item, int)] if isinstance(value, list) else []


def marker_meta(value: str) -> list[dict]:
    """``meta_data`` carrying the Storedesk id of an object created from here (a retried create
    finds it by this marker)."""
    return [{"key": MARKER_KEY, "value": value}]


def marker(payload: dict) -> str | None:
    """The Storedesk id written into ``meta_data`` when a product is created from here."""
    for meta in payload.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == MARKER_KEY:
            return str(meta.get("value"))
    return None


def product_to_woo(
    fields: dict[str, Any],
    *,
    only: set[str] | None = None,
    images: list[dict] | None = None,
    attributes: list[dict] | None = None,
    marker_value: str | None = None,
) -> dict:
    """The request body for ``POST/PUT /products`` from local values.

    ``fields`` holds ``PRODUCT_FIELDS`` values as on the model; ``only`` limits the body to
    the fields that changed. Categories, tags and brands are sent as ``[{"id": N}]``; images
    as ``{"id"}`` when WooCommerce already has them, ``{"src"}`` otherwise.
    """
    wanted = sent(fields, only)
    body: dict[str, Any] = {}
    for name in ("name", "description", "short_description", "status", "type", "stock_status", "catalog_visibility"):
        if wanted(name) and fields[name] is not None:
            body[name] = fields[name]
    if wanted("featured"):
        body["featured"] = bool(fields["featured"])
    if wanted("sku"):
        body["sku"] = fields["sku"] or ""
    if wanted("price"):
        body["regular_price"] = amount(fields["price"])
    if wanted("sale_price"):
        body["sale_price"] = amount(fields["sale_price"])
    body.update(stock_body(fields, wanted))
    body.update(measures_body(fields, wanted))
    for name in ("categories", "tags", "brands"):
        if wanted(name):
            body[name] = [{"id": ref["id"]} for ref in fields[name] or [] if isinstance(ref, dict) and ref.get("id")]
    if images is not None and (only is None or "images" in only):
        body["images"] = [
            {"id": image["woo_id"]} if image.get("woo_id") else {"src": image["original_url"]}
            for image in sorted(images, key=lambda image: image.get("display_order", 0))
        ]
        for item, image in zip(body["images"], sorted(images, key=lambda i: i.get("display_order", 0)), strict=True):
            if image.get("alt_text"):
                item["alt"] = image["alt_text"]
            if "src" in item and image.get("description"):
                item["name"] = image["description"]  # the new attachment's title: the uploaded file's name
    if attributes is not None and (only is None or "attributes" in only):
        body["attributes"] = [
            {
                **({"id": attribute["woo_id"]} if attribute.get("woo_id") else {"name": attribute["name"]}),
                "position": attribute.get("position", 0),
                "visible": attribute.get("visible", True),
                "variation": attribute.get("variation", True),
                "options": list(attribute.get("options") or []),
            }
            for attribute in attributes
        ]
    if marker_value:
        body["meta_data"] = marker_meta(marker_value)
    return body
