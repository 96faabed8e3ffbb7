"""SQL access for BI tools (issue 15): a PostgreSQL login that sees what one person sees.

``grant_sql_access(user)`` creates (or, run again, gives a new password to) the login
``storedesk_sql_<first 16 hex digits of the user id>``, a member of ``storedesk_reader``, and maps
it to the user in ``sql_access_logins``. Row-level security (audit migration 0012) reads that map
through ``session_user``, which a login cannot change, so the login sees exactly the user's
stores, orders only where they may see customer data, and the masked ``orders_summary`` view;
it cannot write anything. ``revoke_sql_access(user)`` ends its sessions and drops it.

The password never reaches the server: ``CREATE``/``ALTER ROLE`` carry its SCRAM-SHA-256 verifier,
computed here by libpq (``PQencryptPasswordConn``), so server logs, ``pg_stat_statements`` and
``pg_stat_activity`` see only the verifier, from which the password cannot be recovered.
"""

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db import DatabaseError
from django.db import connection
from django.db import transaction
from psycopg import sql

from config.rls import READER_ROLE


class SqlAccessError(Exception):
    """The database refused to create or drop a login (e.g. the login lacks CREATEROLE)."""


@dataclass(frozen=True)
class SqlLogin:
    login: str
    password: str
    url: str
    rotated: bool

    def __repr__(self):  # never print the password, even in tracebacks
        return f"SqlLogin(login={self.login!r}, password='…', rotated={self.rotated})"


def login_name(user):
    return f"storedesk_sql_{user.pk.hex[:16]}"


def _quoted(statement, *parts):
    with connection.cursor() as cursor:
        return sql.SQL(statement).format(*parts).as_string(cursor.cursor)


def connection_url(login, password):
    db = settings.DATABASES["default"]
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or 5432
    return f"postgres://{quote(login, safe='')}:{quote(password, safe='')}@{host}:{port}/{quote(db['NAME'], safe='')}"


def scram_verifier(login, password):
    """The SCRAM-SHA-256 verifier of ``password`` (RFC 5802/7677, random salt), computed client-side."""
    connection.ensure_connection()
    return connection.connection.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()


def grant_sql_access(user):
    """Create or rotate the user's login; returns it with its password (shown once)."""
    login = login_name(user)
    password = secrets.token_urlsafe(24)
    verifier = sql.Literal(scram_verifier(login, password))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [login])
        rotated = cursor.fetchone() is not None
        if rotated:
            statement = _quoted("ALTER ROLE {} WITH LOGIN PASSWORD {}", sql.Identifier(login), verifier)
        else:
            statement = _quoted(
                "CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}",
                sql.Identifier(login),
                verifier,
                sql.Identifier(READER_ROLE),
            )
        try:
            cursor.execute(statement)
        except DatabaseError as exc:
            raise SqlAccessError(f"The database refused to create the login {login}: {exc}") from None
        cursor.execute(
            "INSERT INTO sql_access_logins (login, user_id) VALUES (%s, %s) "
            "ON CONFLICT (login) DO UPDATE SET user_id = EXCLUDED.user_id, rotated_at = statement_timestamp()",
            [login, user.pk],
        )
    return SqlLogin(login=login, password=password, url=connection_url(login, password), rotated=rotated)


def revoke_sql_access(user):
    """Drop the user's login (ending its open sessions). Returns whether there was one."""
    login = login_name(user)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM sql_access_logins WHERE login = %s", [login])
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [login])
        if cursor.fetchone() is None:
            return False
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [login])
        cursor.execute(_quoted("DROP ROLE {}", sql.Identifier(login)))
    return True
