"""A real Celery worker on the "agents" queue runs what the triggers queue after commit."""

import pytest

from agents.models import AgentExecutionLog
from agents.models import ExecutionStatus
from agents.tests.conftest import live
from agents.triggers import on_webhook_disabled
from config.testing import celery_worker
from config.testing import make_product
from config.testing import wait_for
from webhooks.models import Webhook


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_disabled_webhook_runs_the_sync_health_agent_in_a_worker(store):
    make_product(store, name="Kettle")
    hook = Webhook.objects.create(store=store, topic="order.created", delivery_url="https://x/", status="disabled")
    with celery_worker(["agents"]) as worker:
        on_webhook_disabled(store.pk, hook.pk)  # autocommit: queued at once
        ran = wait_for(lambda: AgentExecutionLog.objects.filter(status=ExecutionStatus.COMPLETED).exists())
        assert ran, worker.stderr.read1(4000) if worker.poll() is not None else "the worker ran nothing"
    log = AgentExecutionLog.objects.get()
    assert log.agent_type == "sync_health" and log.execution_type == "triggered"
    assert log.metadata["trigger"] == {"event": "webhook_disabled", "webhook_id": str(hook.pk)}
    assert live("sync_health", store)["webhooks_disabled"].severity == "high"
