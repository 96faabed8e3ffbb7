"""A real Celery worker runs what the services queue: "sync now" and an order status push."""

import pytest

from config.testing import celery_worker
from config.testing import wait_for as _wait
from orders import services as order_services
from orders.models import Order
from stores.models import StoreRole
from stores.models import StoreUser
from sync import services
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncRun
from sync.models import SyncRunStatus
from sync.tests.mirror import mirror_problems


@pytest.fixture
def worker():
    with celery_worker(["sync"], SYNC_FETCH_IMAGES="false", SYNC_BACKOFF_BASE_SECONDS="0.01") as process:
        yield process


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sync_now_and_a_status_push_run_in_a_worker(shop, sandbox, make_user, worker):
    manager = make_user(email="worker-manager@example.com")
    StoreUser.objects.create(store=shop, user=manager, role=StoreRole.MANAGER)

    run = services.sync_start(store_id=shop.pk, actor=manager, full=True)  # queued on commit (autocommit here)
    finished = _wait(lambda: not SyncRun.objects.get(pk=run.pk).is_active)
    run.refresh_from_db()
    assert finished, f"worker did not finish the run: {worker.stderr.read1(4000) if worker.poll() else run.status}"
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert mirror_problems(shop, sandbox) == []

    order = Order.objects.filter(store=shop, status="processing").first()
    order_services.order_change_status(actor=manager, order_id=order.pk, new_status="on-hold")
    op = PushOperation.objects.get(object_id=order.pk)
    assert _wait(lambda: PushOperation.objects.get(pk=op.pk).status == PushStatus.DONE, timeout=30)
    assert sandbox.data.orders[order.woo_id]["status"] == "on-hold"
