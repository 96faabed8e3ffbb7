"""The customers summary (``customers``), recomputed from the orders after every orders write.

Its own module, apart from ``orders.services``: the sync writer calls it after each orders
upsert, and ``orders.services`` queues pushes through ``sync.services``; neither would load
while the other is half-imported.
"""

from django.db import connection

from orders.models import CustomerEmailKey

# Statuses whose orders count as spent money (WooCommerce's paid statuses; a refunded order nets
# to zero through its refunds). Trash and checkout drafts are not orders a customer placed.
PAID_STATUSES = ("processing", "completed", "refunded")
NOT_PLACED_STATUSES = ("trash", "checkout-draft")

# The name and country of a customer's latest order, from one sort per customer: PostgreSQL
# computes the two identical ordered aggregates once (two sorts, one per field, took 15-25% longer).
_LATEST = "(array_agg(ARRAY[o.customer_name, o.billing->>'country'] ORDER BY o.woo_created_at DESC NULLS LAST))[1]"

# A customer's figures, from their placed orders ``o`` (the select list of both summaries below).
_FIGURES = f"""
       {_LATEST}[1] AS name, coalesce({_LATEST}[2], '') AS country,
       max(o.customer_woo_id) AS customer_woo_id, count(*) AS orders_count,
       coalesce(sum(o.total - o.refunded_total) FILTER (WHERE o.status = ANY(%(paid)s)), 0) AS total_spent,
       min(o.woo_created_at) AS first_order_at, max(o.woo_created_at) AS last_order_at"""
# An e-mail's key (``CustomerEmailKey``: trimmed, lower-cased), as the orders index has it.
_ORDER_KEY = CustomerEmailKey.template % {"expressions": "o.customer_email"}
_PLACED = f"o.store_id = %(store)s AND {_ORDER_KEY} <> '' AND o.status <> ALL(%(not_placed)s)"

# Every customer of the store: one pass over its orders, grouped.
_EVERY_CUSTOMER = f"""
SELECT {_ORDER_KEY} AS email, {_FIGURES}
FROM orders o WHERE {_PLACED}
GROUP BY {_ORDER_KEY}
"""  # noqa: S608 - code constants

# Some customers: each e-mail's orders read through the (store, e-mail key) index, one lookup
# per e-mail. Asked for all the e-mails at once (``key = ANY(...)``), the planner
# estimates a store the statistics have not seen yet (a first pull) at one order, reads all of
# its orders instead and filters them: a pull's every batch of 100 orders re-read every order
# written before it. Measured replaying a 20,000-order pull's batches into a new store: those
# upserts took 4.7 s of PostgreSQL's CPU, 50 ms a batch by the 10,000th order; these lookups
# read 100 e-mails' orders in about 1 ms. An e-mail without placed orders yields ``orders_count`` 0.
_SOME_CUSTOMERS = f"""
SELECT e.email, f.*
FROM (SELECT DISTINCT {CustomerEmailKey.template % {"expressions": "r.email"}} AS email
      FROM unnest(%(emails)s::text[]) AS r(email)) AS e
CROSS JOIN LATERAL (SELECT {_FIGURES} FROM orders o WHERE {_PLACED} AND {_ORDER_KEY} = e.email) AS f
WHERE e.email <> ''
"""  # noqa: S608 - code constants

# One statement: the figures of the customers concerned (computed once), the upsert of those with
# placed orders and the delete of those left without any (the two sets are disjoint, so neither
# part needs to see the other's rows).
_CUSTOMERS_REFRESH = """
WITH f AS MATERIALIZED ({figures}),
upserted AS (
INSERT INTO customers AS c (id, store_id, email, name, country, customer_woo_id, orders_count, total_spent,
                            first_order_at, last_order_at, updated_at)
SELECT gen_random_uuid(), %(store)s::uuid, f.email, f.name, f.country, f.customer_woo_id, f.orders_count,
       f.total_spent, f.first_order_at, f.last_order_at, now()
FROM f WHERE f.orders_count > 0
ON CONFLICT (store_id, email) DO UPDATE SET
  name = EXCLUDED.name, country = EXCLUDED.country, customer_woo_id = EXCLUDED.customer_woo_id,
  orders_count = EXCLUDED.orders_count, total_spent = EXCLUDED.total_spent,
  first_order_at = EXCLUDED.first_order_at, last_order_at = EXCLUDED.last_order_at, updated_at = now()
WHERE (c.name, c.country, c.customer_woo_id, c.orders_count, c.total_spent, c.first_order_at, c.last_order_at)
  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.country, EXCLUDED.customer_woo_id, EXCLUDED.orders_count,
       EXCLUDED.total_spent, EXCLUDED.first_order_at, EXCLUDED.last_order_at)
)
DELETE FROM customers c {prune}
"""
# Who is left without placed orders: of some e-mails, those whose figures count none; of the
# whole store, every customer the figures do not name.
_PRUNE_SOME = "USING f WHERE c.store_id = %(store)s AND c.email = f.email AND f.orders_count = 0"
_PRUNE_EVERY = "WHERE c.store_id = %(store)s AND NOT EXISTS (SELECT 1 FROM f WHERE f.email = c.email)"


def customers_refresh(store_id, emails=None):
    """Recompute the customers summary of ``emails`` (every customer when None) in one set-based
    statement: the figures from the orders, upserted, and the customers left without orders deleted."""
    params = {"store": store_id, "paid": list(PAID_STATUSES), "not_placed": list(NOT_PLACED_STATUSES)}
    if emails is not None:
        emails = sorted({email for email in emails if email})  # keyed in SQL, as the orders are
        if not emails:
            return
        params["emails"] = emails
    sql = (
        _CUSTOMERS_REFRESH.format(figures=_SOME_CUSTOMERS, prune=_PRUNE_SOME)
        if emails
        else _CUSTOMERS_REFRESH.format(figures=_EVERY_CUSTOMER, prune=_PRUNE_EVERY)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def customers_after_orders_written(sender=None, *, store_id, emails, **kwargs):
    """``sync.signals.order_customers_changed`` receiver: the sync wrote or deleted orders of
    these customers."""
    customers_refresh(store_id, emails)
