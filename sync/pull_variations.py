"""The variations step of a pull: ``GET /variations`` in pages, or each product's list.

WooCommerce 10.3+ lists every variation of the store, independent of parents (``GET /variations``,
``parent_id`` in each item): the pull reads it in parallel pages like products and orders, and an
incremental pull asks it with ``modified_after``. A store without it (``rest_no_route``) is asked
for each variable product's variations instead. Which way a store takes is asked once and
remembered on the store (``store_lists_variations``), and asked again by the reconciliation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from stores.models import Store
from sync import records
from sync import upsert
from sync import woo
from sync.mappers.common import to_gmt_string
from sync.mappers.variations import VARIATION_PAYLOAD_KEYS
from sync.models import EntityType
from sync.models import SyncError
from sync.records import ItemError
from sync.woo import WooAddressRefusedError
from sync.woo import WooAuthError
from sync.woo import WooError
from sync.woo import WooNotWooCommerceError
from sync.woo import WooPaginationError
from sync.woo import WooTLSError
from sync.writer import EntityStats
from sync.writer import latest
from sync.writer import safe_gmt

logger = logging.getLogger(__name__)

# Errors that stop the run: the store cannot be read at all (authentication, TLS), or it answers
# the same page again and again (paging would never end).
FATAL_ERRORS = (WooAddressRefusedError, WooAuthError, WooTLSError, WooPaginationError)


class VariationSteps:
    """Mixed into the puller: ``variable_products``/``product_modified`` are filled while products
    are written (``parents_gate`` says which are, when this step runs alongside them);
    ``_listing``/``_batches``/``_progress``/``_errors``/``_delete_missing``, ``client``, ``store``,
    ``full``, ``entities`` and ``run`` come from the run."""

    @staticmethod
    def _variation_statuses(products: dict[int, tuple[Any, str]]):
        for woo_id, (_pid, status) in products.items():
            # A trashed product's variations are trashed with it; "any" excludes trash.
            yield woo_id, "trash" if status == "trash" else "any"

    def store_lists_variations(self, *, check: bool = False) -> bool:
        """Whether the store has ``GET /variations`` (WooCommerce 10.3+): asked once per store
        and remembered on it with its WooCommerce version; ``check`` asks again."""
        store = self.store
        if store.variations_listing is not None and not check:
            return store.variations_listing
        try:
            version = woo.woocommerce_version(self.client)
        except WooError as exc:
            if isinstance(exc, FATAL_ERRORS) and not isinstance(exc, WooAuthError):
                raise
            # system_status needs more than read access: the listing below says what matters.
            logger.info("store %s did not say its WooCommerce version: %s", self.store_id, exc.code)
            version = store.woocommerce_version
        listing = woo.has_variations_listing(self.client)
        if (version, listing) != (store.woocommerce_version, store.variations_listing):
            Store.objects.filter(pk=store.pk).update(woocommerce_version=version, variations_listing=listing)
            store.woocommerce_version, store.variations_listing = version, listing
        return listing

    def pull_variations(self, stats: EntityStats) -> None:
        if self.store_lists_variations():
            stats.extra["listing"] = "store-wide"
            try:
                self.list_variations(stats)
                return
            except WooNotWooCommerceError as exc:
                if exc.code != "rest_no_route":
                    raise
                self.forget_variations_listing()  # the store went back to an older WooCommerce
        stats.extra["listing"] = "per-product"
        self.pull_variations_per_product(stats)

    def forget_variations_listing(self) -> None:
        Store.objects.filter(pk=self.store.pk).update(variations_listing=False)
        self.store.variations_listing = False

    def list_variations(self, stats: EntityStats) -> None:
        """Every variation (or, incrementally, those modified since the watermark) through
        ``GET /variations``, in parallel pages like products and orders; a full listing removes
        the variations it no longer contains."""
        started = timezone.now()
        state = records.sync_state(self.store_id, "variations")
        since = None if self.full else records.since(state)
        open_errors = records.open_error_ids(self.store_id, EntityType.VARIATION)
        modified_after = to_gmt_string(since) if since is not None else None
        seen: set[int] = set()
        errors: list[ItemError] = []
        committed_max: datetime | None = None
        offset = 0
        # What the sync page reports as stored: the variations new since the last pull, not the
        # ones read again in the watermark's overlap.
        self._progress("variations", restart_items=True)
        for status in ("any", "trash"):
            pages = self._listing(
                "variations",
                stats,
                woo.variations_pages(
                    self.client, status=status, modified_after=modified_after, fields=VARIATION_PAYLOAD_KEYS
                ),
                listing=f"variations:{status}",
                total_offset=offset,
            )
            for batch in self._batches(pages):
                self._await_parents(batch)
                committed_max = latest(committed_max, self.write_listed_variations(batch, stats, seen, errors))
                new = sum(1 for item in batch if _newer(item, state.watermark if since is not None else None))
                self._progress("variations", done=len(seen), items=new)
            offset = self.run.progress["variations"].get("total") or 0
        # Open errors outside the listed window are retried by id.
        self.variations_by_id([woo_id for woo_id in open_errors if woo_id not in seen], stats, seen, errors, "retry")
        if stats.complete and since is None:
            # Asked for by id before they are removed: a variation deleted while the listing was
            # read moved the later ones up a place, past a page's edge (WooCommerce pages by offset).
            self.variations_by_id(self.unlisted("product_variations", seen), stats, seen, errors, "unlisted")
        self._errors(errors)
        if stats.complete:
            if since is None:
                with transaction.atomic():
                    stats.deleted += self.delete_missing_variations(seen)
                self.resolve_variation_errors_but(errors)
            records.advance_watermark(state, committed_max, full=since is None, started=started)

    def variations_by_id(
        self, woo_ids: list[int], stats: EntityStats, seen: set[int], errors: list[ItemError], purpose: str
    ) -> None:
        """Fetch the variations among ``woo_ids`` that exist (live or trashed) from
        ``GET /variations?include=`` and write them (they join ``seen``)."""
        for chunk in upsert.chunked(woo_ids, woo.MAX_PER_PAGE):
            for status in ("any", "trash"):
                for items in self._listing(
                    "variations",
                    stats,
                    woo.variations_pages(self.client, status=status, include=chunk, fields=VARIATION_PAYLOAD_KEYS),
                    listing=f"variations:{purpose}:{status}",
                ):
                    self._await_parents(items)
                    self.write_listed_variations(items, stats, seen, errors)

    def resolve_variation_errors_but(self, errors: list[ItemError]) -> None:
        """After a complete store-wide listing, every open variation error is settled but those
        this run recorded again (an error left by the per-product way names a product)."""
        SyncError.objects.filter(store_id=self.store_id, entity_type=EntityType.VARIATION, resolved=False).exclude(
            woo_id__in=[error.woo_id for error in errors if error.woo_id is not None]
        ).update(resolved=True, resolved_at=timezone.now())

    def delete_missing_variations(self, listed: Iterable[int]) -> int:
        """Remove the variations a complete store-wide listing no longer contains, and the
        variation images nothing points at any more."""
        deleted = self._delete_missing("product_variations", listed, (EntityType.VARIATION,), delivered=True)
        if deleted:
            self.delete_orphan_variation_images()
        return deleted

    def delete_orphan_variation_images(self) -> None:
        upsert.execute(
            "DELETE FROM product_images i WHERE i.store_id = %s AND i.type = 'variation' "
            "AND NOT EXISTS (SELECT 1 FROM product_variations v WHERE v.image_id = i.id)",
            [self.store_id],
        )

    def _await_parents(self, items: list[dict]) -> None:
        """Pulled alongside the products step: until the products ``items`` name are written."""
        if self.parents_gate is not None:
            self.parents_gate.wait_for({item.get("parent_id") for item in items if isinstance(item, dict)})

    def pull_variations_per_product(self, stats: EntityStats) -> None:
        """A store without ``GET /variations``: each variable product's list, concurrently."""
        if self.parents_gate is not None:
            self.parents_gate.wait_for(None)  # the store lost the listing: every product first
        products = dict(self.variable_products)
        listed_products = "products" in self.entities
        if not listed_products:
            # Without a products step in this run every variable product is due.
            products = self.all_variable_products()
        # Products whose variations failed before are retried (an error names the product).
        parents = {
            (error.metadata or {}).get("parent") or woo_id
            for woo_id, error in records.open_error_ids(self.store_id, EntityType.VARIATION).items()
        }
        missing = [woo_id for woo_id in parents if woo_id not in products]
        if missing:
            for woo_id, pid, status in upsert.fetch_all(
                "SELECT woo_id, id, status FROM products WHERE store_id = %s AND woo_id = ANY(%s)",
                [self.store_id, missing],
            ):
                products[woo_id] = (pid, status)
        self.fetch_variations(products, stats)

    def all_variable_products(self) -> dict[int, tuple[Any, str]]:
        """woo_id -> (local id, status) of every variable product here without an open push."""
        rows = upsert.fetch_all(
            "SELECT t.woo_id, t.id, t.status FROM products t WHERE t.store_id = %s AND t.type = 'variable' "  # noqa: S608 - a code constant
            f"AND t.woo_id IS NOT NULL AND {upsert.OPEN_PUSH_GUARD}",
            [self.store_id],
        )
        return {woo_id: (pid, status) for woo_id, pid, status in rows}

    def fetch_variations(self, products: dict[int, tuple[Any, str]], stats: EntityStats) -> None:
        """Fetch and write the variations of ``products`` (woo_id -> (local id, status))."""
        self._progress("variations", total=len(products), done=0, restart_items=True)
        buffer: list[tuple[int, Any, list[dict]]] = []
        buffered_rows = 0
        errors: list[ItemError] = []
        batch_rows = settings.SYNC_UPSERT_BATCH_ROWS
        for product_woo_id, result in woo.variations_for_many(self.client, self._variation_statuses(products)):
            self._progress("variations", add=1, items=0 if isinstance(result, WooError) else len(result))
            if isinstance(result, WooError):
                if isinstance(result, FATAL_ERRORS):
                    raise result
                stats.complete = False
                stats.failed += 1
                stats.errors.append(str(result))
                errors.append(
                    ItemError.from_exception(
                        EntityType.VARIATION,
                        result,
                        woo_id=product_woo_id,
                        watermark_entity="products",
                        modified_gmt=self.product_modified.get(product_woo_id),
                        metadata={"parent": product_woo_id},
                    )
                )
                continue
            stats.pages += 1
            stats.fetched += len(result)
            buffer.append((product_woo_id, products[product_woo_id][0], result))
            buffered_rows += len(result)
            if buffered_rows >= batch_rows:
                self.write_variations(buffer, stats, errors)
                buffer, buffered_rows = [], 0
        if buffer:
            self.write_variations(buffer, stats, errors)
        self._errors(errors)


def _newer(item: Any, watermark: datetime | None) -> bool:
    modified = safe_gmt(item)
    return watermark is None or (modified is not None and modified > watermark)
