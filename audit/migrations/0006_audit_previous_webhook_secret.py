"""Keep ``stores.previous_webhook_secret`` (``stores/migrations/0003``) out of the audit trail.

``audit_log_changes()`` (0004) strips the credential columns from ``old_data`` / ``new_data``,
and ``audit_critical_changes`` (0005) files a change of one of them under ``credentials``; both
listed ``api_key``, ``api_secret`` and ``webhook_secret`` only, so a webhook secret rotation wrote
the previous secret (a MultiFernet token) into ``audit_logs``. This migration:

- redefines ``audit_log_changes()`` with ``previous_webhook_secret`` among the secret columns
  (the body is 0004's; only the list changes);
- redefines ``audit_critical_changes`` with it in the ``credentials`` array;
- removes the column from the rows already written (the retention job's switch lets the
  append-only guard through for this one statement's transaction).

``stores`` has no other credential column (``webhook_secret_rotated_at`` is a timestamp and
stays in the trail). Reversing restores 0004's function and 0005's view; scrubbed values are
not restored.
"""

from django.db import migrations

PREVIOUS_SECRET_COLUMNS = ("api_key", "api_secret", "webhook_secret")
SECRET_COLUMNS = (*PREVIOUS_SECRET_COLUMNS, "previous_webhook_secret")


def _array(columns):
    return "ARRAY[" + ", ".join(f"'{column}'" for column in columns) + "]"


# 0004's audit_log_changes() with the list of secret columns as a parameter.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_log_changes() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
-- Compiling a JIT plan costs more than running these short statements.
SET jit = off
AS $$
DECLARE
    secret_columns CONSTANT text[] := __SECRET_COLUMNS__;
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
"""

# 0005's audit_critical_changes with the credential columns as a parameter (same columns, so
# CREATE OR REPLACE keeps whatever depends on the view).
VIEW = """
CREATE OR REPLACE VIEW audit_critical_changes AS
SELECT a.id,
       CASE
           WHEN a.action = 'DELETE' THEN 'delete'
           WHEN a.table_name = 'stores'
                AND a.changed_fields && __SECRET_COLUMNS__ THEN 'credentials'
           WHEN a.table_name = 'stores' THEN 'store'
           WHEN a.table_name = 'store_users' THEN 'membership'
           WHEN a.table_name = 'user_roles' THEN 'app_role'
       END AS category,
       a.table_name, a.record_id, a.action, a.old_data, a.new_data, a.changed_fields,
       a.user_id, a.user_email, a.ip_address, a.user_agent, a.created_at
FROM audit_logs AS a
WHERE a.created_at >= now() - interval '7 days'
  AND (a.action = 'DELETE' OR a.table_name IN ('stores', 'store_users', 'user_roles'));
"""

# Rows written before this migration: drop the column's value, keep everything else.
SCRUB = """
SELECT set_config('storedesk.audit_retention', 'on', true);
UPDATE audit_logs
SET old_data = old_data - 'previous_webhook_secret',
    new_data = new_data - 'previous_webhook_secret'
WHERE table_name = 'stores'
  AND (old_data ? 'previous_webhook_secret' OR new_data ? 'previous_webhook_secret');
SELECT set_config('storedesk.audit_retention', '', true);
"""


def _sql(template, columns):
    return template.replace("__SECRET_COLUMNS__", _array(columns))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_audit_views"),
        ("stores", "0003_webhook_secret_rotation"),
    ]

    operations = [
        migrations.RunSQL(_sql(FUNCTION, SECRET_COLUMNS), _sql(FUNCTION, PREVIOUS_SECRET_COLUMNS)),
        migrations.RunSQL(_sql(VIEW, SECRET_COLUMNS), _sql(VIEW, PREVIOUS_SECRET_COLUMNS)),
        migrations.RunSQL(SCRUB, migrations.RunSQL.noop),
    ]
