"""A transaction-local switch that tells ``audit_log_changes()`` to record nothing.

``manage.py import_supabase`` brings the old app's ``audit_logs`` over as history; the rows it
writes into the 14 audited tables are that history's end state, and recording them again would
duplicate every change. ``SET LOCAL session_replication_role = replica`` (which silences every
trigger) needs a superuser and also silences the foreign-key checks, so the importer instead runs
``SELECT set_config('storedesk.audit_history_import', 'on', true)`` in each of its transactions
and writes one audit row per imported table itself. The setting lives until the end of the
transaction only. Anyone able to set it can already run ``ALTER TABLE … DISABLE TRIGGER`` as the
tables' owner, so it opens nothing new. Otherwise the function is 0008's.
"""

import importlib

from django.db import migrations

cheaper = importlib.import_module("audit.migrations.0008_audit_cheaper_rows")
secret = importlib.import_module("audit.migrations.0006_audit_previous_webhook_secret")

SETTING = "storedesk.audit_history_import"
_BODY_START = "BEGIN\n    IF TG_OP = 'INSERT' THEN"
assert _BODY_START in cheaper.FUNCTION
FUNCTION = cheaper.FUNCTION.replace(
    _BODY_START,
    f"BEGIN\n    IF current_setting('{SETTING}', true) = 'on' THEN\n        RETURN NULL;\n    END IF;\n"
    "    IF TG_OP = 'INSERT' THEN",
)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0009_audit_logs_partial_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            secret._sql(FUNCTION, secret.SECRET_COLUMNS),
            secret._sql(cheaper.FUNCTION, secret.SECRET_COLUMNS),
        ),
    ]
