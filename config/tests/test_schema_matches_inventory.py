"""After migrations, the database matches the inventory table by table and column by column.

The inventory (docs/inventory-database-schema.md, a copy of the spec the product came from) is
parsed here, so a model that drifts from it fails this test.
"""

import re
from pathlib import Path

import pytest
from django.db import connection

INVENTORY = Path(__file__).resolve().parents[2] / "docs" / "inventory-database-schema.md"
ENUMS = {
    "app_role": ["admin", "user"],
    "store_role": ["owner", "manager", "viewer"],
    "data_source": ["woo", "local"],
}
TYPES = {
    "UUID": ("uuid", None),
    "TEXT": ("text", None),
    "BIGINT": ("bigint", None),
    "INTEGER": ("integer", None),
    "INT": ("integer", None),
    "BOOLEAN": ("boolean", None),
    "JSONB": ("jsonb", None),
    "TIMESTAMPTZ": ("timestamp with time zone", None),
    "INET": ("inet", None),
    "DATE": ("date", None),
    "NUMERIC": ("numeric", (None, None)),
    "NUMERIC(10,2)": ("numeric", (10, 2)),
    "TEXT[]": ("ARRAY", "_text"),
    "UUID[]": ("ARRAY", "_uuid"),
}
ON_DELETE = {"CASCADE": "c", "SET NULL": "n", None: "a"}


def _inventory_tables():
    text = INVENTORY.read_text()
    tables = {}
    for name, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", text, flags=re.S):
        columns, uniques = {}, []
        for raw in body.strip().splitlines():
            line = raw.strip().rstrip(",")
            if not line or line.startswith("--"):
                continue
            line = re.sub(r"\s+--.*$", "", line)
            unique = re.match(r"UNIQUE\s*\((.*)\)$", line)
            if unique:
                uniques.append(tuple(col.strip() for col in unique.group(1).split(",")))
                continue
            column, sql_type, rest = re.match(r"(\w+) (\S+)(.*)$", line).groups()
            reference = re.search(r"REFERENCES ([\w.]+)\((\w+)\)(?: ON DELETE (CASCADE|SET NULL))?", rest)
            check = re.search(r"CHECK \((.*)\)", rest)
            default = re.search(r"DEFAULT ('[^']*'|\S+)", rest)
            columns[column] = {
                "type": sql_type,
                "not_null": "NOT NULL" in rest or "PRIMARY KEY" in rest,
                "references": (reference.group(1).replace("auth.users", "users"), reference.group(3))
                if reference
                else None,
                "check": check.group(1) if check else None,
                "default": default.group(1) if default else None,
            }
        tables[name] = {"columns": columns, "uniques": uniques}
    return tables


INVENTORY_TABLES = _inventory_tables()


def _db_columns(table):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale, is_nullable, column_default
               FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s""",
            [table],
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _db_foreign_keys(table):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.attname, c.confrelid::regclass::text, c.confdeltype
               FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               WHERE c.contype = 'f' AND c.conrelid = %s::regclass""",
            [table],
        )
        return {column: (target, action) for column, target, action in cursor.fetchall()}


def _db_unique_column_sets(table):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT array_agg(a.attname ORDER BY a.attname)
               FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE i.indrelid = %s::regclass AND i.indisunique AND i.indpred IS NULL
               GROUP BY i.indexrelid""",
            [table],
        )
        return {tuple(row[0]) for row in cursor.fetchall()}


def _db_checks(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def test_inventory_parses_to_35_tables():
    # The inventory's summary says 32; its body defines 35, and all 35 are built.
    assert len(INVENTORY_TABLES) == 35


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(INVENTORY_TABLES))
def test_table_matches_inventory(table):
    spec = INVENTORY_TABLES[table]
    columns = _db_columns(table)
    assert columns, f"table {table} is missing"
    foreign_keys = _db_foreign_keys(table)
    checks = _db_checks(table)
    for name, column in spec["columns"].items():
        assert name in columns, f"{table}.{name} is missing"
        data_type, udt, precision, scale, is_nullable, default = columns[name]
        if column["type"] in ENUMS:
            assert data_type == "text", f"{table}.{name}: enum {column['type']} is stored as text"
            values = ENUMS[column["type"]]
            assert any(all(f"'{v}'" in check for v in values) and name in check for check in checks), (
                f"{table}.{name}: no CHECK keeps it inside {values}"
            )
        else:
            expected_type, detail = TYPES[column["type"]]
            assert data_type == expected_type, f"{table}.{name}: {data_type} != {expected_type}"
            if expected_type == "numeric":
                assert (precision, scale) == detail, f"{table}.{name}: numeric({precision},{scale}) != {detail}"
            if expected_type == "ARRAY":
                assert udt == detail, f"{table}.{name}: {udt} != {detail}"
        assert (is_nullable == "NO") == column["not_null"], f"{table}.{name}: nullability differs from the inventory"
        if column["default"] is not None:
            assert default is not None, f"{table}.{name}: the inventory has DEFAULT {column['default']}"
            literal = re.match(r"'(.*)'", column["default"])
            if literal:
                assert f"'{literal.group(1)}'" in default, f"{table}.{name}: default {default} != {column['default']}"
        if column["references"]:
            target, on_delete = column["references"]
            assert name in foreign_keys, f"{table}.{name}: no foreign key to {target}"
            assert foreign_keys[name] == (target, ON_DELETE[on_delete]), (
                f"{table}.{name}: foreign key {foreign_keys[name]} != {(target, on_delete)}"
            )
        if column["check"]:
            values = re.findall(r"'([^']*)'", column["check"])
            assert any(name in check and all(f"'{v}'" in check for v in values) for check in checks), (
                f"{table}.{name}: CHECK ({column['check']}) is missing"
            )
    uniques = _db_unique_column_sets(table)
    for unique in spec["uniques"]:
        assert tuple(sorted(unique)) in uniques, f"{table}: UNIQUE{unique} is missing"
