"""A product may have a global attribute and a custom one of the same name (WooCommerce allows
it): ``product_attributes`` is unique by (product, woo_id, name). Reversing it fails, with
PostgreSQL naming the product, while such a pair is stored (removing either would lose data)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_product_csv_row_level_security"),
        ("stores", "0007_store_manager_defers_credentials"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="productattribute",
            name="product_attributes_product_id_name_key",
        ),
        migrations.AddConstraint(
            model_name="productattribute",
            constraint=models.UniqueConstraint(
                fields=("product", "woo_id", "name"),
                name="product_attributes_product_id_woo_id_name_key",
                nulls_distinct=False,
            ),
        ),
    ]
