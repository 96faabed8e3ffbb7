"""The inventory's ``audit_critical_changes`` (7 days) and ``audit_user_activity`` (30 days) as
PostgreSQL views, so SQL and reporting tools see them too. The admin-only pages under /audit/ read
them with SQL (``audit/selectors.py``)."""

from django.db import migrations

CREATE = """
CREATE VIEW audit_critical_changes AS
SELECT a.id,
       CASE
           WHEN a.action = 'DELETE' THEN 'delete'
           WHEN a.table_name = 'stores'
                AND a.changed_fields && ARRAY['api_key', 'api_secret', 'webhook_secret'] THEN 'credentials'
           WHEN a.table_name = 'stores' THEN 'store'
           WHEN a.table_name = 'store_users' THEN 'membership'
           WHEN a.table_name = 'user_roles' THEN 'app_role'
       END AS category,
       a.table_name, a.record_id, a.action, a.old_data, a.new_data, a.changed_fields,
       a.user_id, a.user_email, a.ip_address, a.user_agent, a.created_at
FROM audit_logs AS a
WHERE a.created_at >= now() - interval '7 days'
  AND (a.action = 'DELETE' OR a.table_name IN ('stores', 'store_users', 'user_roles'));

CREATE VIEW audit_user_activity AS
SELECT s.actor_key, s.user_id, COALESCE(u.email, s.user_email) AS user_email,
       s.total_actions, s.inserts, s.updates, s.deletes, s.tables_touched,
       s.first_activity, s.last_activity
FROM (
    SELECT COALESCE(a.user_id::text, a.user_email, 'unknown') AS actor_key,
           a.user_id,
           max(a.user_email) AS user_email,
           count(*) AS total_actions,
           count(*) FILTER (WHERE a.action = 'INSERT') AS inserts,
           count(*) FILTER (WHERE a.action = 'UPDATE') AS updates,
           count(*) FILTER (WHERE a.action = 'DELETE') AS deletes,
           count(DISTINCT a.table_name) AS tables_touched,
           min(a.created_at) AS first_activity,
           max(a.created_at) AS last_activity
    FROM audit_logs AS a
    WHERE a.created_at >= now() - interval '30 days'
    GROUP BY 1, 2
) AS s
LEFT JOIN users AS u ON u.id = s.user_id;
"""

DROP = """
DROP VIEW IF EXISTS audit_user_activity;
DROP VIEW IF EXISTS audit_critical_changes;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_audit_triggers")]

    operations = [migrations.RunSQL(CREATE, DROP)]
