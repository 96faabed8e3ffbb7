"""``manage.py detect_anomalies``: run every anomaly rule once (the ``detect_anomalies`` job), for cron."""

from django.core.management.base import BaseCommand

from audit import anomalies
from audit.actor import SYSTEM_ANOMALY
from audit.actor import audit_actor
from audit.jobs import tracked_job


class Command(BaseCommand):
    help = "Run the anomaly rules over their windows and respond to new anomalies."

    def handle(self, *args, **options):
        with tracked_job("detect_anomalies") as job, audit_actor.system(SYSTEM_ANOMALY):
            found = anomalies.detect()
            job.message = f"{len(found)} new anomalies"
        for anomaly_id in found:
            self.stdout.write(anomaly_id)
        self.stdout.write(self.style.SUCCESS(job.message))
