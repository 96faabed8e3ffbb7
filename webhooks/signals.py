"""What the webhooks app tells the apps built on it, without importing them (they connect in
``ready()``), sent inside the transaction that applies the deliveries.

``order_statuses_changed``: WooCommerce changed the status of these orders (``store_id``,
``changes``: ``[(woo_id, old_status, new_status)]``, ``changed_by``); the orders app writes its
status log. The echo of our own push is not sent (the push logged it already).

``orders_delivered``: order deliveries were written (``store_id``, ``woo_ids``); an order delivery
is how WooCommerce announces a refund, so the orders app reads their notes and refunds.
"""

from django.dispatch import Signal

order_statuses_changed = Signal()
orders_delivered = Signal()
