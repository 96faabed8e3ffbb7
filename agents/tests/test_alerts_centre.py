"""The alerts centre: webhook, security and agent alerts, each seen by the right people, with
the header bell's unread count, filters, and read state kept in the inventory's columns."""

import re

import pytest
from django.utils import timezone

from agents.models import AgentAlert
from agents.models import AgentInsight
from config.db import Severity
from webhooks.remote import ALERT_AGENT_TYPE

pytestmark = pytest.mark.django_db


def insight_alert(store, severity=Severity.HIGH, cause="negative_stock"):
    insight = AgentInsight.objects.create(
        agent_type="inventory", cause=cause, store=store, severity=severity, analysis="Stock below zero."
    )
    return AgentAlert.objects.create(
        agent_type="inventory",
        title=f"Negative stock in {store.name if store else 'the app'}",
        message="Stock below zero.",
        severity=severity,
        insight=insight,
        store=store,
    )


@pytest.fixture
def alerts(store, other_store):
    webhook = AgentAlert.objects.create(
        agent_type=ALERT_AGENT_TYPE,
        title="WooCommerce disabled the order.created webhook",
        message="Re-enable it.",
        severity=Severity.HIGH,
        store=store,
        metadata={"store_id": str(store.pk), "kind": "webhook_disabled"},
    )
    security = AgentAlert.objects.create(
        agent_type="security",
        title="Security anomaly: mass deletes",
        message="x deleted 60 rows",
        severity=Severity.HIGH,
        metadata={"anomaly_id": "mass_deletes:1:2"},
    )
    agent = insight_alert(store)
    elsewhere = insight_alert(other_store)
    other_webhook = AgentAlert.objects.create(
        agent_type=ALERT_AGENT_TYPE, title="Elsewhere webhook", message="m", severity="high", store=other_store
    )
    return {
        "webhook": webhook,
        "security": security,
        "agent": agent,
        "elsewhere": elsewhere,
        "other_webhook": other_webhook,
    }


def bell_count(html):
    match = re.search(r'class="bell-count" data-unread="(\d+)"', html)
    return int(match.group(1)) if match else 0


def shown(html):
    return set(re.findall(r'data-alert="([0-9a-f-]+)"', html))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("viewer", {"webhook"}),
        ("manager", {"webhook", "agent"}),
        ("owner", {"webhook", "agent"}),
        ("admin", {"webhook", "security", "agent", "elsewhere", "other_webhook"}),
    ],
)
def test_each_person_sees_the_alerts_of_their_stores(client, request, alerts, role, expected):
    user = request.getfixturevalue(role)
    client.force_login(user)
    html = client.get("/alerts/").content.decode()
    assert shown(html) == {str(alerts[key].pk) for key in expected}
    assert bell_count(html) == len(expected)
    # Every page carries the bell with the same count.
    assert bell_count(client.get("/").content.decode()) == len(expected)


def test_marking_read_updates_the_count_and_keeps_who_and_when(client, manager, viewer, alerts):
    client.force_login(manager)
    response = client.post("/alerts/read/", {"alert": alerts["agent"].pk, "next": "/alerts/"})
    assert response.status_code == 302 and response.headers["Location"] == "/alerts/"
    alerts["agent"].refresh_from_db()
    assert alerts["agent"].is_read and alerts["agent"].read_by == manager and alerts["agent"].read_at
    assert bell_count(client.get("/alerts/").content.decode()) == 1

    # Someone else's alert (another store) cannot be marked by id.
    client.post("/alerts/read/", {"alert": alerts["elsewhere"].pk})
    alerts["elsewhere"].refresh_from_db()
    assert not alerts["elsewhere"].is_read

    # Read state is shared (one set of columns): the viewer sees the webhook alert unread until
    # somebody reads it; "mark all" only touches what the viewer can see.
    client.force_login(viewer)
    client.post("/alerts/read/")
    alerts["webhook"].refresh_from_db()
    alerts["security"].refresh_from_db()
    assert alerts["webhook"].is_read and alerts["webhook"].read_by == viewer
    assert not alerts["security"].is_read
    assert bell_count(client.get("/alerts/").content.decode()) == 0


def test_filters(client, admin, store, alerts):
    client.force_login(admin)
    html = client.get("/alerts/", {"source": "security"}).content.decode()
    assert shown(html) == {str(alerts["security"].pk)}
    html = client.get("/alerts/", {"store": str(store.pk)}).content.decode()
    assert shown(html) == {str(alerts["webhook"].pk), str(alerts["agent"].pk)}
    alerts["webhook"].is_read = True
    alerts["webhook"].read_at = timezone.now()
    alerts["webhook"].save()
    html = client.get("/alerts/", {"store": str(store.pk), "unread": "on"}).content.decode()
    assert shown(html) == {str(alerts["agent"].pk)}
    # htmx asks for the results only.
    partial = client.get("/alerts/", {"severity": "high"}, headers={"HX-Request": "true", "HX-Target": "alert-results"})
    assert b"<html" not in partial.content and b'id="alert-results"' in partial.content
    # Nonsense filters are ignored, never a 500.
    assert client.get("/alerts/", {"store": "nope", "severity": "huge"}).status_code == 200


def test_the_bell_refreshes_itself(client, manager, alerts):
    client.force_login(manager)
    response = client.get("/alerts/bell/")
    assert bell_count(response.content.decode()) == 2
    assert 'hx-trigger="every 60s"' in response.content.decode()


def test_webhook_disabled_alerts_carry_their_store(store, client, viewer):
    """The webhooks service fills the new column, so members of the store see them here."""
    from webhooks.models import Webhook
    from webhooks.remote import _alert_disabled

    hook = Webhook.objects.create(store=store, topic="order.created", delivery_url="https://x/", status="disabled")
    alert = _alert_disabled(store, hook, missing=False)
    assert alert.store_id == store.pk
    client.force_login(viewer)
    assert str(alert.pk) in shown(client.get("/alerts/").content.decode())
