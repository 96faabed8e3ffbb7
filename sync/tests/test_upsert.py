"""Set-based upserts: one statement per batch, unchanged rows are not updated at all."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from sync import upsert


def _row(store, woo_id, **overrides):
    row = {
        "store_id": store.pk,
        "woo_id": woo_id,
        "name": f"P{woo_id}",
        "description": "",
        "short_description": "",
        "price": Decimal("10.00"),
        "sale_price": None,
        "stock_quantity": None,
        "stock_status": "instock",
        "status": "publish",
        "type": "simple",
        "sku": None,
        "weight": None,
        "length": None,
        "width": None,
        "height": None,
        "categories": [{"id": 1, "name": "A", "slug": "a"}],
        "tags": [],
        "brands": [],
        "woo_created_at": None,
        "woo_modified_at": None,
    }
    row.update(overrides)
    return row


def _versions(store):
    with connection.cursor() as cursor:
        cursor.execute("SELECT woo_id, xmin::text || ctid::text FROM products WHERE store_id = %s", [store.pk])
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_upsert_inserts_updates_and_skips_unchanged(store):
    rows = [_row(store, i) for i in range(1, 251)]
    with CaptureQueriesContext(connection) as queries:
        result = upsert.upsert(upsert.PRODUCTS, rows, batch_size=1000)
    assert (result.created, result.updated) == (250, 0)
    assert len([q for q in queries.captured_queries if "INSERT INTO products" in q["sql"]]) == 1
    before = _versions(store)

    again = upsert.upsert(upsert.PRODUCTS, rows)
    assert (again.created, again.updated) == (0, 0)
    assert _versions(store) == before  # no new row versions: nothing was updated

    rows[3] = _row(store, 4, price=Decimal("11.00"), categories=[{"id": 2, "name": "B", "slug": "b"}])
    changed = upsert.upsert(upsert.PRODUCTS, rows)
    assert (changed.created, changed.updated) == (0, 1)
    after = _versions(store)
    assert [woo_id for woo_id in before if before[woo_id] != after[woo_id]] == [4]  # the check can see updates
    product = Product.objects.get(store=store, woo_id=4)
    assert product.price == Decimal("11.00") and product.source == "woo" and product.synced_at is not None


@pytest.mark.django_db
def test_a_bad_row_is_isolated(store):
    rows = [_row(store, i) for i in range(1, 11)]
    rows[6]["name"] = None  # NOT NULL
    failures = []
    result = upsert.upsert(upsert.PRODUCTS, rows, on_row_error=lambda row, exc: failures.append(row["woo_id"]))
    assert result.created == 9 and result.failed == 1
    assert failures == [7]
