"""Images in product pushes: what the shop did with the files it was sent, and whether its
images changed since they were edited here.

WooCommerce downloads an image given by ``{"src"}`` into its media library and answers with the
attachment's own id and URL. :func:`adopt_sent_images` writes those onto the rows that were sent
(by position, as sent), so the writer that applies the answer next finds them by that URL: an
uploaded image keeps its row (its id, which variations point at, and our stored copy).
"""

from __future__ import annotations

from typing import Any

from sync import upsert


def _gallery(product_id: Any) -> list[tuple[Any, int | None, str | None]]:
    """``(id, WooCommerce id, alt text)`` of the product's images in their order (the
    ``product_images`` table is catalog's; read here as the writer reads it)."""
    return upsert.fetch_all(
        "SELECT id, woo_id, alt_text FROM product_images WHERE product_id = %s AND type <> 'variation' "
        "ORDER BY display_order, id",
        [product_id],
    )


def _adopt(row_id: Any, row_woo_id: int | None, item: Any) -> None:
    if not row_woo_id and isinstance(item, dict) and item.get("id") and item.get("src"):
        upsert.execute(
            "UPDATE product_images SET woo_id = %s, original_url = %s, updated_at = now() "
            "WHERE id = %s AND woo_id IS NULL",
            [item["id"], item["src"], row_id],
        )


def adopt_sent_images(product_id: Any, answer: dict) -> None:
    """The product's images were sent in order: each new one (no WooCommerce id yet) takes the
    id and URL of the image at its position in the answer."""
    answered = answer.get("images") or []
    rows = _gallery(product_id)
    if len(rows) != len(answered):
        return  # not the list that was sent (changed meanwhile): the writer sorts it out
    for (row_id, row_woo_id, _alt), item in zip(rows, answered, strict=True):
        _adopt(row_id, row_woo_id, item)


def adopt_variation_images(sent: dict[Any, Any], answered: dict[Any, dict]) -> None:
    """``sent``: variation WooCommerce id -> the image row sent with it (or None);
    ``answered``: the variations as WooCommerce answered them, by id."""
    for woo_id, row in sent.items():
        if row is not None and woo_id in answered:
            _adopt(row.pk, row.woo_id, answered[woo_id].get("image"))


def _remote(remote: dict) -> list[list]:
    return [[item.get("id"), item.get("alt") or ""] for item in remote.get("images") or [] if isinstance(item, dict)]


def images_changed_remotely(known: list[list] | None, remote: dict) -> bool:
    """Whether the shop's images (ids, order, alt texts) are no longer what we knew before the edit."""
    return known is not None and [list(item) for item in known] != _remote(remote)


def _describe(images: list[list]) -> str:
    return ", ".join(f"#{woo_id}" + (f" ({alt})" if alt else "") if woo_id else "new" for woo_id, alt in images)


def images_diff(product_id: Any, remote: dict) -> list[dict]:
    """The conflict row of the images (ours vs the shop's), when they differ."""
    ours = [[woo_id, alt or ""] for _id, woo_id, alt in _gallery(product_id)]
    theirs = _remote(remote)
    if ours == theirs:
        return []
    return [{"field": "images", "ours": _describe(ours), "theirs": _describe(theirs), "changed_here": True}]
