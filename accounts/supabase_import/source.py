"""The Supabase database we import from, read-only.

One connection, one ``REPEATABLE READ READ ONLY`` transaction: every table is read from the same
snapshot (an order and its status log cannot disagree), and the source cannot be written to even
by a bug here. Rows leave it with ``COPY (SELECT …) TO STDOUT`` in text format, which the target
reads back with ``COPY … FROM STDIN`` unparsed.
"""

import re
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import psycopg
from psycopg import sql

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class SourceError(Exception):
    """The source cannot be read as a Supabase database (a message for people)."""


def redacted(url):
    """The source URL without its password, for reports."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def quote(name):
    """A trusted identifier from our own table list or the catalogs, checked anyway."""
    if not _IDENTIFIER.match(name):
        raise SourceError(f"Unexpected identifier {name!r}.")
    return f'"{name}"'


class SourceDatabase:
    def __init__(self, url):
        try:
            self.conn = psycopg.connect(url, autocommit=False, connect_timeout=15, application_name="import_supabase")
        except psycopg.Error as exc:
            raise SourceError(f"Cannot connect to the source ({redacted(url)}): {str(exc).strip()}") from None
        self.url = redacted(url)
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.conn.read_only = True
        # Text the target parses the same way whatever the source's settings; Supabase keeps
        # pgcrypto in the ``extensions`` schema and Vault in ``vault``.
        self.conn.execute(
            "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
            " SET bytea_output = 'hex'; SET search_path = public, extensions"
        )

    def close(self):
        self.conn.rollback()
        self.conn.close()

    def columns(self, relation):
        """The columns of ``schema.table`` in order, or ``None`` when it does not exist."""
        schema, table = relation.split(".", 1)
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
            " ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
        return [name for (name,) in rows] or None

    def unique_keys(self, relation):
        """The column sets the source keeps unique (primary key, unique constraints, not partial)."""
        rows = self.conn.execute(
            "SELECT (SELECT array_agg(a.attname::text) FROM unnest(i.indkey) AS k(attnum)"
            "        JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)"
            " FROM pg_index AS i WHERE i.indrelid = %s::regclass AND i.indisunique"
            " AND i.indpred IS NULL AND i.indexprs IS NULL",
            [relation],
        ).fetchall()
        return {frozenset(columns) for (columns,) in rows}

    def has_relation(self, relation):
        return self.conn.execute("SELECT to_regclass(%s) IS NOT NULL", [relation]).fetchone()[0]

    def count(self, relation):
        schema, table = relation.split(".", 1)
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        return self.conn.execute(query).fetchone()[0]

    def rows(self, query, params=()):
        return self.conn.execute(query, params).fetchall()

    def copy_out(self, select_sql):
        """Chunks of ``COPY (select_sql) TO STDOUT`` (text format)."""
        with self.conn.cursor() as cursor, cursor.copy(f"COPY ({select_sql}) TO STDOUT") as copy:
            yield from copy

    def scalar_or_none(self, query, params):
        """One value of a query that may fail (a wrong passphrase): ``None`` then, the snapshot kept."""
        try:
            with self.conn.transaction():  # a savepoint: the failure does not end the snapshot
                row = self.conn.execute(query, params).fetchone()
        except psycopg.Error:
            return None
        return row[0] if row else None
