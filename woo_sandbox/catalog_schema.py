"""What the product and variation endpoints accept and how they sort: the request-body schemas
(``validate_body`` / ``coerce_body``), the ``orderby`` and ``status`` values, the sort keys."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from operator import itemgetter
from typing import Any

from .model import BACKORDERS
from .model import PRODUCT_STATUSES
from .model import PRODUCT_TYPES
from .model import STOCK_STATUSES
from .model import VARIATION_STATUSES
from .params import FieldSpec
from .text import to_decimal

Record = dict[str, Any]

_COMMON_SCHEMA: dict[str, FieldSpec] = {
    "description": "string",
    "sku": "string",
    "regular_price": "string",
    "sale_price": "string",
    "date_on_sale_from": "date|null",
    "date_on_sale_from_gmt": "date|null",
    "date_on_sale_to": "date|null",
    "date_on_sale_to_gmt": "date|null",
    "virtual": "boolean",
    "downloadable": "boolean",
    "tax_status": ("enum", ("taxable", "shipping", "none")),
    "tax_class": "string",
    "manage_stock": "boolean",
    "stock_quantity": "integer|null",
    "stock_status": ("enum", STOCK_STATUSES),
    "backorders": ("enum", BACKORDERS),
    "weight": "string",
    "dimensions": "object",
    "shipping_class": "string",
    "menu_order": "integer",
    "meta_data": "array",
}
PRODUCT_SCHEMA: dict[str, FieldSpec] = {
    **_COMMON_SCHEMA,
    "name": "string",
    "slug": "string",
    "type": ("enum", PRODUCT_TYPES),
    "status": ("enum", PRODUCT_STATUSES),
    "featured": "boolean",
    "catalog_visibility": ("enum", ("visible", "catalog", "search", "hidden")),
    "short_description": "string",
    "external_url": "string",
    "button_text": "string",
    "sold_individually": "boolean",
    "reviews_allowed": "boolean",
    "upsell_ids": "array",
    "cross_sell_ids": "array",
    "grouped_products": "array",
    "parent_id": "integer",
    "purchase_note": "string",
    "categories": "array",
    "tags": "array",
    "brands": "array",
    "images": "array",
    "attributes": "array",
    "default_attributes": "array",
}
VARIATION_SCHEMA: dict[str, FieldSpec] = {
    **_COMMON_SCHEMA,
    "status": ("enum", VARIATION_STATUSES),
    "image": "object|null",
    "attributes": "array",
}

PRODUCT_ORDERBY = ("date", "id", "include", "title", "slug", "modified", "price", "popularity", "rating")
POST_ORDERBY = ("date", "id", "include", "title", "slug", "modified")
PRODUCT_STATUS_FILTER = ("any", "future", "trash", "draft", "pending", "private", "publish")
VARIATION_STATUS_FILTER = ("any", "trash", "draft", "pending", "private", "publish")

PRODUCT_SORT_KEYS: dict[str, Callable[[Record], Any]] = {
    # WP_Query adds ID as tie-breaker for date/modified (WC_REST_CRUD_Controller).
    "date": itemgetter("date_created_gmt", "id"),
    "modified": itemgetter("date_modified_gmt", "id"),
    "id": itemgetter("id"),
    "title": lambda r: r["name"].casefold(),
    "slug": itemgetter("slug"),
    "price": lambda r: to_decimal(r["price"]) or Decimal(0),
    "popularity": itemgetter("total_sales"),
    "rating": itemgetter("average_rating"),
}
# Variations have no title or slug of their own; their post_title is derived from the parent.
VARIATION_SORT_KEYS: dict[str, Callable[[Record], Any]] = {
    "date": itemgetter("date_created_gmt", "id"),
    "modified": itemgetter("date_modified_gmt", "id"),
    "id": itemgetter("id"),
    "title": itemgetter("menu_order", "id"),
    "slug": itemgetter("menu_order", "id"),
}
