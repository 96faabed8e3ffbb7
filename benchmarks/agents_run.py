# ruff: noqa: E501 - the SQL that builds the data reads best unwrapped
"""Every agent over one store with 200,000 products and 500,000 orders.

    .venv/bin/python benchmarks/agents_run.py            # build the data once, then run every agent twice
    .venv/bin/python benchmarks/agents_run.py --rebuild  # drop the data and build it again
    .venv/bin/python benchmarks/agents_run.py --products 200000 --orders 500000 --runs 2

Its own database (``storedesk_bench_agents``, or ``BENCH_DATABASE_URL``; ``benchmarks/_benchdb.py``
creates and migrates it), filled set-based with ``INSERT ... SELECT generate_series`` (row
triggers off during the load): products with every inventory problem in realistic shares, orders
spread over a year with every status (a drop in the last 24 hours, a surge of failed payments),
line items, sync runs, errors, webhooks, pushes, security and project rows. Then it runs each
agent ``--runs`` times through ``agents.services.agent_run`` (the first run inserts the insights,
later runs update them) and prints seconds per agent, the total, and the peak memory of the
Python process (``tracemalloc`` peak for the runs, and the process's maximum resident size).
The issue's target: all agents together at most 10 s.
"""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storedesk_bench_agents")
from benchmarks._benchdb import setup

PRODUCTS_SQL = """
INSERT INTO products (id, store_id, woo_id, name, price, sale_price, stock_quantity, status, type, sku, categories,
                      tags, brands, stock_status, woo_created_at, woo_modified_at, source, synced_at, created_at, updated_at)
SELECT gen_random_uuid(), %(store)s, i,
       (ARRAY['Linen','Olive','Clay','Cedar','Nordic','Desert'])[1 + i %% 6] || ' ' ||
       (ARRAY['Mug','Apron','Lamp','Bowl','Candle','Vase','Tray'])[1 + (i / 6) %% 7] || ' ' || i,
       CASE WHEN i %% 997 = 0 THEN NULL ELSE (5 + (i * 37) %% 500)::numeric + 0.90 END,
       CASE WHEN i %% 9 = 0 THEN (3 + (i * 37) %% 400)::numeric WHEN i %% 1499 = 0 THEN 9999 ELSE NULL END,
       CASE WHEN i %% 5 = 0 THEN NULL WHEN i %% 2003 = 0 THEN -2 ELSE (i * 13) %% 300 END,
       CASE WHEN i %% 50 = 0 THEN 'draft' WHEN i %% 97 = 0 THEN 'trash' ELSE 'publish' END,
       CASE WHEN i %% 5 = 0 THEN 'variable' ELSE 'simple' END,
       'SKU-' || i,
       CASE WHEN i %% 211 = 0 THEN '[]'::jsonb
            ELSE jsonb_build_array(jsonb_build_object('id', 1 + i %% 200, 'name', 'Category ' || (1 + i %% 200))) END,
       '[]'::jsonb, '[]'::jsonb,
       CASE WHEN i %% 10 = 0 THEN 'outofstock' ELSE 'instock' END,
       now() - make_interval(days => i %% 730), now() - make_interval(mins => i %% 100000), 'woo', now(), now(), now()
FROM generate_series(1, %(products)s) AS i
"""

IMAGES_SQL = """
INSERT INTO product_images (id, store_id, product_id, original_url, type, woo_id, source, created_at, updated_at)
SELECT gen_random_uuid(), p.store_id, p.id, 'https://cdn.example.com/' || p.woo_id || '.jpg', 'featured', p.woo_id, 'woo', now(), now()
FROM products AS p WHERE p.store_id = %(store)s AND p.woo_id %% 13 <> 0;
UPDATE products AS p SET featured_image_id = i.id FROM product_images AS i WHERE i.product_id = p.id AND p.store_id = %(store)s
"""

# A year of orders, newest first; the last 24 hours have a third of the usual paid orders and a
# burst of failed payments, so the sales agent has something to say.
ORDERS_SQL = """
INSERT INTO orders (id, store_id, woo_id, status, total, customer_name, customer_email, customer_phone, billing,
                    shipping, line_items, woo_created_at, woo_modified_at, created_at, updated_at)
SELECT gen_random_uuid(), %(store)s, i,
       CASE WHEN age < 86400 AND i %% 3 <> 0 THEN 'failed'
            ELSE (ARRAY['completed','completed','completed','processing','processing','on-hold','pending','cancelled',
                        'refunded','failed','checkout-draft','trash'])[1 + i %% 12] END,
       (20 + (i * 31) %% 900)::numeric + 0.50,
       'Dana Levi', 'customer' || i || '@example.com', '050-1234567',
       jsonb_build_object('first_name', 'Dana', 'last_name', 'Levi', 'address_1', 'Herzl St 12', 'city', 'Tel Aviv'),
       '{}'::jsonb,
       jsonb_build_array(
           jsonb_build_object('name', 'Product ' || (1 + (i * 7) %% 5000), 'product_id', 1 + (i * 7) %% 5000,
                              'quantity', 1 + i %% 3, 'total', '49.90'),
           jsonb_build_object('name', 'Product ' || (1 + (i * 11) %% 500), 'product_id', 1 + (i * 11) %% 500,
                              'quantity', 1, 'total', '19.90')),
       now() - make_interval(secs => age), now() - make_interval(secs => age), now(), now()
FROM (SELECT i, (i::float8 * 365 * 86400 / %(orders)s) AS age FROM generate_series(1, %(orders)s) AS i) AS o
"""

OTHER_SQL = """
INSERT INTO sync_runs (id, store_id, kind, status, finished_at, started_at, created_at, error_message)
SELECT gen_random_uuid(), %(store)s, 'incremental', CASE WHEN i < 20 THEN 'failed' ELSE 'success' END,
       now() - make_interval(hours => i), now() - make_interval(hours => i), now(), 'HTTP 401'
FROM generate_series(1, 200) AS i;
INSERT INTO sync_errors (id, store_id, entity_type, error_message, created_at)
SELECT gen_random_uuid(), %(store)s, (ARRAY['product','order'])[1 + i %% 2], 'HTTP 500', now() - make_interval(mins => i)
FROM generate_series(1, 3000) AS i;
INSERT INTO webhooks (id, store_id, topic, delivery_url, status, woo_webhook_id, created_at, updated_at)
SELECT gen_random_uuid(), %(store)s, t, 'https://storedesk.example.com/', CASE WHEN t = 'order.created' THEN 'disabled' ELSE 'active' END,
       row_number() OVER (), now(), now()
FROM unnest(ARRAY['order.created','order.updated','product.created','product.updated']) AS t;
INSERT INTO sync_state (id, store_id, entity, watermark, last_pulled_at)
SELECT gen_random_uuid(), %(store)s, e, now(), CASE WHEN e = 'orders' THEN now() - interval '9 hours' ELSE now() END
FROM unnest(ARRAY['products','orders','categories']) AS e;
INSERT INTO sync_push_operations (id, store_id, entity_type, action, status, payload, attempts, created_at)
SELECT gen_random_uuid(), %(store)s, 'product', 'update', 'pending', '{}'::jsonb, 0, now() - make_interval(hours => 1 + i %% 5)
FROM generate_series(1, 200) AS i;
INSERT INTO credential_access_logs (id, store_id, user_id, accessed_at)
SELECT gen_random_uuid(), %(store)s, %(user)s, now() - make_interval(mins => i) FROM generate_series(1, 50) AS i;
INSERT INTO sprints (id, name, start_date, end_date, status, created_at, updated_at)
SELECT gen_random_uuid(), 'Sprint ' || i, now() - make_interval(days => 14 * i - 9), now() - make_interval(days => 14 * i - 14) + interval '1 day',
       CASE WHEN i = 1 THEN 'active' ELSE 'completed' END, now(), now()
FROM generate_series(1, 30) AS i;
INSERT INTO tasks (id, sprint_id, title, type, status, priority, created_at, updated_at)
SELECT gen_random_uuid(), s.id, 'Task ' || g, 'feature', CASE WHEN g %% 7 = 0 THEN 'todo' ELSE 'done' END,
       (ARRAY['low','medium','high','critical'])[1 + g %% 4], now(), now()
FROM sprints AS s CROSS JOIN generate_series(1, 100) AS g;
INSERT INTO bug_reports (id, title, description, severity, status, created_at, updated_at)
SELECT gen_random_uuid(), 'Bug ' || i, '...', (ARRAY['minor','moderate','major','critical','blocker'])[1 + i %% 5],
       CASE WHEN i %% 3 = 0 THEN 'open' ELSE 'closed' END, now(), now()
FROM generate_series(1, 500) AS i;
INSERT INTO deployments (id, version, environment, status, created_at)
SELECT gen_random_uuid(), '1.' || i, (ARRAY['staging','production'])[1 + i %% 2], CASE WHEN i = 1 THEN 'failed' ELSE 'success' END,
       now() - make_interval(hours => i)
FROM generate_series(1, 100) AS i
"""


def build(products, orders, rebuild):
    from django.db import connection

    from accounts.services import user_create
    from stores.models import Store
    from stores.services import store_create

    store = Store.objects.filter(name="Agents bench").first()
    if store is not None and not rebuild:
        return store
    with connection.cursor() as cursor:
        for table in ("stores", "sprints", "bug_reports", "deployments", "agent_insights", "agent_execution_log"):
            cursor.execute(f"TRUNCATE {table} CASCADE")
        cursor.execute("DELETE FROM users WHERE email = 'bench-owner@example.com'")
    owner = user_create(email="bench-owner@example.com", password=None)
    store = store_create(actor=owner, name="Agents bench", url="http://127.0.0.1:9", api_key="ck_b", api_secret="cs_b")
    params = {"store": str(store.pk), "user": str(owner.pk), "products": products, "orders": orders}
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no audit rows for the load
        for name, sql in (
            ("products", PRODUCTS_SQL),
            ("images", IMAGES_SQL),
            ("orders", ORDERS_SQL),
            ("the rest", OTHER_SQL),
        ):
            cursor.execute(sql, params)
            print(f"  loaded {name} ({time.monotonic() - started:.0f} s)", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE")
    return store


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    url = setup()
    print(f"database: {url.rsplit('/', 1)[-1]}")
    from django.conf import settings

    settings.AGENTS_LLM_URL = ""  # the model's latency is not the agents'
    settings.AGENTS_EMAIL_CRITICAL = False
    from django.db import connection

    from agents.registry import agent_types
    from agents.services import agent_run

    build(args.products, args.orders, args.rebuild)
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM orders)")
        products, orders = cursor.fetchone()
    print(f"data: {products:,} products, {orders:,} orders\n")

    tracemalloc.start()
    totals = []
    for run in range(1, args.runs + 1):
        print(f"run {run}:")
        total = 0.0
        for agent_type in agent_types():
            started = time.perf_counter()
            log = agent_run(agent_type, execution_type="manual")
            seconds = time.perf_counter() - started
            total += seconds
            meta = log.metadata
            print(
                f"  {agent_type:<12} {seconds:7.3f} s  {log.status:<9} {meta.get('findings', 0):>2} findings "
                f"({log.insights_generated} new, {meta.get('updated', 0)} updated, {meta.get('resolved', 0)} resolved)"
                + (f"  ERROR {log.error_message}" if log.error_message else "")
            )
        totals.append(total)
        print(f"  {'all agents':<12} {total:7.3f} s  (target ≤ 10 s: {total / 10:.2f} of it)\n")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak Python memory during the runs: {peak / 1024 / 1024:.1f} MiB (tracemalloc); process max RSS {max_rss:.0f} MiB"
    )


if __name__ == "__main__":
    main()
