"""The actor in autocommit mode (no atomic block): web requests, workers, raw SQL, executemany.

These tests commit for real (``transaction=True``), which is the only way to see autocommit.
"""

from decimal import Decimal

import pytest
from django.db import connection

from audit.actor import audit_actor
from audit.tests.utils import audit_rows
from catalog.models import Product
from config.testing import make
from stores.models import StoreRole
from stores.models import StoreUser

pytestmark = pytest.mark.django_db(transaction=True)


def test_orm_save_in_a_view_records_the_request_user_ip_and_agent(client, audit_urls, user, store):
    # The write runs as the web role for the request's user, who must be the store's member.
    StoreUser.objects.create(store=store, user=user, role=StoreRole.OWNER)
    product = make(Product, store=store, name="Mug")
    client.force_login(user)
    response = client.post(
        f"/_test/products/{product.pk}/rename/",
        {"name": "Cup"},
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT="Firefox/140",
    )
    assert response.status_code == 200
    (row,) = audit_rows("products", product.pk, action="UPDATE")
    assert row.changed_fields == ["name"]
    assert (row.user_id, row.user_email, row.ip_address, row.user_agent) == (
        user.pk,
        "owner@example.com",
        "198.51.100.23",
        "Firefox/140",
    )
    # Nothing leaks into the next write on the same (persistent) connection.
    Product.objects.filter(pk=product.pk).update(name="Bowl")
    assert audit_rows("products", product.pk, action="UPDATE")[-1].user_email is None


def test_the_web_role_write_is_the_users_own(client, audit_urls, make_user, store):
    # Row-level security applies to the view above: a user without the store can't touch it.
    product = make(Product, store=store, name="Mug")
    client.force_login(make_user(email="outsider@example.com"))
    assert client.post(f"/_test/products/{product.pk}/rename/", {"name": "Cup"}).status_code == 404
    assert audit_rows("products", product.pk, action="UPDATE") == []


def test_anonymous_request_records_ip_without_user(client, audit_urls, store):
    # Nobody signed in: only a service write (a webhook, a token link) can happen; no user, and an
    # address that is not one is left out.
    product = make(Product, store=store, name="Mug")
    response = client.post(f"/_test/products/{product.pk}/rename-as-service/", {"name": "Cup"}, REMOTE_ADDR="not-an-ip")
    assert response.status_code == 200
    (row,) = audit_rows("products", product.pk, action="UPDATE")
    assert (row.user_id, row.user_email, row.ip_address) == (None, None, None)


def test_worker_writes_in_autocommit_carry_the_system_actor(store):
    with audit_actor.system("webhook"):
        product = Product.objects.create(store=store, name="From a webhook")
        product.price = Decimal("9.99")
        product.save(update_fields=["price", "updated_at"])
    rows = audit_rows("products", product.pk)
    assert [(r.action, r.user_email) for r in rows] == [("INSERT", "system:webhook"), ("UPDATE", "system:webhook")]


def test_raw_sql_bulk_upsert_and_executemany_in_autocommit(user, store):
    a = make(Product, store=store, woo_id=10, name="A")
    with audit_actor.system("sync"), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO products (store_id, woo_id, name) "
            "SELECT %s, w, 'P' || w FROM unnest(%s::bigint[]) AS w "
            "ON CONFLICT (store_id, woo_id) DO UPDATE SET name = EXCLUDED.name "
            "WHERE products.name IS DISTINCT FROM EXCLUDED.name",
            [store.pk, [10, 11, 12]],
        )
        assert cursor.rowcount == 3
    with audit_actor(user), connection.cursor() as cursor:
        # executemany cannot carry the prefix: the fallback wraps set_config + statement in a transaction.
        cursor.executemany("UPDATE products SET sku = %s WHERE id = %s", [("S1", a.pk), ("S1", a.pk)])
    rows = audit_rows("products", a.pk, action="UPDATE")
    assert [(r.changed_fields, r.user_email) for r in rows] == [(["name"], "system:sync"), (["sku"], user.email)]
    assert len(audit_rows("products", action="INSERT", user_email="system:sync")) == 2
