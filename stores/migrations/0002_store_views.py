from django.db import migrations

# The inventory's stores_public and store_basic_info: store rows without credentials, for SQL
# and reporting tools. The application reads the same columns (stores.selectors.STORE_PUBLIC_FIELDS).
CREATE = """
CREATE VIEW stores_public WITH (security_invoker = true) AS
SELECT id, name, url, currency, created_at, updated_at
FROM stores;

CREATE VIEW store_basic_info WITH (security_invoker = true) AS
SELECT id, name, url, currency, user_id, sync_interval_minutes,
       (webhook_secret IS NOT NULL) AS has_webhook_secret,
       created_at, updated_at
FROM stores;
"""

DROP = """
DROP VIEW IF EXISTS store_basic_info;
DROP VIEW IF EXISTS stores_public;
"""


class Migration(migrations.Migration):
    dependencies = [("stores", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
