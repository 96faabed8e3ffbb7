"""One table: COPY into a staging table, refuse what cannot go in, then one upsert.

Everything is set-based: a million rows cost a COPY and a handful of statements, never a query per
row. The staging table has the target's column types (``CREATE TEMP TABLE … AS SELECT … WITH NO
DATA``) plus ``_refused``, the reason a row stays out:

- a ``NOT NULL`` column without a value;
- a unique key (other than ``id``) that another row of ours already holds;
- a foreign key pointing at a row that is not here (its parent was refused, or never existed).

The upsert keeps every UUID (``ON CONFLICT (id)``) and writes only rows whose values differ, so a
second run writes nothing; ``RETURNING (xmax = 0)`` tells new rows from changed ones. Before the
table's transaction commits, every row that was not refused must be found in the target.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

from accounts.supabase_import.source import quote

# A load of at least this many rows into an empty table builds the secondary indexes afterwards.
BULK_LOAD_ROWS = 20_000


class ImportCheckFailed(Exception):
    """The import cannot go on with this table: its transaction is undone, the message says why."""


@dataclass
class TableResult:
    table: str
    source_rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: int = 0
    reasons: list = field(default_factory=list)  # (reason, rows, an example id)
    notes: list = field(default_factory=list)
    missing: bool = False  # the source has no such table
    links_pending: bool = False  # rows wait, in this transaction, for a later table's rows


@dataclass(frozen=True)
class UniqueKey:
    """A unique index of ours on plain columns, maybe partial (``WHERE …``), maybe NULLS NOT DISTINCT."""

    columns: tuple
    predicate: str | None = None
    predicate_columns: tuple = ()
    nulls_not_distinct: bool = False

    def same(self, left, right, columns):
        equal = "IS NOT DISTINCT FROM" if self.nulls_not_distinct else "="
        return " AND ".join(f"{left}.{quote(c)} {equal} {right}.{quote(c)}" for c in columns)


@dataclass(frozen=True)
class TargetTable:
    """What the target's catalogs say about one table."""

    name: str
    columns: tuple
    not_null: frozenset
    # NOT NULL columns without a default: an INSERT must give them a value.
    required: frozenset
    defaults: dict  # column -> its default as SQL, for columns that have one
    unique_keys: tuple  # UniqueKey
    foreign_keys: tuple  # (column, referenced table, referenced column)


def target_table(cursor, name):
    cursor.execute(
        "SELECT a.attname, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute AS a"
        " LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = %s::regclass"
        " AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
        [name],
    )
    rows = cursor.fetchall()
    cursor.execute(
        "SELECT (SELECT array_agg(a.attname::text ORDER BY k.ord)"
        "        FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
        "        JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum),"
        " pg_get_expr(i.indpred, i.indrelid), i.indnullsnotdistinct,"
        " ARRAY(SELECT a.attname::text FROM pg_attribute AS a WHERE a.attrelid = i.indrelid AND a.attnum > 0"
        "       AND pg_get_expr(i.indpred, i.indrelid) ~ ('\\m' || a.attname || '\\M'))"
        " FROM pg_index AS i WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary"
        " AND i.indexprs IS NULL",
        [name],
    )
    unique_keys = tuple(
        UniqueKey(tuple(columns), predicate, tuple(names), bool(nnd))
        for columns, predicate, nnd, names in cursor.fetchall()
    )
    cursor.execute(
        "SELECT a.attname, c.confrelid::regclass::text, fa.attname FROM pg_constraint AS c"
        " JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
        " JOIN pg_attribute AS fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]"
        " WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND cardinality(c.conkey) = 1 ORDER BY 1",
        [name],
    )
    foreign_keys = tuple(cursor.fetchall())
    return TargetTable(
        name=name,
        columns=tuple(column for column, _, _ in rows),
        not_null=frozenset(column for column, not_null, _ in rows if not_null),
        required=frozenset(column for column, not_null, default in rows if not_null and default is None),
        defaults={column: default for column, _, default in rows if default is not None},
        unique_keys=unique_keys,
        foreign_keys=foreign_keys,
    )


def column_plan(spec, source_columns, target):
    """``[(target column, source expression)]`` and the source columns left behind."""
    plan = [(column, f"s.{quote(column)}") for column in target.columns if column in source_columns]
    plan = [(column, spec.select.get(column, expression)) for column, expression in plan]
    plan += [(column, expression) for column, expression in spec.select.items() if column not in dict(plan)]
    plan = [(column, expression) for column, expression in plan if column in target.columns]
    unfilled = sorted(target.required - {column for column, _ in plan})
    if unfilled:
        raise ImportCheckFailed(
            f"{spec.name}: our column(s) {', '.join(unfilled)} need a value and have no default, and the source"
            f" {spec.source_relation} has no such column: give them a database default, or map them in"
            " accounts/supabase_import/tables.py."
        )
    left_behind = [column for column in source_columns if column not in target.columns and spec.report_left_behind]
    return plan, left_behind


class Staged:
    """A staging table for ``target``, filled from the source."""

    def __init__(self, cursor, target, columns):
        self.cursor = cursor
        self.target = target
        self.columns = columns
        self.name = f"_import_{target.name}"
        self.foreign_keys_dropped = False
        self.column_list = ", ".join(quote(column) for column in columns)
        cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
        cursor.execute(
            f"CREATE TEMP TABLE {self.name} AS SELECT {self.column_list} FROM {quote(target.name)} WITH NO DATA"
        )
        cursor.execute(f"ALTER TABLE {self.name} ADD COLUMN _refused text")

    def fill(self, chunks, progress=None):
        rows = 0
        with self.cursor.copy(f"COPY {self.name} ({self.column_list}) FROM STDIN") as copy:
            for chunk in chunks:
                copy.write(chunk)
                rows += bytes(chunk).count(b"\n")
                if progress is not None:
                    progress(rows)
        self.cursor.execute(f"ANALYZE {self.name}")
        return rows

    def refuse(self, reason, condition, params=()):
        self.cursor.execute(
            f"UPDATE {self.name} AS s SET _refused = %s WHERE s._refused IS NULL AND ({condition})", [reason, *params]
        )

    def refuse_what_cannot_go_in(self, linked_later, source_unique_keys):
        target = self.target
        required = [column for column in self.columns if column in target.not_null]
        if required:  # one pass over the staged rows for all of them
            reason = "CASE " + " ".join(f"WHEN s.{quote(c)} IS NULL THEN '{c} is empty'" for c in required) + " END"
            self.cursor.execute(
                f"UPDATE {self.name} AS s SET _refused = {reason} WHERE s._refused IS NULL AND ("
                + " OR ".join(f"s.{quote(c)} IS NULL" for c in required)
                + ")"
            )
        empty = self._target_is_empty()
        for key in target.unique_keys:
            self._refuse_same_key(key, source_unique_keys, check_existing=not empty)
        for column, parent, parent_column in target.foreign_keys:
            if column not in self.columns or column in linked_later:
                continue
            exists = f"EXISTS (SELECT 1 FROM {quote(parent)} AS p WHERE p.{quote(parent_column)} = s.{quote(column)})"
            if parent == target.name:  # a parent in the same import (a category's parent)
                exists += (
                    f" OR EXISTS (SELECT 1 FROM {self.name} AS p WHERE p.{quote(parent_column)} = s.{quote(column)}"
                    " AND p._refused IS NULL)"
                )
            self.refuse(
                f"{column} points at a {parent} row that is not here",
                f"s.{quote(column)} IS NOT NULL AND NOT ({exists})",
            )

    def refuse_removed_here(self):
        """Rows the audit trail says were deleted here (after an earlier import brought them)."""
        self.refuse(
            "removed here since an earlier import",
            "EXISTS (SELECT 1 FROM audit_logs AS a"
            " WHERE a.table_name = %s AND a.record_id = s.id AND a.action = 'DELETE')",
            [self.target.name],
        )

    def _refuse_same_key(self, key, source_unique_keys, *, check_existing):
        """Rows a unique index of ours would reject: two imported rows with the same key where the
        source does not promise it (the newest is kept), or a key another row here holds.

        A key column the source does not have gets its default on every imported row: a constant
        (``''``, ``0``, NULL where NULLs are not distinct) is the same for all of them, so the
        other columns decide; a NULL that is distinct, or a computed default, never collides."""
        staged = [c for c in key.columns if c in self.columns]
        defaulted = {c: self.target.defaults.get(c) for c in key.columns if c not in self.columns}
        if any((d is None and not key.nulls_not_distinct) or (d is not None and "(" in d) for d in defaulted.values()):
            return
        label = ", ".join(key.columns)
        # A partial index's WHERE, evaluated on the staged rows when they have its columns;
        # otherwise every row counts as inside the index (refusing too much beats failing).
        inside = key.predicate if key.predicate and set(key.predicate_columns) <= set(self.columns) else None
        if frozenset(key.columns) not in source_unique_keys or key.predicate:
            newest = "updated_at DESC NULLS LAST, id" if "updated_at" in self.columns else "id"
            conditions = ["_refused IS NULL"]
            if not key.nulls_not_distinct:  # NULLs never collide
                conditions += [f"{quote(c)} IS NOT NULL" for c in staged]
            if inside:
                conditions.append(f"({inside})")
            partition = "PARTITION BY " + ", ".join(quote(c) for c in staged) if staged else ""
            self.cursor.execute(
                f"UPDATE {self.name} AS s SET _refused = %s FROM (SELECT id, row_number() OVER"
                f" ({partition} ORDER BY {newest}) AS n FROM {self.name} WHERE {' AND '.join(conditions)})"
                " AS d WHERE d.id = s.id AND d.n > 1",
                [f"another imported row has the same {label} (the newest is kept)"],
            )
        if check_existing:
            table = quote(self.target.name)
            ours = f"(SELECT * FROM {table} WHERE {key.predicate})" if key.predicate else table
            match = [key.same("t", "s", staged)] if staged else []
            match += [f"t.{quote(c)} IS NOT DISTINCT FROM ({d or 'NULL'})" for c, d in defaulted.items()]
            within = f"s.id IN (SELECT id FROM {self.name} WHERE {inside}) AND " if inside else ""
            self.refuse(
                f"another row here already has this {label}",
                f"{within}EXISTS (SELECT 1 FROM {ours} AS t WHERE {' AND '.join(match)} AND t.id <> s.id)",
            )

    def refusals(self):
        self.cursor.execute(
            f"SELECT _refused, count(*), min(id::text) FROM {self.name}"
            " WHERE _refused IS NOT NULL GROUP BY 1 ORDER BY 2 DESC"
        )
        return self.cursor.fetchall()

    def upsert(self, spec, rows, may_drop_keys=True):
        """Write the staged rows; returns ``(new, changed, statements that rebuild indexes)``.

        Into an empty table, a large load goes in without the table's non-unique indexes and
        foreign keys (PostgreSQL's "Populating a Database" advice): the caller restores them
        with the returned statements before its transaction commits (``restore_after_bulk_load``;
        a failure restores them anyway). Building an index once is several times cheaper than
        growing it row by row, above all the GIN trigram and JSON indexes of ``products``, and
        a foreign key added back is checked by one query instead of a lookup per row. The
        unique indexes stay: they enforce the keys. The rows were checked against their parents
        when staged, so adding the foreign keys back cannot fail on them.
        """
        table = quote(self.target.name)
        bulk = rows >= BULK_LOAD_ROWS and self._target_is_empty()
        self.foreign_keys_dropped = bulk and may_drop_keys
        rebuild = (self._drop_foreign_keys() if self.foreign_keys_dropped else []) + (
            self._drop_secondary_indexes() if bulk else []
        )
        if spec.append_only:
            conflict, same = "DO NOTHING", "TRUE"
        else:
            updates = [(c, spec.on_update.get(c, f"EXCLUDED.{quote(c)}")) for c in self.columns if c != "id"]
            current = ", ".join(f"t.{quote(column)}" for column, _ in updates)
            wanted = ", ".join(expression for _, expression in updates)
            assignments = ", ".join(f"{quote(column)} = {expression}" for column, expression in updates)
            conflict = f"DO UPDATE SET {assignments} WHERE ROW({current}) IS DISTINCT FROM ROW({wanted})"
            same = f"ROW({current}) IS NOT DISTINCT FROM ROW({wanted.replace('EXCLUDED.', 's.')})"
        # Rows we already hold as they are stay out of the INSERT: ON CONFLICT would lock (and so
        # write) each of them just to find there is nothing to do.
        self.cursor.execute(
            f"WITH written AS (INSERT INTO {table} AS t ({self.column_list})"
            f" SELECT {', '.join(f's.{quote(c)}' for c in self.columns)} FROM {self.name} AS s"
            f" WHERE s._refused IS NULL AND NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.id = s.id AND {same})"
            f" ON CONFLICT (id) {conflict} RETURNING (t.xmax = 0) AS inserted)"
            " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written",
            [],
        )
        new, changed = self.cursor.fetchone()
        return new, changed, rebuild

    def _target_is_empty(self):
        self.cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {quote(self.target.name)})")
        return self.cursor.fetchone()[0]

    def _drop_foreign_keys(self):
        """Drop the table's foreign keys; returns the statements that add them back."""
        table = quote(self.target.name)
        self.cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [self.target.name],
        )
        constraints = self.cursor.fetchall()
        with checks_done_now(self.cursor):
            for name, _definition in constraints:
                self.cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        return [f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}" for name, definition in constraints]

    def _drop_secondary_indexes(self):
        """Drop the table's non-unique indexes; returns the statements that recreate them."""
        self.cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index AS i"
            " JOIN pg_class AS c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary",
            [self.target.name],
        )
        indexes = self.cursor.fetchall()
        for name, _definition in indexes:
            self.cursor.execute(f"DROP INDEX {quote(name)}")
        return [definition for _name, definition in indexes]

    def count_missing_after_write(self):
        """Rows that were not refused yet are not in the target (must be 0 before commit)."""
        self.cursor.execute(
            f"SELECT count(*) FROM {self.name} AS s WHERE s._refused IS NULL"
            f" AND NOT EXISTS (SELECT 1 FROM {quote(self.target.name)} AS t WHERE t.id = s.id)"
        )
        return self.cursor.fetchone()[0]

    def drop(self):
        self.cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


def restore_after_bulk_load(cursor, statements):
    """Add back the foreign keys and indexes dropped for a bulk load."""
    if not statements:
        return
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    with checks_done_now(cursor):
        for statement in statements:
            cursor.execute(statement)


@contextmanager
def checks_done_now(cursor):
    """Run the foreign-key checks this transaction has deferred so far, then defer again.

    PostgreSQL alters no table with trigger events pending (dropping a foreign key alters the
    referenced table too); our foreign keys are all DEFERRABLE INITIALLY DEFERRED, which the
    products/images transaction relies on afterwards."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def unlink_missing(cursor, table, column, parent):
    """Clear links to ``parent`` rows that did not come (ON DELETE SET NULL); returns how many."""
    cursor.execute(
        f"UPDATE {quote(table)} AS t SET {quote(column)} = NULL WHERE t.{quote(column)} IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {quote(parent)} AS p WHERE p.id = t.{quote(column)})"
    )
    return cursor.rowcount
