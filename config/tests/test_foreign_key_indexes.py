"""Every foreign key is indexed, as the leading column of some index: a composite index such as
(store_id, woo_id) covers store_id, and the tables the sync writes in bulk have no single-column
twin of it (each index is maintained on every insert). An index limited to the rows where the
key is not null serves the key's lookups as well (``audit_logs`` leaves the rows of workers, which
have no user, out of its user index)."""

import pytest
from django.db import connection

UNINDEXED_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_namespace n ON n.oid = c.connamespace AND n.nspname = 'public'
WHERE c.contype = 'f'
  AND NOT EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
        AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) = '(' || a.attname || ' IS NOT NULL)')
  )
ORDER BY 1, 2
"""


@pytest.mark.django_db
def test_every_foreign_key_leads_an_index():
    with connection.cursor() as cursor:
        cursor.execute(UNINDEXED_FOREIGN_KEYS)
        assert cursor.fetchall() == []
