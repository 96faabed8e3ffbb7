"""Fixtures every app's tests share: users, a store with its members, WooCommerce sandbox shops
(``start_sandbox``), fast password hashing.

An app's ``tests/conftest.py`` keeps only what is its own, and may override ``store`` or
``make_store`` to change their defaults (a fixture can ask for the one it overrides by name).
Constants and row factories that tests import live in ``config/testing.py``.
"""

import itertools
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
def start_sandbox():
    """Starts WooCommerce sandbox shops (``start_sandbox(products=..., seed=...)``: the options of
    ``woo_sandbox.SandboxServer``; the shared ``API_KEY`` unless ``keys`` are given), in process
    over real HTTP, and stops them after the test."""
    from woo_sandbox import SandboxServer

    servers = []

    def start(**options):
        options.setdefault("keys", [API_KEY])
        servers.append(SandboxServer(**options).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


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


def _member(make_user, store, email, role):
    user = make_user(email=email)
    StoreUser.objects.create(store=store, user=user, role=role)
    return user


@pytest.fixture
def manager(make_user, store):
    return _member(make_user, store, "manager@example.com", StoreRole.MANAGER)


@pytest.fixture
def viewer(make_user, store):
    return _member(make_user, store, "viewer@example.com", StoreRole.VIEWER)


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
