"""Image files are copied after the data and outside the store's pull lock: the next pull of the
store runs while they are copied, and two copies of one store's files never overlap."""

import threading

import pytest
from django.db import connection

from catalog.models import ProductImage
from sync.models import SyncRun
from sync.models import SyncRunStatus
from sync.woo import WooClient

pytestmark = pytest.mark.django_db(transaction=True)


class Gate:
    """Holds every image download until opened; counts the downloads in flight."""

    def __init__(self, monkeypatch):
        self.opened = threading.Event()
        self.started = threading.Event()
        self.lock = threading.Lock()
        self.running = self.peak = self.done = 0
        real = WooClient.download

        def held(client, url, **kw):
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            self.started.set()
            try:
                assert self.opened.wait(30), "the gate was never opened"
                return real(client, url, **kw)
            finally:
                with self.lock:
                    self.running -= 1
                    self.done += 1

        monkeypatch.setattr(WooClient, "download", held)


def in_thread(target, *args, **kwargs):
    outcome = {}

    def run():
        try:
            outcome["result"] = target(*args, **kwargs)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_an_incremental_pull_runs_while_the_previous_pulls_images_are_copied(
    shop, sandbox, pull, settings, monkeypatch
):
    settings.SYNC_IMAGE_CONCURRENCY = 2
    gate = Gate(monkeypatch)
    first, first_out = in_thread(pull, shop, full=True)
    assert gate.started.wait(30)
    # The data is written and the run finished: the store is free for the next pull.
    full = SyncRun.objects.get(store=shop)
    assert full.status == SyncRunStatus.SUCCESS and full.progress["images"]["status"] in ("pending", "running")

    order = next(o for o in sandbox.data.orders.values() if o["status"] == "processing")
    sandbox.update_order(order["id"], status="completed")
    product = next(p for p in sandbox.data.products.values() if p["status"] == "publish" and p["type"] == "simple")
    sandbox.update_product(product["id"], images=[{"src": "https://cdn.example.com/new-photo.png"}])
    second, second_out = in_thread(pull, shop)
    # The incremental pull writes its data although the first copy still holds every download...
    second_run = None
    for _ in range(300):
        second_run = SyncRun.objects.exclude(pk=full.pk).filter(store=shop).first()
        if second_run and second_run.status == SyncRunStatus.SUCCESS:
            break
        threading.Event().wait(0.1)
    assert second_run is not None and second_run.status == SyncRunStatus.SUCCESS
    assert shop.orders.get(woo_id=order["id"]).status == "completed"
    assert not gate.opened.is_set() and gate.done == 0
    # ...and its own image waits for the first copy, which is still at its first file (a probe
    # of the host before the pool starts): the second copy has not started.
    assert gate.running == 1

    gate.opened.set()
    first.join(60)
    second.join(60)
    assert first_out["result"].status == SyncRunStatus.SUCCESS
    assert second_out["result"].stats["entities"]["images"]["fetched"] == 1
    assert gate.peak == 2  # one pool's width, never two copies' worth
    new_image = ProductImage.objects.get(product__store=shop, product__woo_id=product["id"])
    assert new_image.storage_source == "storage"
    assert not ProductImage.objects.filter(product__store=shop, storage_url__isnull=True).exists()
    full.refresh_from_db()
    assert full.stats["entities"]["images"]["fetched"] > 0 and full.progress["images"]["status"] == "done"
