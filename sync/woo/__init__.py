"""The WooCommerce adapter: the only code that talks to a store.

* ``operations`` names every remote operation the product uses (``product_update``,
  ``order_update_status``, ``webhooks_list`` ...): the only place a REST path or an envelope
  is spelled;
* ``client`` is the transport (the ``woocommerce`` client with timeouts, retries, keep-alive,
  the egress guard) and ``client_for(store)``; ``paging`` walks its list endpoints (pages in
  parallel, many listings at once);
* ``errors`` the typed errors, ``responses`` what the transport answers.
"""

# The package's names are its modules' public names (each module's ``__all__``).
from sync.woo.client import *  # noqa: F403
from sync.woo.errors import *  # noqa: F403
from sync.woo.operations import *  # noqa: F403
from sync.woo.paging import *  # noqa: F403
from sync.woo.responses import *  # noqa: F403
