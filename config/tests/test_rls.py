"""Row-level security (issue 15): the database keeps each store's data to its people."""

import contextlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from accounts.sql_access import login_name
from audit.actor import audit_actor
from audit.models import CredentialAccessLog
from catalog.models import Product
from config import rls
from config.testing import API_KEY, CUSTOMER, make_order, make_product
from orders.models import Order
from stores import credentials
from stores.models import Store, StoreRole, StoreUser

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def request_context(user):
    """What AuditActorMiddleware sets for a request of ``user``: the web role and the user."""
    token = rls.enter_web_request()
    try:
        with audit_actor(user):
            yield
    finally:
        rls.leave(token)


def _rows(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def shops(store, other_store, owner, manager, viewer):
    for shop in (store, other_store):
        make_product(shop, name=f"Apron of {shop.name}")
        make_order(shop)
    return store, other_store


def test_every_table_has_row_level_security_enabled_and_forced():
    # No allow-list: Django's and the libraries' tables have policies too (what the web needs).
    missing = _rows(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
        "AND NOT (c.relrowsecurity AND c.relforcerowsecurity) ORDER BY 1"
    )
    assert missing == []


def test_schema_notes_list_every_policy():
    notes = (Path(__file__).resolve().parents[2] / "docs" / "schema-notes.md").read_text()
    notes = notes[notes.index("## Row-level security") : notes.index("## Sync")]
    rows = _rows("SELECT tablename, string_agg(policyname, ', ' ORDER BY policyname) FROM pg_policies GROUP BY 1")
    listed = dict(re.findall(r"^\| `(\w+)` \| ([a-z_, ]+) \|", notes, re.M))
    assert listed == dict(rows)
    for role in rls.ROLES:
        assert f"`{role}`" in notes


def test_a_viewer_gets_only_their_store_and_no_customer_data(shops, viewer):
    store, other_store = shops
    with request_context(viewer):
        assert {p.store_id for p in Product.objects.all()} == {store.pk}
        assert list(Order.objects.all()) == []  # orders rows: never, the masked view instead
        assert _rows("SELECT count(*) FROM orders") == [(0,)]
        assert _rows("SELECT DISTINCT store_id FROM products") == [(store.pk,)]
        summary = _rows("SELECT store_id, customer_name, customer_email, billing->>'city' FROM orders_summary")
        assert summary == [(store.pk, "XXXX", "XXXX", "XXXX")]
        assert {s.pk for s in Store.objects.all()} == {store.pk}
        assert _rows("SELECT count(*) FROM customers WHERE store_id = %s", [other_store.pk]) == [(0,)]
        assert _rows("SELECT count(*) FROM audit_logs") == [(0,)]


def test_a_manager_gets_their_stores_orders_with_customer_data(shops, manager):
    store, _ = shops
    with request_context(manager):
        orders = list(Order.objects.values_list("store_id", "customer_email"))
        assert orders == [(store.pk, CUSTOMER["email"])]
        assert _rows("SELECT DISTINCT store_id FROM products") == [(store.pk,)]
        assert _rows("SELECT customer_email FROM orders_summary") == [(CUSTOMER["email"],)]


def test_another_stores_owner_gets_only_their_own(shops):
    store, other_store = shops
    with request_context(other_store.user):
        assert {o.store_id for o in Order.objects.all()} == {other_store.pk}
        assert _rows("SELECT DISTINCT store_id FROM orders_summary") == [(other_store.pk,)]
        assert Product.objects.filter(store=store).count() == 0
        # Writing into a store one does not belong to is refused by PostgreSQL itself.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _rows(
                "INSERT INTO sync_logs (store_id, entity_type, action, status) VALUES (%s, 'x', 'x', 'x')", [store.pk]
            )
        assert Product.objects.filter(store=store).update(name="taken") == 0


def test_the_web_role_cannot_read_credential_columns(shops, owner):
    store, _ = shops
    with request_context(owner):
        assert Store.objects.get(pk=store.pk).name == store.name  # the manager leaves them out
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            _rows("SELECT api_key FROM stores")


def test_the_identity_is_transaction_local(shops, viewer):
    with request_context(viewer):
        assert _rows("SELECT current_user, current_setting('storedesk.actor_user_id', true)") == [
            (rls.WEB_ROLE, str(viewer.pk))
        ]
    # Service code after it, in the same (test) transaction, is switched back.
    assert _rows("SELECT current_user = session_user, current_setting('storedesk.actor_user_id', true)") == [(True, "")]
    assert Order.objects.count() == 2


def test_credentials_function_refuses_a_non_owner_and_logs_an_owner(shops, owner, manager):
    store, _ = shops
    with request_context(manager), pytest.raises(PermissionDenied):
        credentials.get_store_credentials(user=manager, store=store)
    assert not CredentialAccessLog.objects.exists()
    with request_context(owner):
        revealed = credentials.get_store_credentials(user=owner, store=store, ip_address="203.0.113.9")
    assert (revealed.api_key, revealed.api_secret) == API_KEY
    log = CredentialAccessLog.objects.get()
    assert (log.store_id, log.user_id, str(log.ip_address).removesuffix("/32")) == (store.pk, owner.pk, "203.0.113.9")
    # The SQL function checks on its own, whatever Python asked before.
    with request_context(manager), pytest.raises(DatabaseError, match="Only an owner"), transaction.atomic():
        _rows("SELECT * FROM get_store_credentials(%s)", [store.pk])


def test_search_still_uses_the_trigram_index_as_the_web_role(shops, owner):
    store, _ = shops
    with request_context(owner), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        query = Product.objects.filter(name__icontains="apron").query
        sql, params = query.sql_with_params()
        plan = "\n".join(row[0] for row in _rows("EXPLAIN " + sql, params))
    assert "trgm" in plan, plan


@pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")
@pytest.mark.django_db(transaction=True)
def test_grant_sql_access_login_sees_what_its_user_sees(capsys, make_store, make_user, owner):
    store = make_store(name="Seen")
    other = make_store(name="Unseen")
    viewer = make_user(email="bi.viewer@example.com")
    StoreUser.objects.create(store=store, user=viewer, role=StoreRole.VIEWER)
    for shop in (store, other):
        make_product(shop)
        make_order(shop)
    try:
        call_command("grant_sql_access", viewer.email)
        url = capsys.readouterr().out.strip()
        assert re.fullmatch(rf"postgres://{login_name(viewer)}:[^@]+@[^/]+/\w+", url)

        def psql(query):
            result = subprocess.run(
                ["psql", url, "-XqAtc", query], capture_output=True, text=True, timeout=30, check=False
            )
            return result.stdout.strip(), result.stderr.strip()

        assert psql("SELECT string_agg(name, ',') FROM stores") == ("Seen", "")
        assert psql("SELECT count(*) FROM products") == ("1", "")
        assert psql("SELECT count(*) FROM orders") == ("0", "")
        assert psql("SELECT customer_email FROM orders_summary") == ("XXXX", "")
        # Pretending to be someone else through the setting does not work for a BI login.
        assert psql(f"SET storedesk.actor_user_id = '{owner.pk}'; SELECT count(*) FROM orders") == ("0", "")
        assert "permission denied" in psql("SELECT api_key FROM stores")[1]
        assert "permission denied" in psql("DELETE FROM products")[1]
        # Run again: a new password.
        before = _rows("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [login_name(viewer)])
        call_command("grant_sql_access", viewer.email)
        assert capsys.readouterr().out.strip() not in ("", url)
        assert _rows("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [login_name(viewer)]) != before
    finally:
        call_command("revoke_sql_access", viewer.email)
    assert _rows("SELECT count(*) FROM pg_roles WHERE rolname = %s", [login_name(viewer)]) == [(0,)]
