import os
from importlib import import_module

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


def task_by_name(task_name):
    """The registered task ``task_name`` (``"<module>.<function>"``). Its module is imported on
    first use: a web process does not import the tasks modules, and a module that a task calls
    must not import that task's module back (an import cycle)."""
    import_module(task_name.rpartition(".")[0])
    return app.tasks[task_name]


def queue_on_commit(task_name, *args):
    """Queue the task ``task_name`` with ``args`` once the current transaction commits
    (``delay_on_commit``)."""
    task_by_name(task_name).delay_on_commit(*args)
