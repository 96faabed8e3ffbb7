"""orders_summary (row-level security, audit 0012) carries every column of orders: add
activity_synced_at (0007), which viewers' order pages read through it."""

from importlib import import_module

from django.db import migrations

RLS = import_module("audit.migrations.0012_row_level_security")
LAST = "o.customer_woo_id, o.refunded_total\n"
assert LAST in RLS.VIEW
VIEW = RLS.VIEW.replace(LAST, "o.customer_woo_id, o.refunded_total, o.activity_synced_at\n")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_order_search_activity"),
        ("audit", "0012_row_level_security"),
    ]

    operations = [migrations.RunSQL(VIEW, RLS.VIEW)]
