"""Redis down: deliveries are still accepted at once (the inbox is in PostgreSQL) and the beat
job queues them once the broker is back."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from config.testing import IsolatedBroker
from webhooks import inbox
from webhooks.models import DeliveryStatus
from webhooks.models import WebhookDelivery
from webhooks.tasks import webhook_deliveries_requeue_task

from .conftest import product_payload

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker(monkeypatch):
    """Point the Celery app at a URL for the test; put it back afterwards."""
    from config.celery import app

    old = app.conf.broker_url

    def use(url):
        # Celery reads CELERY_BROKER_URL from the environment before its own setting.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        inbox.reset_broker_connection()
        inbox.reset_enqueue_backoff()

    yield use
    use(old)


def test_deliveries_are_accepted_with_redis_down_and_requeued_when_it_is_back(
    store, post, broker, django_capture_on_commit_callbacks
):
    from config.celery import app

    tests_broker_url = app.conf.broker_url
    broker(CLOSED_PORT)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        responses = [post(store, product_payload(woo_id=n, name=f"P{n}")) for n in range(1, 21)]
    elapsed = time.monotonic() - started
    assert [r.status_code for r in responses] == [200] * 20
    assert elapsed < 5, f"20 deliveries took {elapsed:.1f}s with the broker down"
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 20

    # Still down: the requeue job claims nothing it cannot send.
    later = timezone.now() + timedelta(minutes=10)
    assert inbox.webhook_deliveries_requeue(now=later) == 0
    assert WebhookDelivery.objects.filter(queued_at__isnull=True).count() == 20

    # Redis is back: the beat job queues one task that drains the store's inbox.
    broker(tests_broker_url)
    isolated = IsolatedBroker()
    isolated.flush()
    try:
        message = webhook_deliveries_requeue_task()
        assert message == "20 deliveries re-queued"
        queued = [json.loads(raw) for raw in isolated.messages("webhooks")]
    finally:
        isolated.flush()
    assert len(queued) == 1
    first = queued[0]["headers"]["argsrepr"].strip("(),'")
    assert first == str(WebhookDelivery.objects.order_by("received_at").values_list("pk", flat=True).first())
    # What the worker then does with it: every row applied.
    counts = inbox.webhook_deliveries_drain(first_id=first)
    assert counts == {"applied": 20}
    assert Product.objects.filter(store=store).count() == 20
    assert not WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()


def test_the_receiver_does_not_wait_for_a_dead_broker(store, post, broker, django_capture_on_commit_callbacks):
    broker(CLOSED_PORT)
    inbox.reset_enqueue_backoff()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        assert post(store, product_payload()).status_code == 200
    assert time.monotonic() - started < 2


def test_the_management_commands(store, post, broker):
    from django.core.management import call_command

    broker(CLOSED_PORT)
    post(store, product_payload())
    call_command("webhook_deliveries_requeue", "--apply-here")
    assert Product.objects.filter(store=store).count() == 1
    call_command("webhook_status_refresh")  # no registered webhooks: nothing to ask
