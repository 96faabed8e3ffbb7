"""Celery tasks of the audit app: the beat dispatcher and the maintenance jobs it queues."""

from celery import shared_task

from audit import anomalies
from audit import cleanup
from audit import jobs
from audit.actor import SYSTEM_ANOMALY
from audit.actor import SYSTEM_CLEANUP
from audit.actor import audit_actor


@shared_task(name="audit.tasks.dispatch_due_jobs", acks_late=False, ignore_result=True)
def dispatch_due_jobs():
    """Run every minute by beat: queue the due jobs and per-store work (audit/jobs.py)."""
    return jobs.dispatch_due_jobs()


@shared_task(name="audit.tasks.cleanup_logs", ignore_result=True)
def cleanup_logs():
    """Delete expired log rows of every registered cleanup job, in batches."""
    with jobs.tracked_job("cleanup_logs") as job, audit_actor.system(SYSTEM_CLEANUP):
        job.message = cleanup.summarize(cleanup.run_cleanup())
    return job.message


@shared_task(name="audit.tasks.detect_anomalies", ignore_result=True)
def detect_anomalies():
    """Run every anomaly rule over its window and respond to what is new."""
    with jobs.tracked_job("detect_anomalies") as job, audit_actor.system(SYSTEM_ANOMALY):
        found = anomalies.detect()
        job.message = f"{len(found)} new anomalies" + (f": {', '.join(found)}" if found else "")
    return job.message
