"""The dashboard tests' fixtures (owner, store, manager, viewer, other_store) are the
shared ones of the root conftest.py."""

# The row factories live in config.testing; tests written before they moved import them from here.
from config.testing import CUSTOMER  # noqa: F401
from config.testing import make_order  # noqa: F401
from config.testing import make_product  # noqa: F401
from config.testing import make_variation  # noqa: F401
