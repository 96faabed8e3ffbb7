"""Every sync action a view, a command or a task starts: pulls, pushes, errors; and the push
queue the apps that own a change call (``push_enqueue``, ``push_enqueue_batch``,
``push_pending_for``, ``push_after_conflict``: catalog's product and taxonomy saves and its
conflict resolution, orders' status changes).

Each service is keyword-only and acts for ``actor``: one that acts for a person checks the
permission through ``stores.access`` first (an object outside the actor's scope is a 404, a
missing capability a 403), writes in one transaction, and queues the work on commit by the
task's name (``config.celery.queue_on_commit``; the task receives ids only, and ``sync.tasks``
imports this module, never the reverse).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from config.celery import queue_on_commit
from config.rls import as_service
from stores.access import CHANGE_CATALOG
from stores.access import RUN_SYNC
from stores.access import VIEW_STORE
from stores.access import access_for
from stores.models import Store
from sync import records
from sync.models import ACTIVE_RUN_STATUSES
from sync.models import OPEN_PUSH_STATUSES
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncError
from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus
from sync.pull import ENTITIES
from sync.push import announce_closed

logger = logging.getLogger(__name__)

# The tasks that do the work, queued by name (they call these services: no import back).
SYNC_STORE_TASK = "sync.tasks.sync_store_task"
RETRY_ERROR_TASK = "sync.tasks.retry_sync_error_task"
PUSH_TASK = "sync.tasks.push_task"
BULK_PUSH_TASK = "sync.tasks.bulk_push_task"


# --- pulls ------------------------------------------------------------------------------------


def _clean_entities(entities) -> list[str]:
    if not entities:
        return []
    unknown = sorted(set(entities) - set(ENTITIES))
    if unknown:
        raise ValidationError(f"Unknown entities: {', '.join(unknown)}. Choose from: {', '.join(ENTITIES)}.")
    return [entity for entity in ENTITIES if entity in entities]


def _is_stale(run: SyncRun) -> bool:
    last_sign = run.heartbeat_at or run.started_at or run.created_at
    return last_sign < timezone.now() - timedelta(seconds=settings.SYNC_RUN_STALE_SECONDS) and not (
        records.store_lock_held(run.store_id)
    )


def sync_run_queue(
    store_id, *, kind=SyncRunKind.INCREMENTAL, entities=None, requested_by=None, enqueue=True, due_at=None
):
    """Queue a pull (or a reconciliation) of a store; system use, no permission check.

    A store has at most one queued or running run: asking again returns that run. A run whose
    worker died (no heartbeat for ``SYNC_RUN_STALE_SECONDS`` and no lock held) is closed as
    failed first. ``enqueue=False`` only creates the run (the caller executes it itself).
    ``due_at`` (the scheduler's "now") queues only if the store's interval has passed since its
    last pull, checked under the store's row lock, so two dispatchers never queue twice.
    """
    entities = _clean_entities(entities)
    with transaction.atomic():
        with as_service():  # the lock only: a manager may sync, not update the store row
            store = Store.objects.select_for_update().get(pk=store_id)  # serialises concurrent requests
        active = SyncRun.objects.filter(store_id=store_id, status__in=ACTIVE_RUN_STATUSES).first()
        if active is not None:
            if not _is_stale(active):
                return None if due_at is not None else active
            active.status = SyncRunStatus.FAILED
            active.error_message = "The worker running this sync stopped answering."
            active.finished_at = timezone.now()
            active.save(update_fields=["status", "error_message", "finished_at"])
        if due_at is not None:
            last = (
                SyncRun.objects.filter(store_id=store_id, kind__in=[SyncRunKind.INCREMENTAL, SyncRunKind.FULL])
                .order_by("-created_at")
                .values_list("created_at", flat=True)
                .first()
            )
            interval = timedelta(minutes=store.sync_interval_minutes)
            if not store.sync_interval_minutes or (last is not None and last > due_at - interval):
                return None
        try:
            with transaction.atomic():
                run = SyncRun.objects.create(store_id=store_id, kind=kind, entities=entities, requested_by=requested_by)
        except IntegrityError:
            return SyncRun.objects.get(store_id=store_id, status__in=ACTIVE_RUN_STATUSES)
        if enqueue:
            queue_on_commit(SYNC_STORE_TASK, str(run.pk))
    return run


def sync_start(*, store_id, actor, full=False, entities=None) -> SyncRun:
    """ "Sync now" from the dashboard: an incremental (or full) pull of one store."""
    access_for(actor).require(RUN_SYNC, store_id)
    kind = SyncRunKind.FULL if full else SyncRunKind.INCREMENTAL
    return sync_run_queue(store_id, kind=kind, entities=entities, requested_by=actor)


def reconcile_start(*, store_id, actor=None) -> SyncRun:
    """Queue a reconciliation (id-list comparison) of a store; ``actor`` needs RUN_SYNC."""
    if actor is not None:
        access_for(actor).require(RUN_SYNC, store_id)
    return sync_run_queue(store_id, kind=SyncRunKind.RECONCILE, requested_by=actor)


def stores_due_for_sync(now=None) -> list[Any]:
    """Ids of stores whose interval has passed since their last pull started (one query)."""
    from django.db.models import Max
    from django.db.models import Q

    now = now or timezone.now()
    rows = (
        # A store imported without readable credentials waits for an owner to reconnect it.
        Store.objects.filter(sync_interval_minutes__gt=0, credentials_reconnect_needed=False)
        .annotate(
            last=Max("sync_runs__created_at", filter=Q(sync_runs__kind__in=[SyncRunKind.INCREMENTAL, SyncRunKind.FULL]))
        )
        .values_list("pk", "sync_interval_minutes", "last")
    )
    return [pk for pk, minutes, last in rows if last is None or last <= now - timedelta(minutes=minutes)]


def sync_due_stores(now=None) -> list[SyncRun]:
    """Queue an incremental pull for every store that is due (the scheduler calls this)."""
    now = now or timezone.now()
    runs = (sync_run_queue(store_id, due_at=now) for store_id in stores_due_for_sync(now))
    return [run for run in runs if run is not None]


def reconcile_all_stores() -> list[SyncRun]:
    return [
        sync_run_queue(store_id, kind=SyncRunKind.RECONCILE) for store_id in Store.objects.values_list("pk", flat=True)
    ]


# --- errors -----------------------------------------------------------------------------------


def sync_error_retry(*, error_id, actor) -> SyncError:
    """Retry one open ``sync_errors`` row now (managers and owners)."""
    error = SyncError.objects.filter(pk=error_id).first()
    if error is None:
        raise Http404("No such sync error.")
    access = access_for(actor)
    access.require(RUN_SYNC, error.store_id)
    if error.resolved:
        return error
    queue_on_commit(RETRY_ERROR_TASK, str(error.pk))
    return error


# --- pushes -----------------------------------------------------------------------------------


def _queue_push(op: PushOperation) -> PushOperation:
    queue_on_commit(PUSH_TASK, str(op.pk))
    return op


def push_enqueue(
    *,
    store_id,
    entity_type: str,
    action: str,
    actor,
    object_id=None,
    woo_id: int | None = None,
    fields: list[str] | None = None,
    payload: dict | None = None,
    supersede_open: bool = False,
) -> PushOperation:
    """Queue one local change for WooCommerce; ``sync.tasks.push_task`` sends it after commit.

    The app that owns the change (catalog, orders) has checked its permission and saved it; this
    only records the operation. ``supersede_open`` cancels the object's operations not sent yet
    first (a newer order status replaces an older one)."""
    with transaction.atomic():
        if supersede_open:
            PushOperation.objects.filter(
                entity_type=entity_type, object_id=object_id, status=PushStatus.PENDING
            ).update(status=PushStatus.CANCELLED, completed_at=timezone.now(), last_error="superseded")
        op = PushOperation.objects.create(
            store_id=store_id,
            entity_type=entity_type,
            action=action,
            object_id=object_id,
            woo_id=woo_id,
            fields=fields,
            payload=payload or {},
            requested_by=actor,
        )
        return _queue_push(op)


def push_pending_for(*, entity_type, object_id) -> PushOperation | None:
    """The object's oldest operation not sent yet (a change the caller may fold into it)."""
    return (
        PushOperation.objects.filter(entity_type=entity_type, object_id=object_id, status=PushStatus.PENDING)
        .order_by("created_at")
        .first()
    )


def push_enqueue_batch(*, operations, actor) -> list[PushOperation]:
    """Queue several local changes (``push_enqueue``'s keywords, one dict each) sent by one task:
    product updates go through the batch endpoint (100 products per request)."""
    ops = [PushOperation(requested_by=actor, **{"payload": {}, **operation}) for operation in operations]
    with transaction.atomic():
        ops = PushOperation.objects.bulk_create(ops)
        queue_on_commit(BULK_PUSH_TASK, [str(op.pk) for op in ops])
    return ops


def push_after_conflict(*, push, fields) -> None:
    """A conflict on ``push`` was settled: send ``fields`` (ours) over the shop's changes, or,
    with none left to send, cancel it. A push no longer waiting on the conflict is left alone."""
    if push is None or push.status != PushStatus.CONFLICT:
        return
    if fields:
        push.status = PushStatus.PENDING
        push.fields = fields
        push.payload = {**push.payload, "force": True}
        push.last_error = None
        push.save(update_fields=["status", "fields", "payload", "last_error"])
        _queue_push(push)
    else:
        push.status = PushStatus.CANCELLED
        push.completed_at = timezone.now()
        push.save(update_fields=["status", "completed_at"])
        announce_closed(push)


def push_operation_cancel(*, op_id, actor) -> PushOperation:
    """Drop a local change that has not been sent (or is stuck in a conflict)."""
    op = PushOperation.objects.filter(pk=op_id).first()
    if op is None or not access_for(actor).can(VIEW_STORE, op.store_id):
        raise Http404("No such push.")
    access_for(actor).require(CHANGE_CATALOG, op.store_id)
    if op.status not in OPEN_PUSH_STATUSES or op.status == PushStatus.RUNNING:
        raise PermissionDenied
    op.status = PushStatus.CANCELLED
    op.completed_at = timezone.now()
    op.save(update_fields=["status", "completed_at"])
    announce_closed(op)
    return op


def sync_run_request(*, store_id, kind=SyncRunKind.INCREMENTAL, actor=None, entities=None) -> SyncRun:
    """System request for a pull (e.g. the webhook receiver filling a gap): no permission check,
    returns the store's queued or running run if there is one."""
    return sync_run_queue(store_id, kind=kind, entities=entities, requested_by=actor)
