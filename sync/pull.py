"""Pulling a store from WooCommerce into PostgreSQL.

A run walks the entities in dependency order (``ENTITIES``): categories (parents before
children), tags, brands, global attributes and their terms, products (every status, trashed
ones included; their attributes and images come in the same payload), variations (the store-wide
``GET /variations`` of WooCommerce 10.3+ when the store has it, each variable product's list
otherwise: ``sync.pull_variations``); orders, which depend on none of them, are pulled meanwhile
in a thread of their own (``sync.pull_runtime.Alongside``), and so are store-wide variations,
each batch written once its products are (``sync.pull_runtime.ParentsGate``); then, in a phase
of its own, image files. This module runs the steps and holds the dated listings (products, orders); the taxonomy
steps are ``sync.pull_taxonomies``, the image files ``sync.pull_images``, and how the run uses
the process (the alongside thread, the collector, the session) ``sync.pull_runtime``. A full
pull lists everything and removes what no longer exists upstream (what a listing did not hold is
asked for by id first: paging by offset skips an item when another leaves the listing meanwhile);
an incremental pull asks for what changed since the entity's watermark (minus an overlap), and
for what was trashed since then.
Every page is written with one set-based upsert per table.

Pages are fetched by bounded pools of threads (at most ``SYNC_PAGE_CONCURRENCY`` API calls in
flight for the whole run) while the step's thread writes the previous ones: only the steps'
threads touch the database, each on its own connection. A step's thread also decodes the pages
of its listing, so that the pools' threads hardly hold the GIL while it waits for PostgreSQL,
and a listing asks only for the keys the mappers read (``_fields``). One bad item goes to
``sync_errors`` and the run goes on; a page that
cannot be read leaves the listing incomplete, which keeps the watermark where it was and
disables the removal of missing rows.

Image files come last, once every row is written and every watermark advanced: copying them is
not API traffic (the files often live on another host, a CDN) and a first pull of a large shop
has tens of thousands of them, so they have their own pool (``SYNC_IMAGE_CONCURRENCY``, by
default the page concurrency), their own step in the run's stats and progress, and never delay
the data. They are copied once the run is finished and the store's pull lock released, under a
lock of their own (one copy per store at a time): the next pull of the store runs meanwhile.
Only raster images, recognised by their bytes (``sync.images``), are stored, under a name of
ours (the row's id, the detected format's extension). A file that cannot be copied (a refused
address, not an image, too large...) keeps its original URL, is a ``sync_errors`` row, and is
tried again by the next reconciliation.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db import transaction
from django.utils import timezone

from agents.triggers import on_sync_run_finished
from audit.actor import SYSTEM_SYNC
from audit.actor import audit_actor
from stores.models import Store
from sync import records
from sync import signals
from sync import upsert
from sync import woo
from sync.mappers.common import to_gmt_string
from sync.mappers.orders import ORDER_PAYLOAD_KEYS
from sync.mappers.products import PRODUCT_PAYLOAD_KEYS
from sync.models import ACTIVE_RUN_STATUSES
from sync.models import EntityType
from sync.models import SyncAction
from sync.models import SyncError
from sync.models import SyncLog
from sync.models import SyncLogStatus
from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus
from sync.models import TaxonomySyncAction
from sync.models import TaxonomySyncLog
from sync.models import TaxonomyType
from sync.pull_images import ImageSteps
from sync.pull_runtime import ALONGSIDE
from sync.pull_runtime import Alongside
from sync.pull_runtime import ParentsGate
from sync.pull_runtime import collector_for_bulk
from sync.pull_runtime import reset_session
from sync.pull_runtime import tune_session
from sync.pull_taxonomies import TaxonomySteps
from sync.pull_variations import FATAL_ERRORS
from sync.pull_variations import VariationSteps
from sync.records import ItemError
from sync.woo import ClientStats
from sync.woo import WooClient
from sync.woo import WooError
from sync.woo import WooNotWooCommerceError
from sync.woo import client_for
from sync.writer import EntityStats
from sync.writer import Writer
from sync.writer import latest

logger = logging.getLogger(__name__)

ENTITIES = ("categories", "tags", "brands", "attributes", "products", "variations", "orders", "images")
# sync_logs.entity_type for each step (the inventory's CHECK has no "image": images log as products).
LOG_ENTITY = {
    "categories": EntityType.CATEGORY,
    "tags": EntityType.TAG,
    "brands": EntityType.BRAND,
    "attributes": EntityType.ATTRIBUTE,
    "products": EntityType.PRODUCT,
    "variations": EntityType.VARIATION,
    "images": EntityType.PRODUCT,
    "orders": EntityType.ORDER,
}
TAXONOMY_LOG = {"categories": TaxonomyType.CATEGORY, "tags": TaxonomyType.TAG, "brands": TaxonomyType.BRAND}
PROGRESS_INTERVAL_SECONDS = 0.5
# Errors resolved when a product or an order turns out to be gone upstream.
GONE_ERRORS = {"products": (EntityType.PRODUCT, EntityType.VARIATION), "orders": (EntityType.ORDER,)}


class PullAborted(Exception):
    """The store cannot be read at all (authentication, TLS): the run stops."""


# What the pull reads of each item: its listings ask for nothing more (``_fields``).
PAYLOAD_KEYS = {woo.Listing.PRODUCTS: PRODUCT_PAYLOAD_KEYS, woo.Listing.ORDERS: ORDER_PAYLOAD_KEYS}


class Puller(TaxonomySteps, VariationSteps, ImageSteps, Writer):
    """One run of one store. ``execute()`` is the whole life of a :class:`SyncRun`."""

    logs_order_status = True

    def __init__(
        self,
        run: SyncRun,
        *,
        client: WooClient | None = None,
        on_progress: Callable[[SyncRun], None] | None = None,
    ) -> None:
        self.run = run
        super().__init__(run.store_id, run.pk)
        self.store: Store = run.store
        self.full = run.kind == SyncRunKind.FULL
        self.entities = [e for e in ENTITIES if not run.entities or e in run.entities]
        self.client = client or client_for(self.store)
        # Every client of the run (an alongside step's too): their requests add up.
        self.clients = [self.client]
        self.on_progress = on_progress
        self.stats: dict[str, EntityStats] = {}
        # The run's progress is changed by the steps' threads and saved by each of them.
        self.progress_lock = threading.Lock()
        self._last_flush = 0.0

    # -- life cycle -------------------------------------------------------------------------

    def execute(self) -> SyncRun:
        run = self.run
        with records.store_lock(self.store_id) as acquired:
            if not acquired:
                run.refresh_from_db()
                if run.status == SyncRunStatus.PENDING:
                    # Another run holds the store (one left over from a dead worker's era).
                    self._finish(SyncRunStatus.SKIPPED, "Another pull of this store is running.")
                # RUNNING: another process is executing this very run; leave it alone.
                return run
            # Holding the lock we are the only executor: a pending run, or one whose worker died
            # (acks_late redelivers its message), is ours.
            if not SyncRun.objects.filter(pk=run.pk, status__in=ACTIVE_RUN_STATUSES).exists():
                run.refresh_from_db()
                return run
            tune_session()
            try:
                with collector_for_bulk():
                    self._execute_locked()
            finally:
                reset_session()
        if run.status in (SyncRunStatus.SUCCESS, SyncRunStatus.PARTIAL) and "images" in self.entities:
            self._copy_images()
        return run

    def _execute_locked(self) -> SyncRun:
        run = self.run
        run.status = SyncRunStatus.RUNNING
        run.started_at = run.heartbeat_at = timezone.now()
        run.progress = {e: {"done": 0, "total": None, "status": "pending"} for e in self.entities}
        run.save(update_fields=["status", "started_at", "heartbeat_at", "progress"])
        self._notify(force=True)
        try:
            with audit_actor.system(SYSTEM_SYNC):
                alongside = self._start_alongside()
                threaded = {step.entity for step in alongside}
                try:
                    for entity in self.entities:
                        if entity != "images" and entity not in threaded:
                            self._run_entity(entity)
                finally:
                    if self.parents_gate is not None:
                        self.parents_gate.close()  # the products are the last step of this thread
                    for step in alongside:
                        step.join()
                for step in alongside:
                    if step.error is not None:
                        raise step.error
        except PullAborted as exc:
            self._finish(SyncRunStatus.FAILED, str(exc))
            return run
        except Exception as exc:
            logger.exception("pull of store %s failed", self.store_id)
            self._finish(SyncRunStatus.FAILED, f"{type(exc).__name__}: {exc}")
            raise
        self._finish(SyncRunStatus.PARTIAL if self._incomplete() else SyncRunStatus.SUCCESS, None)
        return run

    def _start_alongside(self) -> list[Alongside]:
        """The steps started in threads of their own (see :class:`Alongside`): the orders when
        the run has other data steps; the variations when the run has the products and the store
        may list variations store-wide (their batches wait for their products: :class:`ParentsGate`).
        Not inside a transaction (a test's): another connection would not see what it holds; the
        steps then run one after another."""
        if connection.in_atomic_block:
            return []
        steps = []
        others = [entity for entity in self.entities if entity not in (ALONGSIDE, "images")]
        if ALONGSIDE in self.entities and others:
            steps.append(Alongside(self, ALONGSIDE))
        # A store known to be without the store-wide listing has each product's list asked, which
        # needs every product first; one not known yet is asked by the step itself.
        if {"products", "variations"} <= set(self.entities) and self.store.variations_listing is not False:
            self.parents_gate = ParentsGate()
            steps.append(Alongside(self, "variations", gate=self.parents_gate))
        return steps

    def _incomplete(self) -> bool:
        return any(not s.complete or s.failed for s in self.stats.values())

    def _copy_images(self) -> None:
        """The image files, after the data and outside the store's pull lock: copying tens of
        thousands of files takes a minute or more, and the next pull of the store need not wait
        for it. The run is finished already (the next one can be queued); this step adds its
        stats, and a failed file makes the run partial. One copy per store at a time."""
        with records.image_copy_lock(self.store_id), audit_actor.system(SYSTEM_SYNC):
            self._run_entity("images")
        run = self.run
        if run.status == SyncRunStatus.SUCCESS and self._incomplete():
            run.status = SyncRunStatus.PARTIAL
        self._summarise()
        run.save(update_fields=["status", "stats", "rows_written", "requests_made", "errors_count", "progress"])
        self._notify(force=True)

    def _summarise(self) -> None:
        run = self.run
        run.stats = {
            "entities": {name: self.stats[name].as_dict() for name in ENTITIES if name in self.stats},
            "client": ClientStats.combined(client.stats for client in self.clients),
        }
        run.rows_written = self._rows_written()
        run.requests_made = self._requests_made()
        run.errors_count = sum(s.failed + (0 if s.complete else 1) for s in list(self.stats.values()))

    # The orders step may run alongside (another thread adds its entry): the entries are copied.
    def _rows_written(self) -> int:
        return sum(s.written for s in list(self.stats.values()))

    def _requests_made(self) -> int:
        return sum(client.stats.requests for client in self.clients)

    def _run_entity(self, entity: str) -> None:
        stats = self.stats[entity] = EntityStats()
        started = time.monotonic()
        requests_before = self.client.stats.requests + self.client.stats.downloads
        self._progress(entity, status="running")
        try:
            getattr(self, f"pull_{entity}")(stats)
        except FATAL_ERRORS as exc:
            stats.complete = False
            stats.errors.append(str(exc))
            self._errors([ItemError.from_exception(LOG_ENTITY[entity], exc, metadata={"listing": entity})])
            self._progress(entity, status="failed")
            raise PullAborted(str(exc)) from exc
        except WooError as exc:
            stats.complete = False
            stats.errors.append(str(exc))
            self._errors([ItemError.from_exception(LOG_ENTITY[entity], exc, metadata={"listing": entity})])
        if stats.complete and entity != "images":
            # A complete listing supersedes the pages that could not be read before.
            # Image files are not part of any listing: their errors stay open.
            SyncError.objects.filter(
                store_id=self.store_id, entity_type=LOG_ENTITY[entity], woo_id__isnull=True, resolved=False
            ).exclude(metadata__has_key="image_id").update(resolved=True, resolved_at=timezone.now())
        stats.duration_ms = int((time.monotonic() - started) * 1000)
        stats.requests = self.client.stats.requests + self.client.stats.downloads - requests_before
        status = "skipped" if stats.skipped else ("done" if stats.complete and not stats.failed else "failed")
        self._progress(entity, status=status, force=True)
        self._log_entity(entity, stats)

    def _finish(self, status: str, message: str | None) -> None:
        run = self.run
        run.status = status
        run.error_message = message
        run.finished_at = timezone.now()
        self._summarise()
        run.save(
            update_fields=[
                "status",
                "error_message",
                "finished_at",
                "stats",
                "rows_written",
                "requests_made",
                "errors_count",
                "progress",
            ]
        )
        self._notify(force=True)
        # The agents look at the store again with fresh data (queued after commit).
        on_sync_run_finished(run.store_id, run.pk, status)

    # -- progress and records ---------------------------------------------------------------

    def _progress(
        self,
        entity: str,
        *,
        done: int | None = None,
        total: int | None = None,
        status: str | None = None,
        add: int = 0,
        items: int = 0,
        restart_items: bool = False,
        force: bool = False,
    ) -> None:
        """``done``/``total`` measure the step's work (for variations: parent products read);
        ``items`` counts what it stored when that differs (the variations themselves)."""
        with self.progress_lock:
            entry = self.run.progress.setdefault(entity, {"done": 0, "total": None, "status": "pending"})
            if restart_items:
                entry["items"] = 0
            if items:
                entry["items"] = entry.get("items", 0) + items
            if done is not None:
                entry["done"] = done
            if add:
                entry["done"] = entry.get("done", 0) + add
            if total is not None:
                entry["total"] = total
            if status is not None:
                entry["status"] = status
                if status == "done" and entry.get("total") is not None:
                    entry["done"] = max(entry["done"], entry["total"])
        self._notify(force=force)

    def _notify(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < PROGRESS_INTERVAL_SECONDS:
            return
        self._last_flush = now
        run = self.run
        run.heartbeat_at = timezone.now()
        run.requests_made = self._requests_made()
        run.rows_written = self._rows_written()
        with self.progress_lock:
            progress = copy.deepcopy(run.progress)
        SyncRun.objects.filter(pk=run.pk).update(
            progress=progress,
            heartbeat_at=run.heartbeat_at,
            requests_made=run.requests_made,
            rows_written=run.rows_written,
        )
        if self.on_progress:
            self.on_progress(run)

    def _log_entity(self, entity: str, stats: EntityStats) -> None:
        metadata = {"run_id": str(self.run.pk), "mode": self.run.kind, "step": entity, **stats.as_dict()}
        SyncLog.objects.create(
            store_id=self.store_id,
            entity_type=LOG_ENTITY[entity],
            action=SyncAction.SYNC,
            status=SyncLogStatus.SUCCESS if stats.complete and not stats.failed else SyncLogStatus.FAILED,
            duration_ms=stats.duration_ms,
            metadata=metadata,
        )
        if entity in TAXONOMY_LOG:
            TaxonomySyncLog.objects.create(
                store_id=self.store_id,
                taxonomy_type=TAXONOMY_LOG[entity],
                action=TaxonomySyncAction.INITIAL_SYNC if self.full else TaxonomySyncAction.INCREMENTAL_SYNC,
                items_synced=stats.fetched,
                items_created=stats.created,
                items_updated=stats.updated,
                items_failed=stats.failed,
                duration_ms=stats.duration_ms,
                error_details={"errors": stats.errors, "skipped": stats.skipped, "deleted": stats.deleted}
                if stats.errors or stats.skipped or stats.deleted
                else None,
            )

    # -- listing helpers --------------------------------------------------------------------

    def _listing(
        self, entity: str, stats: EntityStats, pages: Iterable[woo.Page], *, listing: str, total_offset: int = 0
    ) -> Iterable[list[dict]]:
        """Yield the items of each readable page (of an adapter listing asked to yield its
        errors); failed pages are recorded and mark the listing incomplete."""
        for page in pages:
            if page.error is not None:
                if isinstance(page.error, WooNotWooCommerceError) and page.error.code == "rest_no_route":
                    raise page.error
                stats.complete = False
                stats.errors.append(str(page.error))
                if isinstance(page.error, FATAL_ERRORS):
                    raise page.error
                self._errors(
                    [
                        ItemError.from_exception(
                            LOG_ENTITY[entity], page.error, metadata={"listing": listing, "page": page.number}
                        )
                    ]
                )
                continue
            stats.pages += 1
            stats.fetched += len(page.items)
            if page.number == 1 and page.total is not None:
                self._progress(entity, total=total_offset + page.total)
            yield page.items

    @staticmethod
    def _batches(pages: Iterable[list[dict]]) -> Iterable[list[dict]]:
        """Pages regrouped into write batches of about ``SYNC_UPSERT_BATCH_ROWS`` items: fewer,
        larger statements (the next pages are fetched meanwhile)."""
        size = settings.SYNC_UPSERT_BATCH_ROWS
        batch: list[dict] = []
        for items in pages:
            batch.extend(items)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    @property
    def listings_read_at(self) -> datetime | None:
        return self.run.started_at

    def _delete_missing(
        self, table: str, seen: Iterable[int], entity_types: tuple[str, ...], *, delivered: bool = False
    ) -> int:
        """Remove what a complete listing no longer contains. ``delivered``: the table webhook
        deliveries write too, so a row written since the run started is kept (the shop made it
        after the listing was read).

        Both sides are bigint: a list of Python ints is sent as ``int2[]``/``int4[]``, and a
        cross-type ``<> ALL`` is not hashed, i.e. every row is compared with every kept id (20,000
        orders: 2 s instead of 20 ms)."""
        condition, params = "t.woo_id IS NOT NULL AND NOT (t.woo_id::bigint = ANY(%s::bigint[]))", [list(seen)]
        if delivered:
            written_before, written_params = self.written_before("t")
            condition += written_before
            params += written_params
        return self.delete_rows(table, condition, params, entity_types)

    def unlisted(self, table: str, seen: set[int]) -> list[int]:
        """The woo_ids of this store's rows in ``table`` that a listing did not hold."""
        rows = upsert.fetch_all(
            f"SELECT woo_id FROM {table} WHERE store_id = %s AND woo_id IS NOT NULL",  # noqa: S608 - a code constant
            [self.store_id],
        )
        return [woo_id for (woo_id,) in rows if woo_id not in seen]

    # -- products ---------------------------------------------------------------------------

    def _dated_listings(self, listing: woo.Listing):
        """The watermark state, its moment, and (status, pages) for the live and the trashed
        items, changed since the watermark when the pull is incremental."""
        state = records.sync_state(self.store_id, str(listing))
        since = None if self.full else records.since(state)
        modified_after = to_gmt_string(since) if since is not None else None
        return (
            state,
            since,
            [
                (
                    status,
                    woo.list_pages(
                        self.client,
                        listing=listing,
                        status=status,
                        modified_after=modified_after,
                        fields=PAYLOAD_KEYS[listing],
                        errors="yield",
                    ),
                )
                for status in ("any", "trash")
            ],
        )

    def pull_products(self, stats: EntityStats) -> None:
        self._pull_dated("products", EntityType.PRODUCT, stats)

    def _pull_dated(self, entity: str, entity_type: str, stats: EntityStats) -> bool:
        """Products or orders: the listings changed since the watermark (all of them on a full
        pull), written in batches; open errors outside the window retried by id; on a complete
        full listing, what it no longer holds deleted. True when the pull was incremental."""
        started = timezone.now()
        state, since, listings = self._dated_listings(woo.Listing(entity))
        incremental = since is not None
        open_errors = records.open_error_ids(self.store_id, entity_type)
        writer = self.write_products if entity == "products" else self.write_orders
        seen: set[int] = set()
        committed_max: datetime | None = None
        offset = 0
        for status, pages in listings:
            items = self._listing(entity, stats, pages, listing=f"{entity}:{status}", total_offset=offset)
            for batch in self._batches(items):
                committed_max = latest(committed_max, writer(batch, stats, seen))
                self._progress(entity, done=len(seen))
            offset = self.run.progress[entity].get("total") or 0
        # Open errors outside the listed window are retried by id.
        retry = [woo_id for woo_id in open_errors if woo_id not in seen]
        if retry:
            self._retry_by_id(entity, stats, retry, seen)
        if stats.complete:
            if not incremental:
                self._remove_unlisted(entity, stats, seen)
            records.advance_watermark(state, committed_max, full=not incremental, started=started)
        return incremental

    def _remove_unlisted(self, entity: str, stats: EntityStats, seen: set[int]) -> None:
        """Remove the products or orders a complete listing did not hold, once asked for by id:
        WooCommerce pages by offset, so an item trashed or deleted while the listing was read
        moves the later items one place up and the one at a page's edge is never listed."""
        if unlisted := self.unlisted(entity, seen):
            self._retry_by_id(entity, stats, unlisted, seen)

    def _retry_by_id(self, entity: str, stats: EntityStats, woo_ids: list[int], seen: set[int]) -> None:
        """Fetch items by id (open errors, what a listing did not hold, reconciliation), write
        those found and remove those WooCommerce no longer has, live or trashed."""
        listing = woo.Listing(entity)
        writer = self.write_products if entity == "products" else self.write_orders
        items, gone = [], []
        try:
            for batch in upsert.chunked(woo_ids, 100):
                found = []
                for status in ("any", "trash"):
                    found += woo.list_by_ids(self.client, listing=listing, ids=batch, status=status)
                items.extend(found)
                found_ids = {item.get("id") for item in found}
                gone.extend(woo_id for woo_id in batch if woo_id not in found_ids)
        except WooError as exc:
            if isinstance(exc, FATAL_ERRORS):
                raise
            stats.complete = False  # what was read is still written below
            stats.errors.append(str(exc))
        if items:
            writer(items, stats, seen)
        if gone:
            # Deleted upstream for good: nothing left to retry.
            with transaction.atomic():
                stats.deleted += self.delete_rows(
                    "products" if entity == "products" else "orders", "t.woo_id = ANY(%s)", [gone], GONE_ERRORS[entity]
                )

    # -- orders -----------------------------------------------------------------------------

    def pull_orders(self, stats: EntityStats) -> None:
        incremental = self._pull_dated("orders", EntityType.ORDER, stats)
        if incremental and self.orders_modified:
            newest = sorted(self.orders_modified, key=lambda pair: (pair[0] is not None, pair[0], pair[1]))[::-1]
            # An order listed twice (trashed while listed) is named once, at its newest.
            woo_ids = list(dict.fromkeys(woo_id for _at, woo_id in newest))
            signals.orders_modified.send(Puller, store_id=self.store_id, woo_ids=woo_ids)
