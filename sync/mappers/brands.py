"""``GET /products/brands`` (WooCommerce 9.4+, the categories' fields) -> ``store_brands``."""

from __future__ import annotations

from .common import image_src, integer, require, text, woo_id


def brand_fields(payload: dict) -> dict:
    return {
        "woo_id": woo_id(payload),
        "name": require(payload, "name", str),
        "slug": require(payload, "slug", str),
        "description": text(payload, "description"),
        "logo_url": image_src(payload.get("image")),
        "count": integer(payload.get("count", 0), field="count") or 0,
    }


def brand_to_woo(
    *, name: str, slug: str | None = None, description: str | None = None, logo_url: str | None = None
) -> dict:
    body: dict = {"name": name}
    if slug:
        body["slug"] = slug
    if description is not None:
        body["description"] = description
    if logo_url:
        body["image"] = {"src": logo_url}
    return body
