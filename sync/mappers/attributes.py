"""``GET /products/attributes`` -> ``store_attributes``; ``.../attributes/{id}/terms`` ->
``store_attribute_terms``."""

from __future__ import annotations

from .common import MappingError
from .common import integer
from .common import reads_payload
from .common import require
from .common import term_body
from .common import term_fields
from .common import text
from .common import woo_id


@reads_payload
def attribute_fields(payload: dict) -> dict:
    has_archives = payload.get("has_archives", False)
    if not isinstance(has_archives, bool):
        raise MappingError("has_archives is not a boolean", field="has_archives", woo_id=payload.get("id"))
    return {
        "woo_id": woo_id(payload),
        "name": require(payload, "name", str),
        "slug": require(payload, "slug", str),
        "type": text(payload, "type", "select") or "select",
        "order_by": text(payload, "order_by", "menu_order") or "menu_order",
        "has_archives": has_archives,
    }


@reads_payload
def attribute_term_fields(payload: dict) -> dict:
    return {
        **term_fields(payload),
        "menu_order": integer(payload.get("menu_order", 0), field="menu_order") or 0,
    }


def attribute_to_woo(
    *,
    name: str | None = None,
    slug: str | None = None,
    type: str | None = None,
    order_by: str | None = None,
    has_archives: bool | None = None,
) -> dict:
    """The body for the fields given (an update sends only the changed ones)."""
    body = term_body(name=name, slug=slug)
    if type:
        body["type"] = type
    if order_by:
        body["order_by"] = order_by
    if has_archives is not None:
        body["has_archives"] = has_archives
    return body


def attribute_term_to_woo(
    *,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    menu_order: int | None = None,
) -> dict:
    """The body for the fields given (an update sends only the changed ones)."""
    body = term_body(name=name, slug=slug, description=description)
    if menu_order is not None:
        body["menu_order"] = menu_order
    return body
