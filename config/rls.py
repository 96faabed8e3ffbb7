"""Row-level security: who PostgreSQL thinks is asking, and the SQL that declares the policies.

The roles (created by ``audit/migrations/0012_row_level_security.py``):

- ``storedesk_web``: every statement a web request issues runs as this role, with the signed-in
  user's id in ``storedesk.actor_user_id``. Both are set with ``set_config(..., true)`` in the
  same round trip as the statement (``audit.actor``), so they are transaction-local and never
  outlive it on a persistent connection; so is the user's rights computed there once for the
  statement's policies (``rls_remember_context()``, audit migration 0013). A signed-in user's
  GET/HEAD runs in one transaction (``audit.middleware``): its first statement sets them, the
  next ones reuse them until service code, a rollback (to a savepoint) or the transaction's end.
- ``storedesk_service``: workers, beat, management commands, migrations and any code outside a
  request run as the ``DATABASE_URL`` login itself, which is a member of this role (so its
  policies apply to it even when the login is not a superuser). Nothing is switched for them:
  a transaction in which web statements ran is switched back with ``set_config('role', 'none',
  true)`` before the service's next statement.
- ``storedesk_reader``: the group of the SQL logins ``manage.py grant_sql_access`` makes for BI
  tools; each login is mapped to one user (``sql_access_logins``) and sees what they see.
- ``storedesk_summary``: owns the masked view ``orders_summary``; its policy on ``orders``
  (``summary_read``) keeps each caller of the view to their stores.

Inside a request, code that must act as the system (the webhook receiver, a token-authorised
invitation, an owner's credential change after the Python permission check) says so with
``with as_service():``.

Migrations declare policies with ``store_scoped_policies(table)`` (a table with ``store_id``) or
``table_policies(table, read=..., write=...)``; ``config/tests/test_rls.py`` fails for any table
of the public schema without row-level security enabled and forced.
"""

import contextlib
import contextvars

WEB_ROLE = "storedesk_web"
SERVICE_ROLE = "storedesk_service"
READER_ROLE = "storedesk_reader"
# The owner of the masked view orders_summary: a role with no rights of its own, whose policy on
# orders (summary_read) is each caller's stores (audit migration 0013).
SUMMARY_ROLE = "storedesk_summary"
ROLES = (WEB_ROLE, SERVICE_ROLE, READER_ROLE, SUMMARY_ROLE)

# ---------------------------------------------------------------------------------------------
# Which role the running code's statements take

_web = contextvars.ContextVar("storedesk_rls_web", default=False)


def web_role_active():
    """Whether statements issued now run as ``storedesk_web`` (inside a web request)."""
    return _web.get()


def enter_web_request():
    """Statements from now on run as the web role (the request's middleware). Returns a token."""
    return _web.set(True)


def leave(token):
    _web.reset(token)


class as_service(contextlib.ContextDecorator):
    """Run the block's statements as the service role, even inside a request. For code that is
    authorised by other means than the signed-in user's rows (a signature, a one-time token, a
    permission checked in ``stores.access`` just before), never to widen a page's reads."""

    def __init__(self):
        self._tokens = []

    def _recreate_cm(self):  # a fresh instance per decorated call (threads, recursion)
        return type(self)()

    def __enter__(self):
        self._tokens.append(_web.set(False))
        return self

    def __exit__(self, *exc):
        _web.reset(self._tokens.pop())
        return False


def as_service_for_task():
    """Celery's ``task_prerun``: a task is never a web request, even run eagerly inside one."""
    return _web.set(False)


# ---------------------------------------------------------------------------------------------
# SQL for migrations


def ensure_roles_sql(roles):
    """Create the NOLOGIN ``roles`` that are missing and make the migrating login a member of each
    (with ADMIN OPTION). A login that may not create roles gets an error whose hint names the
    statements an administrator runs once (README, "Row-level security")."""
    names = ", ".join(roles[:-1]) + f" and {roles[-1]}" if len(roles) > 1 else roles[0]
    admin_sql = " ".join(f"CREATE ROLE {role} NOLOGIN;" for role in roles)
    admin_sql += f"\nGRANT {', '.join(roles)} TO <the DATABASE_URL user> WITH ADMIN OPTION;"
    array = ", ".join(f"'{role}'" for role in roles)
    hint = f"""'An administrator runs once: '
                        || replace($admin${admin_sql}$admin$, '<the DATABASE_URL user>', quote_ident(current_user))
                        || ' Then run migrate again (see README, "Row-level security").'"""
    return f"""
DO $roles$
DECLARE
    r text;
    may_create boolean := (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user);
BEGIN
    FOREACH r IN ARRAY ARRAY[{array}] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            IF NOT may_create THEN
                RAISE EXCEPTION USING
                    MESSAGE = 'Row-level security needs the database roles {names}, and this login ('
                              || current_user || ') may not create roles.',
                    HINT = {hint};
            END IF;
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by a parallel migrate (roles are cluster-wide)
            END;
        END IF;
        -- A superuser may SET ROLE to anything; any other login must be a member.
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           AND NOT pg_has_role(current_user, r, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I WITH ADMIN OPTION', r, current_user);
        END IF;
    END LOOP;
END
$roles$;
"""  # noqa: S608 - role names from this module's constants


ADMIN = "(SELECT rls_is_admin())"
TEAM = "(SELECT rls_is_team())"
ME = "(SELECT rls_user_id())"


def stores_where(kind, column="store_id"):
    """``column`` is one of the acting user's stores for ``kind``: ``view`` (member or any grant),
    ``write`` (owner/manager, or a catalog/order/sync grant), ``pii`` (owner/manager, or a
    customer-data grant), ``owner``. The sub-select is an initPlan: evaluated once per query."""
    return f"{column} = ANY ((SELECT rls_store_ids('{kind}'))::uuid[])"


def _either(*conditions):
    return "(" + " OR ".join(c for c in conditions if c) + ")"


def enable_sql(table):
    return (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n"
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n"
        f"CREATE POLICY service_all ON {table} TO {SERVICE_ROLE} USING (true) WITH CHECK (true);\n"
        f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON {table} TO {SERVICE_ROLE};\n"
    )


def table_policies(table, *, read=None, write=None, insert=None, delete=None, reader=True, web_grants=None):
    """Enable + force RLS on ``table`` and declare its policies; returns SQL.

    ``read``: the web role's (and, with ``reader``, the BI logins') SELECT condition; ``write``:
    INSERT/UPDATE condition (``insert``/``delete`` override it for those commands; ``False``
    forbids). ``None`` means no such policy (the role may not do it). The service role may do
    everything. ``web_grants`` overrides the table privileges given to the web role.
    """
    insert = write if insert is None else insert
    delete = write if delete is None else delete
    parts = [enable_sql(table)]
    grants = []
    if read:
        roles = f"{WEB_ROLE}, {READER_ROLE}" if reader else WEB_ROLE
        parts.append(f"CREATE POLICY web_read ON {table} FOR SELECT TO {roles} USING {read};\n")
        grants.append("SELECT")
        if reader:
            parts.append(f"GRANT SELECT ON {table} TO {READER_ROLE};\n")
    if insert:
        parts.append(f"CREATE POLICY web_insert ON {table} FOR INSERT TO {WEB_ROLE} WITH CHECK {insert};\n")
        grants.append("INSERT")
    if write:
        parts.append(
            f"CREATE POLICY web_update ON {table} FOR UPDATE TO {WEB_ROLE} USING {write} WITH CHECK {write};\n"
        )
        grants.append("UPDATE")
    if delete:
        parts.append(f"CREATE POLICY web_delete ON {table} FOR DELETE TO {WEB_ROLE} USING {delete};\n")
        grants.append("DELETE")
    grants = web_grants if web_grants is not None else grants
    if grants:
        parts.append(f"GRANT {', '.join(grants)} ON {table} TO {WEB_ROLE};\n")
    return "".join(parts)


def store_scoped_policies(table, *, read="view", write="write", column="store_id", reader=True):
    """The usual policies of a store's data: app admins everything, the store's people read it
    (``read`` kind), its owners and managers write it (``write`` kind, ``None``: read-only)."""
    return table_policies(
        table,
        read=_either(ADMIN, stores_where(read, column)) if read else None,
        write=_either(ADMIN, stores_where(write, column)) if write else None,
        reader=reader,
    )


def drop_policies_sql(table):
    """The reverse of ``table_policies``: drops every policy, disables RLS, revokes the grants."""
    return (
        "DO $$ DECLARE p record; BEGIN "  # noqa: S608
        f"FOR p IN SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = '{table}' LOOP "
        f"EXECUTE format('DROP POLICY %I ON {table}', p.policyname); END LOOP; END $$;\n"
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;\n"
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;\n"
        f"REVOKE ALL ON {table} FROM {WEB_ROLE}, {SERVICE_ROLE}, {READER_ROLE};\n"
    )
