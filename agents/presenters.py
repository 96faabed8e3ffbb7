"""Insights and alerts as the pages show them: texts in the active language, evidence with links."""

from dataclasses import dataclass

from django.urls import NoReverseMatch
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from agents.registry import UnknownAgent
from agents.registry import get_agent
from agents.selectors import localized


def agent_label(agent_type):
    try:
        return get_agent(agent_type).label
    except UnknownAgent:
        return agent_type


# kind -> (store_id, object_id) -> URL. Objects outside a store link to their admin page.
ITEM_LINKS = {
    "product": lambda store_id, oid: reverse(
        "catalog:product_detail", kwargs={"store_id": store_id, "product_id": oid}
    ),
    "order": lambda store_id, oid: reverse("orders:order_detail", kwargs={"store_id": store_id, "order_id": oid}),
    "webhook": lambda store_id, oid: reverse("webhooks:webhook_list", kwargs={"store_id": store_id}),
    "sync": lambda store_id, oid: reverse("sync:sync_status", kwargs={"store_id": store_id}),
    "sync_errors": lambda store_id, oid: reverse("sync:sync_error_list", kwargs={"store_id": store_id}),
    "anomalies": lambda store_id, oid: reverse("audit:anomalies"),
    "user": lambda store_id, oid: reverse("admin:accounts_user_change", args=[oid]),
    "sprint": lambda store_id, oid: reverse("admin:projects_sprint_change", args=[oid]),
    "task": lambda store_id, oid: reverse("admin:projects_task_change", args=[oid]),
    "bug": lambda store_id, oid: reverse("admin:projects_bugreport_change", args=[oid]),
    "deployment": lambda store_id, oid: reverse("admin:projects_deployment_change", args=[oid]),
}
STORE_KINDS = {"product", "order", "webhook", "sync", "sync_errors"}


def item_url(kind, store_id, object_id):
    link = ITEM_LINKS.get(kind)
    if link is None or (kind in STORE_KINDS and not store_id):
        return ""
    if kind in {"product", "order", "user", "sprint", "task", "bug", "deployment"} and not object_id:
        return ""
    try:
        return link(store_id, object_id)
    except NoReverseMatch:
        return ""


@dataclass
class InsightView:
    insight: object
    title: str
    analysis: str
    recommendations: list
    figures: list
    items: list
    written_by_model: bool
    agent_label: str

    @property
    def history(self):
        events = []
        for event in (self.insight.metadata or {}).get("history") or []:
            events.append({**event, "at": parse_datetime(event.get("at", "")) if event.get("at") else None})
        return list(reversed(events))


def insight_view(insight):
    metadata = insight.metadata or {}
    fallback = {
        "title": metadata.get("title") or insight.analysis[:80],
        "analysis": insight.analysis,
        "recommendations": insight.recommendations or [],
        "figures": [],
        "items": [],
    }
    texts = localized(metadata, fallback)
    items = [
        {**item, "url": item_url(item.get("kind"), insight.store_id, item.get("id"))} for item in texts.get("items", [])
    ]
    return InsightView(
        insight=insight,
        title=texts.get("title", fallback["title"]),
        analysis=texts.get("analysis", insight.analysis),
        recommendations=texts.get("recommendations", fallback["recommendations"]),
        figures=texts.get("figures", []),
        items=items,
        written_by_model=metadata.get("written_by") == "model",
        agent_label=agent_label(insight.agent_type),
    )


def insight_url(insight):
    if insight.store_id:
        return reverse("agents:store_insight", kwargs={"store_id": insight.store_id, "insight_id": insight.pk})
    return reverse("agents:insight", kwargs={"app_insight_id": insight.pk})


@dataclass
class AlertView:
    alert: object
    title: str
    message: str
    url: str
    source: str = ""


def alert_view(alert, source_labels=None):
    texts = localized(alert.metadata, {"title": alert.title, "message": alert.message})
    if alert.insight_id:
        url = insight_url(alert.insight)
    elif alert.agent_type == "webhooks" and alert.store_id:
        url = reverse("webhooks:webhook_list", kwargs={"store_id": alert.store_id})
    elif alert.agent_type == "security":
        url = reverse("audit:anomalies")
    else:
        url = ""
    return AlertView(
        alert=alert,
        title=texts.get("title", alert.title),
        message=texts.get("message", alert.message),
        url=url,
        source=(source_labels or {}).get(alert.agent_type, alert.agent_type),
    )
