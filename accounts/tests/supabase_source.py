"""A Supabase-shaped source database for the import tests and benchmark.

Built from the inventory's own SQL (``docs/inventory-database-schema.md``: its enums and every
``CREATE TABLE``), plus ``auth.users`` as GoTrue has it and pgcrypto, on the same PostgreSQL
server as the tests, in a database of its own (``import_src_<random>``), then filled with
generated data: bcrypt ``$2a$`` passwords, pgcrypto-encrypted credentials, an admin role, audit
history, and product images whose files are written to a bucket directory.
"""

import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import psycopg

INVENTORY = Path(__file__).resolve().parents[2] / "docs" / "inventory-database-schema.md"
PASSPHRASE = "old-app-passphrase"
SUPABASE_BUCKET_URL = "https://abcd.supabase.co/storage/v1/object/public/product-images/"

# GoTrue's auth.users (supabase/auth migrations, 2024), the columns that matter kept in shape.
AUTH_USERS = """
CREATE SCHEMA auth;
CREATE TABLE auth.users (
  instance_id uuid, id uuid PRIMARY KEY, aud varchar(255), role varchar(255), email varchar(255),
  encrypted_password varchar(255), email_confirmed_at timestamptz, invited_at timestamptz,
  confirmation_token varchar(255), confirmation_sent_at timestamptz, recovery_token varchar(255),
  recovery_sent_at timestamptz, email_change_token_new varchar(255), email_change varchar(255),
  email_change_sent_at timestamptz, last_sign_in_at timestamptz, raw_app_meta_data jsonb,
  raw_user_meta_data jsonb, is_super_admin boolean, created_at timestamptz, updated_at timestamptz,
  phone text UNIQUE DEFAULT NULL, phone_confirmed_at timestamptz, phone_change text DEFAULT '',
  phone_change_token varchar(255) DEFAULT '', phone_change_sent_at timestamptz,
  confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
  email_change_token_current varchar(255) DEFAULT '', email_change_confirm_status smallint DEFAULT 0,
  banned_until timestamptz, reauthentication_token varchar(255) DEFAULT '', reauthentication_sent_at timestamptz,
  is_sso_user boolean NOT NULL DEFAULT false, deleted_at timestamptz, is_anonymous boolean NOT NULL DEFAULT false
);
"""


def inventory_sql():
    """The enums and CREATE TABLE statements of the inventory, in its order."""
    blocks = re.findall(r"```sql\n(.*?)```", INVENTORY.read_text(), flags=re.S)
    return [statement.strip() for block in blocks for statement in block.split(";\n") if statement.strip()]


def server_url(database_url, name):
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_source(database_url):
    """A new empty source database with the inventory's schema; returns its URL."""
    url = create_database(database_url)
    _create_schema(url)
    return url


def create_database(database_url):
    """A new database for a source, without the schema yet (``rebuild_source``); returns its URL."""
    name = f"import_src_{secrets.token_hex(4)}"
    with psycopg.connect(server_url(database_url, "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return server_url(database_url, name)


def rebuild_source(url):
    """Empty the source database ``url`` back to the inventory's schema, whatever a test did to it
    (rows, columns, schemas of its own): every schema is dropped and made again. Cheaper than a
    new database per test, whose DROP DATABASE makes the whole server checkpoint (seconds)."""
    with psycopg.connect(url, autocommit=True) as conn:
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        ).fetchall()
        for (schema,) in schemas:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.execute("CREATE SCHEMA public")
    _create_schema(url)


def _create_schema(url):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        conn.execute(AUTH_USERS)
        pending = inventory_sql()
        # The inventory lists store_users before stores: run what can run until all has.
        while pending:
            failed = []
            for statement in pending:
                try:
                    conn.execute(statement)
                except psycopg.errors.UndefinedTable:
                    failed.append(statement)
            if len(failed) == len(pending):
                raise RuntimeError(f"Cannot create: {failed[0][:80]}")
            pending = failed


def drop_source(database_url, url):
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server_url(database_url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


FILL = """
INSERT INTO auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, created_at, updated_at,
                        last_sign_in_at, raw_user_meta_data, banned_until)
SELECT gen_random_uuid(), 'authenticated', 'authenticated', 'person' || i || '@example.com',
       CASE WHEN i = {users} THEN '' ELSE crypt('password-' || i, gen_salt('bf', CASE WHEN i <= 2 THEN 10 ELSE 4 END)) END,
       CASE WHEN i = {users} - 1 THEN NULL ELSE now() - interval '300 days' END,
       now() - interval '1 year' + i * interval '1 minute', now(), now() - interval '2 days',
       jsonb_build_object('first_name', 'Person' || i), CASE WHEN i = {users} - 2 THEN now() + interval '10 years' END
FROM generate_series(1, {users}) AS i;
INSERT INTO profiles (id, first_name, last_name, email, phone)
SELECT id, 'First' || right(email, 14), 'Last', email, '050-000' FROM auth.users;
INSERT INTO user_roles (user_id, role)
SELECT id, CASE WHEN email = 'person1@example.com' THEN 'admin'::app_role ELSE 'user'::app_role END FROM auth.users;
INSERT INTO stores (name, url, api_key, api_secret, user_id, webhook_secret)
SELECT 'Shop ' || i, 'https://shop' || i || '.example.com',
       pgp_sym_encrypt('ck_key' || i || 'abcdefgh', '{passphrase}')::text,
       pgp_sym_encrypt('cs_secret' || i || 'abcdefgh', '{passphrase}')::text,
       (SELECT id FROM auth.users WHERE email = 'person1@example.com'),
       pgp_sym_encrypt('whsec' || i, '{passphrase}')::text
FROM generate_series(1, {stores}) AS i;
CREATE TEMP TABLE store_ids AS SELECT array_agg(id ORDER BY name) AS ids, count(*)::int AS n FROM stores;
CREATE TEMP TABLE user_ids AS SELECT array_agg(id ORDER BY email) AS ids, count(*)::int AS n FROM auth.users;
INSERT INTO store_users (store_id, user_id, role)
SELECT s.id, u.id, CASE WHEN u.email = 'person1@example.com' THEN 'owner'::store_role ELSE 'manager'::store_role END
FROM stores AS s CROSS JOIN (SELECT id, email FROM auth.users ORDER BY email LIMIT 3) AS u;
INSERT INTO store_attributes (store_id, woo_id, name, slug)
SELECT s.id, a, 'Attribute ' || a, 'pa_' || a FROM stores AS s, generate_series(1, 3) AS a;
INSERT INTO store_attribute_terms (store_id, attribute_id, woo_id, name, slug)
SELECT a.store_id, a.id, t, 'Term ' || t, 'term-' || t FROM store_attributes AS a, generate_series(1, 4) AS t;
INSERT INTO store_categories (store_id, woo_id, name, slug, parent_woo_id)
SELECT s.id, c, 'Category ' || c, 'category-' || c, CASE WHEN c > 1 THEN 1 END FROM stores AS s, generate_series(1, 5) AS c;
UPDATE store_categories AS c SET parent_id = p.id FROM store_categories AS p
WHERE p.store_id = c.store_id AND p.woo_id = c.parent_woo_id;
INSERT INTO store_tags (store_id, woo_id, name, slug) SELECT s.id, t, 'Tag ' || t, 'tag-' || t FROM stores AS s, generate_series(1, 5) AS t;
INSERT INTO store_brands (store_id, woo_id, name, slug) SELECT s.id, b, 'Brand ' || b, 'brand-' || b FROM stores AS s, generate_series(1, 3) AS b;
INSERT INTO products (store_id, woo_id, name, description, price, sale_price, stock_quantity, status, type, sku,
                      categories, tags, brands, source, synced_at)
SELECT ids[1 + i % n], i, 'Product ' || i, '<p>About product ' || i || '</p>', (i % 500) + 0.99, NULL, i % 40,
       'publish', 'simple', 'SKU-' || i, '[{{"id": 1, "name": "Category 1", "slug": "category-1"}}]', '[]', '[]', 'woo', now()
FROM store_ids, generate_series(1, {products}) AS i;
INSERT INTO product_images (store_id, product_id, original_url, storage_url, storage_source, type, display_order)
SELECT p.store_id, p.id, 'https://shop.example.com/wp-content/uploads/' || p.woo_id || '.jpg',
       CASE WHEN p.woo_id <= {files} THEN '{bucket_url}' || p.store_id || '/' || p.woo_id || '.jpg' END,
       CASE WHEN p.woo_id <= {files} THEN 'storage' ELSE 'woocommerce' END, 'featured', 0
FROM products AS p;
UPDATE products AS p SET featured_image_id = i.id FROM product_images AS i WHERE i.product_id = p.id;
INSERT INTO product_variations (product_id, store_id, woo_id, sku, price, regular_price, stock_quantity, attributes, image_id)
SELECT p.id, p.store_id, 1000000 + p.woo_id, p.sku || '-V', p.price, p.price, 3, '[]', p.featured_image_id
FROM products AS p WHERE p.woo_id % 10 = 0;
INSERT INTO product_attributes (product_id, store_id, name, options, woo_id, global_attribute_id)
SELECT p.id, p.store_id, 'Attribute 1', '["S", "M"]', 1, a.id
FROM products AS p JOIN store_attributes AS a ON a.store_id = p.store_id AND a.woo_id = 1 WHERE p.woo_id % 10 = 0;
INSERT INTO orders (store_id, woo_id, status, total, customer_name, customer_email, created_at)
SELECT ids[1 + i % n], i, (ARRAY['processing', 'completed', 'on-hold'])[1 + i % 3], (i % 900) + 10.50,
       'Customer ' || i, 'customer' || i || '@example.com', now() - (i % 365) * interval '1 day'
FROM store_ids, generate_series(1, {orders}) AS i;
INSERT INTO order_status_logs (store_id, order_id, old_status, new_status, changed_by)
SELECT store_id, woo_id, 'pending', status, 'woocommerce' FROM orders WHERE woo_id % 5 = 0;
INSERT INTO webhooks (store_id, woo_webhook_id, topic, delivery_url, status)
SELECT s.id, w, (ARRAY['order.created', 'product.updated'])[w], 'https://abcd.supabase.co/functions/v1/woo-webhook', 'active'
FROM stores AS s, generate_series(1, 2) AS w;
INSERT INTO webhook_logs (store_id, topic, status) SELECT s.id, 'order.created', 'success' FROM stores AS s, generate_series(1, 3);
INSERT INTO webhook_log_rate_limit (store_id, hour_bucket, log_count) SELECT s.id, date_trunc('hour', now()), 3 FROM stores AS s;
INSERT INTO taxonomy_sync_log (store_id, taxonomy_type, action, items_synced) SELECT id, 'all', 'initial_sync', 13 FROM stores;
INSERT INTO sync_logs (store_id, entity_type, action, status, woo_id) SELECT store_id, 'order', 'sync', 'success', woo_id FROM orders WHERE woo_id % 50 = 0;
INSERT INTO sync_errors (store_id, entity_type, woo_id, error_message) SELECT id, 'product', 7, 'Timed out' FROM stores;
INSERT INTO sprints (name, start_date, end_date, status, created_by)
SELECT 'Sprint ' || i, now() - interval '14 days', now(), 'active', (SELECT id FROM profiles ORDER BY email LIMIT 1) FROM generate_series(1, 2) AS i;
INSERT INTO tasks (sprint_id, title, assigned_to, created_by, related_files, tags)
SELECT (SELECT id FROM sprints ORDER BY name LIMIT 1), 'Task ' || i, ids[1 + i % n], ids[1], ARRAY['a.py'], ARRAY['tag']
FROM user_ids, generate_series(1, 4) AS i;
INSERT INTO work_logs (task_id, user_id, hours) SELECT id, assigned_to, 1.5 FROM tasks;
INSERT INTO task_comments (task_id, user_id, comment) SELECT id, assigned_to, 'Looks good' FROM tasks;
INSERT INTO project_alerts (task_id, type, message) SELECT id, 'overdue', 'Late' FROM tasks LIMIT 2;
INSERT INTO task_logs (task_id, level, message, user_id) SELECT id, 'info', 'Started', assigned_to FROM tasks;
INSERT INTO bug_reports (title, description, severity, introduced_by_task_id, reporter_id, assigned_to)
SELECT 'Bug', 'Broken', 'major', id, created_by, assigned_to FROM tasks LIMIT 1;
INSERT INTO deployments (sprint_id, version, environment, deployed_tasks, deployed_by)
SELECT id, '1.0.' || row_number() OVER (), 'production', ARRAY(SELECT id FROM tasks), created_by FROM sprints;
INSERT INTO agent_insights (agent_type, analysis, severity, acknowledged_by) SELECT 'inventory', 'Low stock', 'high', ids[1] FROM user_ids;
INSERT INTO agent_alerts (agent_type, title, message, severity, insight_id) SELECT agent_type, 'Alert', 'Check', 'high', id FROM agent_insights;
INSERT INTO agent_execution_log (agent_type, execution_type, status) VALUES ('inventory', 'scheduled', 'completed');
INSERT INTO credential_access_logs (store_id, user_id, ip_address, user_agent)
SELECT id, user_id, '192.0.2.1', 'Mozilla/5.0' FROM stores;
INSERT INTO audit_logs (table_name, record_id, action, old_data, new_data, changed_fields, user_id, user_email, ip_address, created_at)
SELECT 'products', p.id, 'UPDATE', jsonb_build_object('price', 1), jsonb_build_object('price', 2), ARRAY['price'],
       ids[1], 'person1@example.com', '192.0.2.1', now() - interval '30 days'
FROM user_ids, (SELECT id FROM products ORDER BY woo_id LIMIT 5) AS p;
INSERT INTO anomaly_response_actions (anomaly_id, action_type, target_user_id, target_email, severity, status)
SELECT 'failed-logins-1', 'email_sent', ids[2], 'person2@example.com', 'high', 'completed' FROM user_ids;
"""


def fill_source(url, *, users=6, stores=2, products=40, orders=60, files=10, bucket_dir=None):
    """Generated rows in every table; with ``bucket_dir``, the first ``files`` products' image
    files exported there as ``<store id>/<woo id>.jpg``."""
    sql = FILL.format(
        users=users,
        stores=stores,
        products=products,
        orders=orders,
        files=files,
        passphrase=PASSPHRASE,
        bucket_url=SUPABASE_BUCKET_URL,
    )
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(sql)
        if bucket_dir is not None:
            rows = conn.execute("SELECT store_id, woo_id FROM products WHERE woo_id <= %s", [files]).fetchall()
            for store_id, woo_id in rows:
                path = Path(bucket_dir, str(store_id), f"{woo_id}.jpg")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"\xff\xd8\xff\xe0" + f"image of product {woo_id}".encode())
