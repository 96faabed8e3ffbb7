"""WooCommerce REST API v3 sandbox: a fake shop for demos, integration tests and benchmarks.

    from woo_sandbox import SandboxServer

    with SandboxServer(products=200, orders=400, seed=1, keys=[("ck_x", "cs_x")]) as srv:
        ...  # srv.url, srv.data, srv.update_product(...), srv.set_faults(...), srv.deliveries()

Run standalone with ``python -m woo_sandbox --port 8765`` (or ``manage.py woo_sandbox``).

Layout: ``server`` (SandboxServer and its helpers), ``handler`` (HTTP pipeline: faults, auth,
routing), ``routes`` (the wc/v3 route table and batches), ``catalog`` / ``orders`` /
``taxonomy`` / ``webhooks`` (resources; ``webhooks`` also delivers), ``store`` (state, lock,
events), ``model`` (REST shapes), ``params`` (WordPress argument rules and paging), ``auth``,
``faults``, ``control`` (``/__sandbox__/``), ``data`` (generator), ``mutate``, ``clock``.
"""

from .errors import ApiError
from .faults import FaultConfig
from .server import SandboxServer

__all__ = ["ApiError", "FaultConfig", "SandboxServer"]
