"""Celery tasks of the orders app: thin, idempotent, ids in, services out.

The services queue these by name (``config.celery.queue_on_commit``), so this module imports
them and not the reverse."""

from celery import shared_task

from audit.actor import SYSTEM_SYNC
from audit.actor import audit_actor
from orders.services import order_activity_refresh
from orders.services import order_export_write


@shared_task(name="orders.tasks.order_activity_refresh_task", acks_late=True, ignore_result=True)
def order_activity_refresh_task(store_id, order_woo_id):
    """Bring an order's notes and refunds from WooCommerce (after a webhook about the order)."""
    with audit_actor.system(SYSTEM_SYNC):
        return "refreshed" if order_activity_refresh(store_id, order_woo_id) else "unreachable"


@shared_task(name="orders.tasks.order_export_task", acks_late=True, ignore_result=True)
def order_export_task(export_id):
    """Write a large order export; a second delivery of the message finds it started and stops."""
    done = order_export_write(export_id)
    return "already started" if done is None else f"{done} rows"
