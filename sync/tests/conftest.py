"""Fixtures for the sync tests: users, a store, and an in-process WooCommerce sandbox."""

import itertools

import pytest

from accounts.services import user_create
from stores.models import StoreRole, StoreUser
from stores.services import store_create

_emails = itertools.count(1)

API_KEY = ("ck_sync_test_key_0000000000000000000000000", "cs_sync_test_secret_00000000000000000000000")


@pytest.fixture
def make_user(db):
    def make(email=None, **kwargs):
        # No password: hashing one costs ~0.5 s and these users never log in.
        return user_create(email=email or f"sync-user-{next(_emails)}@example.com", password=None, **kwargs)

    return make


@pytest.fixture
def owner(make_user):
    return make_user(email="owner@example.com")


@pytest.fixture
def make_store(owner):
    def make(url="http://127.0.0.1:9", key=API_KEY[0], secret=API_KEY[1], name="Test shop", members=()):
        store = store_create(actor=owner, name=name, url=url, api_key=key, api_secret=secret)
        for user, role in members:
            StoreUser.objects.create(store=store, user=user, role=role)
        return store

    return make


@pytest.fixture
def store(make_store):
    return make_store()


@pytest.fixture
def manager(make_user, store):
    user = make_user(email="manager@example.com")
    StoreUser.objects.create(store=store, user=user, role=StoreRole.MANAGER)
    return user


@pytest.fixture
def viewer(make_user, store):
    user = make_user(email="viewer@example.com")
    StoreUser.objects.create(store=store, user=user, role=StoreRole.VIEWER)
    return user


@pytest.fixture(autouse=True)
def fast_sync(settings, tmp_path):
    """Short backoffs and timeouts so retries cost milliseconds; files go to a temp dir."""
    settings.SYNC_BACKOFF_BASE_SECONDS = 0.01
    settings.SYNC_BACKOFF_MAX_SECONDS = 0.05
    settings.SYNC_REQUEST_TIMEOUT_SECONDS = 5
    settings.SYNC_PAGE_CONCURRENCY = 4
    settings.SYNC_WATERMARK_OVERLAP_SECONDS = 300
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def sandbox():
    """A small shop: 60 products (about a third variable, some with more than 10 variations),
    80 orders, every status, trashed objects. In-process, over real HTTP (OAuth 1.0a)."""
    from sync.sandbox import SandboxServer

    srv = SandboxServer(products=60, orders=80, seed=7, keys=[API_KEY]).start()
    yield srv
    srv.stop()


@pytest.fixture
def shop(make_store, sandbox):
    """A store connected to the sandbox."""
    return make_store(url=sandbox.url, name="Sandbox shop")


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
