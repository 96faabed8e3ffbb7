"""Pulls against the sandbox over real HTTP with the real woocommerce client (OAuth over http)."""

import threading
import time

import pytest
from django.db import connection

from catalog.models import Product
from sync.models import SyncLog
from sync.models import SyncRunStatus
from sync.models import TaxonomySyncLog
from sync.tests.mirror import mirror_problems

pytestmark = pytest.mark.django_db


def _versions():
    """Every synced row's physical version: an UPDATE (even a no-op one) changes xmin and ctid."""
    tables = (
        "store_categories",
        "store_tags",
        "store_brands",
        "store_attributes",
        "store_attribute_terms",
        "products",
        "product_attributes",
        "product_images",
        "product_variations",
        "orders",
    )
    with connection.cursor() as cursor:
        return {
            table: dict(cursor.execute(f"SELECT id::text, xmin::text || ctid::text FROM {table}").fetchall())
            for table in tables
        }


def test_full_pull_mirrors_the_shop(shop, sandbox, pull):
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert mirror_problems(shop, sandbox, images_fetched=True) == []
    # Every variable product's variations, also beyond the client's default page of 10.
    from django.db.models import Count

    most = Product.objects.filter(store=shop).annotate(n=Count("variations")).order_by("-n").first()
    assert most.n > 10 and most.n == len(sandbox.data.children[most.woo_id])
    assert Product.objects.filter(store=shop, status="trash").exists()
    assert SyncLog.objects.filter(store=shop).count() == 8
    assert TaxonomySyncLog.objects.filter(store=shop).count() == 3
    progress = run.progress
    assert all(entry["status"] in ("done", "skipped") for entry in progress.values()), progress


def test_second_full_pull_writes_nothing(shop, sandbox, pull):
    first = pull(shop, full=True)
    assert first.rows_written > 0
    before = _versions()
    second = pull(shop, full=True)
    assert second.status == SyncRunStatus.SUCCESS
    assert second.rows_written == 0, second.stats
    assert _versions() == before


def test_incremental_pull_and_reconciliation_after_random_changes(shop, sandbox, pull, settings):
    settings.SYNC_FETCH_IMAGES = False
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    summary = sandbox.mutate_random(0.25, rng_seed=5)
    assert summary["products_deleted"] and summary["variations_updated"] and summary["orders_trashed"]

    incremental = pull(shop)
    assert incremental.status == SyncRunStatus.SUCCESS
    assert incremental.rows_written > 0
    # What an incremental pull cannot see: permanent deletes (no trace upstream) and variations
    # edited on their own (their product's date_modified stays). Everything else is equal.
    deleted = set(summary["products_deleted"])
    for kind, key, message in mirror_problems(shop, sandbox, structured=True):
        product = key[0] if isinstance(key, tuple) else key
        assert (
            (kind == "variation" and key in summary["variations_updated"])
            or (kind in ("product", "product image", "product attribute") and product in deleted)
            or (kind == "variation" and "here but not in the shop" in message)
        ), message

    reconciled = pull(shop, reconcile=True)
    assert reconciled.status == SyncRunStatus.SUCCESS, reconciled.stats
    assert mirror_problems(shop, sandbox) == []
    assert reconciled.stats["entities"]["products"]["gone_upstream"] == len(summary["products_deleted"])
    # Nothing left to do: a second reconciliation writes nothing.
    assert pull(shop, reconcile=True).rows_written == 0


def test_trashed_since_the_watermark_are_marked(shop, sandbox, pull, settings):
    settings.SYNC_FETCH_IMAGES = False
    pull(shop, full=True)
    live = next(p for p in sandbox.data.products.values() if p["status"] == "publish")
    sandbox.trash_product(live["id"])
    order = next(o for o in sandbox.data.orders.values() if o["status"] != "trash")
    sandbox.trash_order(order["id"])
    run = pull(shop)
    assert run.status == SyncRunStatus.SUCCESS
    assert Product.objects.get(store=shop, woo_id=live["id"]).status == "trash"
    assert shop.orders.get(woo_id=order["id"]).status == "trash"
    assert mirror_problems(shop, sandbox) == []


def test_faults_show_up_as_retries_and_errors_never_as_wrong_data(shop, sandbox, pull, settings):
    from sync.models import SyncError

    settings.SYNC_FETCH_IMAGES = False
    # An older WooCommerce: a request per variable product, enough requests for the faults'
    # rates to hit every kind of listing (the store-wide listing takes a few pages).
    sandbox.set_woocommerce_version("9.9.0")
    sandbox.set_faults(
        rate_429=0.01,
        rate_500=0.02,
        rate_502=0.01,
        rate_503=0.01,
        rate_html=0.015,
        rate_captcha=0.01,
        rate_redirect=0.01,
        rate_timeout=0.015,
        timeout_s=0.6,
        strip_total_headers=0.2,
        seed=11,
    )
    options = {"timeout": 0.3, "max_retries": 3}
    runs = [pull(shop, full=True, **options)]
    sandbox.mutate_random(0.2, rng_seed=9)
    for _ in range(6):
        runs.append(pull(shop, **options))
        runs.append(pull(shop, reconcile=True, **options))
        if not mirror_problems(shop, sandbox):
            break
    # Whatever went wrong on the way, the copy is exact while the faults go on.
    assert mirror_problems(shop, sandbox) == []
    assert sum(run.stats["client"]["retries"] for run in runs) > 0
    assert any(run.status == SyncRunStatus.PARTIAL for run in runs)
    assert SyncError.objects.filter(store=shop).exists()
    # Once the store behaves, one more run leaves no open error behind.
    sandbox.set_faults(reset=True)
    assert pull(shop, reconcile=True).status == SyncRunStatus.SUCCESS
    assert not SyncError.objects.filter(store=shop, resolved=False).exists()


def test_a_server_repeating_a_page_stops_the_run_with_a_clear_error(shop, sandbox, pull, settings, monkeypatch):
    from sync.woo import WooClient

    settings.SYNC_FETCH_IMAGES = False
    settings.SYNC_PAGE_SIZE = 10
    real = WooClient._get_page

    def ignores_page(self, endpoint, params, number, per_page, **kw):
        return real(self, endpoint, params, 1 if endpoint == "products" else number, per_page, **kw)

    monkeypatch.setattr(WooClient, "_get_page", ignores_page)
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.FAILED
    assert "repeats page 1" in run.error_message
    assert run.progress["products"]["status"] == "failed" and run.progress["orders"]["status"] == "pending"


def test_unreachable_image_urls_keep_the_original_url(shop, sandbox, pull, monkeypatch):
    from sync.woo import WooClient
    from sync.woo import WooUnreachableError

    def unreachable(self, url, **kw):
        raise WooUnreachableError("connection refused", url=url)

    monkeypatch.setattr(WooClient, "download", unreachable)
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS
    assert "not reachable" in run.stats["entities"]["images"]["skipped"]
    assert mirror_problems(shop, sandbox, images_fetched=False) == []
    image = shop.product_images.first()
    assert image.storage_url is None and image.storage_source == "woocommerce" and image.original_url


def test_small_pages_and_parallel_fetches_read_everything(shop, sandbox, pull, settings):
    """7 items a page: every list (and variation lists beyond 7) takes several pages."""
    settings.SYNC_FETCH_IMAGES = False
    settings.SYNC_PAGE_SIZE = 7
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS
    assert run.stats["entities"]["products"]["pages"] > 8
    assert mirror_problems(shop, sandbox) == []


def test_image_files_come_after_the_data_with_their_own_pool(shop, sandbox, pull, settings, monkeypatch):
    from sync.pull import Puller
    from sync.woo import WooClient

    settings.SYNC_IMAGE_CONCURRENCY = 3
    real = WooClient.download
    lock = threading.Lock()
    running = peak = started = 0
    orders_when_images_start = []
    pull_images = Puller.pull_images

    def after_the_data(self, stats):
        orders_when_images_start.append(shop.orders.count())
        return pull_images(self, stats)

    def counted(self, url, **kw):
        nonlocal running, peak, started
        with lock:
            running += 1
            peak = max(peak, running)
            started += 1
            held = started <= 30
        try:
            if held:  # the first ten rounds last long enough for the pool's threads to overlap
                time.sleep(0.02)
            return real(self, url, **kw)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(WooClient, "download", counted)
    monkeypatch.setattr(Puller, "pull_images", after_the_data)
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS
    images = run.stats["entities"]["images"]
    assert images["concurrency"] == 3 and peak == 3
    assert list(run.stats["entities"])[-1] == "images"
    assert orders_when_images_start == [sandbox.info()["counts"]["orders"]]  # every order before any file
    assert mirror_problems(shop, sandbox, images_fetched=True) == []
