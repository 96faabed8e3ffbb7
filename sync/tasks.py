"""Celery tasks of the sync app: thin, idempotent, on the "sync" queue, ids in, services out."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from audit.actor import SYSTEM_SYNC
from audit.actor import audit_actor
from audit.jobs import tracked_job
from sync import services
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncRun
from sync.push import PushRetryLater
from sync.push import execute_bulk_push
from sync.push import execute_push
from sync.retry import retry_sync_error
from sync.runs import run_pull

logger = logging.getLogger(__name__)


@shared_task(name="sync.tasks.sync_store_task", acks_late=True, ignore_result=True)
def sync_store_task(run_id):
    """Execute a queued pull or reconciliation (``SyncRun``); a run that is not pending any
    more (already done, or picked up twice) is left alone, and so is one that no longer exists
    (its store was deleted while the message waited)."""
    try:
        with audit_actor.system(SYSTEM_SYNC):
            run = run_pull(run_id)
    except SyncRun.DoesNotExist:
        logger.warning("Sync run %s no longer exists; nothing to do", run_id)
        return "gone"
    return f"{run.kind} {run.status}"


@shared_task(
    name="sync.tasks.push_task",
    acks_late=True,
    ignore_result=True,
    bind=True,
    max_retries=None,
)
def push_task(self, op_id):
    """Send one local change to WooCommerce; transient failures are retried with backoff."""
    try:
        op = execute_push(op_id)
    except PushRetryLater as exc:
        delay = settings.SYNC_PUSH_RETRY_SECONDS * (2 ** max(0, exc.op.attempts - 1))
        raise self.retry(countdown=min(delay, 3600), exc=None) from None
    return op.status


@shared_task(name="sync.tasks.bulk_push_task", acks_late=True, ignore_result=True, bind=True)
def bulk_push_task(self, op_ids):
    """A bulk product edit through the batch endpoint; what stays pending goes to single pushes."""
    execute_bulk_push(op_ids)
    for op_id in PushOperation.objects.filter(pk__in=op_ids, status=PushStatus.PENDING).values_list("pk", flat=True):
        push_task.apply_async((str(op_id),), countdown=settings.SYNC_PUSH_RETRY_SECONDS)


@shared_task(name="sync.tasks.retry_sync_error_task", acks_late=True, ignore_result=True)
def retry_sync_error_task(error_id):
    with audit_actor.system(SYSTEM_SYNC):
        return retry_sync_error(error_id)


@shared_task(name="sync.tasks.reconcile_all_stores", ignore_result=True)
def reconcile_all_stores():
    """The daily reconciliation of every store (a scheduled job, see SCHEDULED_JOBS)."""
    with tracked_job("sync_reconcile") as job:
        runs = services.reconcile_all_stores()
        job.message = f"{len(runs)} reconciliation(s) queued"
    return job.message


def queue_due_syncs(now=None):
    """Registered with the scheduler (``audit.jobs.register_due_work``): every minute, an
    incremental pull for each store whose ``sync_interval_minutes`` has passed."""
    runs = services.sync_due_stores(now=now)
    return f"{len(runs)} pull(s) queued" if runs else "nothing due"
