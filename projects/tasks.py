"""Celery tasks of the delivery tracker: the scheduled alert rules."""

from celery import shared_task

from audit import jobs
from audit.actor import audit_actor
from projects import alerts

SYSTEM_PROJECTS = "projects"


@shared_task(name="projects.tasks.project_alerts_refresh", ignore_result=True)
def project_alerts_refresh():
    """Run every alert rule: open, update and close project_alerts (projects/alerts.py)."""
    with jobs.tracked_job("project_alerts") as job, audit_actor.system(SYSTEM_PROJECTS):
        job.message = alerts.summarize(alerts.refresh())
    return job.message
