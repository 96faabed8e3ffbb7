"""Every task lands on the queue its workers listen to (routing from CELERY_TASK_ROUTES)."""

import pytest

from config.celery import app

EXPECTED_QUEUES = {
    "sync.tasks.sync_store_task": "sync",
    "sync.tasks.bulk_push_task": "sync",
    "sync.tasks.reconcile_all_stores": "sync",
    "webhooks.tasks.webhook_delivery_apply_task": "webhooks",
    "webhooks.tasks.webhook_status_refresh_store_task": "webhooks",
    "webhooks.tasks.webhook_deliveries_requeue_task": "maintenance",
    "audit.tasks.dispatch_due_jobs": "maintenance",
    "audit.tasks.cleanup_logs": "maintenance",
    "agents.tasks.run_agents_task": "agents",
    "agents.tasks.agent_inventory": "agents",
    "agents.tasks.agent_security": "agents",
    "projects.tasks.project_alerts_refresh": "maintenance",
}


@pytest.mark.parametrize(("task_name", "queue"), sorted(EXPECTED_QUEUES.items()))
def test_task_is_routed_to_its_queue(task_name, queue):
    app.loader.import_default_modules()
    assert task_name in app.tasks
    route = app.amqp.router.route({}, task_name)
    assert route["queue"].name == queue


def test_no_task_uses_the_deprecated_queue_attribute():
    app.loader.import_default_modules()
    pinned = [name for name, task in app.tasks.items() if getattr(task, "queue", None)]
    assert pinned == []
