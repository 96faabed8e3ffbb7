"""What the audit triggers cost on a 10,000-row bulk upsert of products.

    .venv/bin/python benchmarks/audit_trigger_cost.py [--rows 10000] [--repeat 7]

In a separate database, upserts ``--rows`` products the way the sync does (one
``INSERT ... SELECT FROM unnest(...) ON CONFLICT (store_id, woo_id) DO UPDATE ... WHERE ROW(...)
IS DISTINCT FROM ROW(...)`` statement, sent through Django with the ``system:sync`` actor), with the
audit triggers enabled and disabled, alternating, ``--repeat`` times. Three phases each time: all
rows new (INSERT), all rows changed (UPDATE), nothing changed (no-op). Prints the medians and the
ratio with/without; the floor is at most 2x. Also prints the same for the sync's batch size
(SYNC_UPSERT_BATCH_ROWS rows per statement).
"""

import argparse
import json
import statistics
import time
from decimal import Decimal

from _benchdb import setup

FLOOR = 2.0

JSON_COLUMNS = {"categories", "tags", "brands"}
# The rows leave out the product's flags and measures.
LEFT_OUT = {"featured", "catalog_visibility", "weight", "length", "width", "height"}


def columns():
    """The written columns and their SQL types: the product columns a pull writes
    (``sync.mappers.products``) that these rows have, the JSON ones sent as text and cast."""
    from sync.mappers.products import PRODUCT_COLUMNS

    written = {name: kind for name, kind in PRODUCT_COLUMNS.items() if name not in LEFT_OUT}
    return {
        "woo_id": "bigint",
        **{name: "text" if name in JSON_COLUMNS else kind for name, kind in written.items()},
        "woo_modified_at": "timestamptz",
    }


def upsert_sql():
    types = columns()
    names = list(types)
    compared = names[1:]  # all but woo_id
    select = ", ".join(f"u.{c}::jsonb" if c in JSON_COLUMNS else f"u.{c}" for c in names)
    arrays = ", ".join(f"%s::{kind}[]" for kind in types.values())
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in compared)
    old = ", ".join(f"t.{c}" for c in compared)
    new = ", ".join(f"EXCLUDED.{c}" for c in compared)
    return (
        f"INSERT INTO products AS t (store_id, {', '.join(names)}, source, synced_at, created_at, updated_at) "
        f"SELECT %s, {select}, 'woo', now(), now(), now() "
        f"FROM unnest({arrays}) AS u({', '.join(names)}) "
        f"ON CONFLICT (store_id, woo_id) DO UPDATE SET {sets}, synced_at = now(), updated_at = now() "
        f"WHERE ROW({old}) IS DISTINCT FROM ROW({new})"
    )


def rows(count, version):
    from django.utils import timezone

    modified = timezone.now()
    data = []
    for i in range(count):
        data.append(
            {
                "woo_id": i + 1,
                "name": f"Product {i} v{version}",
                "description": ("A sturdy product with a long description. " * 5) + str(i),
                "short_description": f"Short {i}",
                "price": Decimal(10 + i % 90) + Decimal(version) / 100,
                "sale_price": None if i % 3 else Decimal(9 + i % 90),
                "stock_quantity": (i * 7 + version) % 100,
                "status": "publish",
                "type": "simple",
                "sku": f"SKU-{i:06d}",
                "categories": json.dumps([{"id": i % 20, "name": f"Category {i % 20}"}]),
                "tags": json.dumps([{"id": i % 7, "name": f"tag{i % 7}"}]),
                "brands": "[]",
                "stock_status": "instock",
                "woo_modified_at": modified,
            }
        )
    return data


def params(store_id, batch, names):
    return [store_id, *([row[column] for row in batch] for column in names)]


def set_triggers(enabled):
    from django.db import connection

    verb = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        for event in ("insert", "update", "delete"):
            cursor.execute(f"ALTER TABLE products {verb} TRIGGER audit_products_{event}")


def reset():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE products CASCADE")
        cursor.execute("TRUNCATE audit_logs")
        cursor.execute("VACUUM ANALYZE products")


def timed_upsert(sql, store_id, data, batch_rows):
    from django.db import connection
    from django.db import transaction

    from audit.actor import audit_actor

    names = list(columns())
    started = time.perf_counter()
    with audit_actor.system("sync"), transaction.atomic(), connection.cursor() as cursor:
        for offset in range(0, len(data), batch_rows):
            cursor.execute(sql, params(store_id, data[offset : offset + batch_rows], names))
    return time.perf_counter() - started


def audit_count():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT action, count(*) FROM audit_logs WHERE table_name = 'products' GROUP BY action")
        return dict(cursor.fetchall())


def run(store_id, count, repeat, batch_rows):
    sql = upsert_sql()
    first, second = rows(count, 1), rows(count, 2)
    timings = {(mode, phase): [] for mode in ("with", "without") for phase in ("insert", "update", "no-op")}
    checked = False
    for rep in range(repeat):
        modes = ("with", "without") if rep % 2 == 0 else ("without", "with")
        for mode in modes:
            reset()
            set_triggers(mode == "with")
            timings[(mode, "insert")].append(timed_upsert(sql, store_id, first, batch_rows))
            timings[(mode, "update")].append(timed_upsert(sql, store_id, second, batch_rows))
            timings[(mode, "no-op")].append(timed_upsert(sql, store_id, second, batch_rows))
            if mode == "with" and not checked:
                counts = audit_count()
                assert counts == {"INSERT": count, "UPDATE": count}, counts
                checked = True
    set_triggers(True)
    return {key: statistics.median(values) for key, values in timings.items()}


def report(title, medians):
    print(title)
    for phase in ("insert", "update", "no-op"):
        with_, without = medians[("with", phase)], medians[("without", phase)]
        print(
            f"  {phase:<7} with triggers {with_ * 1000:8.1f} ms   without {without * 1000:8.1f} ms   "
            f"ratio {with_ / without:.2f}x"
        )
    with_ = medians[("with", "insert")] + medians[("with", "update")]
    without = medians[("without", "insert")] + medians[("without", "update")]
    ratio = with_ / without
    verdict = "met" if ratio <= FLOOR else "NOT met"
    print(f"  insert + update: ratio {ratio:.2f}x   floor (at most {FLOOR:.0f}x): {verdict}")
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    setup()
    from django.conf import settings
    from django.db import connection

    from accounts.models import User
    from audit.actor import audit_actor
    from stores.models import Store

    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, database {connection.settings_dict['NAME']}"
    )
    with audit_actor.system("sync"):
        owner, _ = User.objects.get_or_create(email="bench@example.com")
        store, _ = Store.objects.get_or_create(name="Bench store", defaults={"url": "http://bench", "user": owner})

    medians = run(store.pk, args.rows, args.repeat, args.rows)
    report(f"{args.rows:,}-row bulk upsert of products, one statement (median of {args.repeat}):", medians)
    batch = settings.SYNC_UPSERT_BATCH_ROWS
    medians = run(store.pk, args.rows, args.repeat, batch)
    report(
        f"{args.rows:,} products in statements of {batch:,} rows, the sync's batch (median of {args.repeat}):", medians
    )
    reset()


if __name__ == "__main__":
    main()
