"""Rules the inventory keeps in the database, kept there here too, whoever writes.

- ``update_updated_at_column()`` (the inventory's function of that name, and its
  ``update_agent_insights_updated_at()`` twin): a ``BEFORE UPDATE`` trigger on every inventory
  table that has ``updated_at``. An UPDATE that leaves ``updated_at`` as it was (raw SQL, a
  queryset ``update()`` without it, a BI tool) gets ``statement_timestamp()``; an UPDATE that sets
  it (the ORM's ``auto_now``, the sync's upserts) keeps the value it wrote. Inside a Supabase
  import (``storedesk.audit_history_import`` on, audit/0010) rows keep the source's timestamps,
  even when a trigger of ours updates them (a work log recomputing its task's hours), or every
  re-import would find those rows changed.

Every PL/pgSQL function of ours already fixes its ``search_path`` (``audit/tests/
test_database_rules.py`` keeps it so). ``uuid_v7()`` (0008, plain SQL) does not, on purpose: it
calls only built-ins, which PostgreSQL resolves in ``pg_catalog`` first whatever the path, and a
``SET`` clause stops the planner inlining it: 200,000 calls took 3.3-3.8 s with one instead of 1.2-1.4 s
(one call per new synced row and per audit row).

One migration for the whole database, after the latest migration of every app (the tables are
named, not looked up). Reversible.
"""

from django.db import migrations

TABLES = (
    "profiles",
    "store_users",
    "stores",
    "products",
    "product_images",
    "product_variations",
    "product_attributes",
    "store_attributes",
    "store_categories",
    "store_tags",
    "store_brands",
    "store_attribute_terms",
    "orders",
    "webhooks",
    "sprints",
    "tasks",
    "task_comments",
    "bug_reports",
    "agent_insights",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF current_setting('storedesk.audit_history_import', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := statement_timestamp();
    END IF;
    RETURN NEW;
END;
$$;
"""

TRIGGERS = "\n".join(
    f"CREATE TRIGGER update_{table}_updated_at BEFORE UPDATE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();"
    for table in TABLES
)
DROP_TRIGGERS = "\n".join(f"DROP TRIGGER IF EXISTS update_{table}_updated_at ON {table};" for table in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_app_admin_follows_roles_grant_invitations"),
        ("agents", "0002_insights_store_cause_alerts_store"),
        ("audit", "0010_audit_history_import_switch"),
        ("catalog", "0004_drop_redundant_indexes"),
        ("orders", "0005_drop_redundant_indexes"),
        ("projects", "0002_project_tracker"),
        ("stores", "0005_supabase_import"),
        ("sync", "0002_sync_runs_state_push_conflicts"),
        ("webhooks", "0002_delivery_inbox"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION + TRIGGERS, DROP_TRIGGERS + "\nDROP FUNCTION IF EXISTS update_updated_at_column();"),
    ]
