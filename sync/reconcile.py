"""Reconciliation: a scheduled, cheap comparison of id lists with WooCommerce.

Webhooks and incremental pulls miss some changes: a permanent delete fires no webhook, a
variation edited on its own does not touch its product's ``date_modified``, a delivery can be
lost. Reconciliation lists ids only (``_fields=id,status,date_modified_gmt``) for products and
orders, fetches in full just the items that are missing here or differ, and removes what no
longer exists upstream. Variations have no store-wide listing, so every variable product's
list is read again (unchanged rows are skipped by the upsert). Taxonomies are small and are
simply pulled in full. The run is a :class:`SyncRun` of kind ``reconcile``, under the same
per-store lock as a pull.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sync import upsert, woo
from sync.mappers.common import gmt
from sync.models import SyncState
from sync.pull import GONE_ERRORS, Puller
from sync.writer import EntityStats


class Reconciler(Puller):
    """Same life cycle and records as a pull; different products/variations/orders steps."""

    def _remote_index(self, entity: str, stats: EntityStats) -> tuple[dict[int, tuple], list[dict]]:
        """woo_id -> (modified, status) for live and trashed items; and the full objects when
        the server ignored ``_fields`` (they can be written without a second request)."""
        index: dict[int, tuple] = {}
        full: list[dict] = []
        for status in ("any", "trash"):
            pages = woo.list_pages(
                self.client, listing=woo.Listing(entity), status=status, index_only=True, errors="yield"
            )
            for items in self._listing(entity, stats, pages, listing=f"{entity}:ids:{status}"):
                for item in items:
                    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                        continue
                    try:
                        modified = gmt(item.get("date_modified_gmt"), field="date_modified_gmt")
                    except ValueError:
                        modified = None
                    index[item["id"]] = (modified, item.get("status"))
                    if "name" in item or "total" in item:
                        full.append(item)
                self._progress(entity, done=len(index))
        return index, full

    def _reconcile(self, entity: str, stats: EntityStats, table: str, writer) -> None:
        remote, full = self._remote_index(entity, stats)
        if not stats.complete:
            return  # an incomplete list must not delete anything
        local = {
            woo_id: (modified, status)
            for woo_id, modified, status in upsert.fetch_all(
                f"SELECT woo_id, woo_modified_at, status FROM {table} WHERE store_id = %s AND woo_id IS NOT NULL",  # noqa: S608 - table is a code constant
                [self.store_id],
            )
        }
        stale = {woo_id for woo_id, value in remote.items() if local.get(woo_id) != value}
        gone = [woo_id for woo_id in local if woo_id not in remote]
        stats.fetched = len(remote)
        seen: set[int] = set()
        if full:
            writer([item for item in full if item["id"] in stale], stats, seen)
        missing = [woo_id for woo_id in stale if woo_id not in seen]
        if missing:
            self._retry_by_id(entity, stats, missing, seen)
        if gone:
            with transaction.atomic():
                stats.deleted += self.delete_rows(table, "t.woo_id = ANY(%s)", [gone], GONE_ERRORS[entity])
        self._progress(entity, total=len(remote), done=len(remote))
        if stats.complete:
            SyncState.objects.update_or_create(
                store_id=self.store_id, entity=entity, defaults={"last_reconciled_at": timezone.now()}
            )
        stats.extra.update(changed_or_missing=len(stale), gone_upstream=len(gone))

    def pull_products(self, stats: EntityStats) -> None:
        self._reconcile("products", stats, "products", self.write_products)

    def pull_orders(self, stats: EntityStats) -> None:
        self._reconcile("orders", stats, "orders", self.write_orders)

    def pull_variations(self, stats: EntityStats) -> None:
        self.fetch_variations(self.all_variable_products(), stats)

    def pull_images(self, stats: EntityStats) -> None:
        # Files that could not be fetched before are tried again.
        self.new_images = [
            (image_id, url)
            for image_id, url in upsert.fetch_all(
                "SELECT id, original_url FROM product_images WHERE store_id = %s AND storage_url IS NULL",
                [self.store_id],
            )
        ]
        super().pull_images(stats)
