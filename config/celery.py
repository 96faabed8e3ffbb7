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


def queue_on_commit(task_name, *args):
    """Queue the registered task ``task_name`` with ``args`` once the current transaction commits
    (``delay_on_commit``): a module a task calls queues that task by name, without importing the
    tasks module back."""
    app.tasks[task_name].delay_on_commit(*args)
