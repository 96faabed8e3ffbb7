"""The sync-health agent: stale syncs, growing error queues, disabled webhooks, lagging
entities and stuck pushes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import AgentInsight
from agents.models import InsightStatus
from agents.tests.conftest import live
from config.testing import make_product
from sync.models import PushOperation
from sync.models import SyncError
from sync.models import SyncRun
from sync.models import SyncState
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db


def finished_run(store, status, hours_ago, error=None):
    at = timezone.now() - timedelta(hours=hours_ago)
    return SyncRun.objects.create(
        store=store, kind="incremental", status=status, started_at=at, finished_at=at, error_message=error
    )


def test_never_synced_then_synced_then_stale(store, run):
    run("sync_health")
    never = live("sync_health", store)["stale_sync"]
    assert never.severity == "high" and "never" in never.metadata["i18n"]["en"]["title"]

    finished_run(store, "success", hours_ago=0.1)
    run("sync_health")
    never.refresh_from_db()
    assert never.status == InsightStatus.RESOLVED
    assert "stale_sync" not in live("sync_health", store)

    SyncRun.objects.filter(store=store).update(finished_at=timezone.now() - timedelta(hours=5))
    finished_run(store, "failed", hours_ago=1, error="401 Unauthorized: consumer key is invalid")
    run("sync_health")
    stale = live("sync_health", store)["stale_sync"]
    assert stale.severity == "medium"
    assert stale.metadata["facts"] == {"hours_since_success": 5, "failed_pulls_24h": 1}
    assert stale.metadata["i18n"]["en"]["items"][0]["detail"] == "401 Unauthorized: consumer key is invalid"


def test_a_store_without_schedule_is_not_stale(store, run):
    store.sync_interval_minutes = 0
    store.save(update_fields=["sync_interval_minutes"])
    run("sync_health")
    assert "stale_sync" not in live("sync_health", store)


def test_growing_error_queue(store, settings, run):
    settings.AGENTS_SYNC_ERRORS_THRESHOLD = 5
    finished_run(store, "success", hours_ago=0)
    old = timezone.now() - timedelta(hours=30)
    for _ in range(2):
        SyncError.objects.create(store=store, entity_type="product", error_message="boom", created_at=old)
    for _ in range(4):
        SyncError.objects.create(store=store, entity_type="order", error_message="boom")
    run("sync_health")
    insight = live("sync_health", store)["error_queue"]
    assert insight.metadata["facts"] == {"open_errors": 6, "new_last_24h": 4, "new_day_before": 2}
    assert insight.severity == "medium"

    SyncError.objects.filter(store=store).update(resolved=True, resolved_at=timezone.now())
    run("sync_health")
    assert "error_queue" not in live("sync_health", store)


def test_disabled_webhooks_are_high_and_link_the_webhooks_page(store, client, owner, run):
    finished_run(store, "success", hours_ago=0)
    Webhook.objects.create(store=store, topic="order.created", delivery_url="https://x/", status="disabled")
    Webhook.objects.create(store=store, topic="product.updated", delivery_url="https://x/", status="active")
    run("sync_health")
    insight = live("sync_health", store)["webhooks_disabled"]
    assert insight.severity == "high"
    assert [i["name"] for i in insight.metadata["i18n"]["en"]["items"]] == ["order.created"]
    client.force_login(owner)
    page = client.get(f"/stores/{store.pk}/insights/{insight.pk}/").content.decode()
    assert f'href="/stores/{store.pk}/webhooks/"' in page


def test_lagging_entities_and_stuck_pushes(store, run):
    finished_run(store, "partial", hours_ago=0)
    now = timezone.now()
    SyncState.objects.create(store=store, entity="products", last_pulled_at=now - timedelta(minutes=5))
    SyncState.objects.create(store=store, entity="orders", last_pulled_at=now - timedelta(hours=9))
    product = make_product(store, name="Stuck kettle")
    push = PushOperation.objects.create(
        store=store, entity_type="product", action="update", object_id=product.pk, status="pending"
    )
    PushOperation.objects.filter(pk=push.pk).update(created_at=now - timedelta(hours=2))
    PushOperation.objects.create(store=store, entity_type="product", action="update", status="pending")  # fresh
    run("sync_health")
    insights = live("sync_health", store)
    assert insights["watermark_lag"].metadata["facts"] == {"entities_behind": ["orders"], "hours_behind": 9}
    stuck = insights["stuck_pushes"]
    assert stuck.metadata["facts"]["changes_waiting"] == 1 and stuck.severity == "medium"
    assert stuck.metadata["i18n"]["en"]["items"][0]["id"] == str(product.pk)

    PushOperation.objects.filter(pk=push.pk).update(status="done")
    run("sync_health")
    assert "stuck_pushes" not in live("sync_health", store)
    assert AgentInsight.objects.filter(cause="stuck_pushes", status=InsightStatus.RESOLVED).count() == 1
