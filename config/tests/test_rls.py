"""Row-level security (issue 15): the database keeps each store's data to its people."""

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError
from django.db import connection
from django.db import transaction

from accounts.sql_access import login_name
from audit.models import CredentialAccessLog
from catalog.models import Product
from config import rls
from config.testing import API_KEY
from config.testing import CUSTOMER
from config.testing import make_order
from config.testing import make_product
from config.testing import web_request_of
from orders.masking import orders_summary
from orders.models import Customer
from orders.models import Order
from orders.selectors import customer_orders_for
from stores import credentials
from stores.access import VIEW_ORDERS
from stores.access import access_for
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser

pytestmark = pytest.mark.django_db


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
    with web_request_of(viewer):
        assert {p.store_id for p in Product.objects.all()} == {store.pk}
        assert list(Order.objects.all()) == []  # orders rows: never, the masked view instead
        assert _rows("SELECT count(*) FROM orders") == [(0,)]
        assert _rows("SELECT DISTINCT store_id FROM products") == [(store.pk,)]
        summary = _rows("SELECT store_id, customer_name, customer_email, billing->>'city' FROM orders_summary")
        assert summary == [(store.pk, "XXXX", "XXXX", "XXXX")]
        assert {s.pk for s in Store.objects.all()} == {store.pk}
        assert _rows("SELECT count(*) FROM customers WHERE store_id = %s", [other_store.pk]) == [(0,)]
        assert _rows("SELECT count(*) FROM audit_logs") == [(0,)]


def test_the_masked_view_answers_no_error_oracle(shops, viewer):
    # orders_summary is a plain view (flattened): the caller's own quals run only on rows the
    # policy let through, so a division by zero on another store's total never fires.
    _, other_store = shops
    Order.objects.filter(store=other_store).update(total=Decimal("250.00"))
    with web_request_of(viewer):
        assert _rows("SELECT count(*) FROM orders_summary WHERE 1 / (total - 250) <> 0") == [(1,)]
        assert _rows("SELECT count(*) FROM orders_summary WHERE customer_email LIKE '%%@%%'") == [(0,)]


def test_the_viewers_masked_order_list_reads_the_index(shops, viewer):
    # A security_barrier view was never flattened: the list's ORDER BY ... LIMIT sorted every
    # order of the table, masking each (8.7 s at 500,000 orders). The page's own query must be
    # an ordered index scan under the LIMIT, without a Sort.
    store, _ = shops
    access = access_for(viewer)
    with web_request_of(viewer), transaction.atomic():
        with connection.cursor() as cursor:
            # A few rows: without these the planner may fairly prefer a bitmap scan and a sort.
            # A view it cannot flatten still needs its Sort (a disabled plan is only costed up).
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        orders = orders_summary(access.scope(Order.objects.filter(store=store), VIEW_ORDERS), access)
        sql, params = orders.order_by("-woo_created_at")[:51].query.sql_with_params()
        assert "orders_summary" in sql
        plan = "\n".join(row[0] for row in _rows("EXPLAIN " + sql, params))
    assert "Sort" not in plan and "Index Scan" in plan and "orders_store" in plan, plan


def test_a_manager_gets_their_stores_orders_with_customer_data(shops, manager):
    store, _ = shops
    with web_request_of(manager):
        orders = list(Order.objects.values_list("store_id", "customer_email"))
        assert orders == [(store.pk, CUSTOMER["email"])]
        assert _rows("SELECT DISTINCT store_id FROM products") == [(store.pk,)]
        assert _rows("SELECT customer_email FROM orders_summary") == [(CUSTOMER["email"],)]


def test_another_stores_owner_gets_only_their_own(shops):
    store, other_store = shops
    with web_request_of(other_store.user):
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
    with web_request_of(owner):
        assert Store.objects.get(pk=store.pk).name == store.name  # the manager leaves them out
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            _rows("SELECT api_key FROM stores")


def test_a_membership_change_counts_at_once_inside_a_transaction(shops, viewer):
    # The rights computed for a statement are kept for the transaction (rls_context), and
    # forgotten by a write to the memberships.
    _, other_store = shops
    with web_request_of(viewer):
        assert Product.objects.filter(store=other_store).count() == 0
    StoreUser.objects.create(store=other_store, user=viewer, role=StoreRole.VIEWER)
    with web_request_of(viewer):
        assert Product.objects.filter(store=other_store).count() == 1


def test_the_identity_is_transaction_local(shops, viewer):
    with web_request_of(viewer):
        assert _rows("SELECT current_user, current_setting('storedesk.actor_user_id', true)") == [
            (rls.WEB_ROLE, str(viewer.pk))
        ]
    # Service code after it, in the same (test) transaction, is switched back.
    assert _rows("SELECT current_user = session_user, current_setting('storedesk.actor_user_id', true)") == [(True, "")]
    assert Order.objects.count() == 2


def test_a_page_sets_its_identity_once_and_again_after_a_rolled_back_savepoint(shops, viewer):
    store, _ = shops
    # A signed-in page's reads share one transaction (AuditActorMiddleware): the role and the user
    # are set by its first statement. A savepoint rolled back takes back what was set inside it,
    # so the statement after must set them again rather than run as the login (every store).
    with web_request_of(viewer), transaction.atomic():
        with pytest.raises(DatabaseError), transaction.atomic():
            assert _rows("SELECT DISTINCT store_id FROM products") == [(store.pk,)]
            _rows("SELECT 1 / 0")
        assert _rows("SELECT current_user") == [(rls.WEB_ROLE,)]
        assert _rows("SELECT DISTINCT store_id FROM products") == [(store.pk,)]


def test_a_signed_in_page_reads_in_one_transaction(client, shops, viewer):
    store, _ = shops
    client.force_login(viewer)
    statements = []

    def seen(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(seen):
        assert client.get(f"/stores/{store.pk}/products/", secure=True).status_code == 200
    prefixed = [sql for sql in statements if sql.startswith("SELECT set_config('role'")]
    # Set by the first statement (and after each savepoint rolled back, none here), not per read.
    assert len(statements) > 5 and len(prefixed) == 1, statements


def test_credentials_function_refuses_a_non_owner_and_logs_an_owner(shops, owner, manager):
    store, _ = shops
    with web_request_of(manager), pytest.raises(PermissionDenied):
        credentials.get_store_credentials(user=manager, store=store)
    assert not CredentialAccessLog.objects.exists()
    with web_request_of(owner):
        revealed = credentials.get_store_credentials(user=owner, store=store, ip_address="203.0.113.9")
    assert (revealed.api_key, revealed.api_secret) == API_KEY
    log = CredentialAccessLog.objects.get()
    assert (log.store_id, log.user_id, str(log.ip_address).removesuffix("/32")) == (store.pk, owner.pk, "203.0.113.9")
    # The SQL function checks on its own, whatever Python asked before.
    with web_request_of(manager), pytest.raises(DatabaseError, match="Only an owner"), transaction.atomic():
        _rows("SELECT * FROM get_store_credentials(%s)", [store.pk])


def test_search_still_uses_the_trigram_index_as_the_web_role(shops, owner):
    store, _ = shops
    with web_request_of(owner), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        query = Product.objects.filter(name__icontains="apron").query
        sql, params = query.sql_with_params()
        plan = "\n".join(row[0] for row in _rows("EXPLAIN " + sql, params))
    assert "trgm" in plan, plan


def test_a_customers_orders_are_read_on_the_email_key_index_as_the_web_role(shops, owner):
    """The key trims the e-mail (``btrim``): a function PostgreSQL does not know as leakproof
    would be kept out of the index condition under the policies (the customer page read every
    order of the store: 6x slower at 120,000 orders)."""
    store, _ = shops
    customer = Customer.objects.create(store=store, email="dana@example.com", name="Dana")
    with web_request_of(owner), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        query = customer_orders_for(access_for(owner), store.pk, customer).query
        sql, params = query.sql_with_params()
        plan = "\n".join(row[0] for row in _rows("EXPLAIN " + sql, params))
    assert "orders_store_email_idx" in plan, plan


@pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")
@pytest.mark.django_db(transaction=True)
def test_grant_sql_access_login_sees_what_its_user_sees(capsys, make_store, make_user, owner):
    store = make_store(name="Seen")
    other = make_store(name="Unseen")
    viewer = make_user(email="bi.viewer@example.com")
    StoreUser.objects.create(store=store, user=viewer, role=StoreRole.VIEWER)
    for shop, total in ((store, Decimal("100.00")), (other, Decimal("250.00"))):
        make_product(shop)
        make_order(shop, total=total)
    sent = []

    def record(execute, sql, params, many, context):
        sent.append(str(sql) + str(params))
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(record):
            call_command("grant_sql_access", viewer.email)
        url = capsys.readouterr().out.strip()
        assert re.fullmatch(rf"postgres://{login_name(viewer)}:[^@]+@[^/]+/\w+", url)
        # Only a SCRAM verifier computed here travels: the password is in no statement (server logs).
        password = url.split("@")[0].rsplit(":", 1)[1]
        assert not [statement for statement in sent if password in statement]
        assert any("PASSWORD 'SCRAM-SHA-256$4096:" in statement for statement in sent)
        stored = _rows("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [login_name(viewer)])
        assert stored[0][0].startswith("SCRAM-SHA-256$4096:")

        def psql(query):
            result = subprocess.run(
                ["psql", url, "-XqAtc", query], capture_output=True, text=True, timeout=30, check=False
            )
            return result.stdout.strip(), result.stderr.strip()

        assert psql("SELECT string_agg(name, ',') FROM stores") == ("Seen", "")
        assert psql("SELECT count(*) FROM products") == ("1", "")
        assert psql("SELECT count(*) FROM orders") == ("0", "")
        assert psql("SELECT customer_email FROM orders_summary") == ("XXXX", "")
        # No error oracle on the other store's rows (its order's total is 250, this one's 100).
        assert psql("SELECT count(*) FROM orders_summary WHERE 1 / (total - 250) <> 0") == ("1", "")
        # Pretending to be someone else through the setting does not work for a BI login.
        assert psql(f"SET storedesk.actor_user_id = '{owner.pk}'; SELECT count(*) FROM orders") == ("0", "")
        # Nor through a forged cached context (an app admin's): a BI login's is never read.
        forged = f"""{{"",{owner.pk},true,true,"{{}}","{{}}","{{}}","{{}}"}}"""
        assert psql(f"SET storedesk.rls_context = '{forged}'; SELECT count(*) FROM orders") == ("0", "")
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
