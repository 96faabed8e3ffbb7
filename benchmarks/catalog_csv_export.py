"""The products CSV export in constant memory: 200,000 products (and their variations) streamed.

    .venv/bin/python benchmarks/catalog_csv_export.py            # build the data once, then measure
    .venv/bin/python benchmarks/catalog_csv_export.py --rebuild  # drop and rebuild the data
    .venv/bin/python benchmarks/catalog_csv_export.py --products 200000 --small 20000

Its own database, ``storedesk_bench_csv`` (``BENCH_DATABASE`` to change it), holds two stores
built set-based with the dashboard benchmark's SQL (``INSERT ... SELECT generate_series``, every
fifth product variable with four variations): a small one (``--small`` products) and a large one
(``--products``). Each is exported through the export's own path, ``stream_csv`` over
``product_export_rows_for`` (a server-side cursor read in chunks, one variations query per
chunk), with DEBUG off; the bytes are counted and dropped as a client would take them.

Printed for each run: rows, MB written, seconds, rows/s and the process's peak RSS after it. The
small store runs first, so the growth of the peak from the small export to the large one is
what the ten times larger export costs in memory: constant memory means a growth near zero.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("BENCH_DATABASE", "storedesk_bench_csv")

# The dashboard benchmark's production-like settings (DEBUG off: no query log in memory), its
# database helper and its set-based SQL for products and variations.
import dashboard_pages  # noqa: E402

SMALL_NAME, LARGE_NAME = "CSV bench small", "CSV bench large"


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def current_rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def build_store(owner, name, products):
    from django.db import connection

    from stores.services import store_create

    started = time.perf_counter()
    store = store_create(
        actor=owner, name=name, url="https://shop.example.com", api_key="ck_bench", api_secret="cs_bench"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no audit triggers during the load
        cursor.execute(dashboard_pages.PRODUCT_SQL, {"store": store.pk, "n": products})
        cursor.execute(dashboard_pages.VARIATION_SQL, {"store": store.pk})
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE products")
        cursor.execute("VACUUM ANALYZE product_variations")
    print(f"  built {name}: {products:,} products in {time.perf_counter() - started:.1f} s", flush=True)
    return store


def export(access, store, filters):
    """Stream the export as the view does; (rows, bytes, seconds)."""
    from catalog.exports import EXPORT_HEADER
    from catalog.exports import product_export_rows_for
    from config.exports import stream_csv

    rows = 0

    def counted():
        nonlocal rows
        for row in product_export_rows_for(access, store.pk, filters):
            rows += 1
            yield row

    started = time.perf_counter()
    response = stream_csv("bench.csv", EXPORT_HEADER, counted())
    size = sum(len(chunk) for chunk in response.streaming_content)
    return rows, size, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    dashboard_pages.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from accounts.services import user_create
    from catalog.models import Product
    from catalog.selectors import ProductFilters
    from stores.access import access_for
    from stores.models import Store

    call_command("migrate", verbosity=0)
    email = "owner@csv-bench.example.com"
    if args.rebuild:
        Store.objects.filter(name__in=[SMALL_NAME, LARGE_NAME]).delete()
        User.objects.filter(email=email).delete()
    owner = User.objects.filter(email=email).first() or user_create(email=email, password="bench-Pass-12345")
    stores = {}
    for name, count in ((SMALL_NAME, args.small), (LARGE_NAME, args.products)):
        store = Store.objects.filter(name=name).first()
        if store is not None and Product.objects.filter(store=store).count() != count:
            store.delete()
            store = None
        stores[name] = store or build_store(owner, name, count)

    access = access_for(owner)
    filters = ProductFilters()  # the list as it opens: every product but the trash, by name
    export(access, stores[SMALL_NAME], ProductFilters(q="zzz-no-match"))  # warm-up: imports, caches
    print(f"baseline RSS {current_rss_mb():.1f} MB, peak so far {peak_rss_mb():.1f} MB (DEBUG off)")
    peaks = []
    for name in (SMALL_NAME, LARGE_NAME):
        rows, size, seconds = export(access, stores[name], filters)
        peaks.append(peak_rss_mb())
        print(
            f"{name:16} {rows:>9,} rows  {size / 1e6:7.1f} MB  {seconds:6.1f} s  {rows / seconds:>9,.0f} rows/s"
            f"  peak RSS {peaks[-1]:6.1f} MB",
            flush=True,
        )
    print(f"peak RSS growth from the small export to the large one: {peaks[1] - peaks[0]:+.1f} MB")


if __name__ == "__main__":
    main()
