"""Applying inbox rows to the database (called by ``services`` inside a transaction that holds
the rows' locks).

Writes go through the sync's own writer (``sync.writer.apply_payloads``: the same mappers and
set-based upserts as a pull, which also leave rows with an unpushed local change alone), one call
per batch of deliveries. What webhooks add on top:

* order: a delivery older than what we hold (``date_modified_gmt``, ties broken by arrival) is
  skipped, never written; of several deliveries of one object in a batch only the newest is
  written; deliveries of one object are applied one batch at a time (advisory locks, taken in key
  order so two workers never deadlock);
* ``*.deleted`` bodies are only ``{"id": N}``: WooCommerce is asked what it holds now (a trashed
  object answers with status ``trash``) and that is applied; without an answer the row is marked
  ``trash`` unless we already hold something newer than the delivery;
* an order whose status changed is announced (``webhooks.signals``): the orders app writes
  ``order_status_logs`` (``changed_by = 'woocommerce'``), except for the echo of our own push (the
  push logged it already);
* a delivery for an object whose local change is still to be pushed (or in conflict) is held
  pending until that push closes, then applied like any other (``inbox.release_held``);
* echoes of our pushes (``sync_push_operations`` done with the same remote modified time) are
  recognised; nothing is ever pushed back from here.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection

from stores.models import Store
from sync import json_codec
from sync import woo
from sync.mappers import MappingError
from sync.mappers.orders import order_fields
from sync.mappers.products import product_fields
from sync.mappers.variations import variation_fields
from sync.models import TaxonomySyncAction
from sync.models import TaxonomySyncLog
from sync.models import open_push_guard
from sync.records import EntityLog
from sync.records import log_entities
from sync.woo import WooClientError
from sync.woo import WooError
from sync.woo import client_for
from sync.writer import _variation_shape
from sync.writer import apply_payloads
from webhooks import signals
from webhooks.models import DeliveryStatus

logger = logging.getLogger(__name__)

CHANGED_BY = "woocommerce"
# A delivery for an object with a local change waiting to be pushed stays pending with this
# outcome until the push closes (``inbox.release_held``); the version guard then decides.
WAITING_FOR_PUSH = "waiting for the local push"
_OPEN_PUSH = f"NOT {open_push_guard('t')}"  # the row has a local change waiting to be pushed
_TABLES = {"product": "products", "variation": "product_variations", "order": "orders"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PermanentApplyError(Exception):
    """The delivery can never be applied (its payload cannot be mapped): no retries."""

    def __init__(self, message, entity_type=None):
        super().__init__(message)
        self.entity_type = entity_type


class ApplyLater(Exception):
    """Not yet: e.g. a variation whose parent product we do not hold yet. Retried with backoff."""

    def __init__(self, message, entity_type=None):
        super().__init__(message)
        self.entity_type = entity_type


@dataclass
class RowResult:
    status: str | None  # applied | skipped | pending (held: WAITING_FOR_PUSH), or None with ``error``
    outcome: str = ""
    error: Exception | None = None
    entity_type: str | None = None  # what the delivery turned out to be (a product id may be a variation's)

    @property
    def permanent(self):
        return isinstance(self.error, PermanentApplyError)


@dataclass
class _Item:
    row: object
    kind: str  # product | variation | order
    payload: dict
    fields: dict
    modified: datetime | None
    deleted: bool = False

    @property
    def group(self):
        # Products and variations share WordPress's post ids: one lock and one "newest" per id.
        return "order" if self.kind == "order" else "product"

    @property
    def rank(self):
        return (self.modified or _EPOCH, self.row.received_at)


def lock_key(store_id, group, woo_id):
    digest = hashlib.blake2b(f"storedesk.webhook:{store_id}:{group}:{woo_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_all(keys):
    if keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(s.k)) FROM (SELECT k FROM unnest(%s::bigint[]) AS k ORDER BY k) s",
                [sorted(set(keys))],
            )


def _fetch_all(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _payload(row):
    try:
        payload = json_codec.decode(bytes(row.body))
    except (ValueError, RecursionError) as exc:
        raise PermanentApplyError("The stored body is not valid JSON.", row.resource) from exc
    if not isinstance(payload, dict):
        raise PermanentApplyError("The stored body is not a JSON object.", row.resource)
    if payload.get("id") != row.resource_id:
        raise PermanentApplyError("The body's id does not match the delivery.", row.resource)
    return payload


def _item(row, payload, deleted=False):
    if row.resource == "order":
        kind, mapper, shaped = "order", order_fields, payload
    elif payload.get("type") == "variation":
        kind, mapper, shaped = "variation", variation_fields, _variation_shape(payload)
        parent = payload.get("parent_id")
        if not isinstance(parent, int) or isinstance(parent, bool) or parent <= 0:
            raise PermanentApplyError("A variation without a parent_id.", "variation")
    else:
        kind, mapper, shaped = "product", product_fields, payload
    try:
        fields = mapper(shaped)
    except MappingError as exc:
        raise PermanentApplyError(str(exc), kind) from exc
    return _Item(row, kind, payload, fields, fields.get("woo_modified_at"), deleted)


class _Local(NamedTuple):
    """What we hold of a delivery's object before it is applied."""

    pk: object
    modified: datetime | None
    status: str
    pushing: bool  # a local change is waiting to be pushed
    taxonomy: tuple = ()  # a product's _TAXONOMIES columns (JSON), for taxonomy_sync_log


def _local_state(store_id, items):
    """{(kind, woo_id): _Local}: one query per table. A product's taxonomy comes with it (read
    under the batch's locks, so it is still what the write will replace)."""
    state = {}
    for kind in {item.kind for item in items}:
        woo_ids = sorted({item.row.resource_id for item in items if item.kind == kind})
        taxonomy = "".join(f", t.{name}" for name in _TAXONOMIES) if kind == "product" else ""
        # Orders are locked (in woo_id order, as a pull's page locks them) and read as last
        # committed: a pull writing the same status change at once logs it, or this batch does.
        lock = " ORDER BY t.woo_id FOR UPDATE OF t" if kind == "order" else ""
        rows = _fetch_all(
            f"SELECT t.woo_id, t.id, t.woo_modified_at, t.status, {_OPEN_PUSH}{taxonomy} FROM {_TABLES[kind]} t "  # noqa: S608 - code constants
            f"WHERE t.store_id = %s AND t.woo_id = ANY(%s::bigint[]){lock}",
            [store_id, woo_ids],
        )
        for woo_id, pk, modified, status, pushing, *refs in rows:
            state[(kind, woo_id)] = _Local(pk, modified, status, pushing, tuple(refs))
    return state


def _echoes(store_id, items):
    """(entity, woo_id, remote modified) of our finished pushes for these objects: one query."""
    candidates = [item for item in items if item.modified is not None]
    if not candidates:
        return set()
    rows = _fetch_all(
        "SELECT entity_type, woo_id, remote_modified_at FROM sync_push_operations "
        "WHERE store_id = %s AND status = 'done' AND remote_modified_at IS NOT NULL AND woo_id = ANY(%s::bigint[])",
        [store_id, sorted({item.row.resource_id for item in candidates})],
    )
    return {(entity, woo_id, modified) for entity, woo_id, modified in rows}


def _later_same_version(store_id, items):
    """Row ids of ``items`` whose same version (same modified time) arrived again later and was
    already applied: the older arrival of two same-second versions loses. One query."""
    if not items:
        return set()
    rows = _fetch_all(
        "SELECT u.pk FROM unnest(%s::text[], %s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::uuid[]) "
        "AS u(resource, resource_id, modified, received, pk) WHERE EXISTS (SELECT 1 FROM webhook_deliveries d "
        "WHERE d.store_id = %s AND d.resource = u.resource AND d.resource_id = u.resource_id "
        "AND d.status = 'applied' AND d.date_modified_gmt = u.modified AND d.received_at > u.received "
        "AND d.id <> u.pk)",
        [
            [item.row.resource for item in items],
            [item.row.resource_id for item in items],
            [item.modified for item in items],
            [item.row.received_at for item in items],
            [item.row.pk for item in items],
            store_id,
        ],
    )
    return {row[0] for row in rows}


def apply_batch(store_id, rows, payloads=None):
    """Apply pending inbox rows of one store (non-deleted events, or deletions with the current
    object in ``payloads``). Returns ``{row id: RowResult}``; raises only for an unexpected error
    (the caller's transaction then rolls back and the rows are retried one by one)."""
    payloads = payloads or {}
    results, items = {}, []
    for row in rows:
        try:
            payload = payloads.get(row.pk) or _payload(row)
            items.append(_item(row, payload, deleted=row.pk in payloads))
        except PermanentApplyError as exc:
            results[row.pk] = RowResult(None, error=exc)

    # Of several deliveries of one object only the newest is written.
    newest = {}
    for item in items:
        key = (item.group, item.row.resource_id)
        best = newest.get(key)
        if best is None or item.rank > best.rank:
            if best is not None:
                results[best.row.pk] = RowResult(DeliveryStatus.SKIPPED, "stale (a newer delivery came with it)")
            newest[key] = item
        else:
            results[item.row.pk] = RowResult(DeliveryStatus.SKIPPED, "stale (a newer delivery came with it)")
    items = list(newest.values())
    _lock_all([lock_key(store_id, item.group, item.row.resource_id) for item in items])

    state = _local_state(store_id, items)
    ties = [
        item
        for item in items
        if item.modified is not None
        and (local := state.get((item.kind, item.row.resource_id)))
        and local.modified == item.modified
    ]
    lost_ties = _later_same_version(store_id, ties)
    echoes = _echoes(store_id, items)
    parents_needed = {item.payload["parent_id"] for item in items if item.kind == "variation"}
    parents = set()
    if parents_needed:
        parents = {
            row[0]
            for row in _fetch_all(
                "SELECT woo_id FROM products WHERE store_id = %s AND woo_id = ANY(%s::bigint[])",
                [store_id, sorted(parents_needed)],
            )
        }
        parents |= {item.row.resource_id for item in items if item.kind == "product"}

    to_write, written = {"product": [], "order": []}, []
    for item in items:
        local = state.get((item.kind, item.row.resource_id))
        if local is not None and local.pushing:
            results[item.row.pk] = RowResult(DeliveryStatus.PENDING, WAITING_FOR_PUSH)
            continue
        newer_here = local is not None and local.modified is not None and item.modified is not None
        if newer_here and (item.modified < local.modified or item.row.pk in lost_ties):
            results[item.row.pk] = RowResult(DeliveryStatus.SKIPPED, "stale (we hold a newer version)")
            continue
        if item.kind == "variation" and item.payload["parent_id"] not in parents:
            results[item.row.pk] = RowResult(
                None, error=ApplyLater(f"parent product {item.payload['parent_id']} is not here yet", "variation")
            )
            continue
        to_write["order" if item.kind == "order" else "product"].append(item.payload)
        written.append((item, local))

    for entity, batch in to_write.items():
        if batch:
            stats = apply_payloads(store_id, entity, batch)
            if stats.failed:
                # The writer recorded the failed items in sync_errors; retry them one by one.
                raise RuntimeError(f"the sync writer could not write {stats.failed} {entity}(s)")

    status_changes = []
    for item, local in written:
        entity = "order" if item.kind == "order" else "product"
        echo = item.modified is not None and (entity, item.row.resource_id, item.modified) in echoes
        if echo:
            outcome = "echo of our push"
        elif item.deleted and item.fields.get("status") == "trash":
            outcome = f"{item.kind} trashed"
        else:
            outcome = f"{item.kind} {'created' if local is None else 'updated'}"
        results[item.row.pk] = RowResult(DeliveryStatus.APPLIED, outcome, entity_type=item.kind)
        if item.kind == "order" and local is not None and not echo and item.fields["status"] != local.status:
            status_changes.append((item.row.resource_id, local.status, item.fields["status"]))
    if status_changes:
        signals.order_statuses_changed.send(__name__, store_id=store_id, changes=status_changes, changed_by=CHANGED_BY)
    _log_taxonomy_changes(store_id, [(item, local) for item, local in written if item.kind == "product"])
    # An order delivery is how WooCommerce announces a refund: its notes and refunds follow.
    orders_written = [item.row.resource_id for item, _local in written if item.kind == "order" and not item.deleted]
    if orders_written:
        signals.orders_delivered.send(__name__, store_id=store_id, woo_ids=orders_written)
    return results


_TAXONOMIES = {"categories": "category", "tags": "tag", "brands": "brand"}


def _ref_ids(value):
    if isinstance(value, str):
        value = json.loads(value)
    return {ref.get("id") for ref in value or [] if isinstance(ref, dict)}


def _log_taxonomy_changes(store_id, written):
    """A ``taxonomy_sync_log`` ``webhook_update`` row per taxonomy whose assignments these
    deliveries changed (a new product counts as created, a changed one as updated). ``written``:
    the products' ``(item, _Local or None)``."""
    rows = []
    for position, (name, taxonomy) in enumerate(_TAXONOMIES.items()):
        created, updated = [], []
        for item, local in written:
            now = _ref_ids(item.fields.get(name))
            if local is None:
                if now:
                    created.append(item.row.resource_id)
            elif _ref_ids(local.taxonomy[position]) != now:
                updated.append(item.row.resource_id)
        if created or updated:
            rows.append(
                TaxonomySyncLog(
                    store_id=store_id,
                    taxonomy_type=taxonomy,
                    action=TaxonomySyncAction.WEBHOOK_UPDATE,
                    items_synced=len(created) + len(updated),
                    items_created=len(created),
                    items_updated=len(updated),
                    items_failed=0,
                    error_details={"products": sorted(created + updated)},
                )
            )
    if rows:
        TaxonomySyncLog.objects.bulk_create(rows)


_ACTIONS = {"created": "create", "updated": "update", "deleted": "delete", "restored": "update"}


def log_outcomes(store_id, outcomes):
    """One ``sync_logs`` row per delivery applied or failed for good: ``outcomes`` is a list of
    ``(row, result, status)`` with status ``success`` or ``failed``. One statement."""
    log_entities(
        store_id,
        [
            EntityLog(
                entity_type=result.entity_type or getattr(result.error, "entity_type", None) or row.resource,
                action=_ACTIONS.get(row.event, "update"),
                status=status,
                woo_id=row.resource_id,
                error=f"{type(result.error).__name__}: {result.error}" if result.error is not None else None,
                metadata={
                    "source": "webhook",
                    "delivery_id": str(row.pk),
                    "topic": row.topic,
                    "outcome": result.outcome,
                },
            )
            for row, result, status in outcomes
        ],
    )


# --- deletions ----------------------------------------------------------------------------------


def fetch_current(store_id, resource, woo_id, *, client=None):
    """What WooCommerce holds now for a deleted object: its payload (a trashed object answers with
    status ``trash``), ``"gone"`` (WooCommerce says so: ``object_gone``) or None (no answer: the
    caller decides)."""
    if not getattr(settings, "WEBHOOK_VERIFY_DELETES", True):
        return None
    try:
        if client is None:
            client = client_for(Store.objects.get(pk=store_id), timeout=10, max_retries=1)
        listing = woo.Listing.PRODUCTS if resource == "product" else woo.Listing.ORDERS
        answer = woo.item_get(client, listing=listing, item_id=woo_id)
    except WooClientError as exc:
        if exc.object_gone:
            return "gone"
        logger.info("Could not read %s %s back after its deletion: %s", resource, woo_id, exc.code)
        return None
    except (WooError, Store.DoesNotExist) as exc:
        logger.info("Could not read %s %s back after its deletion: %s", resource, woo_id, getattr(exc, "code", exc))
        return None
    except Exception:
        logger.warning("Could not read %s %s back after its deletion", resource, woo_id, exc_info=True)
        return None
    if isinstance(answer, dict) and answer.get("id") == woo_id:
        return answer
    return None


def apply_deleted(row, current):
    """A ``*.deleted`` row: with WooCommerce's current object, apply that; without an answer, mark
    the local row trashed unless it was modified after this delivery arrived."""
    if isinstance(current, dict):
        return apply_batch(row.store_id, [row], {row.pk: current})[row.pk]
    store_id, woo_id = row.store_id, row.resource_id
    group = "order" if row.resource == "order" else "product"
    _lock_all([lock_key(store_id, group, woo_id)])
    # product.deleted also fires for variations: the id tells which.
    kinds = ("order",) if group == "order" else ("product", "variation")
    for kind in kinds:
        rows = _fetch_all(
            f"SELECT t.id, t.woo_modified_at, t.status, {_OPEN_PUSH} FROM {_TABLES[kind]} t "  # noqa: S608 - constants
            "WHERE t.store_id = %s AND t.woo_id = %s FOR UPDATE OF t",
            [store_id, woo_id],
        )
        if not rows:
            continue
        pk, modified, status, pushing = rows[0]
        if pushing:
            return RowResult(DeliveryStatus.PENDING, WAITING_FOR_PUSH)
        if status == "trash":
            return RowResult(DeliveryStatus.APPLIED, f"{kind} already trashed")
        if current != "gone" and modified is not None and modified > row.received_at:
            return RowResult(DeliveryStatus.SKIPPED, "stale (modified after the deletion arrived)")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_TABLES[kind]} SET status = 'trash', updated_at = now() WHERE id = %s",  # noqa: S608
                [pk],
            )
        if kind == "order":
            signals.order_statuses_changed.send(
                __name__, store_id=store_id, changes=[(woo_id, status, "trash")], changed_by=CHANGED_BY
            )
        return RowResult(DeliveryStatus.APPLIED, f"{kind} trashed", entity_type=kind)
    return RowResult(DeliveryStatus.SKIPPED, "not here (nothing to delete)")
