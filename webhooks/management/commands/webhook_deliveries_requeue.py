"""``manage.py webhook_deliveries_requeue [--older-than SECONDS] [--apply-here]``

The same as the ``webhook_deliveries_requeue`` job beat queues: inbox rows still pending
``WEBHOOK_REQUEUE_AFTER_SECONDS`` after they were queued (Redis was down, a worker died) are
queued again. ``--apply-here`` applies them in this process instead (no broker, no worker)."""

from django.core.management.base import BaseCommand

from audit.jobs import tracked_job
from webhooks import inbox
from webhooks.models import DeliveryStatus
from webhooks.models import WebhookDelivery


class Command(BaseCommand):
    help = "Queue again (or apply here) the webhook deliveries left pending in the inbox."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, help="Seconds since queued (default: setting).")
        parser.add_argument("--apply-here", action="store_true", help="Apply them in this process.")

    def handle(self, *args, older_than=None, apply_here=False, **options):
        if apply_here:
            firsts = {}
            for delivery_id, store_id in (
                WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
                .order_by("received_at")
                .values_list("pk", "store_id")
            ):
                firsts.setdefault(store_id, delivery_id)
            for delivery_id in firsts.values():
                counts = inbox.webhook_deliveries_drain(first_id=delivery_id)
                self.stdout.write(", ".join(f"{status} {count}" for status, count in sorted(counts.items())))
            return
        with tracked_job("webhook_deliveries_requeue") as job:
            job.message = f"{inbox.webhook_deliveries_requeue(older_than_seconds=older_than)} deliveries re-queued"
        self.stdout.write(job.message)
