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

from dataclasses import dataclass, field

from accounts.supabase_import.source import quote


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


@dataclass(frozen=True)
class TargetTable:
    """What the target's catalogs say about one table."""

    name: str
    columns: tuple
    not_null: frozenset
    unique_keys: tuple  # tuples of columns
    foreign_keys: tuple  # (column, referenced table, referenced column)


def target_table(cursor, name):
    cursor.execute(
        "SELECT a.attname, a.attnotnull FROM pg_attribute AS a WHERE a.attrelid = %s::regclass"
        " AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
        [name],
    )
    rows = cursor.fetchall()
    cursor.execute(
        "SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index AS i"
        " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
        " JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary"
        " AND i.indpred IS NULL AND i.indexprs IS NULL GROUP BY i.indexrelid",
        [name],
    )
    unique_keys = tuple(tuple(columns) for (columns,) in cursor.fetchall())
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
        columns=tuple(column for column, _ in rows),
        not_null=frozenset(column for column, not_null in rows if not_null),
        unique_keys=unique_keys,
        foreign_keys=foreign_keys,
    )


def column_plan(spec, source_columns, target):
    """``[(target column, source expression)]`` and the source columns left behind."""
    plan = [(column, f"s.{quote(column)}") for column in target.columns if column in source_columns]
    plan = [(column, spec.select.get(column, expression)) for column, expression in plan]
    plan += [(column, expression) for column, expression in spec.select.items() if column not in dict(plan)]
    plan = [(column, expression) for column, expression in plan if column in target.columns]
    if spec.name == "users":
        left_behind = []  # auth.users' own columns are GoTrue's business; people.py picks what we keep
    else:
        left_behind = [column for column in source_columns if column not in target.columns]
    return plan, left_behind


class Staged:
    """A staging table for ``target``, filled from the source."""

    def __init__(self, cursor, target, columns):
        self.cursor = cursor
        self.target = target
        self.columns = columns
        self.name = f"_import_{target.name}"
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

    def refuse_what_cannot_go_in(self, deferred):
        target, table = self.target, quote(self.target.name)
        for column in self.columns:
            if column in target.not_null:
                self.refuse(f"{column} is empty", f"s.{quote(column)} IS NULL")
        for key in target.unique_keys:
            if not set(key) <= set(self.columns):
                continue
            match = " AND ".join(f"t.{quote(column)} = s.{quote(column)}" for column in key)
            self.refuse(
                f"another row here already has this {', '.join(key)}",
                f"EXISTS (SELECT 1 FROM {table} AS t WHERE {match} AND t.id <> s.id)",
            )
        for column, parent, parent_column in target.foreign_keys:
            if column not in self.columns or column in deferred:
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

    def defer(self, column, parent):
        """Keep ``column`` aside for rows whose parent arrives later; returns the side table."""
        side = f"{self.name}_{column}"
        self.cursor.execute(f"DROP TABLE IF EXISTS {side}")
        self.cursor.execute(
            f"CREATE TEMP TABLE {side} AS SELECT id, {quote(column)} AS value FROM {self.name} AS s"
            f" WHERE s.{quote(column)} IS NOT NULL"
            f" AND NOT EXISTS (SELECT 1 FROM {quote(parent)} AS p WHERE p.id = s.{quote(column)})"
        )
        self.cursor.execute(f"UPDATE {self.name} AS s SET {quote(column)} = NULL FROM {side} AS d WHERE d.id = s.id")
        return side

    def refusals(self):
        self.cursor.execute(
            f"SELECT _refused, count(*), min(id::text) FROM {self.name}"
            " WHERE _refused IS NOT NULL GROUP BY 1 ORDER BY 2 DESC"
        )
        return self.cursor.fetchall()

    def upsert(self, spec):
        """Write the staged rows; returns ``(new, changed)``."""
        table = quote(self.target.name)
        if spec.append_only:
            conflict = "DO NOTHING"
        else:
            updates = [(c, spec.on_update.get(c, f"EXCLUDED.{quote(c)}")) for c in self.columns if c != "id"]
            current = ", ".join(f"t.{quote(column)}" for column, _ in updates)
            wanted = ", ".join(expression for _, expression in updates)
            assignments = ", ".join(f"{quote(column)} = {expression}" for column, expression in updates)
            conflict = f"DO UPDATE SET {assignments} WHERE ROW({current}) IS DISTINCT FROM ROW({wanted})"
        self.cursor.execute(
            f"WITH written AS (INSERT INTO {table} AS t ({self.column_list})"
            f" SELECT {self.column_list} FROM {self.name} WHERE _refused IS NULL"
            f" ON CONFLICT (id) {conflict} RETURNING (t.xmax = 0) AS inserted)"
            " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written",
            [],
        )
        return self.cursor.fetchone()

    def count_missing_after_write(self):
        """Rows that were not refused yet are not in the target (must be 0 before commit)."""
        self.cursor.execute(
            f"SELECT count(*) FROM {self.name} AS s WHERE s._refused IS NULL"
            f" AND NOT EXISTS (SELECT 1 FROM {quote(self.target.name)} AS t WHERE t.id = s.id)"
        )
        return self.cursor.fetchone()[0]

    def drop(self):
        self.cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


def apply_deferred(cursor, table, column, parent, side):
    """Set a deferred foreign key now that its parents are in; returns rows changed."""
    cursor.execute(
        f"UPDATE {quote(table)} AS t SET {quote(column)} = d.value FROM {side} AS d"
        f" WHERE t.id = d.id AND t.{quote(column)} IS DISTINCT FROM d.value"
        f" AND EXISTS (SELECT 1 FROM {quote(parent)} AS p WHERE p.id = d.value)"
    )
    changed = cursor.rowcount
    cursor.execute(f"DROP TABLE IF EXISTS {side}")
    return changed
