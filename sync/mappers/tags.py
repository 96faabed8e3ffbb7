"""``GET /products/tags`` -> ``store_tags``."""

from __future__ import annotations

from .common import term_body
from .common import term_fields


def tag_fields(payload: dict) -> dict:
    return term_fields(payload)


def tag_to_woo(*, name: str | None = None, slug: str | None = None, description: str | None = None) -> dict:
    """The body for the fields given (an update sends only the changed ones)."""
    return term_body(name=name, slug=slug, description=description)
