"""Command line for running the sandbox in the foreground (``python -m woo_sandbox``)."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from typing import Any
from typing import TextIO

from .faults import RESPONSE_FAULTS
from .server import SandboxServer

RATED_FAULTS = (*RESPONSE_FAULTS, "timeout", "php_notice")  # FaultConfig.rate_<kind>


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``python -m woo_sandbox`` and ``manage.py woo_sandbox``."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--key", default="ck_demo_storedesk", help="consumer key")
    parser.add_argument("--secret", default="cs_demo_storedesk", help="consumer secret")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--site-tz", default="Asia/Jerusalem")
    parser.add_argument(
        "--duplicate-delivery-rate", type=float, default=0.0, help="0..1, webhook deliveries sent twice"
    )
    for kind in RATED_FAULTS:
        parser.add_argument(
            f"--rate-{kind}", type=float, default=0.0, help=f"fraction of API requests answered with the {kind} fault"
        )
    parser.add_argument("--strip-total-headers", type=float, default=0.0, help="fraction of lists without X-WP-Total*")
    parser.add_argument(
        "--woocommerce-version", help="pretend to run this WooCommerce (older than 10.3: no GET /variations)"
    )


def run(options: dict[str, Any], out: TextIO = sys.stdout) -> None:
    """Build the shop from parsed ``options`` and serve until Ctrl-C."""
    # Python keeps SIGINT ignored when the parent ignored it (a background job of a script, a
    # test process started in the background): Ctrl-C must stop the server all the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    faults = {f"rate_{kind}": options[f"rate_{kind}"] for kind in RATED_FAULTS}
    faults["strip_total_headers"] = options["strip_total_headers"]
    server = SandboxServer(
        products=options["products"],
        orders=options["orders"],
        seed=options["seed"],
        keys=[(options["key"], options["secret"])],
        latency_ms=options["latency_ms"],
        site_tz=options["site_tz"],
        host=options["host"],
        port=options["port"],
        duplicate_delivery_rate=options["duplicate_delivery_rate"],
        faults=faults,
    )
    if options.get("woocommerce_version"):
        server.set_woocommerce_version(options["woocommerce_version"])
    info = server.info()
    out.write(
        f"WooCommerce sandbox on {server.url}  (API {info['api']})\n"
        f"  consumer key:    {options['key']}\n"
        f"  consumer secret: {options['secret']}\n"
        f"  {info['counts']['products']} products, {info['counts']['variations']} variations, "
        f"{info['counts']['orders']} orders (generated in {info['generation_seconds']} s, seed {options['seed']})\n"
        f"  control: {server.url}/__sandbox__/  (stats, faults, deliveries, webhooks, mutate)\n"
        "Press Ctrl-C to stop.\n"
    )
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.write("Stopped.\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m woo_sandbox", description="WooCommerce REST API v3 sandbox server")
    add_arguments(parser)
    run(vars(parser.parse_args(argv)))
