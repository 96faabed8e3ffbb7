"""Generated data: deterministic, varied in the ways that trip sync clients, and fast to build."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

from woo_sandbox import SandboxServer
from woo_sandbox.model import ORDER_STATUSES

from .conftest import KEY
from .conftest import SECRET

HEBREW = re.compile(r"[\u0590-\u05ff]")
EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27bf]")
REPO = Path(__file__).resolve().parents[2]


def test_same_seed_same_shop() -> None:
    first = SandboxServer(products=80, orders=60, seed=11)
    second = SandboxServer(products=80, orders=60, seed=11)
    other = SandboxServer(products=80, orders=60, seed=12)
    try:

        def fingerprint(server: SandboxServer) -> list[tuple]:
            products = [
                (p["id"], p["name"], p["sku"], p["price"], p["status"], p["date_modified_gmt"])
                for p in server.data.products.values()
            ]
            orders = [
                (o["id"], o["status"], o["total"], o["billing"]["email"], o["date_created_gmt"])
                for o in server.data.orders.values()
            ]
            return products + orders

        assert fingerprint(first) == fingerprint(second)
        assert fingerprint(first) != fingerprint(other)
    finally:
        for server in (first, second, other):
            server.stop()


def test_variety_that_matters_for_sync(shop: SandboxServer) -> None:
    products = list(shop.data.products.values())
    assert {p["status"] for p in products} == {"publish", "draft", "pending", "private", "trash"}
    names = [p["name"] for p in products]
    assert (
        any(HEBREW.search(n) for n in names) and any(n.isascii() for n in names) and any(EMOJI.search(n) for n in names)
    )
    assert all(p["description"].startswith("<p>") for p in products)

    variable = [p for p in products if p["type"] == "variable"]
    assert 0.2 < len(variable) / len(products) < 0.4
    sizes = [len(shop.data.children[p["id"]]) for p in variable]
    assert min(sizes) >= 2 and max(sizes) == 30 and any(s > 10 for s in sizes)
    assert any(a["id"] == 0 for p in variable for a in p["attributes"])  # custom attributes
    assert any(a["id"] for p in variable for a in p["attributes"])  # global attributes

    skus = [r["sku"] for r in [*products, *shop.data.variations.values()] if r["sku"]]
    assert len(skus) == len(set(skus))
    assert any(p["on_sale"] for p in products)
    assert any(p["manage_stock"] and p["stock_quantity"] == 0 for p in products)
    assert any(p["manage_stock"] and 0 < p["stock_quantity"] <= 5 for p in products)
    assert all(image["src"].startswith(shop.url + "/media/") for p in products for image in p["images"])

    # Bulk imports and bulk edits: many objects share one date_modified second.
    assert Counter(p["date_modified_gmt"] for p in products).most_common(1)[0][1] > 2
    assert any(p["date_modified"] != p["date_modified_gmt"] for p in products)

    orders = list(shop.data.orders.values())
    # Every order status WooCommerce has (pending ... checkout-draft), and the trash.
    assert len(ORDER_STATUSES) == 8
    assert {o["status"] for o in orders} >= {*ORDER_STATUSES, "trash"}
    assert all(o["currency"] == "ILS" and o["line_items"] for o in orders)
    known = set(shop.data.products) | set(shop.data.variations)
    assert all(
        i["product_id"] in known and (not i["variation_id"] or i["variation_id"] in known)
        for o in orders
        for i in o["line_items"]
    )
    oldest = min(o["date_created_gmt"] for o in orders)
    assert oldest >= shop.clock.gmt(shop.clock.now() - 122 * 86400)


def test_images_are_served_as_png(shop: SandboxServer) -> None:
    src = next(p["images"][0]["src"] for p in shop.data.products.values() if p["images"])
    response = requests.get(src, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert requests.get(f"{shop.url}/media/999999999.png", timeout=5).status_code == 404


def test_generation_and_listing_are_fast() -> None:
    # CPU time, so a busy machine does not make this flaky; ~1 s is typical for this size.
    started = time.process_time()
    server = SandboxServer(products=2000, orders=4000, seed=2).start()
    try:
        assert time.process_time() - started < 4
        started = time.process_time()
        for page in (1, 2, 3):
            response = requests.get(
                f"{server.url}/wp-json/wc/v3/orders",
                params={"per_page": 100, "page": page},
                auth=("ck_test", "cs_test"),
                timeout=10,
            )
            assert response.status_code == 200 and len(response.json()) == 100
        assert time.process_time() - started < 1.5
    finally:
        server.stop()


def test_command_line_entry_point() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "woo_sandbox",
            "--port",
            "0",
            "--products",
            "5",
            "--orders",
            "5",
            "--key",
            KEY,
            "--secret",
            SECRET,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        first_line = process.stdout.readline()
        url = re.search(r"http://[\d.]+:\d+", first_line).group(0)
        assert KEY in process.stdout.readline()
        response = requests.get(f"{url}/wp-json/wc/v3/products", auth=(KEY, SECRET), timeout=5)
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert "Stopped." in output
