"""Retrying one ``sync_errors`` row by hand ("retry" in the dashboard)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sync import services
from sync import upsert
from sync import woo
from sync.models import EntityType
from sync.models import SyncError
from sync.records import ItemError
from sync.records import record_errors
from sync.records import resolve_errors
from sync.woo import WooClientError
from sync.woo import WooError
from sync.woo import client_for
from sync.writer import EntityStats
from sync.writer import Writer

# sync_errors.entity_type -> the pull step that refreshes it.
STEP = {
    EntityType.CATEGORY: "categories",
    EntityType.TAG: "tags",
    EntityType.BRAND: "brands",
    EntityType.ATTRIBUTE: "attributes",
    EntityType.PRODUCT: "products",
    EntityType.VARIATION: "variations",
    EntityType.ORDER: "orders",
}


def retry_sync_error(error_id) -> str:
    """Fetch the failed item again and write it; a still-failing item counts one more retry.

    Products and orders are read by id, variations with their product's list; anything else
    (taxonomies, a page that could not be read) queues a pull of that entity.
    """
    error = SyncError.objects.select_related("store").filter(pk=error_id).first()
    if error is None or error.resolved:
        return "nothing to retry"
    store = error.store
    writer = Writer(store.pk)
    stats = EntityStats()
    try:
        if error.entity_type in (EntityType.PRODUCT, EntityType.ORDER) and error.woo_id:
            listing = woo.Listing.PRODUCTS if error.entity_type == EntityType.PRODUCT else woo.Listing.ORDERS
            try:
                payload = woo.item_get(client_for(store), listing=listing, item_id=error.woo_id)
            except WooClientError as exc:
                if not exc.object_gone:
                    raise
                table = "products" if error.entity_type == EntityType.PRODUCT else "orders"
                with transaction.atomic():
                    upsert.execute(
                        f"DELETE FROM {table} t WHERE t.store_id = %s AND t.woo_id = %s "  # noqa: S608 - constant
                        f"AND {upsert.OPEN_PUSH_GUARD}",
                        [store.pk, error.woo_id],
                    )
                    resolve_errors(store.pk, error.entity_type, [error.woo_id])
                return "deleted upstream"
            if error.entity_type == EntityType.PRODUCT:
                writer.write_products([payload], stats, set())
            else:
                writer.write_orders([payload], stats, set())
        elif error.entity_type == EntityType.VARIATION and error.woo_id:
            parent = (error.metadata or {}).get("parent") or error.woo_id
            found = upsert.fetch_all(
                "SELECT id, status FROM products WHERE store_id = %s AND woo_id = %s", [store.pk, parent]
            )
            if not found:
                resolve_errors(store.pk, error.entity_type, [error.woo_id])
                return "the product is gone"
            status = "trash" if found[0][1] == "trash" else "any"
            items = woo.variations_list(client_for(store), product_id=parent, status=status)
            errors: list[ItemError] = []
            writer.write_variations([(parent, found[0][0], items)], stats, errors)
            writer._errors(errors)
            if not errors:
                resolve_errors(store.pk, error.entity_type, [error.woo_id, parent])
        else:
            SyncError.objects.filter(pk=error.pk).update(
                retry_count=(error.retry_count or 0) + 1, last_retry_at=timezone.now()
            )
            services.sync_run_queue(store.pk, entities=[STEP.get(error.entity_type, "products")])
            return "pull queued"
    except WooError as exc:
        record_errors(
            store.pk,
            [
                ItemError.from_exception(
                    error.entity_type, exc, woo_id=error.woo_id, metadata=dict(error.metadata or {})
                )
            ],
        )
        return f"failed again: {exc}"
    error.refresh_from_db()
    return "resolved" if error.resolved else "failed again"
