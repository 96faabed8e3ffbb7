from django.db import migrations

# The inventory's orders_summary: orders with customer data masked ('XXXX') unless the current
# user may see it. The user is read from the setting ``storedesk.actor_user_id`` (the one the
# audit triggers read: ``SET LOCAL storedesk.actor_user_id = '<uuid>'``); without a user every
# row is masked. With one, only rows of stores the user can see are returned. Customer data is visible to app admins, to the
# store's owners and managers, and to holders of an explicit ``view_customer_data`` grant: the
# same rule as stores.access and orders.masking.orders_summary.
CREATE = """
CREATE VIEW orders_summary AS
WITH actor AS (
    SELECT CASE WHEN s ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN s::uuid END AS user_id
    FROM (SELECT current_setting('storedesk.actor_user_id', true) AS s) AS setting
),
admin AS (
    SELECT EXISTS (
        SELECT 1 FROM users u, actor a WHERE u.id = a.user_id AND u.is_active AND u.is_staff
    ) AS is_admin
)
SELECT o.id, o.store_id, o.woo_id, o.number, o.status, o.total, o.currency,
       CASE WHEN v.pii OR o.customer_name IS NULL OR o.customer_name = '' THEN o.customer_name
            ELSE 'XXXX' END AS customer_name,
       CASE WHEN v.pii OR o.customer_email IS NULL OR o.customer_email = '' THEN o.customer_email
            ELSE 'XXXX' END AS customer_email,
       CASE WHEN v.pii OR o.customer_phone IS NULL OR o.customer_phone = '' THEN o.customer_phone
            ELSE 'XXXX' END AS customer_phone,
       CASE WHEN v.pii THEN o.billing ELSE (
            SELECT COALESCE(jsonb_object_agg(e.key, CASE WHEN e.value IN ('null'::jsonb, '""'::jsonb)
                   THEN e.value ELSE '"XXXX"'::jsonb END), '{}'::jsonb)
            FROM jsonb_each(CASE WHEN jsonb_typeof(o.billing) = 'object' THEN o.billing ELSE '{}'::jsonb END) e
       ) END AS billing,
       CASE WHEN v.pii THEN o.shipping ELSE (
            SELECT COALESCE(jsonb_object_agg(e.key, CASE WHEN e.value IN ('null'::jsonb, '""'::jsonb)
                   THEN e.value ELSE '"XXXX"'::jsonb END), '{}'::jsonb)
            FROM jsonb_each(CASE WHEN jsonb_typeof(o.shipping) = 'object' THEN o.shipping ELSE '{}'::jsonb END) e
       ) END AS shipping,
       o.payment_method_title, o.discount_total, o.shipping_total, o.total_tax,
       o.woo_created_at, o.woo_modified_at, o.date_paid, o.date_completed,
       o.created_at, o.updated_at
FROM orders o
CROSS JOIN actor a
CROSS JOIN admin ad
CROSS JOIN LATERAL (
    SELECT ad.is_admin
        OR EXISTS (SELECT 1 FROM store_users su
                   WHERE su.store_id = o.store_id AND su.user_id = a.user_id AND su.role IN ('owner', 'manager'))
        OR EXISTS (SELECT 1 FROM store_user_object_permissions g
                   JOIN auth_permission p ON p.id = g.permission_id
                   JOIN django_content_type ct ON ct.id = p.content_type_id
                   WHERE g.content_object_id = o.store_id AND g.user_id = a.user_id
                     AND ct.app_label = 'stores' AND p.codename = 'view_customer_data') AS pii
) v
WHERE a.user_id IS NULL
   OR ad.is_admin
   OR EXISTS (SELECT 1 FROM store_users su WHERE su.store_id = o.store_id AND su.user_id = a.user_id)
   OR EXISTS (SELECT 1 FROM store_user_object_permissions g
              WHERE g.content_object_id = o.store_id AND g.user_id = a.user_id);
"""

DROP = "DROP VIEW IF EXISTS orders_summary;"


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_initial"), ("stores", "0001_initial"), ("accounts", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
