"""``GET /products/brands`` (WooCommerce 9.4+, the categories' fields) -> ``store_brands``."""

from __future__ import annotations

from .common import NOT_GIVEN
from .common import image_src
from .common import reads_payload
from .common import term_body
from .common import term_fields
from .common import term_image


@reads_payload
def brand_fields(payload: dict) -> dict:
    return {**term_fields(payload), "logo_url": image_src(payload.get("image"))}


def brand_to_woo(
    *,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    logo_url: str | None = NOT_GIVEN,
) -> dict:
    """The body for the fields given (an update sends only the changed ones)."""
    body = term_body(name=name, slug=slug, description=description)
    if logo_url is not NOT_GIVEN:
        body["image"] = term_image(logo_url)
    return body
