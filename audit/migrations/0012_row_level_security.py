"""Row-level security on every table (issue 15): roles, helper functions, policies, credentials.

See ``config/rls.py`` for who runs as which role and ``docs/schema-notes.md`` ("Row-level
security") for the list of policies. The roles are cluster-wide and survive a reverse migration
(other databases of the cluster may use them); everything else is undone.
"""

from django.db import migrations

from config.rls import (
    ADMIN,
    ME,
    READER_ROLE,
    SERVICE_ROLE,
    TEAM,
    WEB_ROLE,
    drop_policies_sql,
    enable_sql,
    ensure_roles_sql,
    store_scoped_policies,
    stores_where,
    table_policies,
)

ROLES = ensure_roles_sql((WEB_ROLE, SERVICE_ROLE, READER_ROLE)) + f"""
GRANT USAGE ON SCHEMA public TO {WEB_ROLE}, {SERVICE_ROLE}, {READER_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {WEB_ROLE}, {SERVICE_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {WEB_ROLE}, {SERVICE_ROLE};
-- Tables created later get the service role's privileges; the web role's come with their policies.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {SERVICE_ROLE};
"""

UNROLES = f"""
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {WEB_ROLE}, {SERVICE_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {SERVICE_ROLE};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {WEB_ROLE}, {SERVICE_ROLE};
REVOKE USAGE ON SCHEMA public FROM {WEB_ROLE}, {SERVICE_ROLE}, {READER_ROLE};
"""

UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

FUNCTIONS = f"""
CREATE TABLE sql_access_logins (
    login name PRIMARY KEY,
    -- No foreign key (Django's flush truncates users alone); a login whose user is gone or
    -- inactive is nobody (rls_user_id() joins users) until revoke_sql_access drops it.
    user_id uuid NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT statement_timestamp(),
    rotated_at timestamptz
);
COMMENT ON TABLE sql_access_logins IS 'The PostgreSQL logins of manage.py grant_sql_access: login -> the user it sees as.';

-- The acting user: a grant_sql_access login's user, else (for logins allowed to act as the web
-- role: the application's) the transaction-local storedesk.actor_user_id. Inactive users are nobody.
CREATE FUNCTION rls_user_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $fn$
    SELECT u.id FROM users u
    WHERE u.is_active AND u.id = (
        SELECT CASE
            WHEN EXISTS (SELECT 1 FROM sql_access_logins l WHERE l.login = session_user)
                THEN (SELECT l.user_id FROM sql_access_logins l WHERE l.login = session_user)
            WHEN pg_has_role(session_user, '{WEB_ROLE}', 'MEMBER')
                 AND current_setting('storedesk.actor_user_id', true) ~* '{UUID_RE}'
                THEN current_setting('storedesk.actor_user_id', true)::uuid
        END)
$fn$;

-- App admins (users.is_staff follows the admin app role, accounts migration 0004).
CREATE FUNCTION rls_is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $fn$
    SELECT EXISTS (SELECT 1 FROM users WHERE id = rls_user_id() AND is_staff)
$fn$;

-- The team of the delivery tracker (projects/): app admins and the "user" app role.
CREATE FUNCTION rls_is_team() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $fn$
    SELECT rls_is_admin() OR EXISTS (SELECT 1 FROM user_roles WHERE user_id = rls_user_id() AND role = 'user')
$fn$;

-- The stores the acting user has for a kind of access, the same rules as stores/access.py:
-- view = a role or any explicit grant; write = owner/manager or a catalog/order-status/sync grant;
-- pii = owner/manager or a view_customer_data grant; owner = the owner role.
CREATE FUNCTION rls_store_ids(kind text) RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $fn$
    WITH me AS (SELECT rls_user_id() AS id)
    SELECT COALESCE(array_agg(DISTINCT s.store_id), '{{}}'::uuid[]) FROM (
        SELECT su.store_id FROM store_users su, me
        WHERE su.user_id = me.id
          AND (kind = 'view' OR (kind IN ('write', 'pii') AND su.role IN ('owner', 'manager'))
               OR (kind = 'owner' AND su.role = 'owner'))
        UNION ALL
        SELECT g.content_object_id FROM store_user_object_permissions g
        JOIN auth_permission p ON p.id = g.permission_id, me
        WHERE g.user_id = me.id
          AND (kind = 'view'
               OR (kind = 'write' AND p.codename IN ('change_catalog', 'change_order_status', 'run_sync'))
               OR (kind = 'pii' AND p.codename = 'view_customer_data'))
    ) s
$fn$;

-- Whether the caller is the service (workers, commands; the DATABASE_URL login). Not a security
-- definer: it asks about the calling role.
CREATE FUNCTION rls_is_service() RETURNS boolean
LANGUAGE sql STABLE SET search_path = public AS $fn$
    SELECT pg_has_role(current_user, '{SERVICE_ROLE}', 'MEMBER')
$fn$;

-- The inventory's get_store_credentials(store_id): the encrypted tokens, for an owner of the
-- store (or an app admin, as in stores/access.py), with a credential_access_logs row each time.
CREATE FUNCTION get_store_credentials(p_store_id uuid, p_ip inet DEFAULT NULL, p_user_agent text DEFAULT NULL)
RETURNS TABLE (api_key text, api_secret text, webhook_secret text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $fn$
DECLARE
    me uuid := rls_user_id();
BEGIN
    IF me IS NULL OR NOT (
        rls_is_admin()
        OR EXISTS (SELECT 1 FROM store_users su WHERE su.store_id = p_store_id AND su.user_id = me AND su.role = 'owner')
    ) THEN
        RAISE EXCEPTION 'Only an owner of the store may read its credentials.' USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO credential_access_logs (store_id, user_id, ip_address, user_agent)
    VALUES (
        p_store_id, me,
        host(COALESCE(p_ip, CASE WHEN current_setting('storedesk.actor_ip', true) <> '' THEN current_setting('storedesk.actor_ip', true)::inet END)),
        left(NULLIF(COALESCE(p_user_agent, current_setting('storedesk.actor_user_agent', true)), ''), 1000)
    );
    RETURN QUERY SELECT s.api_key, s.api_secret, s.webhook_secret FROM stores s WHERE s.id = p_store_id;
END
$fn$;
REVOKE ALL ON FUNCTION get_store_credentials(uuid, inet, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION get_store_credentials(uuid, inet, text) TO {WEB_ROLE}, {SERVICE_ROLE};
"""

UNFUNCTIONS = """
DROP FUNCTION IF EXISTS get_store_credentials(uuid, inet, text);
DROP FUNCTION IF EXISTS rls_is_service();
DROP FUNCTION IF EXISTS rls_store_ids(text);
DROP FUNCTION IF EXISTS rls_is_team();
DROP FUNCTION IF EXISTS rls_is_admin();
DROP FUNCTION IF EXISTS rls_user_id();
DROP TABLE IF EXISTS sql_access_logins;
"""

# ---------------------------------------------------------------------------------------------
# The tables

STORE_DATA = {
    # table: (read kind, write kind)
    "products": ("view", "write"),
    "product_images": ("view", "write"),
    "product_variations": ("view", "write"),
    "product_attributes": ("view", "write"),
    "store_attributes": ("view", "write"),
    "store_attribute_terms": ("view", "write"),
    "store_categories": ("view", "write"),
    "store_tags": ("view", "write"),
    "store_brands": ("view", "write"),
    # Orders: viewers read the masked orders_summary view, never the rows.
    "orders": ("pii", "write"),
    "customers": ("pii", "write"),
    "order_status_logs": ("view", "write"),
    "order_status_counts": ("view", "write"),
    "order_notes": ("view", "write"),
    "order_refunds": ("view", "write"),
    "order_exports": ("view", "view"),
    "sync_runs": ("view", "write"),
    "sync_state": ("view", "write"),
    "sync_logs": ("view", "write"),
    "sync_errors": ("view", "write"),
    "sync_push_operations": ("view", "write"),
    "sync_product_conflicts": ("view", "write"),
    "taxonomy_sync_log": ("view", "write"),
    # Webhooks: deliveries are written by the receiver (service role); owners manage the hooks.
    "webhooks": ("view", "owner"),
    "webhook_logs": ("view", None),
    "webhook_deliveries": ("view", "write"),
    "webhook_delivery_stats": ("view", "owner"),
    "webhook_apply_requests": ("view", "write"),
    "webhook_log_rate_limit": ("view", None),
    # Agents: insights for owners and managers (stores.view_insights); alerts for every member.
    "agent_insights": ("write", "write"),
    "agent_alerts": ("view", "view"),  # the alerts centre: every member, who marks them read
    "agent_store_settings": ("view", "owner"),
}

OPEN = "(true)"
ME_OR_ADMIN = f"(user_id = {ME} OR {ADMIN})"
TEAM_ONLY = f"({TEAM})"
ADMIN_ONLY = f"({ADMIN})"
# Before sign-in (login, password reset, an invitation's sign-up) a request has no user yet.
SELF_OR_SIGNING_IN = f"({ME} IS NULL OR id = {ME} OR {ADMIN})"

OTHER = {
    "stores": dict(
        read=f"({ADMIN} OR {stores_where('view', 'id')} OR user_id = {ME})",
        insert=f"({ADMIN} OR user_id = {ME})",
        write=f"({ADMIN} OR {stores_where('owner', 'id')})",
    ),
    "store_users": dict(
        read=f"({ADMIN} OR user_id = {ME} OR {stores_where('view')})",
        # The person who connects a store becomes its owner.
        insert=f"""({ADMIN} OR {stores_where("owner")} OR (user_id = {ME} AND role = 'owner'
                    AND EXISTS (SELECT 1 FROM stores s WHERE s.id = store_id AND s.user_id = {ME})))""",
        write=f"({ADMIN} OR {stores_where('owner')})",
        delete=f"({ADMIN} OR {stores_where('owner')} OR user_id = {ME})",
    ),
    "store_user_object_permissions": dict(
        read=f"({ADMIN} OR user_id = {ME} OR {stores_where('owner', 'content_object_id')})",
        write=f"({ADMIN} OR {stores_where('owner', 'content_object_id')})",
    ),
    "store_group_object_permissions": dict(
        read=f"({ADMIN} OR {stores_where('owner', 'content_object_id')})",
        write=f"({ADMIN} OR {stores_where('owner', 'content_object_id')})",
    ),
    "store_invitations": dict(
        read=f"({ADMIN} OR {stores_where('owner')} OR accepted_by_id = {ME})",
        write=f"({ADMIN} OR {stores_where('owner')})",
    ),
    # Written by get_store_credentials() only.
    "credential_access_logs": dict(read=f"({ADMIN} OR {stores_where('owner')})"),
    # Accounts
    "users": dict(read=OPEN, write=SELF_OR_SIGNING_IN, delete=ADMIN_ONLY),
    "profiles": dict(read=OPEN, write=SELF_OR_SIGNING_IN, delete=ADMIN_ONLY),
    # The team sees who is on it (the timesheet's person picker); others their own roles.
    "user_roles": dict(read=f"(user_id = {ME} OR {TEAM})", write=ADMIN_ONLY),
    # Audit: app admins read; the audit trigger (running as the writer) inserts; nobody on the
    # web updates or deletes (retention is the service's cleanup job).
    "audit_logs": dict(read=ADMIN_ONLY, insert=OPEN, write=None, delete=None),
    # Django's and its libraries' tables: what the web needs, no store data.
    "django_session": dict(read=OPEN, write=OPEN, reader=False),
}
_GROUPS = {
    # One's own rows; app admins write.
    ("users_groups", "users_user_permissions", "guardian_userobjectpermission"): dict(
        read=ME_OR_ADMIN, write=ADMIN_ONLY
    ),
    # App admins only.
    (
        "anomaly_response_actions",
        "agent_execution_log",
        "scheduled_jobs",
        "django_admin_log",
        "guardian_groupobjectpermission",
    ): dict(read=ADMIN_ONLY, write=ADMIN_ONLY),
    # The delivery tracker: the team.
    (
        "sprints",
        "tasks",
        "work_logs",
        "task_comments",
        "task_logs",
        "project_alerts",
        "bug_reports",
        "deployments",
    ): dict(read=TEAM_ONLY, write=TEAM_ONLY),
    # Everyone reads; app admins write.
    ("django_content_type", "auth_permission", "auth_group", "auth_group_permissions"): dict(
        read=OPEN, write=ADMIN_ONLY
    ),
    # Sign-in throttling, before anyone is signed in.
    ("axes_accessattempt", "axes_accessattemptexpiration", "axes_accessfailurelog", "axes_accesslog"): dict(
        read=OPEN, write=OPEN, reader=False
    ),
}
OTHER.update({table: options for tables, options in _GROUPS.items() for table in tables})

# The service role only (migrations' bookkeeping, the SQL logins' map).
SERVICE_ONLY = ("django_migrations", "sql_access_logins")

CREDENTIAL_COLUMNS = ("api_key", "api_secret", "webhook_secret", "previous_webhook_secret")
STORE_PUBLIC_COLUMNS = (
    "id, created_at, updated_at, name, url, currency, sync_interval_minutes, user_id, webhook_secret_rotated_at, "
    "credentials_reconnect_needed, variations_listing, woocommerce_version"
)


def _policies():
    parts = [store_scoped_policies(table, read=read, write=write) for table, (read, write) in STORE_DATA.items()]
    for table, options in OTHER.items():
        options = dict(options)
        if table == "stores":
            options["web_grants"] = []  # column-level, below
        parts.append(table_policies(table, **options))
    parts.extend(enable_sql(table) for table in SERVICE_ONLY)
    # The web role never reads the credential columns: only through get_store_credentials().
    parts.append(
        f"REVOKE SELECT ON stores FROM {READER_ROLE};\n"
        f"GRANT SELECT ({STORE_PUBLIC_COLUMNS}) ON stores TO {WEB_ROLE}, {READER_ROLE};\n"
        f"GRANT INSERT, UPDATE, DELETE ON stores TO {WEB_ROLE};\n"
    )
    return "".join(parts)


def _unpolicies():
    tables = [*STORE_DATA, *OTHER, "django_migrations"]
    return "".join(drop_policies_sql(table) for table in tables)




def _masked_text(column):
    return f"CASE WHEN p.pii OR o.{column} IS NULL OR o.{column} = '' THEN o.{column} ELSE 'XXXX' END AS {column}"


def _masked_json(column):
    return (
        f"CASE WHEN p.pii THEN o.{column} ELSE (SELECT COALESCE(jsonb_object_agg(e.key, CASE WHEN e.value IN "
        f"('null'::jsonb, '\"\"'::jsonb) THEN e.value ELSE '\"XXXX\"'::jsonb END), '{{}}'::jsonb) FROM jsonb_each("
        f"CASE WHEN jsonb_typeof(o.{column}) = 'object' THEN o.{column} ELSE '{{}}'::jsonb END) e) END AS {column}"
    )


# orders_summary, now every column of orders (viewers' order pages read it) and the acting user
# of row-level security (web requests and grant_sql_access logins alike). Owned by the service
# role, so it reads orders for everyone; its WHERE keeps each user to their stores. Each helper
# is a scalar sub-select (an initPlan: once per query; a join would call them for every row). The service
# itself (workers, code outside a request) gets every row unmasked: orders.masking masks those
# reads per user in Python, as before.
VIEW = f"""
DROP VIEW IF EXISTS orders_summary;
CREATE VIEW orders_summary WITH (security_barrier = true) AS
SELECT o.id, o.created_at, o.updated_at, o.woo_id, o.status, o.total,
       {_masked_text("customer_name")}, {_masked_text("customer_email")},
       o.number, o.currency, {_masked_text("customer_phone")},
       {_masked_json("billing")}, {_masked_json("shipping")},
       o.line_items, o.payment_method, o.payment_method_title, o.discount_total, o.shipping_total, o.total_tax,
       {_masked_text("customer_note")},
       o.woo_created_at, o.woo_modified_at, o.date_paid, o.date_completed, o.synced_at, o.store_id,
       o.customer_woo_id, o.refunded_total
FROM orders o
CROSS JOIN LATERAL (SELECT (SELECT rls_is_service()) OR (SELECT rls_is_admin())
                           OR o.store_id = ANY ((SELECT rls_store_ids('pii'))::uuid[]) AS pii) AS p
WHERE (SELECT rls_is_service()) OR (SELECT rls_is_admin()) OR o.store_id = ANY ((SELECT rls_store_ids('view'))::uuid[]);
ALTER VIEW orders_summary OWNER TO {SERVICE_ROLE};
GRANT SELECT ON orders_summary TO {WEB_ROLE}, {READER_ROLE};
-- The inventory's other views answer with the caller's rows (security_invoker).
ALTER VIEW stores_public SET (security_invoker = true);
ALTER VIEW store_basic_info SET (security_invoker = true);
ALTER VIEW audit_user_activity SET (security_invoker = true);
ALTER VIEW audit_critical_changes SET (security_invoker = true);
GRANT SELECT ON stores_public, audit_user_activity, audit_critical_changes TO {WEB_ROLE}, {READER_ROLE};
"""


def _unview():
    from importlib import import_module

    previous = import_module("orders.migrations.0003_orders_summary_view")
    return (
        "DROP VIEW IF EXISTS orders_summary;\n"
        + previous.CREATE
        + "ALTER VIEW stores_public RESET (security_invoker);\nALTER VIEW store_basic_info RESET (security_invoker);\n"
        "ALTER VIEW audit_user_activity RESET (security_invoker);\n"
        "ALTER VIEW audit_critical_changes RESET (security_invoker);\n"
    )


# Under row-level security PostgreSQL evaluates a non-LEAKPROOF function of a query's filter only
# after the policies, which keeps it out of index conditions: the search's UPPER(col) LIKE (GIN
# trigram indexes) and the taxonomy filters' jsonb @> (GIN) would become sequential scans. These
# built-ins raise no error that depends on the row's value, so marking them leakproof is safe.
# Only a superuser may; elsewhere README ("Row-level security") gives the statements.
LEAKPROOF_FUNCTIONS = (
    "upper(text)",
    "lower(text)",
    "textlike(text, text)",
    "texticlike(text, text)",
    "textnlike(text, text)",
    "jsonb_contains(jsonb, jsonb)",
    "jsonb_exists(jsonb, text)",
)

LEAKPROOF = (
    "DO $lp$ BEGIN IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN "
    + " ".join(f"ALTER FUNCTION pg_catalog.{fn} LEAKPROOF;" for fn in LEAKPROOF_FUNCTIONS)
    + " ELSE RAISE NOTICE 'Not a superuser: the search indexes need the LEAKPROOF statements of README.'; END IF; END $lp$;"
)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0011_database_rules"),
        ("accounts", "0006_app_admin_follows_roles_grant_invitations"),
        ("agents", "0002_insights_store_cause_alerts_store"),
        ("catalog", "0006_variation_every_field"),
        ("orders", "0006_notes_refunds_customers"),
        ("projects", "0003_functions_search_path"),
        ("stores", "0006_store_woocommerce_version"),
        ("sync", "0002_sync_runs_state_push_conflicts"),
        ("webhooks", "0002_delivery_inbox"),
        ("sessions", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("axes", "0010_accessattemptexpiration"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [
        migrations.RunSQL(ROLES, UNROLES),
        migrations.RunSQL(FUNCTIONS, UNFUNCTIONS),
        migrations.RunSQL(_policies(), _unpolicies()),
        migrations.RunSQL(VIEW, _unview()),
        migrations.RunSQL(LEAKPROOF, migrations.RunSQL.noop),
    ]
