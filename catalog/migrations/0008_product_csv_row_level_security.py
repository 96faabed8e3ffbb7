"""Row-level security (issue 15) on the product CSV tables: an export is any member's (like
order_exports), an import is for those who may change the catalog."""

from django.db import migrations

from config.rls import drop_policies_sql, store_scoped_policies

TABLES = {"product_exports": ("view", "view"), "product_imports": ("write", "write")}


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_product_csv_export_import"),
        ("audit", "0012_row_level_security"),
    ]

    operations = [
        migrations.RunSQL(
            "".join(store_scoped_policies(table, read=read, write=write) for table, (read, write) in TABLES.items()),
            "".join(drop_policies_sql(table) for table in TABLES),
        )
    ]
