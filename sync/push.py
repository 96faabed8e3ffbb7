"""Pushing local changes to WooCommerce: the executor loop behind the push tasks.

A local change is a :class:`PushOperation` (an outbox row written through ``sync.services``).
The loop claims it and runs the executor the owning app registered for its entity and action
(``register_executor``; catalog: products and taxonomies, orders: an order's status), which sends
it, records ``woo_id``, ``synced_at`` and the remote modified time from the answer
(``push_done``), and writes the answer back with the pull's writer.

* Transient failures (timeouts, 429, 5xx) leave the operation pending for the task to retry;
  permanent ones mark it failed and open a ``sync_errors`` row.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actor import SYSTEM_SYNC
from audit.actor import audit_actor
from sync import records
from sync import signals
from sync import upsert
from sync.mappers import MappingError
from sync.mappers.common import gmt
from sync.models import EntityType
from sync.models import PushAction
from sync.models import PushEntity
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncLogStatus
from sync.records import ItemError
from sync.woo import WooClient
from sync.woo import WooError
from sync.woo import WooRateLimitedError
from sync.woo import WooServerError
from sync.woo import WooUnreachableError
from sync.woo import client_for

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (WooUnreachableError, WooRateLimitedError, WooServerError)
BATCH_LIMIT = 100


class PushRetryLater(Exception):
    """A transient failure: the operation stays pending and the task retries it later."""

    def __init__(self, op: PushOperation, error: WooError) -> None:
        super().__init__(str(error))
        self.op = op
        self.error = error


class PushFailed(Exception):
    """A permanent failure of one operation (recorded; the task does not retry)."""


# --- entry points ---------------------------------------------------------------------------


def execute_push(op_id: Any, *, client: WooClient | None = None) -> PushOperation:
    """Run one queued operation. Raises :class:`PushRetryLater` on a transient failure."""
    op = _claim(op_id)
    if op is None:
        return PushOperation.objects.get(pk=op_id)
    return _run_claimed(op, client)


def _run_claimed(op: PushOperation, client: WooClient | None) -> PushOperation:
    client = client or client_for(op.store)
    handler = _HANDLERS.get((op.entity_type, op.action))
    try:
        with audit_actor.system(SYSTEM_SYNC):
            if handler is None:
                raise PushFailed(f"cannot push {op.action} of a {op.entity_type}")
            handler(op, client)
    except TRANSIENT_ERRORS as exc:
        return push_transient(op, exc)
    except (WooError, PushFailed, MappingError) as exc:
        push_fail(op, exc)
    except Exception as exc:
        # Never left running: a running operation guards its row from every pull and cannot be
        # cancelled. Raised again for the task's log.
        push_fail(op, exc)
        raise
    return op


def execute_bulk_push(op_ids: list[Any], *, client: WooClient | None = None) -> list[PushOperation]:
    """Product updates through ``POST /products/batch``, 100 per request, with the same
    conflict check as single pushes (one list request per 100 products); the variations an
    operation carries go through their product's variations batch. Transient failures
    leave the operations pending (the caller retries them)."""
    ops = [op for op in (_claim(op_id) for op_id in op_ids) if op is not None]
    done: list[PushOperation] = []
    by_store: dict[Any, list[PushOperation]] = {}
    for op in ops:
        if op.action == PushAction.UPDATE and op.entity_type in _BATCH_UPDATES:
            by_store.setdefault((op.entity_type, op.store_id), []).append(op)
        else:
            try:
                done.append(_run_claimed(op, client))
            except PushRetryLater:
                done.append(op)
    for (entity_type, _store_id), store_ops in by_store.items():
        store_client = client or client_for(store_ops[0].store)
        for chunk in upsert.chunked(store_ops, BATCH_LIMIT):
            try:
                with audit_actor.system(SYSTEM_SYNC):
                    done.extend(_BATCH_UPDATES[entity_type](chunk, store_client))
            except Exception as exc:
                for op in chunk:  # as in _run_claimed: none is left running
                    op.refresh_from_db()
                    if op.status == PushStatus.RUNNING:
                        push_fail(op, exc)
                raise
    return done


# --- bookkeeping ------------------------------------------------------------------------------


def _claim(op_id: Any) -> PushOperation | None:
    """Mark the operation running (one attempt more); None if it is not pending any more."""
    with transaction.atomic():
        op = PushOperation.objects.select_for_update().select_related("store").filter(pk=op_id).first()
        if op is None or op.status not in (PushStatus.PENDING, PushStatus.RUNNING):
            return None
        now = timezone.now()
        op.status = PushStatus.RUNNING
        op.attempts += 1
        op.first_attempt_at = op.first_attempt_at or now
        op.last_attempt_at = now
        op.save(update_fields=["status", "attempts", "first_attempt_at", "last_attempt_at"])
    return op


def push_transient(op: PushOperation, exc: WooError) -> PushOperation:
    op.last_error = str(exc)
    if op.attempts >= settings.SYNC_PUSH_MAX_ATTEMPTS:
        push_fail(op, exc)
        return op
    op.status = PushStatus.PENDING
    op.save(update_fields=["status", "last_error"])
    raise PushRetryLater(op, exc)


def push_fail(op: PushOperation, exc: BaseException) -> None:
    logger.warning("push %s failed: %s", op.pk, exc)
    op.status = PushStatus.FAILED
    op.last_error = str(exc)[:2000]
    op.completed_at = timezone.now()
    op.save(update_fields=["status", "last_error", "completed_at"])
    announce_closed(op)
    records.record_errors(
        op.store_id,
        [
            ItemError.from_exception(
                op.entity_type,
                exc,
                woo_id=op.woo_id,
                metadata={"push_id": str(op.pk), "action": op.action, "object_id": str(op.object_id or "")},
            )
        ],
    )
    push_log(op, SyncLogStatus.FAILED, op.last_error)


def push_done(op: PushOperation, remote_modified=None, woo_id=None) -> None:
    op.status = PushStatus.DONE
    op.last_error = None
    op.completed_at = timezone.now()
    op.remote_modified_at = remote_modified
    if woo_id is not None:
        op.woo_id = woo_id
    op.save(update_fields=["status", "last_error", "completed_at", "remote_modified_at", "woo_id"])
    announce_closed(op)
    push_log(op, SyncLogStatus.SUCCESS)


def announce_closed(op: PushOperation) -> None:
    """The object no longer waits on this push: what the shop sent meanwhile may be applied."""
    signals.push_closed.send(__name__, store_id=op.store_id, entity_type=op.entity_type, woo_id=op.woo_id)


def push_log(op: PushOperation, status: str, error: str | None = None) -> None:
    """The operation's ``sync_logs`` row: success, failed, or pending for a conflict (attribute
    terms log as attributes: the inventory's entity types have no term)."""
    entity_type = EntityType.ATTRIBUTE if op.entity_type == PushEntity.ATTRIBUTE_TERM else op.entity_type
    ended, started = op.completed_at or timezone.now(), op.last_attempt_at
    records.log_entities(
        op.store_id,
        [
            records.EntityLog(
                entity_type=entity_type,
                action=op.action,
                status=status,
                woo_id=op.woo_id,
                entity_id=op.object_id,
                error=error,
                duration_ms=int((ended - started).total_seconds() * 1000) if started else None,
                metadata={"source": "push", "push_id": str(op.pk), "attempts": op.attempts, "outcome": op.status},
            )
        ],
    )


def answer_modified_at(payload: dict) -> Any:
    try:
        return gmt(payload.get("date_modified_gmt"), field="date_modified_gmt")
    except MappingError:
        return None


# --- the executors, registered by the apps that own the rows ---------------------------------

# (entity, action) -> executor(op, client); entity -> executor(ops, client) -> ops for updates sent
# in batches. Filled in from the owning apps' ``AppConfig.ready``: catalog (products, their
# variations, taxonomies: ``catalog/push_executors.py``), orders (an order's status).
_HANDLERS: dict[tuple[str, str], Any] = {}
_BATCH_UPDATES: dict[str, Any] = {}


def register_executor(entity_type: str, action: str, executor) -> None:
    """Run ``executor(op, client)`` for the queued ``action`` of an ``entity_type``."""
    _HANDLERS[(entity_type, action)] = executor


def register_batch_update(entity_type: str, executor) -> None:
    """Send an ``entity_type``'s queued updates of one store ``BATCH_LIMIT`` at a time:
    ``executor(ops, client) -> ops``."""
    _BATCH_UPDATES[entity_type] = executor
