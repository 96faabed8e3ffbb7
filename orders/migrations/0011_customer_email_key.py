"""The customers summary keys an order's e-mail trimmed as well as lower-cased
(``CustomerEmailKey``): an order whose billing e-mail had surrounding spaces was left out of its
customer. The index follows the key; the stores holding such orders get their summary rebuilt."""

import orders.models
from django.db import migrations, models


def _rebuild_customers_of_padded_emails(apps, schema_editor):
    from orders.customers import customers_refresh

    Order = apps.get_model("orders", "Order")
    padded = Order.objects.filter(customer_email__regex=r"^\s|\s$").values_list("store_id", flat=True)
    for store_id in padded.distinct().order_by():
        customers_refresh(store_id)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0010_order_export_customer_data'),
        ('stores', '0007_store_manager_defers_credentials'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='order',
            name='orders_store_email_idx',
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(models.F('store'), orders.models.CustomerEmailKey('customer_email'), models.OrderBy(models.F('woo_created_at'), descending=True), name='orders_store_email_idx'),
        ),
        migrations.RunPython(_rebuild_customers_of_padded_emails, migrations.RunPython.noop),
    ]
