"""Make each audit row cheaper to write; what it holds does not change.

Measured on a full pull of 10,000 products and 20,000 orders, the audit triggers were about half
of the database's time (``benchmarks/sync_pull.py --without-audit-triggers`` shows the rest).
Three changes:

- Audit rows get time-ordered ids (``uuid_v7()``, created here: RFC 9562 version 7, 48 bits of
  Unix milliseconds then random bits; PostgreSQL 18's ``uuidv7()`` is the same idea). With
  ``gen_random_uuid()`` every audit row landed on a random page of the primary key's index, so
  once ``audit_logs`` outgrew the buffer cache a 75,000-row pull touched most of that index and
  wrote each touched page whole to the WAL after a checkpoint (430 MB of WAL for the pull with
  1.6 million audit rows kept, 355 MB with this change, and about 10% less database time).
  The ids stay UUIDs, unique and unguessable enough for a log; they now sort by creation time.
- ``audit_log_changes()`` (0006) removed the credential columns from every row's JSON, which
  rebuilds the whole document even for the 13 audited tables that have no such column. It now
  looks up, once per statement, which of them the table has (only ``stores`` has any) and removes
  just those; with none to remove, ``jsonb - '{}'`` hands the document back untouched.
  Otherwise the body is 0006's.
- ``old_data`` / ``new_data`` are compressed with lz4 instead of pglz where the server supports it
  (PostgreSQL 14+ built with lz4, as Debian's and the official images are): an order's JSON is
  just over the 2 kB at which PostgreSQL compresses, and pglz took about a third of its audit
  row's cost. Rows written before keep their pglz values (both are read transparently); on a
  server without lz4 the columns stay as they are and a notice says so.

Reversing restores 0006's function and pglz for new values, and drops ``uuid_v7()``.
"""

import importlib

from django.db import migrations

previous = importlib.import_module("audit.migrations.0006_audit_previous_webhook_secret")

_DECLARATION = "secret_columns CONSTANT text[] := __SECRET_COLUMNS__;"
# The credential columns this statement's table has: none, except on ``stores``.
_PER_TABLE = (
    "secret_columns CONSTANT text[] := ARRAY(\n"
    "        SELECT a.attname::text FROM pg_attribute AS a\n"
    "        WHERE a.attrelid = TG_RELID AND NOT a.attisdropped AND a.attname = ANY (__SECRET_COLUMNS__)\n"
    "    );"
)
assert _DECLARATION in previous.FUNCTION and "gen_random_uuid()" in previous.FUNCTION
FUNCTION = previous.FUNCTION.replace(_DECLARATION, _PER_TABLE).replace("gen_random_uuid()", "uuid_v7()")

# Version 7: the first 6 bytes are the Unix time in milliseconds; a version 4 UUID's random bits
# fill the rest, its version nibble 0100 turned into 0111 (bits 52 and 53), its variant kept.
UUID_V7 = """
CREATE OR REPLACE FUNCTION uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;
"""

LZ4 = """
DO $$
BEGIN
    ALTER TABLE audit_logs ALTER COLUMN old_data SET COMPRESSION lz4,
                           ALTER COLUMN new_data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'audit_logs keeps pglz compression: this PostgreSQL has no lz4 (%)', SQLERRM;
END;
$$;
"""

PGLZ = """
ALTER TABLE audit_logs ALTER COLUMN old_data SET COMPRESSION DEFAULT,
                       ALTER COLUMN new_data SET COMPRESSION DEFAULT;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_audit_logs_drop_user_id_twin_index"),
    ]

    operations = [
        migrations.RunSQL(UUID_V7, "DROP FUNCTION IF EXISTS uuid_v7();"),
        migrations.RunSQL(
            previous._sql(FUNCTION, previous.SECRET_COLUMNS),
            previous._sql(previous.FUNCTION, previous.SECRET_COLUMNS),
        ),
        migrations.RunSQL(LZ4, PGLZ),
    ]
