"""What the sync tells the apps built on it, without importing them (they connect in ``ready()``).

``orders_modified``: an incremental pull wrote orders that are new or whose modified date
changed; ``store_id`` and ``woo_ids`` (newest first). The orders app reads their notes and
refunds, which the orders listing does not carry.

``order_customers_changed``: orders were written or deleted (a pull, a webhook delivery); the
orders app recomputes the summaries of these customers (``store_id``, ``emails``), in the same
transaction.

``push_closed``: a local change stopped waiting to be pushed (sent, failed for good, or dropped
after a conflict); ``store_id``, ``entity_type``, ``woo_id`` (None if it never reached the
shop). The webhooks app then applies the shop's deliveries it held back meanwhile.
"""

from django.dispatch import Signal

orders_modified = Signal()
order_customers_changed = Signal()
push_closed = Signal()
