"""Set-based writes for the pull: one ``INSERT ... ON CONFLICT DO UPDATE`` per batch of rows.

A batch is first copied (``COPY ... FROM STDIN``, binary) into a session-local temporary staging
table, then written with one ``INSERT INTO t SELECT ... FROM stage ON CONFLICT (...) DO UPDATE ...
WHERE (cols) IS DISTINCT FROM (EXCLUDED cols)``: rows whose values did not change are skipped, so
an unchanged row is not updated at all (no ``updated_at`` churn, no audit-trigger noise, no new
row version). ``RETURNING (xmax = 0)`` tells inserts from updates. COPY costs a fraction of
quoting a large statement's parameters (measured: the no-op upsert of 1,000 orders falls from
~600 ms to ~230 ms). The INSERT goes through Django's cursor, so the audit actor is set as for
any write; the staging table is temporary and never audited. A batch that fails (one row breaking
a constraint) is split in halves until the bad row is isolated and reported; the rest is written.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError
from django.db import connection
from django.db import transaction
from psycopg.abc import Buffer
from psycopg.adapt import Dumper
from psycopg.copy import Copy
from psycopg.copy import FileWriter
from psycopg.pq import Format

from config.rls import as_service
from sync import json_codec
from sync.mappers.orders import ORDER_COLUMNS
from sync.mappers.products import PRODUCT_COLUMNS
from sync.mappers.variations import VARIATION_COLUMNS
from sync.models import open_push_guard
from sync.models import open_variation_push_guard

logger = logging.getLogger(__name__)

# Every table written here has a uuid ``id``. New rows get time-ordered ones unless the writer
# chose the id: a page of new rows lands together in every index keyed by id (and in the audit
# trail's record index), not on random pages.
_NEW_ID = "uuid_v7()"

# Staged column types whose values PostgreSQL may compress.
_COMPRESSIBLE = ("jsonb", "text")

# What a batch that PostgreSQL refuses raises (a value it cannot take is an UnstorableValue).
_REFUSED = (DatabaseError, psycopg.Error)

# While a local change waits to be pushed (or sits in a conflict) a pull leaves the row alone.
OPEN_PUSH_GUARD = open_push_guard("t")
# A version older than the one held (a pull's page read before a webhook delivery wrote a newer
# one) never replaces it; the writers skip such rows up front, this closes the race meanwhile.
_NOT_OLDER = (
    "(t.woo_modified_at IS NULL OR EXCLUDED.woo_modified_at IS NULL OR EXCLUDED.woo_modified_at >= t.woo_modified_at)"
)
_VERSIONED_GUARD = f"{OPEN_PUSH_GUARD} AND {_NOT_OLDER}"
# A variation also waits while its product's push carries an edit of it.
OPEN_VARIATION_PUSH_GUARD = f"{OPEN_PUSH_GUARD} AND {open_variation_push_guard('t')}"


@dataclass(frozen=True)
class Table:
    """How one table is upserted.

    ``inputs`` are the per-row values (name -> PostgreSQL type); ``values`` maps each written
    column to its SQL expression (default ``u.<column>``); ``compare`` are the columns whose
    change makes an update; ``touch`` are set on a real update but never compared (``synced_at``);
    ``insert_only`` are written only when the row is created (``source``); ``stage_only`` inputs
    only feed a ``values`` expression. ``compare`` defaults to every other written column but the
    key. ``returning`` are the
    columns the caller needs of each written row; without any, the statement answers only the
    two counts (no row travels back). ``insert_only_rows`` makes a row that exists already stay
    as it is (``ON CONFLICT DO NOTHING``). ``label`` names the staging table when two writes into
    one table stage different columns. A new row's ``id`` is the staged one when ``inputs`` has
    it (the writer chose it), else a time-ordered one; an existing row keeps its ``id``.
    """

    name: str
    key: tuple[str, ...]
    inputs: dict[str, str]
    values: dict[str, str] = field(default_factory=dict)
    compare: tuple[str, ...] | None = None
    touch: tuple[str, ...] = ()
    insert_only: tuple[str, ...] = ()
    guard: str | None = None
    returning: tuple[str, ...] = ()
    updated_at: bool = True
    insert_only_rows: bool = False
    label: str | None = None
    stage_only: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.compare is None:
            # Unless said otherwise, every written column that is neither key, touched nor
            # insert-only is compared: the column lists are declared once, in ``inputs``/``values``.
            passive = {"id", *self.key, *self.touch, *self.insert_only, *self.stage_only}
            derived = (
                ()
                if self.insert_only_rows
                else tuple(dict.fromkeys(c for c in (*self.inputs, *self.values) if c not in passive))
            )
            object.__setattr__(self, "compare", derived)

    def expression(self, column: str) -> str:
        if column == "id":
            return f"COALESCE(u.id, {_NEW_ID})" if "id" in self.inputs else _NEW_ID
        return self.values.get(column, f"u.{column}")

    def columns(self) -> list[str]:
        # ``id`` is written on insert only: it is neither compared nor touched.
        written = ["id"]
        written += [c for c in self.inputs if c in self.key or c in self.compare or c in self.insert_only]
        written += [c for c in self.values if c not in written]
        return written

    @property
    def stage(self) -> str:
        return f"_sync_stage_{self.label or self.name}"

    def stage_sql(self, compression: str | None = None) -> str:
        """The staging table; ``compression`` for its values that may be compressed (jsonb, text)."""
        columns = ", ".join(
            f"{name} {kind} COMPRESSION {compression}" if compression and kind in _COMPRESSIBLE else f"{name} {kind}"
            for name, kind in self.inputs.items()
        )
        return f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} ({columns})"

    def copy_sql(self) -> str:
        return f"COPY {self.stage} ({', '.join(self.inputs)}) FROM STDIN (FORMAT BINARY)"

    def sql(self, *, on_conflict: bool = True) -> str:
        """The upsert; without ``on_conflict`` a plain INSERT, for rows known to be new (it
        spares each row the speculative insertion's extra index probe and WAL record)."""
        columns = self.columns()
        exprs = [self.expression(c) for c in columns]
        if self.updated_at:
            columns.append("updated_at")
            exprs.append("now()")
        if not on_conflict:
            action = ""
        elif self.insert_only_rows:
            action = "DO NOTHING"
        else:
            sets = [f"{c} = EXCLUDED.{c}" for c in (*self.compare, *self.touch)]
            if self.updated_at:
                sets.append("updated_at = now()")
            old = ", ".join(f"t.{c}" for c in self.compare)
            new = ", ".join(f"EXCLUDED.{c}" for c in self.compare)
            where = f"ROW({old}) IS DISTINCT FROM ROW({new})"
            if self.guard:
                where += f" AND {self.guard}"
            action = f"DO UPDATE SET {', '.join(sets)} WHERE {where}"
        conflict = f"ON CONFLICT ({', '.join(self.key)}) {action} " if action else ""
        returning = "".join(f"t.{c}, " for c in self.returning)
        statement = (
            f"INSERT INTO {self.name} AS t ({', '.join(columns)}) "  # noqa: S608 - identifiers are code constants
            f"SELECT {', '.join(exprs)} FROM {self.stage} AS u "
            f"{conflict}RETURNING {returning}(t.xmax = 0) AS inserted"
        )
        if self.returning:
            return statement
        # Only the counts come back: one row instead of one per written row.
        return (
            f"WITH w AS ({statement}) "  # noqa: S608 - identifiers are code constants
            "SELECT count(*) FILTER (WHERE w.inserted), count(*) FILTER (WHERE NOT w.inserted) FROM w"
        )

    def stage_rows(self, rows: Sequence[dict]) -> Iterable[list]:
        """Each row's inputs in ``inputs``' order (a jsonb value as it is: ``_JsonbCopyDumper``
        encodes it)."""
        names = list(self.inputs)
        for row in rows:
            yield list(map(row.get, names))


class _JsonbCopyDumper(Dumper):
    """A jsonb value in a binary COPY: jsonb's format version (1), then the JSON text. Registered
    by oid only (``register_dumper(None, ...)``), for the staging COPY's declared column types;
    it spares psycopg's ``Jsonb`` wrapper around every value and its generic dumper's checks."""

    format = Format.BINARY
    oid = psycopg.adapters.types["jsonb"].oid

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + json_codec.encode(obj)


class _NumericCopyDumper(Dumper):
    """A numeric value in a binary COPY, each distinct one encoded once per COPY (psycopg's
    encoder takes every Decimal apart digit by digit; a batch's prices, weights and totals
    repeat). Keyed by the value's text, which tells ``1.0`` from ``1.00`` where ``==`` does not.
    Registered by oid only, as ``_JsonbCopyDumper``."""

    format = Format.BINARY
    oid = psycopg.adapters.types["numeric"].oid

    def __init__(self, cls: type, context: Any = None) -> None:
        super().__init__(cls, context)
        self._encode = psycopg.adapters.get_dumper_by_oid(self.oid, Format.BINARY)(cls, context).dump
        self._encoded: dict[tuple[type, str], Buffer] = {}

    def dump(self, obj: Any) -> Buffer:
        key = (type(obj), str(obj))
        if key not in self._encoded:
            self._encoded[key] = self._encode(obj)
        return self._encoded[key]


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    failed: int = 0
    returned: list[dict] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated

    def add(self, other: UpsertResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.failed += other.failed
        self.returned.extend(other.returned)


RowErrorHandler = Callable[[dict, Exception], None]


@as_service()  # the sync's writer: WooCommerce's data, whoever's request asked for it (config/rls.py)
def upsert(
    table: Table,
    rows: Sequence[dict],
    *,
    on_row_error: RowErrorHandler | None = None,
    batch_size: int | None = None,
    known_new: bool = False,
) -> UpsertResult:
    """Write ``rows`` into ``table``; rows that change nothing are skipped by the database.

    ``known_new``: the caller knows none of the rows is in the table (the children of a product
    created in this transaction, orders it looked up): they are inserted without conflict
    handling. Should one be there after all (written meanwhile by a webhook delivery), its batch
    is upserted instead."""
    result = UpsertResult()
    if not rows:
        return result
    size = batch_size or getattr(settings, "SYNC_UPSERT_BATCH_ROWS", 1000)
    sql = table.sql()
    insert_sql = table.sql(on_conflict=False) if known_new else None
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        if insert_sql:
            result.add(_insert_new(table, insert_sql, sql, batch, on_row_error))
        else:
            result.add(_write(table, sql, batch, on_row_error))
    return result


def _insert_new(
    table: Table, insert_sql: str, sql: str, rows: Sequence[dict], on_row_error: RowErrorHandler | None
) -> UpsertResult:
    try:
        with transaction.atomic():
            return _execute(table, insert_sql, rows)
    except _REFUSED:
        # A row that is there after all, or one the database refuses: the upsert handles both.
        return _write(table, sql, rows, on_row_error)


class UnstorableValue(psycopg.DataError):
    """A row holding a value its column's type cannot take (half a surrogate pair in a text, a
    number out of range): refused like a row the database refuses, so the batch is split and
    only that row fails."""


def _encode(table: Table, rows: Sequence[dict]) -> bytes:
    """``rows`` in COPY's binary format, encoded here before the COPY starts: the server's
    session is not kept busy waiting while Python formats each row."""
    buffer = io.BytesIO()
    with (
        connection.connection.cursor() as cursor,
        Copy(cursor, binary=True, writer=FileWriter(buffer)) as copy,
    ):
        cursor.adapters.register_dumper(None, _JsonbCopyDumper)
        cursor.adapters.register_dumper(None, _NumericCopyDumper)
        copy.set_types(list(table.inputs.values()))
        for values in table.stage_rows(rows):
            try:
                copy.write_row(values)
            except (ValueError, TypeError, OverflowError) as exc:  # UnicodeEncodeError is a ValueError
                raise UnstorableValue(f"a value cannot be stored in {table.name}: {exc}") from exc
    return buffer.getvalue()


@functools.cache
def _stage_compression() -> str | None:
    """lz4 where the server has it (PostgreSQL 14+ built with it, as Debian's and the official
    images are): a staged value over ~2 kB (an order's line items) is compressed by the COPY and
    stays compressed into the table it is written to, and lz4 costs a fraction of pglz's CPU
    (measured: the COPY of a full pull's 20,000 orders 0.37-0.40 s -> 0.32-0.34 s of PostgreSQL's CPU)."""
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        return "lz4" if cursor.fetchone()[0] else None


def _stage(table: Table, rows: Sequence[dict]) -> None:
    """Copy ``rows`` into the table's staging table (emptied first), in this transaction."""
    connection.ensure_connection()
    data = _encode(table, rows)
    create = table.stage_sql(_stage_compression())
    with connection.connection.cursor() as cursor:
        # One round trip (no parameters: the simple protocol takes the statements at once). This
        # cursor bypasses Django's execute wrapper: back to the service login (row-level security)
        # in case a web statement set a role earlier in this transaction.
        cursor.execute(f"SELECT set_config('role', 'none', true); {create}; TRUNCATE {table.stage}")
        with cursor.copy(table.copy_sql()) as copy:
            copy.write(data)


def _execute(table: Table, sql: str, rows: Sequence[dict]) -> UpsertResult:
    result = UpsertResult()
    _stage(table, rows)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        if not table.returning:
            result.created, result.updated = cursor.fetchone()
            return result
        names = [*table.returning, "inserted"]
        for record in cursor.fetchall():
            row = dict(zip(names, record, strict=True))
            if row.pop("inserted"):
                result.created += 1
            else:
                result.updated += 1
            result.returned.append(row)
    return result


def _write(table: Table, sql: str, rows: Sequence[dict], on_row_error: RowErrorHandler | None) -> UpsertResult:
    try:
        with transaction.atomic():
            return _execute(table, sql, rows)
    except _REFUSED as exc:
        if len(rows) == 1:
            logger.warning("upsert into %s failed for one row: %s", table.name, exc)
            if on_row_error is None:
                raise
            on_row_error(rows[0], exc)
            return UpsertResult(failed=1)
    middle = len(rows) // 2
    result = _write(table, sql, rows[:middle], on_row_error)
    result.add(_write(table, sql, rows[middle:], on_row_error))
    return result


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement; the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def fetch_map(sql: str, params: Sequence[Any] = ()) -> dict:
    """``{first column: second column}`` for a two-column query."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def fetch_all(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def chunked(items: Iterable, size: int) -> Iterable[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- the tables the pull writes -----------------------------------------------------------

_WOO = "'woo'"
_NOW = "now()"

# The fields every WooCommerce taxonomy term has (categories, tags, brands, attribute terms).
_TERM_INPUTS = {"name": "text", "slug": "text", "description": "text", "count": "integer"}
# A pulled category, tag or brand is in step with WooCommerce again.
_TERM_SYNCED = {"sync_status": "'synced'", "sync_error": "NULL::text", "last_synced_at": _NOW}
_STORE_WOO_KEY = ("store_id", "woo_id")
_STORE_WOO_INPUTS = {"store_id": "uuid", "woo_id": "bigint"}


def _pulled(
    name: str,
    *,
    inputs: dict[str, str],
    key: tuple[str, ...] = _STORE_WOO_KEY,
    values: dict[str, str] | None = None,
    touch: tuple[str, ...] = (),
    guard: str | None = OPEN_PUSH_GUARD,
    **options: Any,
) -> Table:
    """A table the pull fills from WooCommerce: a new row records where it came from
    (``source``), every real update when it was last seen (``synced_at``, never compared); by
    default a row waiting for a push is left alone."""
    return Table(
        name=name,
        key=key,
        inputs=inputs,
        values={"source": _WOO, "synced_at": _NOW, **(values or {})},
        touch=("synced_at", *touch),
        insert_only=("source",),
        guard=guard,
        **options,
    )


CATEGORIES = _pulled(
    "store_categories",
    inputs={
        **_STORE_WOO_INPUTS,
        **_TERM_INPUTS,
        "parent_woo_id": "bigint",
        "image_url": "text",
        "display": "text",
        "menu_order": "integer",
    },
    values={
        # Parents are written in earlier statements (by depth), so this finds them.
        "parent_id": "(SELECT p.id FROM store_categories p WHERE p.store_id = u.store_id "
        "AND p.woo_id = u.parent_woo_id)",
        **_TERM_SYNCED,
    },
    touch=("last_synced_at",),
)

TAGS = _pulled(
    "store_tags", inputs={**_STORE_WOO_INPUTS, **_TERM_INPUTS}, values=_TERM_SYNCED, touch=("last_synced_at",)
)

BRANDS = Table(
    name="store_brands",
    key=_STORE_WOO_KEY,
    inputs={**_STORE_WOO_INPUTS, **_TERM_INPUTS, "logo_url": "text"},
    values=_TERM_SYNCED,
    touch=("last_synced_at",),
    guard=OPEN_PUSH_GUARD,
)

ATTRIBUTES = _pulled(
    "store_attributes",
    inputs={
        "store_id": "uuid",
        "woo_id": "integer",
        "name": "text",
        "slug": "text",
        "type": "text",
        "order_by": "text",
        "has_archives": "boolean",
    },
)

ATTRIBUTE_TERMS = _pulled(
    "store_attribute_terms",
    key=("store_id", "attribute_id", "woo_id"),
    inputs={"store_id": "uuid", "attribute_id": "uuid", "woo_id": "integer", **_TERM_INPUTS, "menu_order": "integer"},
)

PRODUCTS = _pulled(
    "products",
    # The writer chooses ids for new rows (so images can be linked in the same pass).
    inputs={
        "id": "uuid",
        **_STORE_WOO_INPUTS,
        **PRODUCT_COLUMNS,
        "permalink": "text",
        "woo_created_at": "timestamptz",
        "woo_modified_at": "timestamptz",
        "featured_image_id": "uuid",
    },
    values={
        # Rows from before these flags were mapped (queued webhook deliveries) keep the defaults.
        "featured": "COALESCE(u.featured, false)",
        "catalog_visibility": "COALESCE(u.catalog_visibility, 'visible')",
    },
    guard=_VERSIONED_GUARD,
)

PRODUCT_ATTRIBUTES = _pulled(
    "product_attributes",
    key=("product_id", "woo_id", "name"),
    inputs={
        "store_id": "uuid",
        "product_id": "uuid",
        "name": "text",
        "options": "jsonb",
        "variation": "boolean",
        "visible": "boolean",
        "position": "integer",
        "woo_id": "bigint",
    },
    values={
        "global_attribute_id": "(SELECT a.id FROM store_attributes a WHERE a.store_id = u.store_id "
        "AND a.woo_id = u.woo_id AND u.woo_id > 0)",
    },
    guard=None,
)

# A variation's image that is not in its product's gallery gets a row of its own; one that is
# there already (gallery or variation image) is left as it is.
VARIATION_IMAGES = Table(
    name="product_images",
    label="variation_images",
    key=("product_id", "original_url"),
    inputs={"store_id": "uuid", "product_id": "uuid", "original_url": "text", "woo_id": "bigint"},
    values={"type": "'variation'", "display_order": "0", "source": _WOO, "synced_at": _NOW},
    insert_only=("store_id", "woo_id"),
    insert_only_rows=True,
    returning=("id", "original_url"),
)

PRODUCT_IMAGES = _pulled(
    "product_images",
    key=("product_id", "original_url"),
    inputs={
        "id": "uuid",
        "store_id": "uuid",
        "product_id": "uuid",
        "original_url": "text",
        "woo_id": "bigint",
        "alt_text": "text",
        "description": "text",
        "display_order": "integer",
        "type": "text",
    },
    guard=None,
    returning=("id", "original_url", "storage_url"),
)

VARIATIONS = _pulled(
    "product_variations",
    inputs={
        **_STORE_WOO_INPUTS,
        "product_id": "uuid",
        **VARIATION_COLUMNS,
        "woo_modified_at": "timestamptz",
        "image_src": "text",
    },
    stage_only=("image_src",),
    values={
        "image_id": "(SELECT i.id FROM product_images i WHERE i.product_id = u.product_id "
        "AND i.original_url = u.image_src)",
        "backorders": "COALESCE(u.backorders, 'no')",
    },
    guard=f"{OPEN_VARIATION_PUSH_GUARD} AND {_NOT_OLDER}",
)

ORDERS = Table(
    name="orders",
    key=_STORE_WOO_KEY,
    inputs={**_STORE_WOO_INPUTS, **ORDER_COLUMNS},
    values={"synced_at": _NOW},
    touch=("synced_at",),
    guard=_VERSIONED_GUARD,
)
