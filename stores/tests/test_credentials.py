"""Credentials: encrypted at rest, write-only in forms, never in HTML, logs, audit rows or the
admin; revealed only after the password, with a log row; rotatable; testable against the store."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from audit.models import CredentialAccessLog
from config.testing import LocalServer
from config.testing import QuietHandler
from config.testing import self_signed_tls
from stores import credentials
from stores.models import Store
from stores.services import store_test_connection
from stores.tests.helpers import PASSWORD
from stores.tests.helpers import build_world
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db

KEY = "ck_live_1234567890abcd"
SECRET = "cs_live_0987654321wxyz"
WEBHOOK = "whsec_topsecret_9876"
PLAINTEXTS = (KEY, SECRET, WEBHOOK, KEY[:-4], SECRET[:-4], WEBHOOK[:-4])


def raw_credential_columns(store_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key, api_secret, COALESCE(webhook_secret, '') FROM stores WHERE id = %s", [store_id])
        return cursor.fetchone()


def assert_no_plaintext(text):
    for secret in PLAINTEXTS:
        assert secret not in text


def test_raw_columns_hold_no_plaintext():
    world = build_world()
    for store in world.stores.values():
        columns = raw_credential_columns(store.pk)
        assert_no_plaintext(" ".join(columns))
        assert all(value.startswith("gAAAA") for value in columns)  # Fernet tokens
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM stores_public UNION ALL "
            "SELECT id, name, url, currency, created_at, updated_at FROM store_basic_info"
        )
        assert_no_plaintext(repr(cursor.fetchall()))


def test_pages_show_at_most_the_last_four_characters(client):
    world = build_world()
    store = world.stores["A"]
    client.force_login(world.users["owner"])
    html = client.get(reverse("stores:credentials", kwargs={"store_id": store.pk})).content.decode()
    assert_no_plaintext(html)
    assert "abcd" in html and "wxyz" in html  # the last four, as hints
    for name in ("detail", "settings", "team", "credential_log", "credentials_reveal", "delete"):
        assert_no_plaintext(client.get(reverse(f"stores:{name}", kwargs={"store_id": store.pk})).content.decode())
    assert_no_plaintext(client.get(reverse("home")).content.decode())


def test_credential_form_replaces_only_what_was_typed(client):
    world = build_world()
    store = world.stores["A"]
    client.force_login(world.users["owner"])
    url = reverse("stores:credentials", kwargs={"store_id": store.pk})
    response = client.post(url, {"api_key": "", "api_secret": "cs_brand_new_secret_7777", "webhook_secret": ""})
    assert response.status_code == 302
    store.refresh_from_db()
    assert credentials.decrypt(store.api_key) == KEY
    assert credentials.decrypt(store.api_secret) == "cs_brand_new_secret_7777"
    assert credentials.decrypt(store.webhook_secret) == WEBHOOK
    html = client.get(url).content.decode()
    assert "7777" in html and "cs_brand_new_secret" not in html


def test_admin_never_shows_credentials(client):
    world = build_world()
    store = world.stores["A"]
    client.force_login(world.users["admin"])
    for url in (
        reverse("admin:stores_store_changelist"),
        reverse("admin:stores_store_change", args=[store.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert_no_plaintext(html)
        assert store.api_key not in html  # not even the ciphertext


def test_logs_and_audit_rows_hold_no_credentials(client, caplog):
    caplog.set_level(logging.DEBUG)
    owner = make_user("logs@example.com")
    client.force_login(owner)
    response = client.post(
        reverse("stores:create"),
        {
            "name": "Logged",
            "url": "http://127.0.0.1:9",
            "currency": "ILS",
            "sync_interval_minutes": 15,
            "api_key": KEY,
            "api_secret": SECRET,
            "webhook_secret": WEBHOOK,
        },
    )
    assert response.status_code == 302
    store = Store.objects.get(name="Logged")
    client.post(reverse("stores:credentials_reveal", kwargs={"store_id": store.pk}), {"password": PASSWORD})
    client.post(reverse("stores:credentials", kwargs={"store_id": store.pk}), {"api_key": "ck_second_key_5555"})
    client.post(reverse("stores:test_connection", kwargs={"store_id": store.pk}))
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert_no_plaintext(logged)
    assert "ck_second_key" not in logged
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(string_agg(old_data::text || new_data::text, ' '), '') FROM audit_logs")
        audit_text = cursor.fetchone()[0] or ""
    assert_no_plaintext(audit_text)
    assert "ck_second_key" not in audit_text
    assert_no_plaintext(repr(store) + str(store) + repr(credentials.api_credentials(store)))


def test_error_reports_hide_posted_credentials(rf, monkeypatch):
    from django.views.debug import ExceptionReporter

    from stores import views

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.services, "store_create", explode)
    owner = make_user("crash@example.com")
    request = rf.post(
        "/stores/new/",
        {
            "name": "Crash",
            "url": "https://crash.example.com",
            "currency": "ILS",
            "sync_interval_minutes": 15,
            "api_key": KEY,
            "api_secret": SECRET,
        },
    )
    request.user = owner
    request._messages = None
    try:
        views.store_create(request)
    except RuntimeError:
        import sys

        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    else:  # pragma: no cover
        pytest.fail("the view should have raised")
    assert_no_plaintext(report)


def test_reveal_asks_for_the_password_and_logs_ip_and_user_agent(client):
    world = build_world()
    store = world.stores["A"]
    owner = world.users["owner"]
    client.force_login(owner)
    url = reverse("stores:credentials_reveal", kwargs={"store_id": store.pk})
    before = CredentialAccessLog.objects.filter(store=store).count()

    wrong = client.post(url, {"password": "not-my-password"}, HTTP_USER_AGENT="TestBrowser/1.0")
    assert wrong.status_code == 200
    assert_no_plaintext(wrong.content.decode())
    assert CredentialAccessLog.objects.filter(store=store).count() == before

    right = client.post(url, {"password": PASSWORD}, HTTP_USER_AGENT="TestBrowser/1.0", REMOTE_ADDR="203.0.113.7")
    html = right.content.decode()
    assert KEY in html and SECRET in html and WEBHOOK in html
    assert "no-store" in right.headers["Cache-Control"]
    entry = CredentialAccessLog.objects.filter(store=store).order_by("-accessed_at").first()
    assert CredentialAccessLog.objects.filter(store=store).count() == before + 1
    assert (entry.user_id, entry.ip_address, entry.user_agent) == (owner.pk, "203.0.113.7", "TestBrowser/1.0")

    log_page = client.get(reverse("stores:credential_log", kwargs={"store_id": store.pk})).content.decode()
    assert "203.0.113.7" in log_page and "TestBrowser/1.0" in log_page
    assert_no_plaintext(log_page)


def test_managers_and_viewers_cannot_reveal(client):
    world = build_world()
    store = world.stores["A"]
    url = reverse("stores:credentials_reveal", kwargs={"store_id": store.pk})
    for response in world.posts_as(client, ("manager", "viewer"), url, {"password": PASSWORD}):
        assert response.status_code == 403
        assert_no_plaintext(response.content.decode())
    assert not CredentialAccessLog.objects.filter(store=store, user__in=[world.users["manager"]]).exists()


def test_rotate_credential_keys_reencrypts_every_row():
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(CREDENTIAL_ENCRYPTION_KEYS=[old_key]):
        owner = make_user("rotate@example.com")
        first = make_store(owner, "One", api_key=KEY, api_secret=SECRET)
        second = make_store(owner, "Two", api_key="ck_two_2222", api_secret="cs_two_3333")
        before = {store.pk: raw_credential_columns(store.pk) for store in (first, second)}
    with override_settings(CREDENTIAL_ENCRYPTION_KEYS=[new_key, old_key]):
        call_command("rotate_credential_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with override_settings(CREDENTIAL_ENCRYPTION_KEYS=[new_key]):  # the old key is gone now
        for store in (first, second):
            store.refresh_from_db()
            assert raw_credential_columns(store.pk) != before[store.pk]
        assert credentials.decrypt(first.api_key) == KEY
        assert credentials.decrypt(first.webhook_secret) == WEBHOOK
        assert credentials.decrypt(second.api_secret) == "cs_two_3333"
        assert_no_plaintext(" ".join(raw_credential_columns(first.pk)))


def test_rotate_reports_rows_no_key_can_read():
    with override_settings(CREDENTIAL_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        make_store(make_user("lost@example.com"), "Lost")
    with (
        override_settings(CREDENTIAL_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(CommandError, match="could not be decrypted"),
    ):
        call_command("rotate_credential_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115


# --- test connection --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox():
    sandbox_module = pytest.importorskip("woo_sandbox")
    server = sandbox_module.SandboxServer(products=3, orders=1, keys=[("ck_right_key", "cs_right_secret")]).start()
    yield server
    server.stop()


class _HtmlHandler(QuietHandler):
    def do_GET(self):
        self.answer(200, b"<html><body>Just a WordPress blog</body></html>", {"Content-Type": "text/html"})


@pytest.fixture
def html_server():
    with LocalServer(_HtmlHandler) as server:
        yield f"http://127.0.0.1:{server.port}"


@pytest.fixture
def self_signed_server(tmp_path):
    context, _cert = self_signed_tls(tmp_path)
    with LocalServer(_HtmlHandler, ssl_context=context) as server:
        yield f"https://127.0.0.1:{server.port}"


def _test_against(url, key="ck_right_key", secret="cs_right_secret"):
    owner = make_user(f"conn-{abs(hash((url, key)))}@example.com")
    store = make_store(owner, "Conn", url=url, api_key=key, api_secret=secret)
    return store_test_connection(actor=owner, store=store)


def test_connection_success(sandbox):
    result = _test_against(sandbox.url)
    assert (result.ok, result.code) == (True, "success")


def test_connection_wrong_keys(sandbox):
    result = _test_against(sandbox.url, key="ck_wrong", secret="cs_wrong")
    assert (result.ok, result.code) == (False, "auth")
    assert "refused the keys" in result.message


def test_connection_unreachable():
    result = _test_against("http://127.0.0.1:9")
    assert (result.ok, result.code) == (False, "unreachable")


def test_connection_not_woocommerce(html_server):
    result = _test_against(html_server)
    assert (result.ok, result.code) == (False, "not_woocommerce")


def test_connection_tls_error(self_signed_server):
    result = _test_against(self_signed_server)
    assert (result.ok, result.code) == (False, "tls")


def test_test_connection_page_says_what_happened(client, sandbox):
    owner = make_user("page@example.com")
    store = make_store(owner, "Page", url=sandbox.url, api_key="ck_wrong", api_secret="cs_wrong")
    client.force_login(owner)
    response = client.post(reverse("stores:test_connection", kwargs={"store_id": store.pk}), follow=True)
    assert "refused the keys" in response.content.decode()
