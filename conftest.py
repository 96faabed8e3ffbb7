"""Fixtures every app's tests share: users, a store with its members, fast password hashing,
WooCommerce sandbox shops (``start_sandbox``) and the pulled store a browser test drives, Chromium.

An app's ``tests/conftest.py`` keeps only what is its own, and may override ``store`` or
``make_store`` to change their defaults (a fixture can ask for the one it overrides by name).
Constants and row factories that tests import live in ``config/testing.py``.
"""

import itertools
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from accounts.models import AppRole
from accounts.services import user_create
from accounts.services import user_role_grant
from config.testing import API_KEY
from config.testing import ARTIFACTS
from config.testing import CHROMIUM
from config.testing import CHROMIUM_ARGS
from config.testing import PASSWORD
from config.testing import UNREACHABLE_URL
from config.testing import ShopClock
from stores.models import StoreRole
from stores.models import StoreUser
from stores.services import store_create

_emails = itertools.count(1)
_CLONES = "storedesk_test_db_clones"  # the worker ids whose test database the controller copied
_clones_key = pytest.StashKey[list]()


# Test databases under pytest-xdist: migrating costs the same in every worker, so the controller
# brings one test database up to date (created on a fresh machine or with --create-db, migrated
# otherwise) and copies it for each worker with CREATE DATABASE ... TEMPLATE (Django's
# clone_test_db); a worker then uses its copy as an existing database. With -n 0 nothing here runs.
@pytest.hookimpl(tryfirst=True)  # before xdist's own sessionstart starts the workers
def pytest_sessionstart(session):
    config = session.config
    workers = len(config.getoption("tx", None) or ())
    if hasattr(config, "workerinput") or not workers or config.option.collectonly:
        return
    if config.getoption("nomigrations", False):
        return  # each worker builds its tables from the models, as pytest-django does
    from django.db import connections

    keep = config.getoption("reuse_db") and not config.getoption("create_db")
    clones = [f"gw{index}" for index in range(workers)]  # xdist's worker ids
    with config.stash[blocking_manager_key].unblock():
        for alias in connections:
            creation = connections[alias].creation
            name = connections[alias].settings_dict["NAME"]
            creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)
            for worker_id in clones:
                creation.clone_test_db(suffix=worker_id, verbosity=0)
            creation.destroy_test_db(old_database_name=name, verbosity=0, keepdb=True)  # only disconnects
    config.stash[_clones_key] = clones


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput[_CLONES] = node.config.stash.get(_clones_key, [])


def _has_clone(config):
    workerinput = getattr(config, "workerinput", {})
    return workerinput.get("workerid") in workerinput.get(_CLONES, ())


@pytest.fixture(scope="session")
def django_db_createdb(request):
    """pytest-django's --create-db, except in a worker whose database was just copied for it."""
    return request.config.getoption("create_db") and not _has_clone(request.config)


@pytest.fixture(scope="session")
def django_db_keepdb(request):
    """pytest-django's --reuse-db; a copied worker database is used as it is and kept."""
    return request.config.getoption("reuse_db") or _has_clone(request.config)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, whose commits do not wait for the disk
    (``synchronous_commit = off``; about 2 ms less per commit, and the live-server, browser and
    worker tests commit thousands of times). A crash could lose the last commits but never
    corrupt the database, and a test database is thrown away anyway. Set on the database, so
    every later connection has it: the live server's threads, Celery workers and servers the
    tests start as subprocesses. A copy made with TEMPLATE does not inherit it, so each test
    process sets it on its own database."""
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
            connection.close()  # the next connection starts with the database's setting
    yield


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete():
    """After each transactional test (live server, browser) Django empties every table with one
    TRUNCATE of all ~70 tables, which costs seconds on a busy machine, as each table gets new files.
    The few rows a test leaves are deleted instead, with triggers and foreign-key checks off
    (``session_replication_role = replica``) so the audit and counting triggers neither refuse
    nor write. Only a superuser may turn triggers off and is sure to see every row through
    row-level security; for any other login, and to reset sequences, Django's TRUNCATE stays."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(ops, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables or not _is_superuser(ops.connection):
            return truncate(ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # Django runs these in one transaction, so the setting ends with it.
        deletes = [f"DELETE FROM {ops.quote_name(table)}" for table in tables]  # noqa: S608 - Django's table names
        return ["SET LOCAL session_replication_role = replica", *deletes]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


def _is_superuser(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


@pytest.fixture(autouse=True)
def _default_language():
    # A request or a test that switched to Hebrew leaves it active in its thread (Django's
    # translation is thread-local), and the next test in that worker would write its rows' texts
    # (an alert's title) in Hebrew: every test starts in the default language.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    # Real hashing costs ~0.3 s per password; no test is about the hasher's strength (the tests of
    # the hashers themselves set the project's list back). For the whole session, so the users a
    # module-scoped fixture makes (before any test's own fixtures run) are fast to make too.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _quick_retries():
    # A WooCommerce call that fails (the unreachable store every fixture's store is on, an injected
    # fault) is retried after 0.5 s, then 1 s: milliseconds here, for every test, so a request to
    # an unreachable store costs no second of sleep. The tests of the backoff itself set theirs.
    with override_settings(SYNC_BACKOFF_BASE_SECONDS=0.01, SYNC_BACKOFF_MAX_SECONDS=0.05):
        yield


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

    with ExitStack() as running:
        yield lambda **options: running.enter_context(SandboxServer(**{"keys": [API_KEY], **options}))


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
def make_live_shop(make_store, settings, tmp_path):
    """make_live_shop(server, keys, members=[(user, role)]) -> ``owner``'s store on the sandbox
    ``server``, pulled in full once, for a test that drives a browser through the live server
    (any host, media in tmp_path, no image files fetched)."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SYNC_FETCH_IMAGES = False

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
