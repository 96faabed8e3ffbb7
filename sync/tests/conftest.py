"""Fixtures for the sync tests: an in-process WooCommerce sandbox and a store connected to it
(users and the unreachable ``store`` are the root conftest.py's)."""

import pytest

from stores.models import StoreRole
from stores.models import StoreUser
from sync.models import SyncRunStatus


@pytest.fixture(autouse=True)
def fast_sync(settings, tmp_path):
    """Short timeouts (the backoffs are the root conftest's: milliseconds); files go to a temp dir."""
    settings.SYNC_REQUEST_TIMEOUT_SECONDS = 5
    settings.SYNC_PAGE_CONCURRENCY = 4
    settings.SYNC_WATERMARK_OVERLAP_SECONDS = 300
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def sandbox(start_sandbox, shop_clock):
    """A small shop: 60 products (about a third variable, some with more than 10 variations),
    80 orders, every status, trashed objects. In-process, over real HTTP (OAuth 1.0a)."""
    return start_sandbox(products=60, orders=80, seed=7, clock=shop_clock)


@pytest.fixture
def without_image_files(settings):
    """Pulls that copy no image files (the data only)."""
    settings.SYNC_FETCH_IMAGES = False


@pytest.fixture
def shop(make_store, sandbox):
    """A store connected to the sandbox."""
    return make_store(url=sandbox.url, name="Sandbox shop")


@pytest.fixture
def manager(make_user, shop):
    """A manager of the sandbox shop (the root conftest's manager belongs to the unreachable store)."""
    user = make_user(email="manager@example.com")
    StoreUser.objects.create(store=shop, user=user, role=StoreRole.MANAGER)
    return user


@pytest.fixture
def synced(shop, pull, settings):
    """The sandbox shop, pulled in full once (without image files)."""
    settings.SYNC_FETCH_IMAGES = False
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    return shop


@pytest.fixture
def pull():
    """pull(store, full=False, entities=None, **client options) -> the finished SyncRun."""
    from sync.models import SyncRunKind
    from sync.runs import run_pull
    from sync.services import sync_run_queue
    from sync.woo import client_for

    def run(store, full=False, entities=None, reconcile=False, **client_options):
        kind = SyncRunKind.RECONCILE if reconcile else SyncRunKind.FULL if full else SyncRunKind.INCREMENTAL
        sync_run = sync_run_queue(store.pk, kind=kind, entities=entities, enqueue=False)
        client = client_for(store, **client_options) if client_options else None
        return run_pull(sync_run.pk, client=client)

    return run
