"""What the sync tells the apps built on it, without importing them (they connect in ``ready()``).

``orders_modified``: an incremental pull wrote orders that are new or whose modified date
changed; ``store_id`` and ``woo_ids`` (newest first). The orders app reads their notes and
refunds, which the orders listing does not carry.
"""

from django.dispatch import Signal

orders_modified = Signal()
