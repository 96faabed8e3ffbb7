"""What other apps call when something happened that an agent should look at at once.

The tiny public API of the agents app for sync, webhooks and projects: it imports nothing of the
agents' internals (no import cycles) and queues ``agents.tasks.run_agents_task`` by name on the
``agents`` queue once the caller's transaction commits (never for a rolled-back change).

    from agents.triggers import on_sync_run_finished
    on_sync_run_finished(store_id, run_id)
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

RUN_TASK = "agents.tasks.run_agents_task"
# event -> the agents that look at it.
EVENT_AGENTS = {
    "sync_run_finished": ("sync_health", "inventory", "sales"),
    "webhook_disabled": ("sync_health",),
    "deployment_failed": ("projects",),
}


def _send(event, store_id, details):
    from config.celery import app

    kwargs = {
        "agent_types": list(EVENT_AGENTS[event]),
        "store_id": str(store_id) if store_id else None,
        "execution_type": "triggered",
        "trigger": {"event": event, **details},
    }
    try:
        # A signature resolves to the registered task where it is known (so eager mode in tests
        # runs it in-process) and to a message by name everywhere else.
        app.signature(RUN_TASK, kwargs=kwargs).apply_async(queue="agents")
    except Exception:
        logger.warning("Could not queue the agents for %s", event, exc_info=True)


def agents_trigger(event, *, store_id=None, **details):
    """Queue the agents of ``event`` (see ``EVENT_AGENTS``) after the current transaction commits."""
    if event not in EVENT_AGENTS:
        raise ValueError(f"Unknown agent trigger: {event}")
    details = {key: str(value) for key, value in details.items() if value is not None}
    transaction.on_commit(lambda: _send(event, store_id, details))


def on_sync_run_finished(store_id, run_id=None, status=None):
    """A pull or reconciliation of the store ended (any status)."""
    agents_trigger("sync_run_finished", store_id=store_id, run_id=run_id, status=status)


def on_webhook_disabled(store_id, webhook_id=None):
    """WooCommerce was found to have disabled (or lost) one of the store's webhooks."""
    agents_trigger("webhook_disabled", store_id=store_id, webhook_id=webhook_id)


def on_deployment_failed(deployment_id=None):
    """A deployment ended as failed (the projects app calls this)."""
    agents_trigger("deployment_failed", deployment_id=deployment_id)
