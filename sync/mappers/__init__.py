"""WooCommerce JSON -> model field dicts: pure functions, one module per entity.

Conventions (FACTS.md §7): money, weights and dimensions arrive as strings, ``""`` when empty
(-> ``None``); ``stock_quantity`` and sale dates may be null; dates carry no zone suffix and only
the ``*_gmt`` variants are used (as UTC). A malformed payload raises :class:`MappingError`, which
the pull records in ``sync_errors`` for that one item.

Mappers return plain dicts keyed by column name (``woo_id``, ``price``...); they never touch the
database, so the pull, the webhook handler and the tests share them.
"""

from .common import MappingError

__all__ = ["MappingError"]
