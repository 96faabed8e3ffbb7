"""Services and selectors the dashboard, the scheduler and the commands use."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Product
from config.testing import LocalServer
from config.testing import QuietHandler
from config.testing import make_product
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser
from sync import services
from sync.mappers import MappingError
from sync.models import SyncError
from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus
from sync.models import SyncState
from sync.retry import retry_sync_error
from sync.selectors import store_sync_summary
from sync.selectors import sync_errors_for
from sync.selectors import sync_run_progress
from sync.tests.mirror import mirror_problems

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_images(settings):
    settings.SYNC_FETCH_IMAGES = False


def test_sync_now_queues_one_run_per_store(shop, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        run = services.sync_start(store_id=shop.pk, actor=manager, full=True)
        again = services.sync_start(store_id=shop.pk, actor=manager)
    assert again.pk == run.pk and run.kind == SyncRunKind.FULL and run.requested_by == manager
    assert len(callbacks) == 1  # one task queued, with the run's id
    progress = sync_run_progress(run.pk, manager)
    assert progress["status"] == "pending" and progress["percent"] == 0 and not progress["finished"]


def test_a_dead_run_does_not_block_the_store(shop, manager):
    dead = services.sync_run_queue(shop.pk, enqueue=False)
    SyncRun.objects.filter(pk=dead.pk).update(
        status=SyncRunStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    fresh = services.sync_run_queue(shop.pk, enqueue=False)
    assert fresh.pk != dead.pk
    dead.refresh_from_db()
    assert dead.status == SyncRunStatus.FAILED


def test_progress_is_reported_while_the_pull_runs(shop, sandbox, manager):
    from sync.runs import run_pull

    run = services.sync_run_queue(shop.pk, kind=SyncRunKind.FULL, enqueue=False)
    seen = []
    run_pull(run.pk, on_progress=lambda r: seen.append(sync_run_progress(r.pk)))
    percents = [p["percent"] for p in seen]
    assert percents == sorted(percents) and percents[-1] == 100 and len(set(percents)) > 3
    final = seen[-1]
    assert final["status"] == "success" and final["finished"]
    products = next(e for e in final["entities"] if e["entity"] == "products")
    assert products["done"] == products["total"] == len(sandbox.data.products)
    summary = store_sync_summary(shop.pk, manager)
    assert summary["last_run"].pk == run.pk and summary["open_errors"] == 0 and summary["active_run"] is None
    assert set(summary["watermarks"]) == {"products", "variations", "orders"}


def test_scheduler_queues_due_stores_once(shop, make_store, django_capture_on_commit_callbacks):
    from sync.tasks import queue_due_syncs

    never = make_store(name="Manual only")
    Store.objects.filter(pk=never.pk).update(sync_interval_minutes=0)
    now = timezone.now()
    with django_capture_on_commit_callbacks() as callbacks:
        assert queue_due_syncs(now=now) == "1 pull(s) queued"
        assert queue_due_syncs(now=now) == "nothing due"
    assert len(callbacks) == 1
    run = SyncRun.objects.get(store=shop)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRunStatus.SUCCESS)
    assert queue_due_syncs(now=now + timedelta(minutes=5)) == "nothing due"
    assert queue_due_syncs(now=now + timedelta(minutes=16)) == "1 pull(s) queued"
    assert not SyncRun.objects.filter(store=never).exists()


def test_the_scheduler_knows_about_sync(settings):
    from audit.jobs import _due_work
    from sync.tasks import queue_due_syncs

    assert queue_due_syncs in _due_work
    assert settings.SCHEDULED_JOBS["sync_reconcile"][0] == "sync.tasks.reconcile_all_stores"


def test_a_bad_item_is_recorded_holds_the_watermark_and_is_retried(shop, sandbox, pull, manager, monkeypatch):
    import sync.writer

    victim = max(sandbox.data.products.values(), key=lambda p: (p["date_modified_gmt"], p["id"]))
    real = sync.writer.product_fields

    def broken(payload):
        if payload.get("id") == victim["id"]:
            raise MappingError("simulated bad payload", field="price")
        return real(payload)

    monkeypatch.setattr(sync.writer, "product_fields", broken)
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.PARTIAL
    error = SyncError.objects.get(store=shop, entity_type="product", woo_id=victim["id"])
    assert error.retry_count == 0 and not error.resolved
    assert not Product.objects.filter(store=shop, woo_id=victim["id"]).exists()
    # The rest is there, and the watermark stays below the failed item.
    state = SyncState.objects.get(store=shop, entity="products")
    assert state.watermark.strftime("%Y-%m-%dT%H:%M:%S") < victim["date_modified_gmt"]

    pull(shop)  # still broken: one more retry counted
    error.refresh_from_db()
    assert error.retry_count == 1 and error.last_retry_at is not None
    assert [e.pk for e in sync_errors_for(manager, store_id=shop.pk)] == [error.pk]

    monkeypatch.setattr(sync.writer, "product_fields", real)
    assert retry_sync_error(error.pk) == "resolved"
    assert Product.objects.filter(store=shop, woo_id=victim["id"]).exists()
    assert mirror_problems(shop, sandbox) == []


def _open_error(store, woo_id):
    return SyncError.objects.create(
        store=store, entity_type="product", woo_id=woo_id, error_message="bad", error_code="mapping_error"
    )


def test_a_retried_product_woocommerce_no_longer_has_is_removed(shop, sandbox, pull):
    pull(shop, full=True)
    product = Product.objects.filter(store=shop).order_by("woo_id").last()
    sandbox.delete_product(product.woo_id, force=True)

    assert retry_sync_error(_open_error(shop, product.woo_id).pk) == "deleted upstream"
    assert not Product.objects.filter(pk=product.pk).exists()


class NotFoundServer(LocalServer):
    """A site whose security plugin answers every REST request with a JSON 404 of its own."""

    def __init__(self):
        body = b'{"code": "plugin_blocked", "message": "Not found", "data": {"status": 404}}'

        class Handler(QuietHandler):
            def do_GET(self):
                self.answer(404, body, {"Content-Type": "application/json"})

        super().__init__(Handler)


def test_a_404_that_does_not_say_the_product_is_gone_removes_nothing(make_store):
    """Only WooCommerce's "invalid id" answer (or 410) means the product is gone: a plugin's or a
    proxy's 404 leaves the product and its error in place."""
    with NotFoundServer() as site:
        store = make_store(url=f"http://127.0.0.1:{site.port}", name="Blocked")
        product = make_product(store)
        error = _open_error(store, product.woo_id)

        assert retry_sync_error(error.pk).startswith("failed again")
    assert Product.objects.filter(pk=product.pk).exists()
    assert SyncError.objects.filter(store=store, woo_id=product.woo_id, resolved=False).exists()


def test_sync_error_retry_service_checks_permission(shop, manager, viewer, django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied

    StoreUser.objects.filter(user=viewer).update(store=shop)
    error = SyncError.objects.create(store=shop, entity_type="product", woo_id=1, error_message="x")
    with pytest.raises(PermissionDenied):
        services.sync_error_retry(error_id=error.pk, actor=viewer)
    with django_capture_on_commit_callbacks() as callbacks:
        services.sync_error_retry(error_id=error.pk, actor=manager)
    assert len(callbacks) == 1


def test_connect_store_and_sync_store_commands(sandbox, db):
    from config.testing import API_KEY

    out = StringIO()
    args = [
        "--name",
        "Scripted",
        "--url",
        sandbox.url + "/",
        "--key",
        API_KEY[0],
        "--secret",
        API_KEY[1],
        "--owner",
        "script-owner@example.com",
    ]
    call_command("connect_store", *args, stdout=out, stderr=StringIO())
    store_id = out.getvalue().strip()
    store = Store.objects.get(pk=store_id)
    assert store.url == sandbox.url and store.memberships.get().role == StoreRole.OWNER
    (first_run,) = SyncRun.objects.filter(store=store)  # the first full pull is queued at once
    assert (first_run.kind, first_run.status) == (SyncRunKind.FULL, SyncRunStatus.PENDING)
    again = StringIO()
    call_command("connect_store", *args, "--if-missing", stdout=again)
    assert again.getvalue().strip() == store_id and Store.objects.count() == 1
    assert SyncRun.objects.filter(store=store).count() == 1
    quiet = StringIO()
    quiet_args = ["--name", "Quiet", *args[2:-1], "quiet-owner@example.com", "--no-sync"]
    call_command("connect_store", *quiet_args, stdout=quiet, stderr=StringIO())
    assert not SyncRun.objects.filter(store_id=quiet.getvalue().strip()).exists()

    out = StringIO()
    call_command("sync_store", store_id, "--full", stdout=out, stderr=StringIO())
    assert "full sync of Scripted: success" in out.getvalue()
    assert mirror_problems(store, sandbox) == []
    out = StringIO()
    call_command("sync_store", "Scripted", "--entities", "orders", "--no-progress", stdout=out)
    assert "incremental sync of Scripted: success" in out.getvalue() and "orders" in out.getvalue()
