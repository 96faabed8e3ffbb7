"""The webhooks page and its actions: who sees what, who may do what, no secrets in HTML."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.models import AgentAlert
from webhooks import remote
from webhooks.models import DeliveryStatus
from webhooks.models import Webhook
from webhooks.models import WebhookDelivery
from webhooks.models import WebhookDeliveryStats

from .conftest import SECRET

pytestmark = pytest.mark.django_db


def page_url(store):
    return reverse("webhooks:webhook_list", kwargs={"store_id": store.pk})


def action_url(name, store, **kwargs):
    return reverse(f"webhooks:{name}", kwargs={"store_id": store.pk, **kwargs})


@pytest.fixture
def registered(store):
    hooks = []
    for n, topic in enumerate(("product.updated", "order.updated"), start=1):
        hooks.append(
            Webhook.objects.create(
                store=store, woo_webhook_id=n, topic=topic, delivery_url=remote.delivery_url(store.pk)
            )
        )
        WebhookDeliveryStats.objects.create(store=store, woo_webhook_id=n, consecutive_failures=n, failure_count=n + 3)
    hooks[1].status = "disabled"
    hooks[1].save(update_fields=["status"])
    return hooks


@pytest.fixture
def failed_delivery(store):
    return WebhookDelivery.objects.create(
        store=store,
        topic="product.updated",
        resource="product",
        event="updated",
        resource_id=5,
        body_sha256="0" * 64,
        body=b'{"id": 5}',
        status=DeliveryStatus.FAILED,
        attempts=6,
        last_error="RuntimeError: boom",
    )


def test_owner_sees_everything_and_the_owner_actions(client, owner, store, registered, failed_delivery):
    client.force_login(owner)
    response = client.get(page_url(store))
    assert response.status_code == 200
    content = response.content.decode()
    for url in (
        action_url("register", store),
        action_url("rotate_secret", store),
        action_url("refresh", store),
        action_url("reenable", store, webhook_id=registered[1].pk),
        action_url("retry_delivery", store, delivery_id=failed_delivery.pk),
    ):
        assert url in content
    assert remote.delivery_url(store.pk) in content
    assert "Product updated" in content and "RuntimeError: boom" in content


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_members_see_the_page_read_only(client, request, store, registered, failed_delivery, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(page_url(store))
    assert response.status_code == 200
    content = response.content.decode()
    assert action_url("register", store) not in content
    assert action_url("rotate_secret", store) not in content
    assert action_url("reenable", store, webhook_id=registered[1].pk) not in content
    retry = action_url("retry_delivery", store, delivery_id=failed_delivery.pk)
    assert (retry in content) == (role == "manager")
    for name, kwargs in (
        ("register", {}),
        ("rotate_secret", {}),
        ("refresh", {}),
        ("reenable", {"webhook_id": registered[1].pk}),
    ):
        assert client.post(action_url(name, store, **kwargs)).status_code == 403


def test_outsiders_get_404_and_anonymous_users_the_login(client, make_user, store, registered):
    outsider = make_user()
    assert client.get(page_url(store)).status_code == 302
    assert client.post(action_url("register", store)).status_code == 302
    client.force_login(outsider)
    assert client.get(page_url(store)).status_code == 404
    assert client.post(action_url("register", store)).status_code == 404
    assert client.post(action_url("reenable", store, webhook_id=registered[0].pk)).status_code == 404


def test_no_secret_in_the_html(client, owner, store, registered):
    client.force_login(owner)
    content = client.get(page_url(store)).content.decode()
    assert SECRET not in content and html.escape(SECRET) not in content
    from stores.models import Store

    token = Store.objects.values_list("webhook_secret", flat=True).get(pk=store.pk)
    assert token not in content


def _add_rows(store, count, start):
    """``count`` more webhooks (with delivery stats) and failed deliveries, all on the page."""
    for n in range(start, start + count):
        Webhook.objects.create(store=store, woo_webhook_id=100 + n, topic=f"product.created{n}", delivery_url="x")
        WebhookDeliveryStats.objects.create(store=store, woo_webhook_id=100 + n, consecutive_failures=1)
        WebhookDelivery.objects.create(
            store=store,
            topic="product.updated",
            resource="product",
            event="updated",
            resource_id=1000 + n,
            body_sha256=f"{n:064d}",
            body=b"{}",
            status=DeliveryStatus.FAILED,
            last_error=f"RuntimeError: failure {n}",
        )


def test_page_costs_a_constant_number_of_queries(client, owner, store, registered):
    client.force_login(owner)
    client.get(page_url(store))  # session and permission caches warm

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page_url(store))
        assert response.status_code == 200
        return len(queries), response.content.decode()

    _add_rows(store, 1, start=0)
    small, content = page_queries()
    assert "product.created0" in content and "RuntimeError: failure 0" in content
    _add_rows(store, 20, start=1)
    large, content = page_queries()
    assert "product.created20" in content and "RuntimeError: failure 20" in content
    assert large == small


def test_manager_retries_a_failed_delivery(client, manager, store, failed_delivery, monkeypatch):
    sent = []
    monkeypatch.setattr("webhooks.inbox.enqueue_apply", sent.append)
    client.force_login(manager)
    response = client.post(action_url("retry_delivery", store, delivery_id=failed_delivery.pk))
    assert response.status_code == 302
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == DeliveryStatus.PENDING and failed_delivery.attempts == 0
    assert client.post(action_url("retry_delivery", store, delivery_id=failed_delivery.pk)).status_code == 404


def test_owner_actions_call_the_services(client, owner, store, registered, monkeypatch):
    calls = []

    def fake(name):
        def call(**kwargs):
            calls.append((name, kwargs))
            return remote.WebhookActionResult(created=["product.created"])

        return call

    monkeypatch.setattr(remote, "store_webhooks_register", fake("register"))
    monkeypatch.setattr(remote, "store_webhook_secret_rotate", fake("rotate"))
    monkeypatch.setattr(remote, "webhook_reenable", fake("reenable"))
    client.force_login(owner)
    assert client.post(action_url("register", store)).status_code == 302
    assert client.post(action_url("rotate_secret", store)).status_code == 302
    assert client.post(action_url("reenable", store, webhook_id=registered[1].pk)).status_code == 302
    assert [name for name, _ in calls] == ["register", "rotate", "reenable"]
    assert calls[2][1]["webhook_id"] == registered[1].pk
    page = client.get(page_url(store))
    assert "webhook registered" in page.content.decode() or "webhooks registered" in page.content.decode()


def test_alerts_show_and_can_be_dismissed_by_a_member(client, viewer, store, registered):
    alert = remote._alert_disabled(store, registered[1], missing=False)
    client.force_login(viewer)
    content = client.get(page_url(store)).content.decode()
    assert html.escape(alert.title) in content or alert.title in content
    assert client.post(action_url("dismiss_alert", store, alert_id=alert.pk)).status_code == 302
    alert.refresh_from_db()
    assert alert.is_read
    assert AgentAlert.objects.filter(is_read=False).count() == 0


def test_store_tab_links_to_the_page(client, owner, store):
    from stores.access import access_for
    from stores.navigation import store_tabs

    tabs = store_tabs(store, access_for(owner), "webhooks")
    assert any(tab["key"] == "webhooks" and tab["url"] == page_url(store) and tab["active"] for tab in tabs)


def _figure(content, label):
    import re

    match = re.search(r'<div class="stat-value num">([\d,]+)</div><div class="stat-label">' + label, content)
    return int(match.group(1).replace(",", ""))


def test_the_24_hour_figure_counts_the_deliveries_listed_below_it(client, owner, store, registered, post):
    from .conftest import product_payload
    from .conftest import receiver_url

    # A ping, a signed delivery and one with a bad signature: three rows in "Recent deliveries".
    client.post(receiver_url(store.pk), data=b"webhook_id=1", content_type="application/x-www-form-urlencoded")
    assert post(store, product_payload()).status_code == 200
    assert post(store, product_payload(woo_id=102), signature="bad").status_code == 401
    client.force_login(owner)
    content = client.get(page_url(store)).content.decode()
    listed = content.split('id="webhook-logs"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert listed == 3
    assert _figure(content, "Received in the last 24 hours") == listed


@pytest.mark.parametrize(
    ("language", "words"), [("en", ["Product updated", "Order updated"]), ("he", ["מוצר עודכן", "הזמנה עודכנה"])]
)
def test_topics_are_shown_in_words(client, owner, store, registered, language, words):
    client.force_login(owner)
    client.cookies["django_language"] = language
    content = client.get(page_url(store)).content.decode()
    table = content.split('id="webhooks"', 1)[1].split("</table>", 1)[0]
    for word in words:
        assert word in table
    assert ">product.updated" not in table and ">order.updated" not in table
