"""``GET /products/tags`` -> ``store_tags``."""

from __future__ import annotations

from .common import integer, require, text, woo_id


def tag_fields(payload: dict) -> dict:
    return {
        "woo_id": woo_id(payload),
        "name": require(payload, "name", str),
        "slug": require(payload, "slug", str),
        "description": text(payload, "description"),
        "count": integer(payload.get("count", 0), field="count") or 0,
    }


def tag_to_woo(*, name: str | None = None, slug: str | None = None, description: str | None = None) -> dict:
    """The body for the fields given (an update sends only the changed ones)."""
    body: dict = {} if name is None else {"name": name}
    if slug:
        body["slug"] = slug
    if description is not None:
        body["description"] = description
    return body
