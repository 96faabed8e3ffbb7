"""The delivery inbox and its apply loop: queueing the apply task on the broker (fast-failing
when Redis is down, requeued by a beat job), applying and draining a store's inbox in set-based
batches, retrying failed deliveries."""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.actor import SYSTEM_WEBHOOK
from audit.actor import audit_actor
from config.celery import app
from config.celery import task_by_name
from stores.access import RUN_SYNC
from stores.access import access_for
from sync.models import SyncError
from sync.records import ItemError
from sync.records import record_errors
from webhooks import apply as appliers
from webhooks.logs import webhook_setting
from webhooks.models import DeliveryStatus
from webhooks.models import WebhookApplyRequest
from webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)

# --- queueing ---------------------------------------------------------------------------------

APPLY_TASK = "webhooks.tasks.webhook_delivery_apply_task"
_enqueue_paused_until = 0.0
_broker = threading.local()
# The receiver's own broker connection gives up after one quick retry: with Redis down a
# delivery must still be answered at once (its row waits for the requeue job), not after the
# several seconds kombu's default connection retries take.
_FAST_FAIL_TRANSPORT = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}


def _broker_connection():
    connection_ = getattr(_broker, "connection", None)
    if connection_ is None:
        connection_ = app.connection_for_write(transport_options=_FAST_FAIL_TRANSPORT)
        _broker.connection = connection_
    return connection_


def _send_apply_task(delivery_id, kwargs, **options):
    """Send ``webhooks.tasks.webhook_delivery_apply_task`` by name (the tasks module calls this
    one: no import back) on the receiver's fast-failing connection; raises what the broker does."""
    task_by_name(APPLY_TASK).apply_async(
        (str(delivery_id),), kwargs, retry=False, connection=_broker_connection(), **options
    )


def reset_broker_connection():
    """Forget this thread's broker connection (after an error, or when the broker URL changed)."""
    connection_ = getattr(_broker, "connection", None)
    _broker.connection = None
    if connection_ is not None:
        try:
            connection_.release()
        except Exception:
            logger.debug("Closing the broker connection failed", exc_info=True)


def enqueue_apply(delivery_id, *, drain=True):
    """Send the apply task (by default one that drains the store's inbox, starting with this
    row); with the broker down, remember that for a few seconds and leave the row to the requeue
    job (``webhook_deliveries_requeue``). Never raises."""
    global _enqueue_paused_until
    if time.monotonic() < _enqueue_paused_until:
        return False
    try:
        _send_apply_task(delivery_id, {} if drain else {"drain": False})
    except Exception:  # noqa: BLE001 - any broker failure: the inbox row is safe in PostgreSQL
        reset_broker_connection()
        _enqueue_paused_until = time.monotonic() + webhook_setting("WEBHOOK_ENQUEUE_BACKOFF_SECONDS", 10.0)
        logger.warning("Could not queue webhook delivery %s; the requeue job will pick it up.", delivery_id)
        return False
    return True


def reset_enqueue_backoff():
    global _enqueue_paused_until
    _enqueue_paused_until = 0.0


def webhook_deliveries_requeue(*, now=None, older_than_seconds=None, limit=None):
    """Queue again the inbox rows still pending long after they were queued (Redis was down, a
    worker died, a retry message was lost). Claims rows with ``SKIP LOCKED``; returns how many
    were sent."""
    now = now or timezone.now()
    older = older_than_seconds
    if older is None:
        older = webhook_setting("WEBHOOK_REQUEUE_AFTER_SECONDS", 180)
    limit = limit or webhook_setting("WEBHOOK_REQUEUE_BATCH", 5000)
    cutoff = now - timedelta(seconds=older)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE webhook_deliveries d SET queued_at = now()
            WHERE d.id IN (
                SELECT id FROM webhook_deliveries
                WHERE status = 'pending' AND (queued_at IS NULL OR queued_at < %s)
                ORDER BY received_at
                LIMIT %s
                FOR UPDATE SKIP LOCKED
            )
            RETURNING d.id
            """,
            [cutoff, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return 0
    reset_enqueue_backoff()
    # One draining task per store (it applies every due row of the store), the first row to start.
    first_of_store = {}
    for delivery_id, store_id in (
        WebhookDelivery.objects.filter(pk__in=ids).order_by("received_at").values_list("pk", "store_id")
    ):
        first_of_store.setdefault(store_id, delivery_id)
    for delivery_id in first_of_store.values():
        if not enqueue_apply(delivery_id):
            # The broker is down: these rows are due again at the next run.
            WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(queued_at=None)
            return 0
    logger.info("Re-queued %d pending webhook deliveries (%d stores)", len(ids), len(first_of_store))
    return len(ids)


# =============================================================================================
# Applying
# =============================================================================================


@dataclass
class ApplyResult:
    status: str  # applied | skipped | failed | pending (retry scheduled) | busy | done
    outcome: str = ""
    retry_in: int | None = None
    batch: int = 0


def _retry_delay(attempts):
    base = webhook_setting("WEBHOOK_APPLY_RETRY_BASE_SECONDS", 10)
    ceiling = webhook_setting("WEBHOOK_APPLY_RETRY_MAX_SECONDS", 600)
    delay = min(ceiling, base * (2 ** max(0, attempts - 1)))
    return int(delay / 2 + random.uniform(0, delay / 2))


def webhook_delivery_apply(delivery_id, *, client=None):
    """Apply one inbox row, and with it up to ``WEBHOOK_APPLY_BATCH - 1`` other pending rows of the
    same store (claimed with ``SKIP LOCKED``, written with one set-based call): their own tasks
    then find them done. Idempotent: a row that is not pending, or is being applied by another
    worker, is left alone. A failed row is retried later (a new message with a countdown, and the
    requeue job as a safety net), then recorded in ``sync_errors``.
    """
    claimed = [delivery_id]
    # Most messages find their row already applied by another row's batch: one cheap read.
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM webhook_deliveries WHERE id = %s", [delivery_id])
        found = cursor.fetchone()
    if found is None or found[0] != DeliveryStatus.PENDING:
        return ApplyResult("done", found[0] if found else "missing")
    with audit_actor.system(SYSTEM_WEBHOOK):
        try:
            with transaction.atomic():
                row = _lock_pending(delivery_id)
                if row is None:
                    status = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
                    return ApplyResult("busy" if status == DeliveryStatus.PENDING else "done", status or "missing")
                if row.event != "deleted":
                    rows = [row, *_claim_more(row)]
                    claimed = [r.pk for r in rows]
                    results = appliers.apply_batch(row.store_id, rows)
                    retries = _record_results(rows, results)
                    transaction.on_commit(partial(_enqueue_retries, retries))
                    return _result_for(row.pk, results[row.pk], retries, batch=len(rows))
        except Exception:
            logger.warning("Batch apply around delivery %s failed; applying its rows alone", delivery_id, exc_info=True)
            own = _apply_alone(delivery_id)
            for other in claimed[1:]:
                _apply_alone(other)
            return own
        return _apply_deleted(row, client)


def webhook_deliveries_drain(*, first_id, client=None, budget_seconds=None):
    """The apply task: apply ``first_id`` and every other due pending row of its store, in
    batches, until none is left or ``WEBHOOK_DRAIN_SECONDS`` have passed (then a new task goes on,
    so other stores get their turn). Returns counts by status."""
    store_id = WebhookDelivery.objects.filter(pk=first_id).values_list("store_id", flat=True).first()
    counts = {}
    if store_id is None:
        return counts
    WebhookApplyRequest.objects.filter(store_id=store_id).update(requested_at=None)
    deadline = time.monotonic() + (budget_seconds or webhook_setting("WEBHOOK_DRAIN_SECONDS", 30))
    result = webhook_delivery_apply(first_id, client=client)
    counts[result.status] = counts.get(result.status, 0) + max(1, result.batch)
    tried_deletions = set()
    while True:
        if time.monotonic() >= deadline:
            following = _due_rows(store_id).values_list("pk", flat=True).first()
            if following is not None:
                enqueue_apply(following)
            break
        handled = _drain_once(store_id, client, tried_deletions, counts)
        if not handled:
            break
    return counts


def _due_rows(store_id):
    return WebhookDelivery.objects.filter(store_id=store_id, status=DeliveryStatus.PENDING).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lte=timezone.now())
    )


def _drain_once(store_id, client, tried_deletions, counts):
    """Apply the next batch of the store's due rows (or its next deletion); how many were handled."""
    claimed = []
    with audit_actor.system(SYSTEM_WEBHOOK):
        try:
            with transaction.atomic():
                rows = list(
                    _due_rows(store_id)
                    .select_for_update(skip_locked=True)
                    .exclude(event="deleted")
                    .order_by("received_at")[: max(1, webhook_setting("WEBHOOK_APPLY_BATCH", 100))]
                )
                if rows:
                    claimed = [row.pk for row in rows]
                    results = appliers.apply_batch(store_id, rows)
                    retries = _record_results(rows, results)
                    transaction.on_commit(partial(_enqueue_retries, retries))
                    for result in results.values():
                        key = result.status or ("pending" if not result.permanent else "failed")
                        counts[key] = counts.get(key, 0) + 1
                    return len(rows)
        except Exception:
            logger.warning("Batch apply for store %s failed; applying its rows alone", store_id, exc_info=True)
            for delivery_id in claimed:
                status = _apply_alone(delivery_id).status
                counts[status] = counts.get(status, 0) + 1
            return len(claimed)
        # Deletions one at a time: each asks WooCommerce what it holds now.
        row = (
            _due_rows(store_id).filter(event="deleted").exclude(pk__in=tried_deletions).order_by("received_at").first()
        )
        if row is None:
            return 0
        tried_deletions.add(row.pk)
        status = _apply_deleted(row, client).status
        counts[status] = counts.get(status, 0) + 1
        return 1


def _claim_more(row):
    size = webhook_setting("WEBHOOK_APPLY_BATCH", 100)
    if size <= 1:
        return []
    return list(
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .filter(store_id=row.store_id, status=DeliveryStatus.PENDING)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=timezone.now()))
        .exclude(event="deleted")
        .exclude(pk=row.pk)
        .order_by("received_at")[: size - 1]
    )


def _lock_pending(delivery_id):
    """The inbox row, locked, if it is still pending; None when it is not, or when another worker
    holds it (``SKIP LOCKED``: never wait for a row being applied)."""
    return (
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .first()
    )


def _apply_alone(delivery_id):
    try:
        with transaction.atomic():
            row = _lock_pending(delivery_id)
            if row is None:
                return ApplyResult("busy")
            results = appliers.apply_batch(row.store_id, [row])
            retries = _record_results([row], results)
            transaction.on_commit(partial(_enqueue_retries, retries))
            return _result_for(row.pk, results[row.pk], retries, batch=1)
    except Exception as exc:  # noqa: BLE001 - retried with backoff, then recorded in sync_errors
        return _record_failure(delivery_id, exc)


def _apply_deleted(row, client):
    """A deletion: ask WooCommerce what it holds now (outside any lock), then apply."""
    current = appliers.fetch_current(row.store_id, row.resource, row.resource_id, client=client)
    try:
        with transaction.atomic():
            locked = (
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk=row.pk, status=DeliveryStatus.PENDING)
                .first()
            )
            if locked is None:
                return ApplyResult("busy")
            result = appliers.apply_deleted(locked, current)
            retries = _record_results([locked], {locked.pk: result})
            transaction.on_commit(partial(_enqueue_retries, retries))
            return _result_for(locked.pk, result, retries, batch=1)
    except Exception as exc:  # noqa: BLE001
        return _record_failure(row.pk, exc)


def _result_for(pk, result, retries, *, batch):
    if result.status is not None:
        return ApplyResult(result.status, result.outcome, batch=batch)
    delay = retries.get(pk)
    if delay is not None:
        return ApplyResult("pending", "retrying", retry_in=delay, batch=batch)
    return ApplyResult(DeliveryStatus.FAILED, str(result.error), batch=batch)


def _record_results(rows, results):
    """Write every row's result in one statement; failed rows are retried later or, for good,
    recorded in sync_errors. Returns ``{row id: retry delay}`` for the rows to retry."""
    now = timezone.now()
    max_retries = webhook_setting("WEBHOOK_APPLY_MAX_RETRIES", 5)
    ids, statuses, outcomes, errors, queued, applied = [], [], [], [], [], []
    retries, failures, logged = {}, [], []
    for row in rows:
        result = results[row.pk]
        ids.append(row.pk)
        if result.status == DeliveryStatus.APPLIED:
            logged.append((row, result, "success"))
        if result.status == DeliveryStatus.PENDING:
            # Held for a local push; its closing releases it, the recheck is a safety net.
            statuses.append(result.status)
            outcomes.append(result.outcome)
            errors.append(None)
            queued.append(now + timedelta(seconds=webhook_setting("WEBHOOK_HELD_RECHECK_SECONDS", 900)))
            applied.append(None)
            continue
        if result.status is not None:
            statuses.append(result.status)
            outcomes.append(result.outcome)
            errors.append(None)
            queued.append(row.queued_at)
            applied.append(now)
            continue
        attempts = row.attempts + 1
        message = f"{type(result.error).__name__}: {result.error}"[:2000]
        errors.append(message)
        applied.append(None)
        if not result.permanent and attempts <= max_retries:
            delay = _retry_delay(attempts)
            retries[row.pk] = delay
            statuses.append(DeliveryStatus.PENDING)
            outcomes.append("retrying")
            queued.append(now + timedelta(seconds=delay))
            logger.warning("Webhook delivery %s: attempt %d failed, retry in %ds: %s", row.pk, attempts, delay, message)
        else:
            statuses.append(DeliveryStatus.FAILED)
            outcomes.append("failed")
            queued.append(row.queued_at)
            error = ItemError.from_exception(
                getattr(result.error, "entity_type", None) or row.resource,
                result.error,
                woo_id=row.resource_id,
                metadata={"source": "webhook", "delivery_id": str(row.pk), "attempts": attempts},
            )
            error.code = "webhook_apply"
            failures.append(error)
            logged.append((row, result, "failed"))
            logger.error("Webhook delivery %s failed for good after %d attempts: %s", row.pk, attempts, message)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE webhook_deliveries d
            SET status = u.status, outcome = u.outcome, last_error = u.error, queued_at = u.queued,
                applied_at = u.applied,
                attempts = d.attempts + CASE WHEN u.status = 'pending' AND u.error IS NULL THEN 0 ELSE 1 END
            FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])
                AS u(id, status, outcome, error, queued, applied)
            WHERE d.id = u.id
            """,
            [ids, statuses, outcomes, errors, queued, applied],
        )
    if failures:
        store_id = rows[0].store_id
        record_errors(store_id, failures)
    if logged:
        appliers.log_outcomes(rows[0].store_id, logged)
    # A delivery that finally applied resolves the sync_errors its earlier failure left.
    resolved = [
        row for row in rows if results[row.pk].status not in (None, DeliveryStatus.PENDING) and row.attempts > 0
    ]
    if resolved:
        SyncError.objects.filter(
            store_id=rows[0].store_id,
            resolved=False,
            metadata__source="webhook",
            metadata__delivery_id__in=[str(row.pk) for row in resolved],
        ).update(resolved=True, resolved_at=now)
    return retries


def release_held(*, store_id, entity_type, woo_id, **_signal):
    """A local push closed (``sync.signals.push_closed``): the deliveries held for its object
    become due now, in the same transaction, and one draining task applies them after commit, in
    arrival order, the version guard deciding what wins (the requeue job covers a lost message).
    A row a worker holds right now is skipped, not waited for (no deadlock with the push's own
    locks): the worker's outcome stands, and a row it held again is rechecked later
    (``WEBHOOK_HELD_RECHECK_SECONDS``)."""
    resource = {"product": "product", "variation": "product", "order": "order"}.get(entity_type)
    if resource is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE webhook_deliveries d SET queued_at = now()
            WHERE d.id IN (
                SELECT id FROM webhook_deliveries
                WHERE store_id = %s AND resource = %s AND (%s::bigint IS NULL OR resource_id = %s)
                    AND status = 'pending' AND outcome = %s
                FOR UPDATE SKIP LOCKED
            )
            RETURNING d.id, d.received_at
            """,
            [store_id, resource, woo_id, woo_id, appliers.WAITING_FOR_PUSH],
        )
        released = cursor.fetchall()
    if released:
        first = min(released, key=lambda row: row[1])[0]
        transaction.on_commit(partial(enqueue_apply, first))


def _record_failure(delivery_id, exc):
    """An unexpected error outside the batch logic: count the attempt, retry or give up."""
    row = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
    if row is None:
        return ApplyResult("done")
    with transaction.atomic():
        retries = _record_results([row], {row.pk: appliers.RowResult(None, error=exc)})
    return _result_for(row.pk, appliers.RowResult(None, error=exc), retries, batch=1)


def _enqueue_retries(retries):
    for delivery_id, delay in retries.items():
        try:
            _send_apply_task(delivery_id, {"drain": False}, countdown=delay)
        except Exception:  # noqa: BLE001 - the requeue job picks it up once it is due
            reset_broker_connection()
            logger.warning("Could not schedule the retry of webhook delivery %s", delivery_id)


def webhook_delivery_retry(*, actor, store_id, delivery_id):
    """The dashboard's retry button: a failed delivery goes back to pending and is queued."""
    access_for(actor).require(RUN_SYNC, store_id)
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery_id, store_id=store_id, status=DeliveryStatus.FAILED
        ).update(status=DeliveryStatus.PENDING, attempts=0, queued_at=timezone.now(), outcome=None)
        if updated:
            reset_enqueue_backoff()
            transaction.on_commit(partial(enqueue_apply, delivery_id))
    return bool(updated)


def webhook_deliveries_retry_failed(*, actor, store_id):
    """Retry every failed delivery of a store."""
    access_for(actor).require(RUN_SYNC, store_id)
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.filter(store_id=store_id, status=DeliveryStatus.FAILED).values_list("pk", flat=True)
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING, attempts=0, queued_at=timezone.now(), outcome=None
        )
        reset_enqueue_backoff()
        for delivery_id in ids:
            transaction.on_commit(partial(enqueue_apply, delivery_id))
    return len(ids)
