"""``manage.py import_supabase`` at size: a Supabase-shaped source with 1,000,000 orders and
200,000 products (generate_series), imported into an empty target, then imported again.

    .venv/bin/python benchmarks/import_supabase.py [--orders 1000000] [--products 200000] [--keep-source]

The source is built from the inventory's SQL by ``accounts/tests/supabase_source.py`` (its own
database, dropped at the end unless ``--keep-source``) with one image row per product, a tenth of
the products with a variation and an attribute, a fifth of the orders with a status log. The
target is the benchmarks' database (``_benchdb``); the imported tables are emptied first. Prints
rows per second for the first import (everything new; the target is 20,000 rows/s or better) and
for the second (everything unchanged).
"""

import argparse
import os
import time
from io import StringIO

from _benchdb import setup

TARGET_ROWS_PER_SECOND = 20_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--keep-source", action="store_true")
    args = parser.parse_args()

    url = setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.supabase_import.tables import TABLE_NAMES
    from accounts.tests import supabase_source

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in TABLE_NAMES) + " CASCADE")

    started = time.monotonic()
    source = supabase_source.create_source(url)
    supabase_source.fill_source(source, products=args.products, orders=args.orders, files=0)
    print(f"source built in {time.monotonic() - started:.0f} s: {source}")
    try:
        for label in ("first import (all new)", "second import (all unchanged)"):
            out = StringIO()
            started = time.monotonic()
            call_command(
                "import_supabase",
                "--source",
                source,
                "--credentials-passphrase",
                supabase_source.PASSPHRASE,
                stdout=out,
            )
            seconds = time.monotonic() - started
            total = next(line for line in out.getvalue().splitlines() if line.startswith("total "))
            rows = int(total.split()[1].replace(",", ""))
            print(
                f"{label}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s"
                f" ({rows / seconds / TARGET_ROWS_PER_SECOND:.2f}x the {TARGET_ROWS_PER_SECOND:,} rows/s target)"
            )
            print("   ", total)
    finally:
        if not args.keep_source:
            supabase_source.drop_source(url, source)


if __name__ == "__main__":
    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storedesk_bench")
    main()
