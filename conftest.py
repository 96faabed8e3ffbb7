"""Fixtures every app's tests share: users, a store with its members, fast password hashing,
WooCommerce sandbox shops and the pulled store a browser test drives, Chromium.

An app's ``tests/conftest.py`` keeps only what is its own, and may override ``store`` or
``make_store`` to change their defaults (a fixture can ask for the one it overrides by name).
Constants and row factories that tests import live in ``config/testing.py``.
"""

import itertools
from contextlib import ExitStack
from pathlib import Path

import pytest

from accounts.models import AppRole
from accounts.services import user_create, user_role_grant
from config.testing import API_KEY, ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, UNREACHABLE_URL, ShopClock
from stores.models import StoreRole, StoreUser
from stores.services import store_create

_emails = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per password; no test is about the hasher's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shop_clock():
    """The sandbox shop's clock, for a test that needs a later WooCommerce modified date."""
    return ShopClock()


@pytest.fixture
def make_user(db):
    """make_user(email=None, password=PASSWORD, **user_create options) -> a new user."""

    def make(email=None, password=PASSWORD, **kwargs):
        return user_create(email=email or f"user-{next(_emails)}@example.com", password=password, **kwargs)

    return make


@pytest.fixture
def owner(make_user):
    return make_user(email="owner@example.com")


@pytest.fixture
def app_admin(make_user):
    admin = make_user(email="admin@example.com")
    user_role_grant(user=admin, role=AppRole.ADMIN)
    return admin


@pytest.fixture
def make_store(owner):
    """make_store(name=, url=, api_key=, api_secret=, members=[(user, role)], **store_create
    options) -> a store of ``owner``; by default unreachable, so nothing calls out by accident."""

    def make(name="Test shop", url=UNREACHABLE_URL, api_key=API_KEY[0], api_secret=API_KEY[1], members=(), **fields):
        store = store_create(actor=owner, name=name, url=url, api_key=api_key, api_secret=api_secret, **fields)
        for user, role in members:
            StoreUser.objects.create(store=store, user=user, role=role)
        return store

    return make


@pytest.fixture
def store(make_store):
    return make_store(name="Olive & Thyme")  # HTML-significant on purpose: pages must escape it


@pytest.fixture
def other_store(make_user):
    """A store of someone else, shared with none of the fixtures' users."""
    other = make_user(email="other@example.com")
    return store_create(actor=other, name="Elsewhere", url=UNREACHABLE_URL, api_key="ck_o", api_secret="cs_o")


@pytest.fixture
def make_member(make_user):
    """make_member(store, role, email=None) -> a new user with ``role`` in ``store``."""

    def make(store, role, email=None):
        user = make_user(email=email)
        StoreUser.objects.create(store=store, user=user, role=role)
        return user

    return make


@pytest.fixture
def manager(make_member, store):
    return make_member(store, StoreRole.MANAGER, "manager@example.com")


@pytest.fixture
def viewer(make_member, store):
    return make_member(store, StoreRole.VIEWER, "viewer@example.com")


@pytest.fixture
def make_sandbox():
    """make_sandbox(**SandboxServer options) -> a WooCommerce sandbox shop served in this process
    over real HTTP; stopped after the test."""
    from woo_sandbox import SandboxServer

    with ExitStack() as running:
        yield lambda **options: running.enter_context(SandboxServer(**options))


@pytest.fixture
def make_live_shop(make_store, settings, tmp_path):
    """make_live_shop(server, keys, members=[(user, role)]) -> ``owner``'s store on the sandbox
    ``server``, pulled in full once, for a test that drives a browser through the live server
    (any host, media in tmp_path, no image files fetched, quick retries)."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SYNC_FETCH_IMAGES = False
    settings.SYNC_BACKOFF_BASE_SECONDS = 0.01

    def make(server, keys, members=()):
        from sync.models import SyncRunKind
        from sync.runs import run_pull
        from sync.services import sync_run_queue

        store = make_store(name="Olive & Thyme", url=server.url, api_key=keys[0], api_secret=keys[1], members=members)
        run = sync_run_queue(store.pk, kind=SyncRunKind.FULL, enqueue=False)
        assert run_pull(run.pk).status in ("success", "partial")
        return store

    return make


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the caller's thread. Celery copies the Django settings into ``app.conf``
    the first time a test process reads them, so overriding ``CELERY_TASK_ALWAYS_EAGER`` in
    settings afterwards changes nothing: the app's own configuration is patched (and restored)."""
    from config.celery import app

    before = app.conf.get("task_always_eager", False)
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright: one browser per test module and test process (a
    launch costs seconds); each test opens its own context, so no cookie or page is shared."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop in this thread; the ORM calls are plain sync code.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
