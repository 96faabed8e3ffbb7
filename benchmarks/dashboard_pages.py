# ruff: noqa: E501 - the SQL that builds the data reads best unwrapped
"""Dashboard pages at scale: one store with 200,000 products and 500,000 orders.

    .venv/bin/python benchmarks/dashboard_pages.py            # build the data once, then measure
    .venv/bin/python benchmarks/dashboard_pages.py --rebuild  # drop and rebuild the data
    .venv/bin/python benchmarks/dashboard_pages.py --runs 50 --products 200000 --orders 500000

It creates (and migrates) its own database, ``storedesk_bench_dashboard`` (``BENCH_DATABASE`` to
change it), fills it with ``INSERT ... SELECT generate_series`` (triggers off during the load),
and measures each page with Django's test client in this process, with DEBUG off: median and
p95 server time over ``--runs`` requests after a warm-up, and the number of SQL queries of one
request. The floors are the issues': list and detail pages under 100 ms (median), the overview
under 250 ms, the order list with its status counts and total, the customers list and a
customer page under 60 ms (median; p95 under 100 ms); the ratio column is median / floor
(below 1 is inside the floor).

Row-level security (issue 15): every page is measured twice in the same run, requests
alternating, as the web role under the policies ("RLS on", as in production) and as the
connecting login, which bypasses them ("RLS off"); the last column is on / off (target <= 1.2).
"""

import argparse
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


def ensure_database():
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


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
    from stores.services import store_create

    print(f"building {products:,} products and {orders:,} orders in {DB_NAME} ...", flush=True)
    started = time.perf_counter()
    owner = user_create(email="owner@bench.example.com", password="bench-Pass-12345")
    store = store_create(
        actor=owner, name="Bench shop", url="https://shop.example.com", api_key="ck_bench", api_secret="cs_bench"
    )
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


def _rls(on):
    """Requests run as ``storedesk_web`` under the policies (on), or as the owner login (off)."""
    from config import rls

    if not hasattr(rls, "_bench_enter"):
        rls._bench_enter = rls.enter_web_request
    rls.enter_web_request = rls._bench_enter if on else (lambda: rls._web.set(False))


def measure(client, path, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for on in (True, False, True, False):
        _rls(on)
        response = client.get(path, secure=True)
        assert response.status_code == 200, (path, response.status_code)
    timings = {True: [], False: []}
    for i in range(2 * runs):
        on = i % 2 == 0
        _rls(on)
        start = time.perf_counter()
        response = client.get(path, secure=True)
        timings[on].append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    _rls(True)
    with CaptureQueriesContext(connection) as captured:
        client.get(path, secure=True)
    results = {}
    for on, values in timings.items():
        values.sort()
        results[on] = (statistics.median(values), values[max(0, round(0.95 * len(values)) - 1)])
    return results, len(captured)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from catalog.models import Product
    from orders.models import Customer, Order
    from stores.models import Store

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    store = Store.objects.filter(name="Bench shop").first()
    if store is not None and (args.rebuild or Product.objects.filter(store=store).count() != args.products):
        Store.objects.filter(pk=store.pk).delete()
        User.objects.filter(email="owner@bench.example.com").delete()
        store = None
    if store is None:
        store = build(args.products, args.orders)

    owner = User.objects.get(email="owner@bench.example.com")
    client = Client()
    client.force_login(owner)
    product = Product.objects.filter(store=store, type="variable", status="publish").order_by("woo_id")[1000]
    order = Order.objects.filter(store=store).order_by("-woo_created_at")[50]
    customer = Customer.objects.filter(store=store).order_by("-last_order_at")[70]
    base = f"/stores/{store.pk}"
    pages = [
        ("product list (default)", f"{base}/products/", 100),
        ("product list (search 'linen apron')", f"{base}/products/?q=linen+apron", 100),
        ("product list (broad search 'linen')", f"{base}/products/?q=linen", 100),
        ("product list (search SKU)", f"{base}/products/?q=SKU-01234", 100),
        ("product list (3 filters)", f"{base}/products/?status=publish&stock_status=instock&category=7", 100),
        ("product list (sort by price, page 3)", f"{base}/products/?sort=-price&page=3", 100),
        ("order list (tabs with counts, exact total)", f"{base}/orders/", 60),
        ("order list (status tab, exact total)", f"{base}/orders/?status=processing&page=4", 60),
        ("order list (total filter, estimated total)", f"{base}/orders/?total_min=500", 60),
        ("order list (status + dates)", f"{base}/orders/?status=completed&date_from=2026-01-01", 100),
        ("order list (number search)", f"{base}/orders/?q={order.number}", 100),
        ("customers list (last order)", f"{base}/customers/", 60),
        ("customers list (sort by spent, page 5)", f"{base}/customers/?sort=spent&page=5", 60),
        ("customers list (search e-mail)", f"{base}/customers/?q=customer1234", 60),
        ("customer page", f"{base}/customers/{customer.pk}/", 60),
        ("product page", f"{base}/products/{product.pk}/", 100),
        ("order page", f"{base}/orders/{order.pk}/", 100),
        ("store overview", f"{base}/", 250),
        ("home (store cards)", "/", 100),
    ]
    counts = (Product.objects.filter(store=store).count(), Order.objects.filter(store=store).count())
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{counts[0]:,} products, {counts[1]:,} orders; {args.runs} timed requests per page, DEBUG off")
    print(f"{os.cpu_count()} CPUs, load average {load} (other work on the machine slows every figure)\n")
    header = (
        f"{'page':40} {'RLS on ms':>10} {'p95 ms':>8} {'RLS off ms':>10} {'p95 ms':>8} {'floor ms':>9}"
        f" {'ratio':>6} {'queries':>8} {'on/off':>7}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, path, floor in pages:
        results, queries = measure(client, path, args.runs)
        (on, on95), (off, off95) = results[True], results[False]
        worst = max(worst, on / off)
        print(
            f"{label:40} {on:10.1f} {on95:8.1f} {off:10.1f} {off95:8.1f} {floor:9d} {on / floor:6.2f} {queries:8d}"
            f" {on / off:7.2f}",
            flush=True,
        )
    print(f"\nworst RLS on/off ratio of a page: {worst:.2f} (target 1.2)")


if __name__ == "__main__":
    main()
