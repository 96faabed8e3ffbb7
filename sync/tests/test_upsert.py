"""Set-based upserts: one statement per batch, unchanged rows are not updated at all."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg.copy import Copy
from psycopg.copy import FileWriter

from catalog.models import Product
from sync import upsert
from sync.tests.rows import product_fields_row


def _row(store, woo_id, **overrides):
    fields = {"price": Decimal("10.00"), "categories": [{"id": 1, "name": "A", "slug": "a"}], **overrides}
    return {"store_id": store.pk, **product_fields_row(woo_id, **fields)}


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


def _ids(store):
    return dict(Product.objects.filter(store=store).values_list("woo_id", "id"))


@pytest.mark.django_db
def test_rows_known_new_are_inserted_without_conflict_handling(store):
    with CaptureQueriesContext(connection) as queries:
        result = upsert.upsert(upsert.PRODUCTS, [_row(store, i) for i in range(1, 6)], known_new=True)
    assert (result.created, result.updated) == (5, 0)
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO products" in q["sql"]]
    assert len(inserts) == 1 and "ON CONFLICT" not in inserts[0]
    assert {pk.version for pk in _ids(store).values()} == {7}  # time-ordered ids for new rows


@pytest.mark.django_db
def test_a_known_new_row_that_is_there_after_all_is_upserted(store):
    """What a webhook delivery wrote between the writer's look-up and its insert is updated,
    not reported as an error, and the rest of the batch is written."""
    upsert.upsert(upsert.PRODUCTS, [_row(store, 2, price=Decimal("5.00"))])
    before = _ids(store)
    rows = [_row(store, i, price=Decimal("12.00")) for i in range(1, 4)]
    failures = []
    result = upsert.upsert(
        upsert.PRODUCTS, rows, known_new=True, on_row_error=lambda row, exc: failures.append(row["woo_id"])
    )
    assert (result.created, result.updated, result.failed) == (2, 1, 0) and failures == []
    assert _ids(store)[2] == before[2]
    assert set(Product.objects.filter(store=store).values_list("price", flat=True)) == {Decimal("12.00")}


@pytest.mark.django_db
def test_a_bad_known_new_row_is_isolated_like_any_other(store):
    rows = [_row(store, i) for i in range(1, 6)]
    rows[2]["name"] = None  # NOT NULL
    failures = []
    result = upsert.upsert(
        upsert.PRODUCTS, rows, known_new=True, on_row_error=lambda row, exc: failures.append(row["woo_id"])
    )
    assert (result.created, result.failed) == (4, 1) and failures == [3]


@pytest.mark.django_db
def test_a_row_the_database_refuses_becomes_a_sync_error_and_the_page_is_written(store):
    """jsonb refuses a lone surrogate escape, which JSON can carry: the order is recorded as an
    error of its own (code ``database_error``), the other orders of the page are written."""
    from orders.models import Order
    from sync.models import SyncError
    from sync.writer import EntityStats
    from sync.writer import Writer

    def order(woo_id, line_name="Mug"):
        return {"id": woo_id, "status": "processing", "total": "10.00", "line_items": [{"name": line_name}]}

    stats = EntityStats()
    Writer(store.pk).write_orders([order(1), order(2, line_name="bad \ud800 half"), order(3)], stats, set())
    assert sorted(Order.objects.filter(store=store).values_list("woo_id", flat=True)) == [1, 3]
    error = SyncError.objects.get(store=store, resolved=False)
    assert (error.woo_id, error.entity_type, error.error_code) == (2, "order", "database_error")
    assert (stats.created, stats.failed) == (2, 1)


@pytest.mark.django_db
def test_a_large_value_is_staged_and_written_compressed_with_lz4_where_the_server_has_it(store):
    if upsert._stage_compression() is None:
        pytest.skip("this PostgreSQL is built without lz4: staged values keep the default compression")
    upsert.upsert(upsert.PRODUCTS, [_row(store, 1, description="<p>A long description.</p>" * 400)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(description) FROM products WHERE store_id = %s", [store.pk])
        assert cursor.fetchone() == ("lz4",)


@pytest.mark.django_db
def test_the_staging_copy_encodes_numbers_as_psycopg_does():
    """Numbers are encoded once per distinct text: 1.0 and 1.00 (equal, not alike) stay apart."""
    table = upsert.Table(name="numbers", key=("n",), inputs={"n": "numeric"})
    values = [Decimal("1.0"), Decimal("1.00"), Decimal("1.0"), Decimal("-0.00"), Decimal("0.00"), 1, None]
    rows = [{"n": value} for value in values]
    connection.ensure_connection()
    expected = io.BytesIO()
    with (
        connection.connection.cursor() as cursor,
        Copy(cursor, binary=True, writer=FileWriter(expected)) as copy,
    ):
        copy.set_types(["numeric"])
        for value in values:
            copy.write_row([value])
    assert upsert._encode(table, rows) == expected.getvalue()
