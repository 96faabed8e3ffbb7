"""The sync pages: "sync now", the polled progress panel, run history, errors in plain words."""

from functools import partial

import pytest
from django.utils import timezone

from config.testing import store_url
from sync.dashboard_selectors import plain_reason
from sync.models import SyncError
from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus

pytestmark = pytest.mark.django_db


url = partial(store_url, "sync")


def test_sync_now_queues_an_incremental_or_full_run_once(client, store, manager, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url("sync_start", store), {"kind": "full"})
    assert response.status_code == 302 and response["Location"] == url("sync_status", store)
    run = SyncRun.objects.get(store=store)
    assert run.kind == SyncRunKind.FULL and run.status == SyncRunStatus.PENDING and len(callbacks) == 1
    response = client.post(url("sync_start", store), {"kind": "incremental"}, follow=True)
    assert SyncRun.objects.filter(store=store).count() == 1
    assert "already running" in response.content.decode()


def test_sync_now_for_some_entities(client, store, manager):
    client.force_login(manager)
    client.post(url("sync_start", store), {"kind": "incremental", "entities": ["orders", "bogus"]})
    assert SyncRun.objects.get(store=store).entities == ["orders"]


def test_progress_panel_polls_while_running_and_stops_when_done(client, store, viewer):
    run = SyncRun.objects.create(
        store=store,
        kind=SyncRunKind.INCREMENTAL,
        status=SyncRunStatus.RUNNING,
        entities=["products", "orders"],
        started_at=timezone.now(),
        progress={
            "products": {"done": 50, "total": 200, "status": "running"},
            "orders": {"done": 0, "total": None, "status": "pending"},
        },
    )
    client.force_login(viewer)
    page = client.get(url("sync_status", store)).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Sync now" not in page  # viewers watch, they don't start
    fragment = client.get(url("sync_progress", store, run_id=run.pk) + "?live=1").content.decode()
    assert 'aria-valuenow="12"' in fragment and "50 / 200" in fragment and 'hx-trigger="every 1s"' in fragment
    run.status = SyncRunStatus.SUCCESS
    run.finished_at = timezone.now()
    run.progress = {e: {"done": 200, "total": 200, "status": "done"} for e in ("products", "orders")}
    run.save()
    fragment = client.get(url("sync_progress", store, run_id=run.pk) + "?live=1").content.decode()
    assert 'hx-trigger="every 1s"' not in fragment and 'aria-valuenow="100"' in fragment
    assert 'hx-swap-oob="true"' in fragment and f'data-run="{run.pk}"' in fragment  # history refreshed


def test_progress_of_another_stores_run_is_404(client, store, other_store, owner):
    run = SyncRun.objects.create(store=other_store, kind=SyncRunKind.INCREMENTAL)
    client.force_login(owner)
    assert client.get(url("sync_progress", store, run_id=run.pk)).status_code == 404


def test_errors_are_explained_in_plain_words_and_can_be_retried(
    client, store, manager, django_capture_on_commit_callbacks
):
    error = SyncError.objects.create(
        store=store,
        entity_type="product",
        woo_id=42,
        error_message="HTTP 401 woocommerce_rest_authentication_error: Consumer key is invalid.",
        error_code="woocommerce_rest_authentication_error",
    )
    client.force_login(manager)
    page = client.get(url("sync_status", store)).content.decode()
    assert "WooCommerce refused the API keys" in page and "Consumer key is invalid." in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url("sync_error_retry", store, error_id=error.pk))
    assert response.status_code == 302 and len(callbacks) == 1
    assert "Retrying Product #42" in client.get(response["Location"]).content.decode()


def test_viewer_does_not_see_errors(client, store, viewer, manager):
    SyncError.objects.create(store=store, entity_type="order", woo_id=1, error_message="boom")
    client.force_login(manager)
    assert "boom" in client.get(url("sync_status", store)).content.decode()  # the error is on the page

    client.force_login(viewer)
    response = client.get(url("sync_status", store))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A manager or an owner can start the first sync." in page  # the viewer's sync page
    assert "boom" not in page and 'id="errors"' not in page


@pytest.mark.parametrize(
    "code,message,expected",
    [
        ("unreachable", "timeout", "did not answer"),
        ("rate_limited", "429", "slow down"),
        ("woocommerce_rest_product_invalid_id", "HTTP 404", "no longer exists"),
        ("MappingError", "missing field 'name'", "cannot read"),
        (None, "HTTP 410 gone", "no longer exists"),
        ("weird", "???", "unexpected"),
    ],
)
def test_plain_reasons(code, message, expected):
    assert expected in plain_reason(SyncError(error_code=code, error_message=message))
