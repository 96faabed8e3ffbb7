"""Writing WooCommerce objects into the database, page by page, with set-based upserts.

Shared by the pull, reconciliation, pushes (their answers) and webhook deliveries:
``apply_payloads(store_id, entity, payloads)`` writes objects received outside a pull with the
same mappers and upserts. Only the calling thread touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from config.db import uuid7
from sync import records
from sync import signals
from sync import upsert
from sync.mappers import MappingError
from sync.mappers.common import gmt
from sync.mappers.orders import order_fields
from sync.mappers.products import product_attribute_rows
from sync.mappers.products import product_fields
from sync.mappers.products import product_image_rows
from sync.mappers.variations import variation_fields
from sync.models import OPEN_PUSH_STATUSES
from sync.models import EntityType
from sync.models import SyncError
from sync.models import open_push_guard
from sync.models import open_variation_push_guard
from sync.records import ItemError

# ``order_status_logs.changed_by`` of a change first seen by a pull (webhooks write the same).
PULL_CHANGED_BY = "woocommerce"


@dataclass
class EntityStats:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    pages: int = 0
    requests: int = 0
    duration_ms: int = 0
    complete: bool = True
    skipped: str | None = None
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return self.created + self.updated + self.deleted

    def add(self, result: upsert.UpsertResult) -> None:
        self.created += result.created
        self.updated += result.updated
        self.failed += result.failed

    def as_dict(self) -> dict[str, Any]:
        data = {
            "fetched": self.fetched,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "failed": self.failed,
            "pages": self.pages,
            "requests": self.requests,
            "duration_ms": self.duration_ms,
            "complete": self.complete,
        }
        if self.skipped:
            data["skipped"] = self.skipped
        if self.errors:
            data["errors"] = self.errors[:20]
        data.update(self.extra)
        return data


def whole(rows: list) -> int:
    """The batch size that writes the rows of one caller's batch (the attributes and images of a
    batch of products, the variations of a few products) in one statement: a statement per table
    and batch, not one more for the last few rows (up to five times ``SYNC_UPSERT_BATCH_ROWS``)."""
    return min(max(len(rows), 1), 5 * settings.SYNC_UPSERT_BATCH_ROWS)


def split_upsert(
    table: upsert.Table, rows: list[dict], is_new: Callable[[dict], bool], **kwargs: Any
) -> upsert.UpsertResult:
    """Insert the rows ``is_new`` says are not in the table yet as such (``known_new``), upsert
    the others."""
    new, other = [], []
    for row in rows:
        (new if is_new(row) else other).append(row)
    result = upsert.upsert(table, new, known_new=True, **kwargs)
    result.add(upsert.upsert(table, other, **kwargs))
    return result


def older(incoming: datetime | None, held: datetime | None) -> bool:
    """Whether a payload is an older version than the row we hold (e.g. a pull's page read
    before a webhook delivery wrote a newer one): it is not written."""
    return incoming is not None and held is not None and incoming < held


def latest(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    return candidate if current is None or candidate > current else current


class Writer:
    """Writes pages of one store's objects; remembers what later steps need (variable
    products, new images) and records failed items in ``sync_errors``."""

    # A pull writes the ``order_status_logs`` row of a status change it is the first to see; a
    # webhook delivery logs its own (telling our pushes' echoes apart), a push's answer has none.
    logs_order_status = False
    # A pull whose variations step runs alongside its products step: told of each products batch
    # committed (``sync.pull_runtime.ParentsGate``).
    parents_gate = None
    # When the listings being written were read (a pull: its start). A row written since (by a
    # webhook delivery) is not removed for missing from them: the shop made it after the read.
    listings_read_at: datetime | None = None

    def __init__(self, store_id: Any, run_id: Any = None) -> None:
        self.store_id = store_id
        self.run_id = run_id
        self.variable_products: dict[int, tuple[Any, str]] = {}  # woo_id -> (local id, status)
        # Products this writer created: nothing of theirs can be stale, so the deletes of
        # attributes, images and variations missing upstream skip them.
        self.created_products: set[Any] = set()
        self.new_images: list[tuple[Any, str]] = []  # (row id, original_url) still without a file
        self.product_modified: dict[int, datetime | None] = {}
        self.orders_modified: list[tuple[datetime | None, int]] = []  # (modified, woo_id) written
        self._taken_at: dict[tuple[str, int], datetime | None] = {}  # (table, woo_id) -> modified written
        self._open_error_cache: dict[str, set[int]] = {}

    def _take(self, table: str, seen: set[int], woo_id: int, modified: datetime | None) -> bool:
        """Whether to write this copy of an item: the first one of the run, or one not older than
        the copy taken before (a missing date is not older). A run can list an item twice: trashed (or restored) while
        the live and the trashed listings were read, it is in both, the later copy the true one."""
        if woo_id in seen:
            taken = self._taken_at.get((table, woo_id))
            if taken is not None and modified is not None and modified < taken:
                return False
        seen.add(woo_id)
        self._taken_at[(table, woo_id)] = modified
        return True

    def _of_created_product(self, row: dict) -> bool:
        """The row belongs to a product this writer created: it cannot be in its table yet
        (unless a webhook delivery wrote it since, which ``split_upsert`` copes with)."""
        return row["product_id"] in self.created_products

    def _errors(self, errors: list[ItemError]) -> None:
        if errors:
            records.record_errors(self.store_id, errors, run_id=self.run_id)
            for error in errors:
                if error.woo_id is not None:
                    self._open_errors(error.entity_type).add(error.woo_id)

    def written_before(self, alias: str) -> tuple[str, list]:
        """An ``AND`` condition (and its parameter): the row ``alias`` (a code constant) was not
        written after ``listings_read_at``; nothing without that moment."""
        if self.listings_read_at is None:
            return "", []
        return f" AND ({alias}.synced_at IS NULL OR {alias}.synced_at < %s)", [self.listings_read_at]

    def delete_rows(self, table: str, condition: str, params: list, entity_types: tuple[str, ...]) -> int:
        """Delete rows gone upstream (never one with an open push) and resolve their errors."""
        # Orders also return their e-mail: their customers' summaries are recomputed.
        returning = "t.woo_id, t.customer_email" if table == "orders" else "t.woo_id, NULL"
        deleted = upsert.fetch_all(
            f"DELETE FROM {table} t WHERE t.store_id = %s AND {condition} "  # noqa: S608 - code constants
            f"AND {upsert.OPEN_PUSH_GUARD} RETURNING {returning}",
            [self.store_id, *params],
        )
        woo_ids = [woo_id for woo_id, _email in deleted]
        if table == "orders" and deleted:
            signals.order_customers_changed.send(
                Writer, store_id=self.store_id, emails={email for _woo_id, email in deleted}
            )
        for entity_type in entity_types:
            self._resolve(entity_type, woo_ids)
        return len(woo_ids)

    def _open_errors(self, entity_type: str) -> set[int]:
        """woo_ids with an open error, loaded once per run and entity type."""
        if entity_type not in self._open_error_cache:
            self._open_error_cache[entity_type] = set(
                SyncError.objects.filter(
                    store_id=self.store_id, entity_type=entity_type, resolved=False, woo_id__isnull=False
                ).values_list("woo_id", flat=True)
            )
        return self._open_error_cache[entity_type]

    def _resolve(self, entity_type: str, woo_ids: Iterable[int]) -> None:
        """Resolve the open errors of items just written (a query only when there are some)."""
        open_ids = self._open_errors(entity_type)
        hits = open_ids.intersection(woo_ids)
        if hits:
            records.resolve_errors(self.store_id, entity_type, hits)
            open_ids.difference_update(hits)

    def _item_error(self, stats: EntityStats, entity_type: str, item: Any, exc: Exception, **kw: Any) -> ItemError:
        stats.failed += 1
        woo_id = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), int) else None
        return ItemError.from_exception(entity_type, exc, woo_id=woo_id, **kw)

    def _row_error_handler(self, stats: EntityStats, entity_type: str, errors: list[ItemError]):
        def handle(row: dict, exc: Exception) -> None:
            errors.append(
                ItemError.from_exception(
                    entity_type,
                    exc,
                    woo_id=row.get("woo_id"),
                    code="database_error",
                    watermark_entity=entity_type + "s" if entity_type in ("product", "order") else None,
                    modified_gmt=row.get("woo_modified_at"),
                )
            )

        return handle

    def write_products(self, items: list[dict], stats: EntityStats, seen: set[int]) -> datetime | None:
        taken, attributes, images, errors = {}, {}, {}, []
        newest = None
        for item in items:
            try:
                fields = product_fields(item)
                attribute_rows = product_attribute_rows(item)
                image_rows = product_image_rows(item)
            except MappingError as exc:
                modified = safe_gmt(item)
                error = self._item_error(
                    stats, EntityType.PRODUCT, item, exc, watermark_entity="products", modified_gmt=modified
                )
                errors.append(error)
                if error.woo_id is not None:
                    seen.add(error.woo_id)  # it exists upstream: never removed for failing to map
                continue
            woo_id = fields["woo_id"]
            if not self._take("products", seen, woo_id, fields["woo_modified_at"]):
                continue
            taken[woo_id] = {**fields, "store_id": self.store_id}
            attributes[woo_id] = attribute_rows
            images[woo_id] = image_rows
            self.product_modified[woo_id] = fields["woo_modified_at"]
        rows = list(taken.values())
        handler = self._row_error_handler(stats, EntityType.PRODUCT, errors)
        with transaction.atomic():
            # What is here already (ids, and whether a local change waits to be pushed), so new
            # rows get their ids now and each product names its featured image in the same
            # INSERT (the foreign key is checked at commit): no second pass over the products.
            local, held_modified = {}, {}
            for woo_id, pid, guarded, modified in upsert.fetch_all(
                "SELECT t.woo_id, t.id, NOT " + upsert.OPEN_PUSH_GUARD + ", t.woo_modified_at FROM products t "  # noqa: S608 - identifiers are code constants
                "WHERE t.store_id = %s AND t.woo_id = ANY(%s::bigint[])",
                [self.store_id, [r["woo_id"] for r in rows]],
            ):
                local[woo_id] = (pid, guarded)
                held_modified[woo_id] = modified
            known_images = (
                {
                    (pid, url): image_id
                    for pid, url, image_id in upsert.fetch_all(
                        "SELECT product_id, original_url, id FROM product_images WHERE product_id = ANY(%s)",
                        [[pid for pid, _ in local.values()]],
                    )
                }
                if local
                else {}
            )
            writable_rows, image_rows, attribute_rows = [], {}, {}
            for row in rows:
                woo_id = row["woo_id"]
                pid, guarded = local.get(woo_id, (None, False))
                if guarded or older(row["woo_modified_at"], held_modified.get(woo_id)):
                    continue  # an unpushed local edit, or a newer version: leave the product alone
                if pid is None:
                    pid = uuid7()
                    self.created_products.add(pid)
                product_images = [
                    {
                        **image,
                        "id": known_images.get((pid, image["original_url"])) or uuid7(),
                        "store_id": self.store_id,
                        "product_id": pid,
                    }
                    for image in images[woo_id]
                ]
                writable_rows.append(
                    {**row, "id": pid, "featured_image_id": product_images[0]["id"] if product_images else None}
                )
                image_rows[woo_id] = product_images
                attribute_rows[woo_id] = [
                    {**attribute, "store_id": self.store_id, "product_id": pid} for attribute in attributes[woo_id]
                ]
            created = self.created_products
            stats.add(split_upsert(upsert.PRODUCTS, writable_rows, lambda r: r["id"] in created, on_row_error=handler))
            failed = {e.woo_id for e in errors}
            writable = {row["woo_id"]: row for row in writable_rows if row["woo_id"] not in failed}
            for woo_id, row in writable.items():
                if row["type"] == "variable":
                    self.variable_products[woo_id] = (row["id"], row["status"])
                newest = latest(newest, row["woo_modified_at"])
            attribute_list = [a for woo_id in writable for a in attribute_rows[woo_id]]
            image_list = [i for woo_id in writable for i in image_rows[woo_id]]
            of_created = self._of_created_product
            stats.add(
                split_upsert(upsert.PRODUCT_ATTRIBUTES, attribute_list, of_created, batch_size=whole(attribute_list))
            )
            result = split_upsert(upsert.PRODUCT_IMAGES, image_list, of_created, batch_size=whole(image_list))
            stats.add(result)
            self.new_images.extend((r["id"], r["original_url"]) for r in result.returned if not r["storage_url"])
            # What products that were here before no longer have upstream is removed.
            existing = [row for woo_id, row in writable.items() if woo_id in local]
            if existing:
                ids = {row["id"] for row in existing}
                # "<> ALL(array)" is a hashed lookup (PostgreSQL 15): no per-row scan of the kept list.
                stats.deleted += upsert.execute(
                    "DELETE FROM product_attributes a WHERE a.product_id = ANY(%s) AND "
                    "(a.product_id::text || '/' || COALESCE(a.woo_id::text, '') || '/' || a.name) <> ALL(%s::text[])",
                    [
                        list(ids),
                        [
                            f"{r['product_id']}/{r['woo_id']}/{r['name']}"
                            for r in attribute_list
                            if r["product_id"] in ids
                        ],
                    ],
                )
                stats.deleted += upsert.execute(
                    "DELETE FROM product_images i WHERE i.product_id = ANY(%s) "
                    "AND i.type IN ('featured', 'gallery') AND i.id <> ALL(%s::uuid[])",
                    [list(ids), [r["id"] for r in image_list if r["product_id"] in ids]],
                )
                # A product that stopped being variable has no variations any more.
                not_variable = [row["id"] for row in existing if row["type"] != "variable"]
                if not_variable:
                    stats.deleted += upsert.execute(
                        "DELETE FROM product_variations v WHERE v.product_id = ANY(%s)", [not_variable]
                    )
        self._errors(errors)
        self._resolve(EntityType.PRODUCT, writable)
        if self.parents_gate is not None:
            self.parents_gate.committed([*local, *writable])
        # Failed items hold the watermark back through their open sync_errors (advance_watermark).
        return newest

    def write_variations(
        self,
        batch: list[tuple[int, Any, list[dict]]],
        stats: EntityStats,
        errors: list[ItemError],
        *,
        complete: bool = True,
    ) -> None:
        """Write the variations of some products; with ``complete`` (each product's whole list
        was read) variations missing from the lists are removed. A variation deleted here whose
        deletion waits in its product's push is not brought back."""
        deleting = self._deletions_waiting([product_id for _parent, product_id, _items in batch])
        rows, image_rows, product_ids, done_parents, kept = [], [], [], [], []
        for parent_woo_id, product_id, items in batch:
            parent_ok = True
            for item in items:
                if isinstance(item, dict) and item.get("id") in deleting:
                    continue
                try:
                    fields = variation_fields(item)
                except MappingError as exc:
                    parent_ok = False
                    if isinstance(item, dict) and isinstance(item.get("id"), int):
                        kept.append(item["id"])  # exists upstream: keep what we have
                    errors.append(
                        self._item_error(
                            stats,
                            EntityType.VARIATION,
                            item,
                            exc,
                            watermark_entity="products",
                            modified_gmt=self.product_modified.get(parent_woo_id),
                            metadata={"parent": parent_woo_id},
                        )
                    )
                    continue
                rows.append({**fields, "store_id": self.store_id, "product_id": product_id})
                if fields["image_src"]:
                    image_rows.append(
                        {
                            "store_id": self.store_id,
                            "product_id": product_id,
                            "original_url": fields["image_src"],
                            "woo_id": fields["image_woo_id"],
                        }
                    )
            product_ids.append(product_id)
            if parent_ok:
                done_parents.append(parent_woo_id)
        with transaction.atomic():
            if image_rows:
                # A variation's image that is not in the product's gallery gets its own row (one
                # that is there is often the gallery's: never known to be new).
                unique = list({(r["product_id"], r["original_url"]): r for r in image_rows}.values())
                result = upsert.upsert(upsert.VARIATION_IMAGES, unique, batch_size=whole(unique))
                stats.add(result)
                self.new_images.extend((r["id"], r["original_url"]) for r in result.returned)
            variation_errors: list[ItemError] = []
            stats.add(
                split_upsert(
                    upsert.VARIATIONS,
                    rows,
                    self._of_created_product,
                    on_row_error=self._row_error_handler(stats, "variation", variation_errors),
                    batch_size=whole(rows),
                )
            )
            errors.extend(variation_errors)
            # Products created by this writer have nothing older to remove.
            existing = {pid for pid in product_ids if pid not in self.created_products}
            # Variations gone from a product whose list was read completely are removed.
            if complete and existing:
                written_before, written_params = self.written_before("v")
                stats.deleted += upsert.execute(
                    "DELETE FROM product_variations v WHERE v.product_id = ANY(%s) "  # noqa: S608 - constants
                    "AND v.woo_id <> ALL(%s::bigint[]) AND "
                    + open_push_guard("v")
                    + " AND "
                    + open_variation_push_guard("v")
                    + written_before,
                    [
                        list(existing),
                        [r["woo_id"] for r in rows if r["product_id"] in existing] + kept,
                        *written_params,
                    ],
                )
            if existing:
                stats.deleted += upsert.execute(
                    "DELETE FROM product_images i WHERE i.product_id = ANY(%s) AND i.type = 'variation' "
                    "AND NOT EXISTS (SELECT 1 FROM product_variations v WHERE v.image_id = i.id)",
                    [list(existing)],
                )
        self._resolve(EntityType.VARIATION, [r["woo_id"] for r in rows] + done_parents)

    @staticmethod
    def _deletions_waiting(product_ids: list[Any]) -> set[int]:
        """The woo_ids of variations deleted here that open pushes of these products carry."""
        return {
            woo_id
            for (woo_id,) in upsert.fetch_all(
                "SELECT jsonb_array_elements_text(o.payload->'deleted_variation_woo_ids')::bigint "
                "FROM sync_push_operations o WHERE o.object_id = ANY(%s::uuid[]) AND o.status = ANY(%s) "
                "AND jsonb_typeof(o.payload->'deleted_variation_woo_ids') = 'array'",
                [product_ids, list(OPEN_PUSH_STATUSES)],
            )
        }

    def write_listed_variations(
        self, items: list[dict], stats: EntityStats, seen: set[int], errors: list[ItemError]
    ) -> datetime | None:
        """Write variations of any parents, as ``GET /variations`` lists them (each names its
        ``parent_id``; a parent's list may span pages, so nothing is removed here). A variation
        whose parent is not here is an error. Returns the newest ``date_modified_gmt`` written."""
        by_parent: dict[Any, list[dict]] = {}
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                seen.add(item["id"])
            by_parent.setdefault(item.get("parent_id") if isinstance(item, dict) else None, []).append(item)
        parents = dict(
            upsert.fetch_all(
                "SELECT woo_id, id FROM products WHERE store_id = %s AND woo_id = ANY(%s::bigint[])",
                [self.store_id, [p for p in by_parent if isinstance(p, int) and not isinstance(p, bool)]],
            )
        )
        batch, failed = [], set()
        for parent_woo_id, listed in by_parent.items():
            if parent_woo_id in parents:
                batch.append((parent_woo_id, parents[parent_woo_id], listed))
                continue
            for item in listed:
                woo_id = item.get("id") if isinstance(item, dict) else None
                failed.add(woo_id)
                stats.failed += 1
                errors.append(
                    ItemError(
                        EntityType.VARIATION,
                        f"parent product {parent_woo_id} is not here",
                        woo_id=woo_id,
                        code="missing_parent",
                        watermark_entity="variations",
                        modified_gmt=safe_gmt(item),
                        metadata={"parent": parent_woo_id},
                    )
                )
        before = len(errors)
        if batch:
            self.write_variations(batch, stats, errors, complete=False)
        failed |= {error.woo_id for error in errors[before:]}
        return max(
            (
                modified
                for item in items
                if isinstance(item, dict) and item.get("id") not in failed and (modified := safe_gmt(item))
            ),
            default=None,
        )

    def write_variation_items(self, parent_woo_id: int | None, items: list[dict], stats: EntityStats) -> None:
        """Write some variations of one product (not its full list: nothing is removed)."""
        found = upsert.fetch_all(
            "SELECT id FROM products WHERE store_id = %s AND woo_id = %s", [self.store_id, parent_woo_id]
        )
        if not found:
            stats.failed += len(items)
            self._errors(
                [
                    ItemError(
                        EntityType.VARIATION,
                        f"parent product {parent_woo_id} is not here yet",
                        woo_id=item.get("id"),
                        code="missing_parent",
                        metadata={"parent": parent_woo_id},
                    )
                    for item in items
                ]
            )
            return
        errors: list[ItemError] = []
        self.write_variations([(parent_woo_id, found[0][0], items)], stats, errors, complete=False)
        self._errors(errors)

    def write_orders(self, items: list[dict], stats: EntityStats, seen: set[int]) -> datetime | None:
        taken, errors = {}, []
        for item in items:
            try:
                fields = order_fields(item)
            except MappingError as exc:
                error = self._item_error(
                    stats, EntityType.ORDER, item, exc, watermark_entity="orders", modified_gmt=safe_gmt(item)
                )
                errors.append(error)
                if error.woo_id is not None:
                    seen.add(error.woo_id)  # it exists upstream: never removed for failing to map
                continue
            if self._take("orders", seen, fields["woo_id"], fields["woo_modified_at"]):
                taken[fields["woo_id"]] = {**fields, "store_id": self.store_id}
        rows = list(taken.values())
        with transaction.atomic():
            woo_ids = [r["woo_id"] for r in rows]
            if self.logs_order_status:
                # The status changes come before the upsert, in the statement that reads which
                # orders are here: the log and the rows it describes commit together. The orders
                # are locked (in woo_id order, as a webhook batch locks them) and read as last
                # committed: a delivery writing the same change at once logs it, or this does.
                found = upsert.fetch_all(
                    "WITH incoming AS (SELECT * FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[]) "  # noqa: S608 - a code constant
                    "AS k(woo_id, status, modified)), "
                    "here AS (SELECT t.store_id, t.woo_id, t.status, t.customer_email, t.woo_modified_at, "
                    f"k.status AS new_status, k.modified, {upsert.OPEN_PUSH_GUARD} AS free "
                    "FROM orders t JOIN incoming k ON k.woo_id = t.woo_id WHERE t.store_id = %s "
                    "ORDER BY t.woo_id FOR UPDATE OF t), "
                    "logged AS (INSERT INTO order_status_logs (id, store_id, order_id, old_status, new_status, "
                    "changed_by, created_at) SELECT uuid_v7(), h.store_id, h.woo_id, h.status, h.new_status, %s, "
                    "now() FROM here h WHERE h.status IS DISTINCT FROM h.new_status "
                    "AND (h.modified < h.woo_modified_at) IS NOT TRUE AND h.free) "
                    "SELECT woo_id, customer_email, woo_modified_at FROM here",
                    [
                        woo_ids,
                        [r["status"] for r in rows],
                        [r["woo_modified_at"] for r in rows],
                        self.store_id,
                        PULL_CHANGED_BY,
                    ],
                )
            else:
                found = upsert.fetch_all(
                    "SELECT woo_id, customer_email, woo_modified_at FROM orders "
                    "WHERE store_id = %s AND woo_id = ANY(%s::bigint[])",
                    [self.store_id, woo_ids],
                )
            previous_emails = {woo_id: email for woo_id, email, _modified in found}
            previous_modified = {woo_id: modified for woo_id, _email, modified in found}
            rows = [r for r in rows if not older(r["woo_modified_at"], previous_modified.get(r["woo_id"]))]
            handler = self._row_error_handler(stats, "order", errors)
            stats.add(
                split_upsert(upsert.ORDERS, rows, lambda r: r["woo_id"] not in previous_emails, on_row_error=handler)
            )
            # The customers of these orders (and of the e-mails they had before) are recomputed
            # set-based, once per batch.
            emails = {r["customer_email"] for r in rows} | set(previous_emails.values())
            signals.order_customers_changed.send(Writer, store_id=self.store_id, emails=emails)
        self._errors(errors)
        failed = {e.woo_id for e in errors}
        written = [r for r in rows if r["woo_id"] not in failed]
        self._resolve(EntityType.ORDER, [r["woo_id"] for r in written])
        # New orders and orders whose modified date moved: their notes and refunds may have too.
        self.orders_modified.extend(
            (r["woo_modified_at"], r["woo_id"])
            for r in written
            if r["woo_id"] not in previous_modified or previous_modified[r["woo_id"]] != r["woo_modified_at"]
        )
        return max((r["woo_modified_at"] for r in written if r["woo_modified_at"]), default=None)


def safe_gmt(item: Any) -> datetime | None:
    """An item's ``date_modified_gmt``, or None when it has none that reads."""
    try:
        return gmt(item.get("date_modified_gmt"), field="date_modified_gmt") if isinstance(item, dict) else None
    except MappingError:
        return None


def apply_payloads(
    store_id: Any, entity: str, payloads: list[dict], *, parent_woo_id: int | None = None
) -> EntityStats:
    """Write objects received outside a pull (webhook deliveries, push answers, a conflict
    resolved with "theirs") exactly as a pull would.

    ``entity`` is "product" (a product-shaped variation, as webhooks send, is routed to the
    variations), "variation" (``parent_woo_id`` required) or "order". Rows with an open push
    are left alone, as in a pull.
    """
    writer = Writer(store_id)
    stats = EntityStats()
    if entity == "order":
        writer.write_orders(payloads, stats, set())
        return stats
    if entity == "product":
        variations = [p for p in payloads if isinstance(p, dict) and p.get("type") == "variation"]
        products = [p for p in payloads if not (isinstance(p, dict) and p.get("type") == "variation")]
        if products:
            writer.write_products(products, stats, set())
        by_parent: dict[int, list[dict]] = {}
        for payload in variations:
            by_parent.setdefault(payload.get("parent_id"), []).append(variation_shape(payload))
        for parent, items in by_parent.items():
            writer.write_variation_items(parent, items, stats)
        return stats
    if entity == "variation":
        writer.write_variation_items(parent_woo_id, payloads, stats)
        return stats
    raise ValueError(f"apply_payloads cannot write {entity!r}")


def variation_shape(payload: dict) -> dict:
    """A variation as ``GET /products/<id>`` shows it -> the variations endpoint's shape."""
    if "image" in payload:
        return payload
    images = payload.get("images") or []
    return {**payload, "image": images[0] if images else None}


# webhooks/apply.py imports the earlier private name.
_variation_shape = variation_shape
