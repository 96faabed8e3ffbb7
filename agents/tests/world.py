"""Agent objects for the store-access world (stores/tests/helpers.py): per store one insight
(with its alert), and one app-wide insight, so every agents URL has a target."""

from agents.models import AgentAlert
from agents.models import AgentInsight
from config.db import Severity


def _insight(store, cause):
    insight = AgentInsight.objects.create(
        agent_type="inventory" if store else "security",
        cause=cause,
        store=store,
        severity=Severity.HIGH,
        analysis="Something needs attention.",
        recommendations=["Do something."],
    )
    AgentAlert.objects.create(
        agent_type=insight.agent_type,
        title="Something needs attention",
        message=insight.analysis,
        severity=insight.severity,
        insight=insight,
        store=store,
    )
    return insight


def agent_kwargs(world, target_key):
    """URL kwargs of the agents pages for the world's store ``target_key`` (made once)."""
    cache = world.__dict__.setdefault("_agent_objects", {})
    if target_key not in cache:
        if "app" not in cache:
            cache["app"] = _insight(None, "new_app_admins")
        cache[target_key] = {
            "insight_id": _insight(world.stores[target_key], "negative_stock").pk,
            "app_insight_id": cache["app"].pk,
        }
    return cache[target_key]
