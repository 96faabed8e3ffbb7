"""Celery tasks of the catalog app: thin, idempotent, ids in, services out."""

from celery import shared_task


@shared_task(name="catalog.tasks.product_export_task", acks_late=True, ignore_result=True)
def product_export_task(export_id):
    """Write a large product export; a second delivery of the message finds it started and stops."""
    from catalog.exports import product_export_write

    done = product_export_write(export_id)
    return "already started" if done is None else f"{done} rows"
