"""Row-level security at a fixed, small cost per statement, and an ``orders_summary`` the planner
can flatten (issue 15's speed floor). See docs/schema-notes.md, "Row-level security".

- ``rls_context()`` computes the acting user's identity, admin and team flags and the four store
  sets in one go. The web statements' prefix (``audit/actor.py``) keeps them, for the
  application's login (a member of ``storedesk_web``), in the transaction-local setting
  ``storedesk.rls_context`` keyed by ``storedesk.actor_user_id`` (``rls_remember_context()``), so
  each statement computes them once however many policies ask, and an ``atomic()`` block once;
  ``rls_user_id()``, ``rls_is_admin()``, ``rls_is_team()`` and ``rls_store_ids(kind)`` read it and
  are parallel safe (a parallel query may set no setting, so they never write it). A write to a
  table they are computed from forgets it (``rls_forget_context`` triggers). Any other login
  (``grant_sql_access``) could set that setting itself, so for it the cache is never read: it
  computes every time. The functions are PL/pgSQL, whose plans are kept per session (SQL
  functions were planned again in every statement).
- ``orders_summary`` was a ``security_barrier`` view, which PostgreSQL never flattens: the outer
  ``ORDER BY ... LIMIT`` of the viewers' order list could not use an index and the masking ran for
  every order of the table. It is now a plain view owned by ``storedesk_summary``, a role with no
  rights of its own whose policy on ``orders`` (``summary_read``) keeps each caller to their stores.
  Row-level quals are security quals at the table: a caller's own (possibly leaky) quals run only
  on rows that passed them, while the view is flattened and indexes, ``ORDER BY`` and ``LIMIT``
  work again.
"""

import re
from importlib import import_module

from django.db import migrations

from config.rls import READER_ROLE, SERVICE_ROLE, SUMMARY_ROLE, WEB_ROLE, ensure_roles_sql

RLS = import_module("audit.migrations.0012_row_level_security")
PREVIOUS_VIEW = import_module("orders.migrations.0008_orders_summary_activity_synced_at").VIEW

ROLE = ensure_roles_sql((SUMMARY_ROLE,)) + f"GRANT USAGE ON SCHEMA public TO {SUMMARY_ROLE};\n"
UNROLE = f"REVOKE USAGE ON SCHEMA public FROM {SUMMARY_ROLE};\n"

# Tables the context is computed from: a write to one of them in a transaction forgets it.
CONTEXT_TABLES = ("users", "user_roles", "store_users", "store_user_object_permissions", "auth_permission")

# The readers of the context: (signature, result, the element of rls_context() and its type).
# kind: view, write, pii or owner (anything else: NULL, which matches no store).
_STORE_SET = "4 OPERATOR(pg_catalog.+) pg_catalog.array_position(ARRAY['view', 'write', 'pii', 'owner'], kind)"
_READERS = (
    ("rls_user_id()", "uuid", "2", "pg_catalog.uuid"),
    ("rls_is_admin()", "boolean", "3", "pg_catalog.bool"),
    ("rls_is_team()", "boolean", "4", "pg_catalog.bool"),
    ("rls_store_ids(kind text)", "uuid[]", _STORE_SET, "pg_catalog.uuid[]"),
)
# Security invokers (only rls_context() needs the definer's rights); like every function of ours
# they fix their search_path, and every name, type and operator in them is schema-qualified too.
READERS = "".join(
    f"CREATE OR REPLACE FUNCTION {signature} RETURNS {result}\n"
    f"LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = public AS $fn$\n"
    f"BEGIN\n    RETURN (public.rls_context())[{element}]::{cast};\nEND\n$fn$;\n\n"
    for signature, result, element, cast in _READERS
)

FUNCTIONS = (
    f"""
-- [actor setting, user id, admin, team, view, write, pii, owner store ids] as text; kept as the
-- array's text form (NULL survives).
CREATE FUNCTION rls_context() RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = public AS $fn$
DECLARE
    -- The application's login: the only one whose storedesk.* settings are believed.
    app boolean := pg_has_role(session_user, '{WEB_ROLE}', 'MEMBER');
    actor text := coalesce(current_setting('storedesk.actor_user_id', true), '');
    cached text[];
    me uuid;
    admin boolean := false;
    team boolean := false;
    view_ids uuid[] := '{{}}';
    write_ids uuid[] := '{{}}';
    pii_ids uuid[] := '{{}}';
    owner_ids uuid[] := '{{}}';
    context text[];
BEGIN
    IF app THEN
        cached := NULLIF(current_setting('storedesk.rls_context', true), '')::text[];
        IF cached[1] = actor THEN
            RETURN cached;
        END IF;
        -- The cheap case first: the user passed by the application. Inactive users are nobody.
        IF actor ~* '{RLS.UUID_RE}' THEN
            SELECT u.id, u.is_staff INTO me, admin FROM users u WHERE u.id = actor::uuid AND u.is_active;
        END IF;
    ELSE
        -- A grant_sql_access login: its user, by session_user, which it cannot change.
        SELECT u.id, u.is_staff INTO me, admin
        FROM sql_access_logins l JOIN users u ON u.id = l.user_id
        WHERE l.login = session_user AND u.is_active;
    END IF;
    admin := coalesce(admin, false);  -- no such user: the SELECT INTO set it to NULL
    IF me IS NOT NULL THEN
        -- The same rules as stores/access.py: view = a role or any explicit grant; write =
        -- owner/manager or a catalog/order-status/sync grant; pii = owner/manager or a
        -- view_customer_data grant; owner = the owner role. The team: admins and the "user" role.
        team := admin OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = me AND r.role = 'user');
        SELECT COALESCE(array_agg(su.store_id), '{{}}'),
               COALESCE(array_agg(su.store_id) FILTER (WHERE su.role IN ('owner', 'manager')), '{{}}'),
               COALESCE(array_agg(su.store_id) FILTER (WHERE su.role = 'owner'), '{{}}')
        INTO view_ids, write_ids, owner_ids
        FROM store_users su WHERE su.user_id = me;
        pii_ids := write_ids;
        IF EXISTS (SELECT 1 FROM store_user_object_permissions g WHERE g.user_id = me) THEN
            SELECT view_ids || array_agg(g.content_object_id),
                   write_ids || COALESCE(array_agg(g.content_object_id) FILTER (
                       WHERE p.codename IN ('change_catalog', 'change_order_status', 'run_sync')), '{{}}'),
                   pii_ids || COALESCE(array_agg(g.content_object_id) FILTER (
                       WHERE p.codename = 'view_customer_data'), '{{}}')
            INTO view_ids, write_ids, pii_ids
            FROM store_user_object_permissions g JOIN auth_permission p ON p.id = g.permission_id
            WHERE g.user_id = me;
        END IF;
    END IF;
    context := ARRAY[actor, me::text, admin::text, team::text,
                     view_ids::text, write_ids::text, pii_ids::text, owner_ids::text];
    RETURN context;
END
$fn$;

"""
    + READERS
    + f"""
-- Whether the caller is the service (its current role, not the session's).
CREATE OR REPLACE FUNCTION rls_is_service() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = public AS $fn$
BEGIN
    RETURN pg_catalog.pg_has_role(current_user, '{SERVICE_ROLE}', 'MEMBER');
END
$fn$;

-- The web statements' prefix (audit/actor.py) calls this right after setting the actor: the
-- statement's policies then read the context instead of computing it. Only here is it written:
-- a parallel query may set no setting, and the readers above stay parallel safe. Unchanged when
-- kept for the same actor (the next statement of an atomic() block).
CREATE FUNCTION rls_remember_context() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = public AS $fn$
BEGIN
    IF pg_catalog.pg_has_role(session_user, '{WEB_ROLE}', 'MEMBER') THEN
        PERFORM pg_catalog.set_config('storedesk.rls_context', (public.rls_context())::pg_catalog.text, true);
    END IF;
END
$fn$;

CREATE FUNCTION rls_forget_context() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $fn$
BEGIN
    PERFORM pg_catalog.set_config('storedesk.rls_context', '', true);
    RETURN NULL;
END
$fn$;
"""
    + "".join(
        f"CREATE TRIGGER rls_forget_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION rls_forget_context();\n"
        for table in CONTEXT_TABLES
    )
)

_OLD_HELPERS = re.findall(
    r"CREATE FUNCTION rls_(?:user_id|is_admin|is_team|store_ids|is_service)\(.*?\$fn\$;", RLS.FUNCTIONS, re.S
)
assert len(_OLD_HELPERS) == 5
UNFUNCTIONS = (
    "".join(f"DROP TRIGGER IF EXISTS rls_forget_context ON {table};\n" for table in CONTEXT_TABLES)
    + "DROP FUNCTION IF EXISTS rls_forget_context();\n"
    + "".join(sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) + "\n" for sql in _OLD_HELPERS)
    + "DROP FUNCTION IF EXISTS rls_remember_context();\n"
    + "DROP FUNCTION IF EXISTS rls_context();\n"
)

# The view of orders 0008 without its barrier and WHERE: the policy below does the filtering.
# OFFSET 0 keeps the per-row "may see customer data" flag one sub-select: pulled up, it was copied
# into each of the dozen masked columns, three initPlans each.
_BARRIER = "CREATE VIEW orders_summary WITH (security_barrier = true) AS"
_FLAG = "OR o.store_id = ANY ((SELECT rls_store_ids('pii'))::uuid[]) AS pii) AS p"
_WHERE = re.search(r"\nWHERE \(SELECT rls_is_service\(\)\).*?;\n", PREVIOUS_VIEW).group(0)
_OWNER = f"ALTER VIEW orders_summary OWNER TO {SERVICE_ROLE};"
assert _BARRIER in PREVIOUS_VIEW and _OWNER in PREVIOUS_VIEW and _FLAG in PREVIOUS_VIEW
VIEW = (
    PREVIOUS_VIEW.replace(_BARRIER, "CREATE VIEW orders_summary AS")
    .replace(_FLAG, _FLAG.replace(" AS pii) AS p", " AS pii OFFSET 0) AS p"))
    .replace(_WHERE, ";\n")
    .replace(
        _OWNER,
        # The new owner needs CREATE on the schema for the ALTER only.
        f"GRANT CREATE ON SCHEMA public TO {SUMMARY_ROLE};\n"
        f"ALTER VIEW orders_summary OWNER TO {SUMMARY_ROLE};\n"
        f"REVOKE CREATE ON SCHEMA public FROM {SUMMARY_ROLE};",
    )
    + f"""GRANT SELECT ON orders TO {SUMMARY_ROLE};
-- The service (workers: everything; orders.masking masks per user in Python), app admins, and
-- every other caller's own stores (any role or grant; the view masks where they lack pii).
CREATE POLICY summary_read ON orders FOR SELECT TO {SUMMARY_ROLE}
    USING ((SELECT rls_is_service()) OR (SELECT rls_is_admin()) OR store_id = ANY ((SELECT rls_store_ids('view'))::uuid[]));
"""
)
assert f"GRANT SELECT ON orders_summary TO {WEB_ROLE}, {READER_ROLE};" in VIEW
UNVIEW = f"DROP POLICY IF EXISTS summary_read ON orders;\nREVOKE ALL ON orders FROM {SUMMARY_ROLE};\n" + PREVIOUS_VIEW


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0012_row_level_security"),
        ("orders", "0008_orders_summary_activity_synced_at"),
    ]

    operations = [
        migrations.RunSQL(ROLE, UNROLE),
        migrations.RunSQL(FUNCTIONS, UNFUNCTIONS),
        migrations.RunSQL(VIEW, UNVIEW),
    ]
