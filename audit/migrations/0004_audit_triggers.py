"""The inventory's ``audit_log_changes()`` and its triggers on the 14 audited tables, plus the
append-only guard on ``audit_logs``.

One generic function serves every table. The triggers are statement-level with transition tables
(``REFERENCING NEW TABLE / OLD TABLE``), so a 10,000-row bulk upsert writes its audit rows with one
``INSERT ... SELECT`` per statement instead of 10,000 function calls. ORM saves, bulk upserts and
raw SQL all go through them.

- ``old_data`` / ``new_data``: the row as JSON without the credential columns (``api_key``,
  ``api_secret``, ``webhook_secret``): their values, even encrypted, are never written.
- ``changed_fields``: the columns whose value changed, ``updated_at`` left out. The *names* of
  changed credential columns are listed (never their values), so a credential rotation is visible
  in the trail and in ``audit_critical_changes``. An update that changes nothing but
  ``updated_at`` (or nothing at all) writes no row.
- The actor comes from the transaction-local settings ``storedesk.actor_*`` (``audit/actor.py``).
- ``created_at`` is the statement's start time, so two changes of one row in one transaction
  keep their order.
"""

from django.db import migrations

AUDITED_TABLES = (
    "profiles",
    "user_roles",
    "store_users",
    "stores",
    "products",
    "product_variations",
    "product_attributes",
    "store_attributes",
    "store_categories",
    "store_tags",
    "store_brands",
    "orders",
    "webhooks",
    "deployments",
)

FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_log_changes() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
-- Compiling a JIT plan costs more than running these short statements.
SET jit = off
AS $$
DECLARE
    secret_columns CONSTANT text[] := ARRAY['api_key', 'api_secret', 'webhook_secret'];
    actor_id uuid := NULLIF(current_setting('storedesk.actor_user_id', true), '')::uuid;
    actor_email text := NULLIF(current_setting('storedesk.actor_email', true), '');
    actor_ip inet := NULLIF(current_setting('storedesk.actor_ip', true), '')::inet;
    actor_agent text := NULLIF(current_setting('storedesk.actor_user_agent', true), '');
    changed_at timestamptz := statement_timestamp();
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_logs (id, table_name, record_id, action, old_data, new_data, changed_fields,
                                user_id, user_email, ip_address, user_agent, created_at)
        SELECT gen_random_uuid(), TG_TABLE_NAME, n.id, 'INSERT', NULL, to_jsonb(n) - secret_columns, NULL,
               actor_id, actor_email, actor_ip, actor_agent, changed_at
        FROM new_rows AS n;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Dynamic SQL, so the join of old and new rows is planned for this statement's row count
        -- (a cached plan made for an upsert that updated nothing would use a nested loop). Each
        -- row is turned into JSON once (MATERIALIZED), then its changed columns are listed.
        EXECUTE $sql$
            INSERT INTO audit_logs (id, table_name, record_id, action, old_data, new_data, changed_fields,
                                    user_id, user_email, ip_address, user_agent, created_at)
            WITH j AS MATERIALIZED (
                SELECT n.id, to_jsonb(o) AS old_j, to_jsonb(n) AS new_j
                FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            )
            SELECT gen_random_uuid(), $1, j.id, 'UPDATE', j.old_j - $2, j.new_j - $2, ch.changed,
                   $3, $4, $5, $6, $7
            FROM j CROSS JOIN LATERAL (
                SELECT array_agg(e.key ORDER BY e.key) AS changed
                FROM jsonb_each(j.new_j) AS e
                WHERE e.key <> 'updated_at' AND e.value IS DISTINCT FROM j.old_j -> e.key
            ) AS ch
            WHERE ch.changed IS NOT NULL
        $sql$ USING TG_TABLE_NAME::text, secret_columns, actor_id, actor_email, actor_ip, actor_agent, changed_at;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_logs (id, table_name, record_id, action, old_data, new_data, changed_fields,
                                user_id, user_email, ip_address, user_agent, created_at)
        SELECT gen_random_uuid(), TG_TABLE_NAME, o.id, 'DELETE', to_jsonb(o) - secret_columns, NULL, NULL,
               actor_id, actor_email, actor_ip, actor_agent, changed_at
        FROM old_rows AS o;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF current_setting('storedesk.audit_retention', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'audit_logs is append-only: % is allowed only to the retention job', TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Old rows are removed by manage.py cleanup_logs / audit.tasks.cleanup_logs.';
    END IF;
    RETURN NULL;
END;
$$;

-- AFTER the statement: the refused statement is rolled back as a whole, and a row breaking a
-- CHECK constraint still reports that constraint first.
CREATE TRIGGER audit_logs_append_only
AFTER UPDATE OR DELETE ON audit_logs
FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();
"""

TRIGGERS = """
CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_changes();
CREATE TRIGGER audit_{table}_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_changes();
CREATE TRIGGER audit_{table}_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_changes();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS audit_{table}_insert ON {table};
DROP TRIGGER IF EXISTS audit_{table}_update ON {table};
DROP TRIGGER IF EXISTS audit_{table}_delete ON {table};
"""

DROP_FUNCTION = """
DROP TRIGGER IF EXISTS audit_logs_append_only ON audit_logs;
DROP FUNCTION IF EXISTS audit_logs_append_only();
DROP FUNCTION IF EXISTS audit_log_changes();
"""


class Migration(migrations.Migration):
    # The migrations that create the 14 audited tables (the latest committed in each app).
    dependencies = [
        ("audit", "0003_scheduled_jobs"),
        ("accounts", "0001_initial"),
        ("stores", "0001_initial"),
        ("catalog", "0002_initial"),
        ("orders", "0002_initial"),
        ("webhooks", "0001_initial"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, DROP_FUNCTION),
        migrations.RunSQL(
            "".join(TRIGGERS.format(table=table) for table in AUDITED_TABLES),
            "".join(DROP_TRIGGERS.format(table=table) for table in AUDITED_TABLES),
        ),
    ]
