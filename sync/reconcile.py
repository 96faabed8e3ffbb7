"""Reconciliation: a scheduled, cheap comparison of id lists with WooCommerce.

Webhooks and incremental pulls miss some changes: a permanent delete fires no webhook, a
variation edited on its own does not touch its product's ``date_modified``, a delivery can be
lost. Reconciliation lists ids only (``_fields=id,status,date_modified_gmt``) for products and
orders, fetches in full just the items that are missing here or differ, and removes what no
longer exists upstream; variations the same way through ``GET /variations`` (WooCommerce
10.3+), whose availability is checked again by every reconciliation; a store without it has every
variable product's list read again (unchanged rows are skipped by the upsert). Taxonomies are small and are
simply pulled in full. The run is a :class:`SyncRun` of kind ``reconcile``, under the same
per-store lock as a pull.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from sync import upsert
from sync import woo
from sync.mappers.common import gmt
from sync.models import EntityType
from sync.models import SyncState
from sync.pull import Puller
from sync.records import ItemError
from sync.writer import EntityStats

VARIATION_ID_FIELDS = ("id", "parent_id", "status", "date_modified_gmt")


class Reconciler(Puller):
    """Same life cycle and records as a pull; different products/variations/orders steps."""

    def _remote_index(
        self, entity: str, stats: EntityStats, pages: Callable[[str], Iterable[woo.Page]]
    ) -> tuple[dict[int, tuple], list[dict]]:
        """woo_id -> (modified, status) for live and trashed items, ``pages(status)`` listing ids
        only; and the full objects when the server ignored ``_fields`` (they can be written
        without a second request)."""
        index: dict[int, tuple] = {}
        full: list[dict] = []
        for status in ("any", "trash"):
            for items in self._listing(entity, stats, pages(status), listing=f"{entity}:ids:{status}"):
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

    def _local_index(self, table: str) -> dict[int, tuple]:
        return {
            woo_id: (modified, status)
            for woo_id, modified, status in upsert.fetch_all(
                f"SELECT woo_id, woo_modified_at, status FROM {table} WHERE store_id = %s AND woo_id IS NOT NULL",  # noqa: S608 - table is a code constant
                [self.store_id],
            )
        }

    def _reconcile(self, entity: str, stats: EntityStats, table: str, writer) -> None:
        remote, full = self._remote_index(
            entity,
            stats,
            lambda status: woo.list_pages(
                self.client, listing=woo.Listing(entity), status=status, index_only=True, errors="yield"
            ),
        )
        if not stats.complete:
            return  # an incomplete list must not delete anything
        local = self._local_index(table)
        stale = {woo_id for woo_id, value in remote.items() if local.get(woo_id) != value}
        gone = [woo_id for woo_id in local if woo_id not in remote]
        stats.fetched = len(remote)
        seen: set[int] = set()
        if full:
            writer([item for item in full if item["id"] in stale], stats, seen)
        # What the id list did not hold is asked for by id before it is removed: an item trashed
        # while the list was read moved the later ones up a place, past a page's edge.
        deleted_before = stats.deleted
        recheck = [woo_id for woo_id in stale if woo_id not in seen] + gone
        if recheck:
            self._retry_by_id(entity, stats, recheck, seen)
        self._progress(entity, total=len(remote), done=len(remote))
        if stats.complete:
            SyncState.objects.update_or_create(
                store_id=self.store_id, entity=entity, defaults={"last_reconciled_at": timezone.now()}
            )
        stats.extra.update(changed_or_missing=len(stale), gone_upstream=stats.deleted - deleted_before)

    def pull_products(self, stats: EntityStats) -> None:
        self._reconcile("products", stats, "products", self.write_products)

    def pull_orders(self, stats: EntityStats) -> None:
        self._reconcile("orders", stats, "orders", self.write_orders)

    def pull_variations(self, stats: EntityStats) -> None:
        # Asked again every time: a store that upgraded WooCommerce gains the store-wide listing.
        if self.store_lists_variations(check=True):
            stats.extra["listing"] = "store-wide"
            self._reconcile_variations(stats)
        else:
            stats.extra["listing"] = "per-product"
            self.fetch_variations(self.all_variable_products(), stats)

    def _reconcile_variations(self, stats: EntityStats) -> None:
        """The ids of every variation from ``GET /variations`` (``_fields``), compared with ours:
        what is missing here or differs is fetched by id, what is gone upstream removed."""
        remote, _ = self._remote_index(
            "variations",
            stats,
            lambda status: woo.variations_pages(self.client, status=status, fields=VARIATION_ID_FIELDS),
        )
        if not stats.complete:
            return  # an incomplete list must not delete anything
        local = self._local_index("product_variations")
        stale = sorted(woo_id for woo_id, value in remote.items() if local.get(woo_id) != value)
        unlisted = [woo_id for woo_id in local if woo_id not in remote]
        stats.fetched = len(remote)
        seen: set[int] = set()
        errors: list[ItemError] = []
        # What the id list did not hold is asked for by id too before it is removed (see _reconcile).
        self.variations_by_id(stale + unlisted, stats, seen, errors, "by-id")
        gone = [woo_id for woo_id in unlisted if woo_id not in seen]
        self._errors(errors)
        if stats.complete:
            self.resolve_variation_errors_but(errors)
        if gone and stats.complete:
            with transaction.atomic():
                stats.deleted += self.delete_rows(
                    "product_variations", "t.woo_id = ANY(%s)", [gone], (EntityType.VARIATION,)
                )
                self.delete_orphan_variation_images()
        self._progress("variations", total=len(remote), done=len(remote))
        stats.extra.update(changed_or_missing=len(stale), gone_upstream=len(gone))

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
