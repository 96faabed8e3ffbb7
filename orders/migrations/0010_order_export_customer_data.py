"""Whether a background order export was written with customer data (its requester could see it
then): such a file is downloaded only while they still can. Exports written before are taken to
hold it, as nothing says otherwise; their requesters without customer data export again."""

from django.db import migrations
from django.db import models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_status_counts_skip_deleted_stores"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderexport",
            name="customer_data",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunSQL("UPDATE order_exports SET customer_data = true", migrations.RunSQL.noop),
    ]
