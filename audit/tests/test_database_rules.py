"""The inventory's database-level rules hold for every writer: ``updated_at`` triggers on every
inventory table that has the column, and ``search_path`` fixed on every function of ours."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from stores.tests.helpers import build_world

pytestmark = pytest.mark.django_db

INVENTORY = Path(__file__).resolve().parents[2] / "docs" / "inventory-database-schema.md"


def inventory_tables_with_updated_at():
    text = INVENTORY.read_text()
    tables = {
        match.group(1)
        for match in re.finditer(r"CREATE TABLE (?:public\.)?(\w+)\s*\((.*?)\n\);", text, re.S)
        if re.search(r"^\s*updated_at\b", match.group(2), re.M)
    }
    assert len(tables) > 15  # the parser still finds them
    return tables


def test_every_inventory_table_with_updated_at_has_the_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE NOT t.tgisinternal AND p.proname = 'update_updated_at_column'
              AND t.tgtype & 2 = 2 AND t.tgtype & 16 = 16  -- BEFORE, UPDATE
            """
        )
        with_trigger = {row[0] for row in cursor.fetchall()}
    assert sorted(inventory_tables_with_updated_at() - with_trigger) == []


def _updated_at(table, row_id):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT updated_at FROM {table} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def test_raw_sql_updates_move_updated_at_and_explicit_values_are_kept():
    world = build_world()
    store = world.stores["A"]
    old = timezone.now() - timedelta(days=30)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE stores SET updated_at = %s WHERE id = %s", [old, store.pk])
        assert _updated_at("stores", store.pk) == old  # a writer that sets it keeps its value
        cursor.execute("UPDATE stores SET name = 'Renamed by SQL' WHERE id = %s", [store.pk])
    assert _updated_at("stores", store.pk) > old + timedelta(days=29)


# Plain SQL functions that call only built-ins: a SET clause would stop the planner inlining
# them, which made uuid_v7() (one call per synced and audit row) 2.7 times slower.
INLINED_SQL_FUNCTIONS = {"uuid_v7"}


def test_every_function_of_ours_fixes_its_search_path():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public'
              AND NOT EXISTS (  -- functions of extensions (pg_trgm) are not ours
                  SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
              AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%%')
            ORDER BY 1
            """
        )
        assert sorted({row[0] for row in cursor.fetchall()} - INLINED_SQL_FUNCTIONS) == []
