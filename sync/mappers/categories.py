"""``GET /products/categories`` -> ``store_categories``."""

from __future__ import annotations

from .common import NOT_GIVEN
from .common import MappingError
from .common import image_src
from .common import integer
from .common import reads_payload
from .common import term_body
from .common import term_fields
from .common import term_image
from .common import text


@reads_payload
def category_fields(payload: dict) -> dict:
    parent = payload.get("parent") or 0
    if not isinstance(parent, int):
        raise MappingError("parent is not an id", field="parent", woo_id=payload.get("id"))
    return {
        **term_fields(payload),
        "parent_woo_id": parent or None,
        "image_url": image_src(payload.get("image")),
        "display": text(payload, "display", "default") or "default",
        "menu_order": integer(payload.get("menu_order", 0), field="menu_order") or 0,
    }


def category_depths(rows: list[dict]) -> dict[int, int]:
    """woo_id -> depth (0 for roots), so parents are written before their children.

    A parent missing from the list, or a cycle, counts as a root (its ``parent_id`` stays empty
    while ``parent_woo_id`` keeps the reference).
    """
    parent_of = {row["woo_id"]: row["parent_woo_id"] for row in rows}
    depths: dict[int, int] = {}
    for start in parent_of:
        chain, node = [], start
        while node is not None and node not in depths and node in parent_of and node not in chain:
            chain.append(node)
            node = parent_of[node]
        base = depths.get(node, -1) if node is not None and node in depths else -1
        for offset, item in enumerate(reversed(chain), start=1):
            depths[item] = base + offset
    return depths


def category_to_woo(
    *,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    parent_woo_id: int | None = NOT_GIVEN,
    display: str | None = None,
    menu_order: int | None = None,
    image_url: str | None = NOT_GIVEN,
) -> dict:
    """The body for the fields given (an update sends only the changed ones)."""
    body = term_body(name=name, slug=slug, description=description)
    if parent_woo_id is not NOT_GIVEN:
        body["parent"] = parent_woo_id or 0
    if display:
        body["display"] = display
    if menu_order is not None:
        body["menu_order"] = menu_order
    if image_url is not NOT_GIVEN:
        body["image"] = term_image(image_url)
    return body
