"""Random "shop admin" activity for tests: edits, trashing and deletions with webhooks."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from .catalog import Catalog
from .orders import Orders
from .store import Store

# Where an admin typically moves an order next.
NEXT_ORDER_STATUS = {
    "checkout-draft": "pending",
    "pending": "processing",
    "processing": "completed",
    "on-hold": "processing",
    "completed": "refunded",
    "failed": "pending",
    "cancelled": "pending",
    "refunded": "completed",
}
NAME_SUFFIXES = (" – מהדורה מוגבלת", " (New)", " ✨", " 2.0")


def mutate_random(
    store: Store, catalog: Catalog, orders: Orders, fraction: float, rng_seed: int = 0
) -> dict[str, list[int]]:
    """Change ``fraction`` of the live products and orders through the normal write paths.

    About 5% of the chosen products are trashed and 3% force-deleted (at least one each
    when anything is chosen); the rest get one change of price, name, stock or status (for
    variable products usually on a variation). Orders move one status step, a few are
    trashed. Webhooks fire exactly as for API writes. Returns the affected ids by kind.
    """
    rng = random.Random(rng_seed)
    with store.lock:
        product_ids = sorted(pid for pid, p in store.products.items() if p["status"] != "trash")
        order_ids = sorted(oid for oid, o in store.orders.items() if o["status"] != "trash")
    summary: dict[str, list[int]] = {
        "products_updated": [],
        "variations_updated": [],
        "products_trashed": [],
        "products_deleted": [],
        "orders_updated": [],
        "orders_trashed": [],
    }
    chosen = rng.sample(product_ids, round(len(product_ids) * fraction))
    trash_count = max(1, len(chosen) * 5 // 100) if chosen else 0
    delete_count = max(1, len(chosen) * 3 // 100) if len(chosen) > trash_count else 0
    for product_id in chosen[:trash_count]:
        catalog.delete_product(product_id)
        summary["products_trashed"].append(product_id)
    for product_id in chosen[trash_count : trash_count + delete_count]:
        catalog.delete_product(product_id, force=True)
        summary["products_deleted"].append(product_id)
    for product_id in chosen[trash_count + delete_count :]:
        product = catalog.get_product(product_id)
        if product["variations"] and rng.random() < 0.6:
            variation_id = rng.choice(product["variations"])
            catalog.update_variation(
                product_id, variation_id, _variation_change(rng, catalog.get_variation(product_id, variation_id))
            )
            summary["variations_updated"].append(variation_id)
        else:
            catalog.update_product(product_id, _product_change(rng, product))
            summary["products_updated"].append(product_id)

    chosen_orders = rng.sample(order_ids, round(len(order_ids) * fraction))
    order_trash_count = max(1, len(chosen_orders) * 5 // 100) if chosen_orders else 0
    for order_id in chosen_orders[:order_trash_count]:
        orders.delete_order(order_id)
        summary["orders_trashed"].append(order_id)
    for order_id in chosen_orders[order_trash_count:]:
        status = orders.get_order(order_id)["status"]
        orders.update_order(order_id, {"status": NEXT_ORDER_STATUS.get(status, "processing")})
        summary["orders_updated"].append(order_id)
    return summary


def _new_price(rng: random.Random, current: str) -> str:
    base = Decimal(current) if current else Decimal(rng.choice(("49.90", "99", "149.90")))
    return f"{base * Decimal(str(rng.choice((0.8, 0.9, 1.1, 1.25)))):.2f}"


def _product_change(rng: random.Random, product: dict[str, Any]) -> dict[str, Any]:
    kind = rng.choice(("price", "name", "stock", "status"))
    if kind == "price" and product["type"] != "variable":
        return {"regular_price": _new_price(rng, product["regular_price"]), "sale_price": ""}
    if kind == "name":
        return {"name": product["name"] + rng.choice(NAME_SUFFIXES)}
    if kind == "status":
        return {"status": "publish" if product["status"] != "publish" else rng.choice(("draft", "private", "pending"))}
    return {"manage_stock": True, "stock_quantity": rng.choice((0, 1, 2, 5, 20, 100))}


def _variation_change(rng: random.Random, variation: dict[str, Any]) -> dict[str, Any]:
    if rng.random() < 0.5:
        return {"regular_price": _new_price(rng, variation["regular_price"])}
    return {"manage_stock": True, "stock_quantity": rng.choice((0, 1, 3, 10, 50))}
