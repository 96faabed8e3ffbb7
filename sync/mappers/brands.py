"""``GET /products/brands`` (WooCommerce 9.4+, the categories' fields) -> ``store_brands``."""

from __future__ import annotations

from .common import NOT_GIVEN, image_src, integer, require, term_image, text, woo_id


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
    *,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    logo_url: str | None = NOT_GIVEN,
) -> dict:
    """The body for the fields given (an update sends only the changed ones)."""
    body: dict = {}
    if name is not None:
        body["name"] = name
    if slug:
        body["slug"] = slug
    if description is not None:
        body["description"] = description
    if logo_url is not NOT_GIVEN:
        body["image"] = term_image(logo_url)
    return body
