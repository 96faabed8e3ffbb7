"""A real Celery worker runs what the services queue: "sync now" and an order status push."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from orders.models import Order
from stores.models import StoreRole, StoreUser
from sync import services
from sync.models import PushOperation, PushStatus, SyncRun, SyncRunStatus
from sync.tests.mirror import mirror_problems

BASE_DIR = Path(__file__).resolve().parents[2]


def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker():
    from config.celery import app

    settings_db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{settings_db['USER']}@{settings_db['HOST']}:{settings_db['PORT']}/{settings_db['NAME']}",
        "CELERY_BROKER_URL": app.conf.broker_url,  # the tests' own Redis database (settings)
        "DEBUG": "true",
        "SYNC_FETCH_IMAGES": "false",
        "SYNC_BACKOFF_BASE_SECONDS": "0.01",
        "LOG_LEVEL": "WARNING",
    }
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("sync")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "sync",
            "-P",
            "solo",
            "-c",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sync_now_and_a_status_push_run_in_a_worker(shop, sandbox, make_user, worker):
    manager = make_user(email="worker-manager@example.com")
    StoreUser.objects.create(store=shop, user=manager, role=StoreRole.MANAGER)

    run = services.sync_start(shop.pk, manager, full=True)  # queued on commit (autocommit here)
    finished = _wait(lambda: not SyncRun.objects.get(pk=run.pk).is_active)
    run.refresh_from_db()
    assert finished, f"worker did not finish the run: {worker.stderr.read1(4000) if worker.poll() else run.status}"
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert mirror_problems(shop, sandbox) == []

    order = Order.objects.filter(store=shop, status="processing").first()
    services.order_change_status(order.pk, "on-hold", manager)
    op = PushOperation.objects.get(object_id=order.pk)
    assert _wait(lambda: PushOperation.objects.get(pk=op.pk).status == PushStatus.DONE, timeout=30)
    assert sandbox.data.orders[order.woo_id]["status"] == "on-hold"
