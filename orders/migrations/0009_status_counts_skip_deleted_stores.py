"""Deleting a store failed at COMMIT once it had orders: the cascade deletes its orders, the
status-count trigger (0006) then wrote the negative counts back for the store being deleted, and
the deferred foreign key of order_status_counts refused them. Orders of a store that is gone are
no longer counted back; the store's own count rows go with it by their cascade."""

from importlib import import_module

from django.db import migrations

STATUS_COUNTS = import_module("orders.migrations.0006_notes_refunds_customers")
FUNCTION_START = "CREATE FUNCTION order_status_counts_apply()"
FUNCTION_END = "END $$;\n"
COUNTED_BACK = "SELECT store_id, status, -count(*) FROM old_rows GROUP BY store_id, status"
# An order's store row is visible to whoever may write its counts (the counts' write policy).
COUNTED_BACK_WHILE_THE_STORE_EXISTS = (
    "SELECT o.store_id, o.status, -count(*) FROM old_rows o\n"
    "         WHERE EXISTS (SELECT 1 FROM stores s WHERE s.id = o.store_id) GROUP BY o.store_id, o.status"
)


def _function(sql):
    start = sql.index(FUNCTION_START)
    body = sql[start : sql.index(FUNCTION_END, start) + len(FUNCTION_END)]
    return body.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


PREVIOUS = _function(STATUS_COUNTS.STATUS_COUNTS_SQL)
assert COUNTED_BACK in PREVIOUS
FIXED = PREVIOUS.replace(COUNTED_BACK, COUNTED_BACK_WHILE_THE_STORE_EXISTS)


class Migration(migrations.Migration):
    dependencies = [("orders", "0008_orders_summary_activity_synced_at")]

    operations = [migrations.RunSQL(FIXED, PREVIOUS)]
