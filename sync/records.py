"""Bookkeeping shared by pulls, reconciliation and pushes: ``sync_errors`` (recorded, retried,
resolved), watermarks, and the per-store advisory lock. Every function works on a batch, so a
page costs a constant number of queries whatever its size."""

from __future__ import annotations

import contextlib
import hashlib
import json
import traceback
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from sync.models import SyncError
from sync.models import SyncState

# --- sync_errors -----------------------------------------------------------------------------


@dataclass
class ItemError:
    """One failed item (or page, when ``woo_id`` is None) on its way to ``sync_errors``."""

    entity_type: str
    message: str
    woo_id: int | None = None
    code: str | None = None
    stack_trace: str | None = None
    # Lets the watermark of ``watermark_entity`` stay below ``modified_gmt`` while the error is open.
    watermark_entity: str | None = None
    modified_gmt: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_exception(cls, entity_type: str, exc: BaseException, *, code: str | None = None, **kw: Any) -> ItemError:
        code = code or getattr(exc, "code", None) or type(exc).__name__
        trace = "".join(traceback.format_exception(exc))[-4000:]
        return cls(
            entity_type=entity_type,
            message=str(exc)[:2000] or type(exc).__name__,
            code=str(code),
            stack_trace=trace,
            **kw,
        )

    def meta(self, run_id: Any) -> dict[str, Any]:
        data = dict(self.metadata)
        if run_id:
            data["run_id"] = str(run_id)
        if self.watermark_entity:
            data["watermark_entity"] = self.watermark_entity
        if self.modified_gmt:
            data["modified_gmt"] = self.modified_gmt.isoformat()
        return data


def _key(entity_type: str, woo_id: Any, metadata: dict) -> tuple:
    # Page-level errors have no woo_id; they are keyed by what they listed.
    return entity_type, woo_id, None if woo_id is not None else metadata.get("listing")


def record_errors(store_id: Any, errors: list[ItemError], run_id: Any = None) -> int:
    """Insert new errors; an error already open for the same item counts as one more retry.

    Two or three queries for the whole batch.
    """
    if not errors:
        return 0
    now = timezone.now()
    entity_types = {error.entity_type for error in errors}
    open_rows = SyncError.objects.filter(store_id=store_id, resolved=False, entity_type__in=entity_types)
    woo_ids = {error.woo_id for error in errors if error.woo_id is not None}
    has_listing = any(error.woo_id is None for error in errors)
    open_rows = (
        open_rows.filter(Q(woo_id__in=woo_ids) | Q(woo_id__isnull=True))
        if has_listing
        else open_rows.filter(woo_id__in=woo_ids)
    )
    existing = {_key(row.entity_type, row.woo_id, row.metadata or {}): row for row in open_rows}
    to_update, to_create, seen = [], [], set()
    for error in errors:
        metadata = error.meta(run_id)
        key = _key(error.entity_type, error.woo_id, metadata)
        if key in seen:
            continue
        seen.add(key)
        row = existing.get(key)
        if row is not None:
            row.retry_count = (row.retry_count or 0) + 1
            row.last_retry_at = now
            row.error_message = error.message
            row.error_code = error.code
            row.stack_trace = error.stack_trace
            row.metadata = {**(row.metadata or {}), **metadata}
            to_update.append(row)
        else:
            to_create.append(
                SyncError(
                    store_id=store_id,
                    entity_type=error.entity_type,
                    woo_id=error.woo_id,
                    entity_id=str(error.woo_id) if error.woo_id is not None else None,
                    error_message=error.message,
                    error_code=error.code,
                    stack_trace=error.stack_trace,
                    metadata=metadata,
                )
            )
    if to_update:
        SyncError.objects.bulk_update(
            to_update, ["retry_count", "last_retry_at", "error_message", "error_code", "stack_trace", "metadata"]
        )
    if to_create:
        SyncError.objects.bulk_create(to_create)
    return len(to_update) + len(to_create)


# --- sync_logs per entity ---------------------------------------------------------------------

# The table holding each entity type's rows: a log entry without a local id is given the id of the
# row that now holds its woo_id (a webhook's delivery names only WooCommerce's id).
_LOG_TABLES = {
    "product": "products",
    "variation": "product_variations",
    "order": "orders",
    "category": "store_categories",
    "tag": "store_tags",
    "brand": "store_brands",
    "attribute": "store_attributes",
}


@dataclass
class EntityLog:
    """One ``sync_logs`` row about one entity written by a push or a webhook delivery."""

    entity_type: str
    action: str  # create | update | delete
    status: str  # success | failed
    woo_id: int | None = None
    entity_id: Any = None
    error: str | None = None
    duration_ms: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def log_entities(store_id: Any, entries: list[EntityLog]) -> int:
    """Insert one ``sync_logs`` row per entry in one statement; an entry without ``entity_id``
    gets the local id of the row holding its ``woo_id``, looked up in the same statement.

    The entries travel as one JSON document (``jsonb_to_recordset``): Django's cursor binds on the
    client, and quoting one string costs a fraction of quoting seven arrays element by element
    (a webhook burst logs a hundred rows per statement)."""
    if not entries:
        return 0
    lookups = " ".join(
        f"WHEN '{entity}' THEN (SELECT x.id::text FROM {table} x "  # noqa: S608 - code constants
        "WHERE x.store_id = %s AND x.woo_id = e.woo_id)"
        for entity, table in _LOG_TABLES.items()
    )
    rows = [
        {
            "entity_type": entry.entity_type,
            "entity_id": str(entry.entity_id) if entry.entity_id is not None else None,
            "woo_id": entry.woo_id,
            "action": entry.action,
            "status": entry.status,
            "duration_ms": entry.duration_ms,
            "metadata": {**entry.metadata, **({"error": entry.error[:2000]} if entry.error else {})},
        }
        for entry in entries
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sync_logs (id, store_id, entity_type, entity_id, woo_id, action, status, duration_ms, "  # noqa: S608 - code constants
            "metadata, created_at) "
            f"SELECT uuid_v7(), %s, e.entity_type, coalesce(e.entity_id, CASE e.entity_type {lookups} END), "
            "e.woo_id, e.action, e.status, e.duration_ms, e.metadata, now() "
            "FROM jsonb_to_recordset(%s::jsonb) "
            "AS e(entity_type text, entity_id text, woo_id bigint, action text, status text, duration_ms int, "
            "metadata jsonb)",
            [*[store_id] * len(_LOG_TABLES), store_id, json.dumps(rows)],
        )
        return cursor.rowcount


def resolve_errors(store_id: Any, entity_type: str, woo_ids: Iterable[int]) -> int:
    """Mark the open errors of items that have now been written as resolved (one query)."""
    woo_ids = list(woo_ids)
    if not woo_ids:
        return 0
    return SyncError.objects.filter(
        store_id=store_id, entity_type=entity_type, resolved=False, woo_id__in=woo_ids
    ).update(resolved=True, resolved_at=timezone.now())


def open_error_ids(store_id: Any, entity_type: str) -> dict[int, SyncError]:
    """Open, still-retried errors of one entity type, by woo_id."""
    rows = SyncError.objects.filter(
        store_id=store_id,
        entity_type=entity_type,
        resolved=False,
        woo_id__isnull=False,
        retry_count__lt=settings.SYNC_ERROR_MAX_RETRIES,
    )
    return {row.woo_id: row for row in rows}


# --- watermarks ------------------------------------------------------------------------------


def sync_state(store_id: Any, entity: str) -> SyncState:
    state, _ = SyncState.objects.get_or_create(store_id=store_id, entity=entity)
    return state


def watermark_cap(store_id: Any, entity: str) -> datetime | None:
    """The earliest modified time of an open, still-retried error that holds ``entity`` back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min((metadata->>'modified_gmt')::timestamptz) FROM sync_errors "
            "WHERE store_id = %s AND NOT resolved AND metadata->>'watermark_entity' = %s "
            "AND coalesce(retry_count, 0) < %s",
            [store_id, entity, settings.SYNC_ERROR_MAX_RETRIES],
        )
        return cursor.fetchone()[0]


def advance_watermark(
    state: SyncState, committed_max: datetime | None, *, full: bool, started: datetime
) -> datetime | None:
    """The new watermark: the largest committed ``date_modified_gmt``, but never past the moment
    the listing ``started`` (listings go by id, not by date: an item changed while a long pull ran
    may sit on a page read before the change, while a later page holds a newer one), nor past an
    item that failed (it stays one second below the earliest open error's modified time)."""
    new = committed_max if committed_max is not None else state.watermark
    if new is not None and new > started:
        new = started
    cap = watermark_cap(state.store_id, state.entity)
    if cap is not None and new is not None and new >= cap:
        new = cap - timedelta(seconds=1)
    now = timezone.now()
    state.watermark = new
    state.last_pulled_at = now
    fields = ["watermark", "last_pulled_at", "updated_at"]
    if full:
        state.last_full_at = now
        fields.append("last_full_at")
    state.save(update_fields=fields)
    return new


def since(state: SyncState) -> datetime | None:
    """``modified_after`` for an incremental pull: the watermark minus the overlap."""
    if state.watermark is None:
        return None
    return state.watermark - timedelta(seconds=settings.SYNC_WATERMARK_OVERLAP_SECONDS)


# --- one pull per store at a time ------------------------------------------------------------


def lock_key(store_id: Any) -> int:
    digest = hashlib.blake2b(f"storedesk.sync:{store_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def store_lock(store_id: Any) -> Iterator[bool]:
    """A session-level PostgreSQL advisory lock on the store: yields False if another process
    holds it. It is released on exit, or by PostgreSQL if the worker's connection dies."""
    key = lock_key(store_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextlib.contextmanager
def image_copy_lock(store_id: Any) -> Iterator[None]:
    """The store's image-copy lock (session-level, advisory): one copy of a store's image files
    at a time, independent of the pull lock so the next pull need not wait for the files. Waits
    for a copy in progress (its downloads are bounded by their timeouts)."""
    digest = hashlib.blake2b(f"storedesk.sync-images:{store_id}".encode(), digest_size=8).digest()
    with advisory_lock(int.from_bytes(digest, "big", signed=True)):
        yield


@contextlib.contextmanager
def advisory_lock(key: int) -> Iterator[None]:
    """Wait for, then hold, the session-level PostgreSQL advisory lock ``key`` (``lock_key``);
    released on exit, or by PostgreSQL if the process's connection dies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def store_lock_held(store_id: Any) -> bool:
    """True when another session holds the store's pull lock (a run is really in progress)."""
    with store_lock(store_id) as acquired:
        return not acquired
