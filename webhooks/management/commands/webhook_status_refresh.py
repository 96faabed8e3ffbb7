"""``manage.py webhook_status_refresh [--store UUID]``

The same as the ``webhook_status_refresh`` job beat queues: every registered webhook's status is
read from WooCommerce; one that WooCommerce disabled raises an alert and queues an incremental
pull, and a rotated secret that did not reach a webhook is set again."""

from django.core.management.base import BaseCommand

from audit.jobs import tracked_job
from webhooks import remote


class Command(BaseCommand):
    help = "Refresh the stores' webhook statuses from WooCommerce (alerts on disabled webhooks)."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="Only this store (UUID).")

    def handle(self, *args, store=None, **options):
        if store:
            summary = remote.webhook_status_refresh(store_id=store)
            self.stdout.write(", ".join(f"{key} {value}" for key, value in summary.items()))
            return
        with tracked_job("webhook_status_refresh") as job:
            totals = remote.webhook_status_refresh_all()
            job.message = ", ".join(f"{key} {value}" for key, value in totals.items())
        self.stdout.write(job.message)
