"""The dashboard tests' fixtures (owner, store, manager, viewer, other_store, tz_middleware) are the
shared ones of the root conftest.py."""

# The row factories live in config.testing; tests written before they moved import them from here.
from config.testing import CUSTOMER, make_order, make_product, make_variation  # noqa: F401
