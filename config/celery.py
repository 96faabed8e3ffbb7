import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("storedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("sync", "webhooks", "maintenance", "agents")]
app.conf.beat_schedule = {
    "dispatch-due-jobs": {
        "task": "audit.tasks.dispatch_due_jobs",
        "schedule": 60.0,
        "options": {"queue": "maintenance"},
    },
}
app.autodiscover_tasks()
