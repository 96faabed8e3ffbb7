"""Celery tasks of the webhooks app: thin, idempotent, ids only; the work is in ``inbox`` and ``remote``."""

from celery import shared_task

from audit import jobs
from webhooks import inbox
from webhooks import remote


@shared_task(name="webhooks.tasks.webhook_delivery_apply_task", acks_late=True, ignore_result=True)
def webhook_delivery_apply_task(delivery_id, drain=True):
    """Apply an inbox row and, with ``drain``, every other due row of its store (in batches).

    Queued on commit by the receiver (once per burst: ``webhook_apply_requests``), by the requeue
    job and by the retry button. A failed row is retried with exponential backoff (this task
    again, ``drain=False``, with a countdown: ``WEBHOOK_APPLY_RETRY_*``); after
    ``WEBHOOK_APPLY_MAX_RETRIES`` it lands in ``sync_errors``."""
    if drain:
        counts = inbox.webhook_deliveries_drain(first_id=delivery_id)
        return ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
    return inbox.webhook_delivery_apply(delivery_id).status


@shared_task(name="webhooks.tasks.webhook_deliveries_requeue_task", ignore_result=True)
def webhook_deliveries_requeue_task():
    """Beat job: queue again the inbox rows left pending (Redis was down, a worker died)."""
    with jobs.tracked_job("webhook_deliveries_requeue") as job:
        job.message = f"{inbox.webhook_deliveries_requeue()} deliveries re-queued"
    return job.message


@shared_task(name="webhooks.tasks.webhook_status_refresh_task", ignore_result=True)
def webhook_status_refresh_task():
    """Beat job: refresh every registered webhook's status from WooCommerce (alerts, secrets)."""
    with jobs.tracked_job("webhook_status_refresh") as job:
        totals = remote.webhook_status_refresh_all()
        job.message = ", ".join(f"{key} {value}" for key, value in totals.items())
    return job.message


@shared_task(name="webhooks.tasks.webhook_status_refresh_store_task", ignore_result=True)
def webhook_status_refresh_store_task(store_id):
    """Refresh one store's webhooks (for callers that must not wait on WooCommerce)."""
    return remote.webhook_status_refresh(store_id=store_id)
