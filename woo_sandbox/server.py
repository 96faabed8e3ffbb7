"""SandboxServer: a WooCommerce REST API v3 look-alike for demos, tests and benchmarks."""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from .auth import ApiKey
from .auth import Authenticator
from .catalog import Catalog
from .catalog_schema import PRODUCT_SCHEMA
from .catalog_schema import VARIATION_SCHEMA
from .clock import SiteClock
from .data import generate
from .errors import ApiError
from .faults import FaultConfig
from .faults import FaultInjector
from .handler import SandboxHTTPServer
from .mutate import mutate_random
from .orders import ORDER_SCHEMA
from .orders import Orders
from .params import coerce_body
from .routes import Router
from .stats import RequestStats
from .store import Store
from .taxonomy import Taxonomies
from .webhooks import Dispatcher
from .webhooks import Webhooks

KeySpec = tuple[str, str] | tuple[str, str, str]


class SandboxServer:
    """A WooCommerce-compatible shop on a background HTTP server.

    ``keys`` are ``(consumer_key, consumer_secret)`` pairs, optionally with a third item
    ``"read"``, ``"write"`` or ``"read_write"``. ``faults`` takes :class:`FaultConfig`
    fields (``rate_429=0.1``...). ``clock`` replaces ``time.time`` for the shop's dates
    (OAuth timestamps are always checked against real time).

    The shop is generated in the constructor; :meth:`start` begins serving. The server
    binds immediately, so :attr:`url` is final (and used in image URLs) before start.
    """

    def __init__(
        self,
        products: int = 50,
        orders: int = 100,
        seed: int = 1,
        keys: Iterable[KeySpec] = (("ck_test", "cs_test"),),
        latency_ms: float = 0,
        site_tz: str = "Asia/Jerusalem",
        host: str = "127.0.0.1",
        port: int = 0,
        duplicate_delivery_rate: float = 0.0,
        faults: dict[str, Any] | None = None,
        clock: Callable[[], float] | None = None,
        delivery_workers: int = 4,
    ) -> None:
        self.seed = seed
        self.keys = [ApiKey(*spec) for spec in keys]
        self._httpd = SandboxHTTPServer((host, port), self)
        self.host, self.port = self._httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self.clock = SiteClock(site_tz, clock or time.time)
        self.data = Store(self.clock, self.url, seed)
        self.catalog = Catalog(self.data)
        self.order_service = Orders(self.data, self.catalog)
        self.taxonomies = Taxonomies(self.data, self.catalog)
        self.dispatcher = Dispatcher(
            self.data, self._payload, self.url + "/", delivery_workers, duplicate_delivery_rate, seed
        )
        self.webhook_service = Webhooks(self.data, self.dispatcher)
        self.data.listener = self.dispatcher.on_event
        self.auth = Authenticator(self.keys)
        self.faults = FaultInjector(FaultConfig(latency_ms=latency_ms, **(faults or {})), seed)
        self.request_stats = RequestStats()
        self.router = Router(self.catalog, self.order_service, self.taxonomies, self.webhook_service, self.data.api)
        started = time.perf_counter()
        generate(self.data, self.order_service, products, orders, seed)
        self.generation_seconds = time.perf_counter() - started
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._thread is None:
            self.dispatcher.start()
            # A short poll interval makes stop() (shutdown) return quickly between tests.
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="woo-sandbox-http", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI uses this)."""
        self.dispatcher.start()
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()
            self.dispatcher.stop()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
            self.dispatcher.stop()
        self._httpd.server_close()
        # Generation froze the shop's objects out of the cyclic GC; let a stopped shop be freed.
        gc.unfreeze()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- inspection ----------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        with self.data.lock:
            counts = {
                "products": len(self.data.products),
                "variations": len(self.data.variations),
                "orders": len(self.data.orders),
                "categories": len(self.data.categories),
                "tags": len(self.data.tags),
                "brands": len(self.data.brands),
                "attributes": len(self.data.attributes),
                "attribute_terms": len(self.data.terms),
                "webhooks": len(self.data.webhooks),
            }
        return {
            "url": self.url,
            "api": self.data.api,
            "keys": [
                {"consumer_key": k.consumer_key, "consumer_secret": k.consumer_secret, "permissions": k.permissions}
                for k in self.keys
            ],
            "site_tz": self.clock.tz_name,
            "seed": self.seed,
            "generation_seconds": round(self.generation_seconds, 3),
            "counts": counts,
        }

    def stats(self) -> dict[str, Any]:
        return self.request_stats.snapshot()

    def reset_stats(self) -> None:
        self.request_stats.reset()

    def fault_settings(self) -> dict[str, Any]:
        return self.faults.snapshot()

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change fault settings at runtime, e.g. ``set_faults(rate_429=0.2, queue=["timeout"])``."""
        return self.faults.configure(changes)

    def deliveries(self, webhook_id: int | None = None) -> list[dict[str, Any]]:
        return self.dispatcher.deliveries(webhook_id)

    def clear_deliveries(self) -> None:
        self.dispatcher.clear_log()

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Wait until queued webhook deliveries and pings are done; False on timeout."""
        return self.dispatcher.wait_idle(timeout)

    # --- shop-admin helpers ---------------------------------------------------------
    # Fields are REST-shaped (``regular_price="9.90"``) but cast leniently like a batch item
    # (``regular_price=9.9`` works); changes fire webhooks exactly like API writes.

    def mutate_random(self, fraction: float = 0.1, rng_seed: int = 0) -> dict[str, list[int]]:
        return mutate_random(self.data, self.catalog, self.order_service, fraction, rng_seed)

    def set_woocommerce_version(self, version: str) -> None:
        """Pretend to run another WooCommerce, e.g. "9.9.0": one older than 10.3 answers
        ``GET /variations`` with ``404 rest_no_route``; ``system_status`` reports it."""
        self.router.version = tuple(int(part) for part in version.split("."))

    def get_product(self, product_id: int) -> dict[str, Any]:
        return self.catalog.get_product(product_id)

    def create_product(self, **fields: Any) -> dict[str, Any]:
        with self._in_admin():
            return self.catalog.create_product(coerce_body(fields, PRODUCT_SCHEMA))

    def update_product(self, product_id: int, **fields: Any) -> dict[str, Any]:
        with self._in_admin():
            return self.catalog.update_product(product_id, coerce_body(fields, PRODUCT_SCHEMA))

    @contextlib.contextmanager
    def _in_admin(self):
        """A change made "in the shop's admin": an image ``src`` names a file of its media library
        (nothing is downloaded, unlike a ``src`` sent through the REST API)."""
        self.catalog.local.no_downloads = True
        try:
            yield
        finally:
            self.catalog.local.no_downloads = False

    def trash_product(self, product_id: int) -> dict[str, Any]:
        return self.catalog.delete_product(product_id, force=False)

    def restore_product(self, product_id: int) -> dict[str, Any]:
        return self.catalog.restore_product(product_id)

    def delete_product(self, product_id: int, force: bool = True) -> dict[str, Any]:
        return self.catalog.delete_product(product_id, force=force)

    def create_variation(self, product_id: int, **fields: Any) -> dict[str, Any]:
        with self._in_admin():
            return self.catalog.create_variation(product_id, coerce_body(fields, VARIATION_SCHEMA))

    def update_variation(self, product_id: int, variation_id: int, **fields: Any) -> dict[str, Any]:
        with self._in_admin():
            return self.catalog.update_variation(product_id, variation_id, coerce_body(fields, VARIATION_SCHEMA))

    def delete_variation(self, product_id: int, variation_id: int, force: bool = True) -> dict[str, Any]:
        return self.catalog.delete_variation(product_id, variation_id, force=force)

    def get_order(self, order_id: int) -> dict[str, Any]:
        return self.order_service.get_order(order_id)

    def create_order(self, **fields: Any) -> dict[str, Any]:
        return self.order_service.create_order(coerce_body(fields, ORDER_SCHEMA))

    def update_order(self, order_id: int, **fields: Any) -> dict[str, Any]:
        return self.order_service.update_order(order_id, coerce_body(fields, ORDER_SCHEMA))

    def trash_order(self, order_id: int) -> dict[str, Any]:
        return self.order_service.delete_order(order_id, force=False)

    def restore_order(self, order_id: int) -> dict[str, Any]:
        return self.order_service.restore_order(order_id)

    def delete_order(self, order_id: int, force: bool = True) -> dict[str, Any]:
        return self.order_service.delete_order(order_id, force=force)

    def create_webhook(
        self, topic: str, delivery_url: str, secret: str = "", status: str = "active", name: str = ""
    ) -> dict[str, Any]:
        """Create a webhook as ``POST /webhooks`` would (the ping is sent in the background)."""
        body = {"topic": topic, "delivery_url": delivery_url, "status": status}
        body.update({k: v for k, v in (("secret", secret), ("name", name)) if v})
        return self.webhook_service.create_webhook(body)

    # --- internals -----------------------------------------------------------------------

    def _payload(self, resource: str, resource_id: int) -> Any:
        """Webhook body: the resource as the REST API answers it now (or its error body)."""
        try:
            if resource == "order":
                return self.order_service.get_order(resource_id)
            return self.catalog.get_product(resource_id)
        except ApiError as exc:
            return exc.body()
