# ruff: noqa: E501 - the SQL that builds the data reads best unwrapped
"""Dashboard pages at scale: one store with 200,000 products and 500,000 orders.

    .venv/bin/python benchmarks/dashboard_pages.py            # build the data once (~3 min), then measure
    .venv/bin/python benchmarks/dashboard_pages.py --rebuild  # drop and rebuild the data
    .venv/bin/python benchmarks/dashboard_pages.py --runs 50 --products 200000 --orders 500000
    .venv/bin/python benchmarks/dashboard_pages.py --only order --explain 1   # EXPLAIN (ANALYZE, BUFFERS) queries over 1 ms

It creates (and migrates) its own database, ``storedesk_bench_dashboard`` (``BENCH_DATABASE`` to
change it), fills it set-based (``INSERT ... SELECT generate_series``, triggers off during the
load) and keeps it for the next run: a fingerprint of the sizes and of the SQL that builds the
data is stored with it, and a run whose fingerprint differs rebuilds (``--reuse`` keeps whatever
is there). New migrations are applied to the kept data, then the tables are analysed.

Each page is requested through Django's test client in this process (the full middleware stack:
session, authentication, time zone, audit, CSP; DEBUG off), signed in as the store's owner or as
a viewer (masked customer data): median and p95 of ``--runs`` requests after a warm-up, the
number of SQL queries of one request (the same at any page of a list), and the median CPU time
this process spent per request (Python's share, which waiting for a loaded CPU inflates less
than the wall-clock figures). The floors are the issues': list and detail pages under 100 ms
(median), the overview under 250 ms, the order list with its status counts and total, the
customers list and a customer page under 60 ms (median; p95 under 100 ms); the ratio column is
median / floor (below 1 is inside the floor).

Row-level security: every page is measured twice in the same run, as the product runs (each
statement as ``storedesk_web`` for the signed-in user, the policies applied) and with the web role
never entered (the statements run as the ``DATABASE_URL`` login, which bypasses the policies when
it is a superuser, as here: the product before row-level security), one request of each in turn,
so the machine's load changes both alike. The "RLS x" column is median on / median off; the
security issue's floor is 1.2.
"""

import argparse
import contextlib
import hashlib
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_DATABASE", "storedesk_bench_dashboard")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

# Production-like settings: DEBUG off (no query log, no debug pages), the plain static storage.
os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "false"
os.environ["STOREDESK_TESTING"] = "true"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(60))
os.environ.setdefault("CREDENTIAL_ENCRYPTION_KEYS", "A" * 43 + "=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")


def ensure_database(wanted=None, rebuild=False):
    """Create the database when missing; drop and create it again when ``rebuild`` or when the
    fingerprint kept in it differs from ``wanted`` (dropping is much faster than deleting rows
    through the audit triggers). True when the database is new and empty."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    if exists and not rebuild and wanted is not None:
        with psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True) as conn:
            kept = None
            if conn.execute("SELECT to_regclass('bench_fingerprint')").fetchone()[0] is not None:
                kept = conn.execute("SELECT value FROM bench_fingerprint").fetchone()
        rebuild = kept is None or kept[0] != wanted
        if rebuild:
            print("the kept data does not match this run's sizes or generator: rebuilding", flush=True)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
        if not exists or rebuild:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
            return True
    return False


PRODUCT_SQL = """
INSERT INTO products (
    id, store_id, woo_id, name, description, short_description, price, sale_price, stock_quantity,
    status, type, sku, categories, tags, brands, stock_status, woo_created_at, woo_modified_at,
    source, synced_at, created_at, updated_at
)
SELECT
    gen_random_uuid(), %(store)s, i,
    (ARRAY['Classic','Eco','Urban','Minimal','Organic','Premium','Smart','Handmade','Bold','Cozy',
           'Linen','Vintage','Nordic','Desert','Olive','Coastal'])[1 + i %% 16] || ' ' ||
    (ARRAY['Mug','Apron','Lamp','Tote Bag','Scarf','Pillow','Blanket','Bowl','Candle','Vase','Jacket',
           'Sneakers','Wallet','Notebook','Teapot','Planter','Rug','Tray','Clock'])[1 + (i / 16) %% 19] || ' ' ||
    (ARRAY['Mini','Max','Lite','Plus','Pro','XL','2.0','Set','Duo','Kit'])[1 + (i / 304) %% 10] || ' ' || i,
    NULL, NULL,
    (5 + (i * 37) %% 500)::numeric + 0.90,
    CASE WHEN i %% 9 = 0 THEN (3 + (i * 37) %% 400)::numeric ELSE NULL END,
    CASE WHEN i %% 5 = 0 THEN NULL ELSE (i * 13) %% 300 END,
    CASE WHEN i %% 50 = 0 THEN 'draft' WHEN i %% 97 = 0 THEN 'trash' WHEN i %% 41 = 0 THEN 'private' ELSE 'publish' END,
    CASE WHEN i %% 5 = 0 THEN 'variable' ELSE 'simple' END,
    'SKU-' || lpad(i::text, 7, '0'),
    jsonb_build_array(jsonb_build_object('id', 1 + i %% 200, 'name', 'Category ' || (1 + i %% 200), 'slug', 'category-' || (1 + i %% 200))),
    jsonb_build_array(jsonb_build_object('id', 1 + i %% 300, 'name', 'Tag ' || (1 + i %% 300), 'slug', 'tag-' || (1 + i %% 300))),
    jsonb_build_array(jsonb_build_object('id', 1 + i %% 50, 'name', 'Brand ' || (1 + i %% 50), 'slug', 'brand-' || (1 + i %% 50))),
    CASE WHEN i %% 10 = 0 THEN 'outofstock' WHEN i %% 23 = 0 THEN 'onbackorder' ELSE 'instock' END,
    now() - make_interval(days => (i %% 730)), now() - make_interval(mins => (i * 7) %% 1051200),
    'woo', now(), now(), now()
FROM generate_series(1, %(n)s) AS i
"""

IMAGE_SQL = """
INSERT INTO product_images (id, store_id, product_id, original_url, type, display_order, woo_id, source, created_at, updated_at)
SELECT gen_random_uuid(), p.store_id, p.id, 'https://cdn.example.com/img/' || p.woo_id || '.jpg', 'featured', 0,
       p.woo_id + 10000000, 'woo', now(), now()
FROM products p WHERE p.store_id = %(store)s;
UPDATE products p SET featured_image_id = i.id FROM product_images i WHERE i.product_id = p.id AND p.store_id = %(store)s;
"""

VARIATION_SQL = """
INSERT INTO product_variations (id, product_id, store_id, woo_id, sku, price, regular_price, stock_quantity, stock_status,
                                attributes, status, source, created_at, updated_at)
SELECT gen_random_uuid(), p.id, p.store_id, 20000000 + p.woo_id * 4 + v, p.sku || '-' || v,
       (10 + v * 5)::numeric, (10 + v * 5)::numeric, (p.woo_id + v) %% 40, 'instock',
       jsonb_build_array(jsonb_build_object('id', 1, 'name', 'Size', 'option', (ARRAY['S','M','L','XL'])[v])),
       'publish', 'woo', now(), now()
FROM products p CROSS JOIN generate_series(1, 4) AS v
WHERE p.store_id = %(store)s AND p.type = 'variable'
"""

ORDER_SQL = """
INSERT INTO orders (
    id, store_id, woo_id, status, total, customer_name, customer_email, number, currency, customer_phone,
    billing, shipping, line_items, payment_method_title, total_tax, shipping_total, woo_created_at,
    woo_modified_at, created_at, updated_at, synced_at, refunded_total, customer_woo_id
)
SELECT
    gen_random_uuid(), %(store)s, i,
    (ARRAY['completed','completed','completed','processing','processing','on-hold','pending','cancelled','refunded','failed'])[1 + i %% 10],
    (20 + (i * 31) %% 900)::numeric + 0.50,
    (ARRAY['Dana','Noa','Yossi','Michael','Sarah','David','Tamar','John'])[1 + i %% 8] || ' ' ||
    (ARRAY['Levi','Cohen','Mizrahi','Smith','Brown','Azulay','Golan'])[1 + (i / 8) %% 7],
    'customer' || (i %% %(customers)s) || '@example.com', i::text, 'ILS', '050-' || lpad((i %% 10000000)::text, 7, '0'),
    jsonb_build_object('first_name', 'Dana', 'last_name', 'Levi', 'address_1', 'Herzl St ' || (i %% 200),
                       'city', 'Tel Aviv', 'postcode', '6100000', 'country', 'IL', 'email', 'customer' || (i %% %(customers)s) || '@example.com',
                       'phone', '050-1234567'),
    jsonb_build_object('first_name', 'Dana', 'last_name', 'Levi', 'address_1', 'Herzl St ' || (i %% 200),
                       'city', 'Tel Aviv', 'postcode', '6100000', 'country', 'IL'),
    jsonb_build_array(
        jsonb_build_object('id', i * 3, 'name', 'Product ' || (1 + (i * 7) %% %(products)s), 'product_id', 1 + (i * 7) %% %(products)s,
                           'quantity', 1 + i %% 3, 'price', '49.90', 'total', ((1 + i %% 3) * 49.9)::text, 'sku', 'SKU'),
        jsonb_build_object('id', i * 3 + 1, 'name', 'Product ' || (1 + (i * 11) %% 500), 'product_id', 1 + (i * 11) %% 500,
                           'quantity', 1, 'price', '19.90', 'total', '19.90', 'sku', 'SKU')
    ),
    'Credit card', 0, 30,
    now() - make_interval(secs => (i::float8 * 730 * 86400 / %(n)s)),
    now() - make_interval(secs => (i::float8 * 730 * 86400 / %(n)s)), now(), now(), now(),
    CASE WHEN i %% 10 = 8 THEN (20 + (i * 31) %% 900)::numeric + 0.50 WHEN i %% 25 = 0 THEN 10 ELSE 0 END,
    CASE WHEN (i %% %(customers)s) %% 3 = 0 THEN 0 ELSE 1000 + i %% %(customers)s END
FROM generate_series(1, %(n)s) AS i
"""

# Two notes per order (a system note, then a private or customer one) and a refund for every
# refunded or partly refunded order, dated after the order.
ACTIVITY_SQL = """
INSERT INTO order_notes (id, store_id, order_woo_id, woo_id, note, customer_note, author, woo_created_at, synced_at)
SELECT gen_random_uuid(), o.store_id, o.woo_id, o.woo_id * 2 + k,
       CASE WHEN k = 0 THEN 'Order status changed from Pending payment to Processing.' ELSE 'Packed and sent with the courier, tracking ' || o.woo_id END,
       k = 1 AND o.woo_id %% 3 = 0, CASE WHEN k = 0 THEN 'WooCommerce' ELSE 'shop manager' END,
       o.woo_created_at + make_interval(hours => k + 1), now()
FROM orders o CROSS JOIN generate_series(0, 1) AS k WHERE o.store_id = %(store)s;
INSERT INTO order_refunds (id, store_id, order_woo_id, woo_id, amount, reason, line_items, refunded_payment, refunded_by, woo_created_at, synced_at)
SELECT gen_random_uuid(), o.store_id, o.woo_id, 90000000 + o.woo_id, o.refunded_total, 'Damaged in transit',
       '[]'::jsonb, false, '', o.woo_created_at + interval '2 days', now()
FROM orders o WHERE o.store_id = %(store)s AND o.refunded_total > 0;
UPDATE orders SET activity_synced_at = now() WHERE store_id = %(store)s AND woo_id %% 2 = 0;
"""

# What the triggers and the orders upsert keep in step, built once after the trigger-less load.
SUMMARY_SQL = """
INSERT INTO order_status_counts (store_id, status, count)
SELECT store_id, status, count(*) FROM orders WHERE store_id = %(store)s GROUP BY store_id, status
"""

TAXONOMY_SQL = """
INSERT INTO store_categories (id, store_id, woo_id, name, slug, count, menu_order, display, sync_status, source, created_at, updated_at)
SELECT gen_random_uuid(), %(store)s, i, 'Category ' || i, 'category-' || i, 1000, 0, 'default', 'synced', 'woo', now(), now()
FROM generate_series(1, 200) AS i;
INSERT INTO store_tags (id, store_id, woo_id, name, slug, count, sync_status, source, created_at, updated_at)
SELECT gen_random_uuid(), %(store)s, i, 'Tag ' || i, 'tag-' || i, 600, 'synced', 'woo', now(), now() FROM generate_series(1, 300) AS i;
INSERT INTO store_brands (id, store_id, woo_id, name, slug, count, sync_status, created_at, updated_at)
SELECT gen_random_uuid(), %(store)s, i, 'Brand ' || i, 'brand-' || i, 4000, 'synced', now(), now() FROM generate_series(1, 50) AS i;
INSERT INTO order_status_logs (id, store_id, order_id, old_status, new_status, changed_by, created_at)
SELECT gen_random_uuid(), %(store)s, i, 'processing', 'completed', 'manager@example.com', now() - make_interval(hours => i)
FROM generate_series(1, 50000) AS i;
INSERT INTO sync_runs (id, store_id, kind, status, entities, progress, stats, rows_written, requests_made, errors_count,
                       created_at, started_at, finished_at)
SELECT gen_random_uuid(), %(store)s, 'incremental', 'success', '[]', '{"products": {"done": 10, "total": 10, "status": "done"}}',
       '{}', 10, 3, 0, now() - make_interval(mins => 15 * i), now() - make_interval(mins => 15 * i),
       now() - make_interval(mins => 15 * i - 1)
FROM generate_series(1, 2000) AS i;
"""


def build(products, orders):
    from django.db import connection

    from accounts.services import user_create
    from orders.customers import customers_refresh
    from stores.models import Store
    from stores.models import StoreRole
    from stores.models import StoreUser
    from stores.services import store_create

    print(f"building {products:,} products and {orders:,} orders in {DB_NAME} ...", flush=True)
    started = time.perf_counter()
    owner = user_create(email="owner@bench.example.com", password="bench-Pass-12345")
    store = store_create(
        actor=owner, name="Bench shop", url="https://shop.example.com", api_key="ck_bench", api_secret="cs_bench"
    )
    viewer = user_create(email="viewer@bench.example.com", password="bench-Pass-12345")
    StoreUser.objects.create(store=store, user=viewer, role=StoreRole.VIEWER)
    # About 3.3 orders per customer e-mail, a third of them guests.
    params = {"store": store.pk, "n": products, "products": products, "customers": max(1, orders * 3 // 10)}
    with connection.cursor() as cursor:
        # Bulk load without row triggers (audit): session_replication_role needs a superuser.
        cursor.execute("SET session_replication_role = replica")
        for label, sql, extra in (
            ("products", PRODUCT_SQL, {}),
            ("images", IMAGE_SQL, {}),
            ("variations", VARIATION_SQL, {}),
            ("orders", ORDER_SQL, {"n": orders}),
            ("notes and refunds", ACTIVITY_SQL, {}),
            ("taxonomies, logs, runs", TAXONOMY_SQL, {}),
            ("order status counts", SUMMARY_SQL, {}),
        ):
            step = time.perf_counter()
            cursor.execute(sql, {**params, **extra})
            print(f"  {label}: {time.perf_counter() - step:.1f} s", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
    step = time.perf_counter()
    customers_refresh(store.pk)
    print(f"  customers summary: {time.perf_counter() - step:.1f} s", flush=True)
    with connection.cursor() as cursor:
        step = time.perf_counter()
        # The featured-image UPDATE left every product row twice: compact, then analyse.
        cursor.execute("VACUUM (FULL, ANALYZE) products")
        cursor.execute("VACUUM ANALYZE")
        print(f"  vacuum analyze: {time.perf_counter() - step:.1f} s", flush=True)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return Store.objects.get(pk=store.pk)


def fingerprint(products, orders):
    """What the kept data was built from: the sizes and the SQL (a changed generator rebuilds)."""
    text = "\n".join(
        [
            str(products),
            str(orders),
            PRODUCT_SQL,
            IMAGE_SQL,
            VARIATION_SQL,
            ORDER_SQL,
            ACTIVITY_SQL,
            TAXONOMY_SQL,
            SUMMARY_SQL,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def keep_fingerprint(value):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_fingerprint (value text NOT NULL)")
        cursor.execute("DELETE FROM bench_fingerprint")
        cursor.execute("INSERT INTO bench_fingerprint (value) VALUES (%s)", [value])


def migrate():
    """Apply the migrations; analyse the tables when any ran (new indexes need their statistics)."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    if pending:
        print(f"applied {len(pending)} migration(s) to the kept data; analysing", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def explain(queries, threshold):
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT of one request that took at least ``threshold`` ms."""
    from django.db import connection

    for ms, sql, params in queries:
        # A web statement arrives prefixed with its settings (audit/actor.py): keep them, explain the rest.
        prefix, statement = "", sql
        if sql.startswith("SELECT set_config("):
            prefix, statement = sql.split("; ", 1)
            prefix += "; "
        if ms < threshold or not statement.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(prefix + "EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            while cursor.cursor.nextset():
                pass
            plan = "\n".join("      " + row[0] for row in cursor.fetchall())
        print(f"    {ms:.1f} ms  {statement[:240]}\n{plan}")


def measure(client, path, runs, explain_ms=None):
    """Median and p95 ms, median CPU ms and queries of the page with row-level security on, and
    its median ms with it off. The requests alternate on/off (which one goes first alternates
    too), so a change in the machine's load weighs on both sides alike."""
    from django.db import connection

    for _ in range(3):
        for bypass in (False, True):
            with rls_bypassed() if bypass else contextlib.nullcontext():
                response = client.get(path, secure=True)
            assert response.status_code == 200, (path, response.status_code)
    timings, cpu, timings_off = [], [], []
    for run in range(runs):
        for bypass in (run % 2 == 1, run % 2 == 0):
            with rls_bypassed() if bypass else contextlib.nullcontext():
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(path, secure=True)
                elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200
            if bypass:
                timings_off.append(elapsed)
            else:
                timings.append(elapsed)
                cpu.append((time.process_time() - start_cpu) * 1000)
    queries = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - start) * 1000, sql, params))

    with connection.execute_wrapper(timed):
        client.get(path, secure=True)
    if explain_ms is not None:
        explain(queries, explain_ms)
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, statistics.median(cpu), len(queries), statistics.median(timings_off)


@contextlib.contextmanager
def rls_bypassed():
    """Requests whose statements never switch to the web role (see the module's docstring)."""
    from config import rls

    enter = rls.enter_web_request
    rls.enter_web_request = rls.as_service_for_task
    try:
        yield
    finally:
        rls.enter_web_request = enter


def pages_of(store, owner_client, viewer_client):
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from catalog.models import Product
    from orders.models import Customer
    from orders.models import Order

    product = Product.objects.filter(store=store, type="variable", status="publish").order_by("woo_id")[1000]
    order = Order.objects.filter(store=store).order_by("-woo_created_at")[50]
    # An order whose notes and refunds count as just read, dated a day ahead so they stay fresh for
    # the whole run (a stale page queues a read from WooCommerce once a minute and polls). Only
    # when it would go stale within the hour: each update adds an audit row to the order's history
    # card, and a card growing run after run would make the order page heavier run after run.
    fresh = Order.objects.filter(store=store, refunded_total__gt=0).order_by("-woo_created_at")[70]
    now = timezone.now()
    stale_soon = Q(activity_synced_at__isnull=True) | Q(activity_synced_at__lt=now + timedelta(hours=1))
    Order.objects.filter(stale_soon, pk=fresh.pk).update(activity_synced_at=now + timedelta(days=1))
    customer = Customer.objects.filter(store=store).order_by("-last_order_at")[70]
    base = f"/stores/{store.pk}"
    owner, viewer = owner_client, viewer_client
    return [
        ("product list (default)", owner, f"{base}/products/", 100),
        ("product list (search 'linen apron')", owner, f"{base}/products/?q=linen+apron", 100),
        ("product list (broad search 'linen')", owner, f"{base}/products/?q=linen", 100),
        ("product list (search SKU)", owner, f"{base}/products/?q=SKU-01234", 100),
        ("product list (3 filters)", owner, f"{base}/products/?status=publish&stock_status=instock&category=7", 100),
        ("product list (sort by price, page 3)", owner, f"{base}/products/?sort=-price&page=3", 100),
        ("product list (viewer)", viewer, f"{base}/products/", 100),
        ("order list (tabs with counts, exact total)", owner, f"{base}/orders/", 60),
        ("order list (status tab, page 4)", owner, f"{base}/orders/?status=processing&page=4", 60),
        ("order list (total filter, estimated total)", owner, f"{base}/orders/?total_min=500", 60),
        ("order list (status + dates)", owner, f"{base}/orders/?status=completed&date_from=2026-01-01", 60),
        ("order list (number search)", owner, f"{base}/orders/?q={order.number}", 60),
        ("order list (customer search 'cohen')", owner, f"{base}/orders/?q=cohen", 60),
        ("order list (viewer, masked)", viewer, f"{base}/orders/", 60),
        ("order list (viewer, number search)", viewer, f"{base}/orders/?q={order.number}", 60),
        ("customers list (last order)", owner, f"{base}/customers/", 60),
        ("customers list (sort by spent, page 5)", owner, f"{base}/customers/?sort=spent&page=5", 60),
        ("customers list (search e-mail)", owner, f"{base}/customers/?q=customer1234", 60),
        ("customers list (search name 'tamar')", owner, f"{base}/customers/?q=tamar", 60),
        ("customer page", owner, f"{base}/customers/{customer.pk}/", 60),
        ("product page", owner, f"{base}/products/{product.pk}/", 100),
        ("order page (notes and refunds fresh)", owner, f"{base}/orders/{fresh.pk}/", 100),
        ("order page (viewer)", viewer, f"{base}/orders/{fresh.pk}/", 100),
        ("order page's notes and refunds (poll)", owner, f"{base}/orders/{fresh.pk}/activity/?since=0&try=1", 100),
        ("store overview", owner, f"{base}/", 250),
        ("home (store cards)", owner, "/", 100),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="drop the kept data and build it again")
    parser.add_argument("--reuse", action="store_true", help="keep the data whatever its fingerprint")
    parser.add_argument("--only", default="", help="measure only the pages whose label contains this")
    parser.add_argument(
        "--explain",
        type=float,
        default=None,
        metavar="MS",
        help="print EXPLAIN (ANALYZE, BUFFERS) of each query of a page taking at least MS ms",
    )
    args = parser.parse_args()

    wanted = fingerprint(args.products, args.orders)
    ensure_database(None if args.reuse else wanted, rebuild=args.rebuild)
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from catalog.models import Product
    from orders.models import Order
    from stores.models import Store

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    migrate()
    store = Store.objects.filter(name="Bench shop").first()
    if store is None:
        store = build(args.products, args.orders)
        keep_fingerprint(wanted)

    clients = []
    for email in ("owner@bench.example.com", "viewer@bench.example.com"):
        client = Client()
        client.force_login(User.objects.get(email=email))
        clients.append(client)
    pages = [page for page in pages_of(store, *clients) if args.only in page[0]]
    counts = (Product.objects.filter(store=store).count(), Order.objects.filter(store=store).count())
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{counts[0]:,} products, {counts[1]:,} orders; {args.runs} timed requests per page, DEBUG off")
    print(f"{os.cpu_count()} CPUs, load average {load} (other work on the machine slows every figure)\n")
    header = (
        f"{'page':44} {'median ms':>10} {'p95 ms':>8} {'floor ms':>9} {'ratio':>6} {'queries':>8} {'cpu ms':>7}"
        f" {'RLS off ms':>11} {'RLS x':>6}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, client, path, floor in pages:
        median, p95, cpu, queries, median_off = measure(client, path, args.runs, args.explain)
        worst = max(worst, median / median_off)
        print(
            f"{label:44} {median:10.1f} {p95:8.1f} {floor:9d} {median / floor:6.2f} {queries:8d} {cpu:7.1f}"
            f" {median_off:11.1f} {median / median_off:6.2f}",
            flush=True,
        )
    print(f"\nrow-level security: the slowest page is {worst:.2f}x its time without it (floor 1.2x)")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nload average at the end: {load}")


if __name__ == "__main__":
    main()
