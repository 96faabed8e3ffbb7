"""The audit triggers and the actor passed to them, inside transactions (the usual test case)."""

import json
from decimal import Decimal

import pytest
from django.db import DatabaseError
from django.db import connection
from django.db import transaction

from audit.actor import audit_actor
from audit.models import AuditLog
from audit.selectors import AUDITED_TABLES
from audit.tests.utils import audit_rows
from catalog.models import Product
from config.testing import make

pytestmark = pytest.mark.django_db

# The audit pages' table filter (AUDITED_TABLES) must name exactly the tables with triggers: the
# inventory's 14, plus the projects app's tasks (a task page shows its history).
AUDITED = {*AUDITED_TABLES, "tasks"}


def test_the_14_inventory_tables_and_tasks_have_insert_update_delete_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'audit\\_%%' AND NOT t.tgisinternal AND c.relname <> 'audit_logs'"
        )
        triggers = cursor.fetchall()
    assert len(AUDITED_TABLES) == 14
    assert {table for table, _ in triggers} == AUDITED
    assert len(triggers) == 3 * len(AUDITED)


def test_orm_save_in_atomic_records_each_change_with_the_user(user, store):
    with audit_actor(user, ip="203.0.113.7", user_agent="pytest-browser"), transaction.atomic():
        product = Product.objects.create(store=store, name="Mug", price=Decimal("10.00"))
        product.price = Decimal("12.50")
        product.save()
        product_id = product.pk
        product.delete()

    inserted, updated, deleted = audit_rows("products", product_id)
    assert [inserted.action, updated.action, deleted.action] == ["INSERT", "UPDATE", "DELETE"]
    for row in (inserted, updated, deleted):
        assert (row.user_id, row.user_email, row.ip_address, row.user_agent) == (
            user.pk,
            "owner@example.com",
            "203.0.113.7",
            "pytest-browser",
        )
    assert inserted.old_data is None and inserted.new_data["name"] == "Mug"
    assert updated.changed_fields == ["price"]  # updated_at changed too, but is not listed
    assert (updated.old_data["price"], updated.new_data["price"]) == (10.0, 12.5)
    assert deleted.new_data is None and deleted.old_data["price"] == 12.5


def test_an_update_that_changes_nothing_writes_no_row(user, store):
    product = make(Product, store=store, name="Mug")
    before = AuditLog.objects.count()
    with audit_actor(user):
        product.save()  # only updated_at moves (auto_now)
        Product.objects.filter(pk=product.pk).update(name="Mug")  # same value
        with connection.cursor() as cursor:
            cursor.execute("UPDATE products SET name = name WHERE id = %s", [product.pk])
    assert AuditLog.objects.count() == before


def test_bulk_upsert_records_inserts_and_real_changes_as_the_sync(store):
    kept = make(Product, store=store, woo_id=1, name="Same", price=Decimal("5.00"))
    changed = make(Product, store=store, woo_id=2, name="Old name", price=Decimal("5.00"))
    rows = [
        Product(store=store, woo_id=1, name="Same", price=Decimal("5.00")),
        Product(store=store, woo_id=2, name="New name", price=Decimal("5.00")),
        Product(store=store, woo_id=3, name="Brand new", price=Decimal("7.00")),
    ]
    with audit_actor.system("sync"):
        # What the sync does: one INSERT ... ON CONFLICT DO UPDATE for a page of products.
        Product.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["store", "woo_id"], update_fields=["name", "price"]
        )
    new = Product.objects.get(store=store, woo_id=3)

    assert audit_rows("products", kept.pk, action="UPDATE") == []
    (update,) = audit_rows("products", changed.pk, action="UPDATE")
    assert update.changed_fields == ["name"]
    assert (update.old_data["name"], update.new_data["name"]) == ("Old name", "New name")
    (insert,) = audit_rows("products", new.pk)
    assert insert.action == "INSERT"
    for row in (update, insert):
        assert (row.user_id, row.user_email, row.ip_address) == (None, "system:sync", None)


def test_raw_sql_update_is_recorded_with_the_actor(user, store):
    product = make(Product, store=store, name="Mug", price=Decimal("3.00"))
    with audit_actor(user), connection.cursor() as cursor:
        cursor.execute("UPDATE products SET price = %s WHERE store_id = %s", [Decimal("4.00"), store.pk])
        assert cursor.rowcount == 1
        # Without parameters, a literal % must survive the actor prefix untouched.
        cursor.execute(f"UPDATE products SET name = 'Mug 50%' WHERE id = '{product.pk}' RETURNING name")
        assert cursor.fetchone() == ("Mug 50%",)
    price, name = audit_rows("products", product.pk, action="UPDATE")
    assert price.changed_fields == ["price"] and name.changed_fields == ["name"]
    assert {price.user_id, name.user_id} == {user.pk}


def test_actor_changes_and_savepoint_rollbacks_inside_one_transaction(user, store):
    other = make(type(user), email="other@example.com")
    product = make(Product, store=store, name="A")
    with audit_actor(user), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(name="B")  # user
        with audit_actor(other):
            Product.objects.filter(pk=product.pk).update(name="C")  # other
        try:
            with transaction.atomic(), audit_actor.system("agents"):
                Product.objects.filter(pk=product.pk).update(name="rolled back")
                raise RuntimeError
        except RuntimeError:
            pass
        Product.objects.filter(pk=product.pk).update(name="D")  # user again
        with audit_actor(None):
            Product.objects.filter(pk=product.pk).update(name="E")  # nobody
    with transaction.atomic():
        with audit_actor(other):
            Product.objects.filter(pk=product.pk).update(name="F")  # other
        Product.objects.filter(pk=product.pk).update(name="G")  # nobody: the block has ended
    rows = audit_rows("products", product.pk, action="UPDATE")
    assert [(r.new_data["name"], r.user_email) for r in rows] == [
        ("B", "owner@example.com"),
        ("C", "other@example.com"),
        ("D", "owner@example.com"),
        ("E", None),
        ("F", "other@example.com"),
        ("G", None),
    ]


def test_the_actor_is_transaction_local(user, store):
    product = make(Product, store=store, name="A")
    with audit_actor(user):
        Product.objects.filter(pk=product.pk).update(name="B")
    Product.objects.filter(pk=product.pk).update(name="C")
    assert [r.user_email for r in audit_rows("products", product.pk, action="UPDATE")] == ["owner@example.com", None]


def test_a_credential_change_records_no_secret(user):
    from stores.credentials import encrypt
    from stores.models import Store

    old_key = encrypt("ck_old_secret_value")
    store = make(Store, user=user, api_key=old_key, api_secret=encrypt("cs_secret"), webhook_secret=encrypt("wh"))
    new_key = encrypt("ck_new_secret_value")
    with audit_actor(user):
        store.api_key = new_key
        store.save(update_fields=["api_key", "updated_at"])

    (insert,) = audit_rows("stores", store.pk, action="INSERT")
    (update,) = audit_rows("stores", store.pk, action="UPDATE")
    # The change is visible (the column's name), its values are not.
    assert update.changed_fields == ["api_key"]
    for row in (insert, update):
        for data in (row.old_data, row.new_data):
            assert data is None or not {"api_key", "api_secret", "webhook_secret"} & set(data)
        dumped = json.dumps([row.old_data, row.new_data, row.changed_fields])
        for secret in ("ck_old_secret_value", "ck_new_secret_value", old_key, new_key, store.api_secret):
            assert secret not in dumped


def test_audit_logs_refuse_update_and_delete_outside_the_retention_job(user, store):
    make(Product, store=store)
    row = AuditLog.objects.first()
    for statement in ("DELETE FROM audit_logs", "UPDATE audit_logs SET user_email = 'x'"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.filter(pk=row.pk).exists()

    # Only with the retention job's transaction-local switch (audit/cleanup.py).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('storedesk.audit_retention', 'on', true)")
        cursor.execute("DELETE FROM audit_logs WHERE id = %s", [row.pk])
    assert not AuditLog.objects.filter(pk=row.pk).exists()


def test_cascaded_deletes_are_recorded_with_the_actor(user, store):
    product = make(Product, store=store)
    with audit_actor(user):
        store.delete()
    (deleted,) = audit_rows("products", product.pk, action="DELETE")
    assert deleted.user_id == user.pk
    assert audit_rows("stores", store.pk, action="DELETE")[0].user_id == user.pk


def test_reads_and_ddl_pass_through_untouched(user):
    with audit_actor(user), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('storedesk.actor_email', true)")
        assert cursor.fetchone()[0] in (None, "")
        cursor.execute("CREATE TEMP TABLE scratch (id int)")
        cursor.execute("INSERT INTO scratch VALUES (1) RETURNING current_setting('storedesk.actor_email', true)")
        assert cursor.fetchone() == ("owner@example.com",)


def test_celery_tasks_write_as_their_apps_system_actor(store):
    from celery import shared_task

    from audit.actor import current_actor
    from audit.actor import system_actor_for_task

    @shared_task(name="sync.tests.audit_actor_probe")
    def probe(product_id):
        Product.objects.filter(pk=product_id).update(name=current_actor().email)

    product = make(Product, store=store)
    probe.apply(args=[product.pk])
    (row,) = audit_rows("products", product.pk, action="UPDATE")
    assert row.new_data["name"] == row.user_email == "system:sync"
    assert current_actor() is None  # reset after the task
    assert [system_actor_for_task(n) for n in ("webhooks.tasks.apply", "agents.run", "audit.tasks.x", "")] == [
        "webhook",
        "agents",
        "maintenance",
        "worker",
    ]


def test_a_webhook_secret_rotation_records_neither_the_new_nor_the_previous_secret(user):
    from stores.services import store_create
    from webhooks.remote import store_webhook_secret_rotate

    store = store_create(
        actor=user, name="Rotating", url="http://127.0.0.1:9", api_key="ck", api_secret="cs", webhook_secret="wh-old"
    )
    old_token = store.webhook_secret
    store_webhook_secret_rotate(actor=user, store_id=store.pk)  # no webhooks registered: nothing to push
    store_webhook_secret_rotate(actor=user, store_id=store.pk)  # now the previous secret changes too
    store.refresh_from_db()
    tokens = {old_token, store.webhook_secret, store.previous_webhook_secret}
    assert store.previous_webhook_secret and len(tokens) == 3

    rows = audit_rows("stores", store.pk)
    updates = [row for row in rows if row.action == "UPDATE"]
    assert len(updates) == 2
    secret_columns = {"api_key", "api_secret", "webhook_secret", "previous_webhook_secret"}
    for row in rows:
        for data in (row.old_data, row.new_data):
            assert data is None or not secret_columns & set(data)
        dumped = json.dumps([row.old_data, row.new_data])
        assert not any(token in dumped for token in tokens)
    for row in updates:
        # The rotation is visible by the columns' names, with the actor.
        assert {"webhook_secret", "previous_webhook_secret", "webhook_secret_rotated_at"} <= set(row.changed_fields)
        assert row.user_id == user.pk
        assert row.new_data["webhook_secret_rotated_at"]  # a timestamp, not a credential: kept
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category FROM audit_critical_changes WHERE record_id = %s AND action = 'UPDATE'", [store.pk]
        )
        assert [category for (category,) in cursor.fetchall()] == ["credentials", "credentials"]
        # The view's credential list itself names the previous secret: a change of it alone counts.
        cursor.execute("SELECT pg_get_viewdef('audit_critical_changes'::regclass)")
        assert "previous_webhook_secret" in cursor.fetchone()[0]


def test_the_migration_scrubs_previous_secrets_already_in_the_trail(user, store):
    import importlib

    migration = importlib.import_module("audit.migrations.0006_audit_previous_webhook_secret")
    leaked = {"name": "Shop", "previous_webhook_secret": "gAAAA-leaked-token"}
    row = AuditLog.objects.create(
        table_name="stores", record_id=store.pk, action="UPDATE", old_data=leaked, new_data=leaked, changed_fields=[]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in migration.SCRUB.strip().split(";\n"):
            cursor.execute(statement)
    row.refresh_from_db()
    assert row.old_data == row.new_data == {"name": "Shop"}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(user_email="x")  # the guard is back on


def test_audit_row_json_is_compressed_with_lz4_where_the_server_has_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL is built without lz4: the migration keeps pglz")
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = 'audit_logs'::regclass AND attname IN ('old_data', 'new_data') ORDER BY attname"
        )
        assert cursor.fetchall() == [("new_data", "l"), ("old_data", "l")]
