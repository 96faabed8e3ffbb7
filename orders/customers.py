"""The customers summary (``customers``), recomputed from the orders after every orders write.

Its own module, apart from ``orders.services``: the sync writer calls it after each orders
upsert, and ``orders.services`` queues pushes through ``sync.services``; neither would load
while the other is half-imported.
"""

from django.db import connection

# Statuses whose orders count as spent money (WooCommerce's paid statuses; a refunded order nets
# to zero through its refunds). Trash and checkout drafts are not orders a customer placed.
PAID_STATUSES = ("processing", "completed", "refunded")
NOT_PLACED_STATUSES = ("trash", "checkout-draft")

_CUSTOMERS_UPSERT = """
INSERT INTO customers (id, store_id, email, name, country, customer_woo_id, orders_count, total_spent,
                       first_order_at, last_order_at, updated_at)
SELECT gen_random_uuid(), o.store_id, lower(o.customer_email),
       (array_agg(o.customer_name ORDER BY o.woo_created_at DESC NULLS LAST))[1],
       coalesce((array_agg(o.billing->>'country' ORDER BY o.woo_created_at DESC NULLS LAST))[1], ''),
       max(o.customer_woo_id), count(*),
       coalesce(sum(o.total - o.refunded_total) FILTER (WHERE o.status = ANY(%(paid)s)), 0),
       min(o.woo_created_at), max(o.woo_created_at), now()
FROM orders o
WHERE o.store_id = %(store)s AND o.customer_email IS NOT NULL AND o.customer_email <> ''
  AND o.status <> ALL(%(not_placed)s) {emails}
GROUP BY o.store_id, lower(o.customer_email)
ON CONFLICT (store_id, email) DO UPDATE SET
  name = EXCLUDED.name, country = EXCLUDED.country, customer_woo_id = EXCLUDED.customer_woo_id,
  orders_count = EXCLUDED.orders_count, total_spent = EXCLUDED.total_spent,
  first_order_at = EXCLUDED.first_order_at, last_order_at = EXCLUDED.last_order_at, updated_at = now()
WHERE (customers.name, customers.country, customers.customer_woo_id, customers.orders_count,
       customers.total_spent, customers.first_order_at, customers.last_order_at)
  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.country, EXCLUDED.customer_woo_id, EXCLUDED.orders_count,
       EXCLUDED.total_spent, EXCLUDED.first_order_at, EXCLUDED.last_order_at)
"""

_CUSTOMERS_PRUNE = """
DELETE FROM customers c WHERE c.store_id = %(store)s {emails}
AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.store_id = c.store_id AND lower(o.customer_email) = c.email
                AND o.status <> ALL(%(not_placed)s))
"""


def customers_refresh(store_id, emails=None):
    """Recompute the customers summary of ``emails`` (every customer when None) in two set-based
    statements: one grouped upsert from the orders, one delete of customers left without orders."""
    params = {"store": store_id, "paid": list(PAID_STATUSES), "not_placed": list(NOT_PLACED_STATUSES)}
    if emails is not None:
        emails = sorted({email.strip().lower() for email in emails if email and email.strip()})
        if not emails:
            return
        params["emails"] = emails
    with connection.cursor() as cursor:
        cursor.execute(
            _CUSTOMERS_UPSERT.format(emails="AND lower(o.customer_email) = ANY(%(emails)s)" if emails else ""), params
        )
        cursor.execute(_CUSTOMERS_PRUNE.format(emails="AND c.email = ANY(%(emails)s)" if emails else ""), params)


def customers_after_orders_written(sender=None, *, store_id, emails, **kwargs):
    """``sync.signals.order_customers_changed`` receiver: the sync wrote or deleted orders of
    these customers."""
    customers_refresh(store_id, emails)
