"""Webhook pings, signed deliveries, payload rules and automatic disabling."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

from woo_sandbox import SandboxServer

from .conftest import Receiver
from .conftest import wc_client

WC_HEADERS = (
    "X-WC-Webhook-Source",
    "X-WC-Webhook-Topic",
    "X-WC-Webhook-Resource",
    "X-WC-Webhook-Event",
    "X-WC-Webhook-Signature",
    "X-WC-Webhook-ID",
    "X-WC-Webhook-Delivery-ID",
)


def signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_ping_then_signed_delivery_after_update(make_shop: Callable[..., SandboxServer], receiver: Receiver) -> None:
    server = make_shop()
    wc = wc_client(server)
    created = wc.post(
        "webhooks",
        {"name": "Products", "topic": "product.updated", "delivery_url": receiver.url, "secret": "s3cr&amp;t/ש"},
    )
    assert created.status_code == 201
    hook = created.json()
    assert (hook["status"], hook["resource"], hook["event"]) == ("active", "product", "updated")

    (ping,) = receiver.wait_for(1)
    assert ping.body == f"webhook_id={hook['id']}".encode()
    assert ping.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert not [name for name in ping.headers if name.lower().startswith("x-wc-")]
    server.wait_for_deliveries()
    assert server.deliveries()[0]["ping"] and server.deliveries()[0]["ok"]

    product = next(p for p in server.data.products.values() if p["status"] == "publish" and p["type"] == "simple")
    wc.put(f"products/{product['id']}", {"name": "Renamed / שלום 🔥"})

    delivery = receiver.wait_for(2)[1]
    headers = delivery.headers
    assert all(name in headers for name in WC_HEADERS)
    assert headers["X-WC-Webhook-Topic"] == "product.updated"
    assert (headers["X-WC-Webhook-Resource"], headers["X-WC-Webhook-Event"]) == ("product", "updated")
    assert headers["X-WC-Webhook-Source"] == server.url + "/"
    assert headers["X-WC-Webhook-ID"] == str(hook["id"])
    assert headers["User-Agent"] == "WooCommerce/9.6.0 Hookshot (WordPress/6.7)"
    assert headers["Content-Type"] == "application/json"
    # The stored secret is HTML-decoded before signing (wp_specialchars_decode), and the
    # signature covers the exact bytes: escaped slashes and \u escapes, as PHP encodes.
    assert headers["X-WC-Webhook-Signature"] == signature(delivery.body, "s3cr&t/ש")
    assert b"\\/" in delivery.body and delivery.body.isascii()
    payload = json.loads(delivery.body)
    assert payload["id"] == product["id"] and payload["name"] == "Renamed / שלום 🔥"

    # The receiver has the request before the sandbox logs the answer: wait for the log.
    assert server.wait_for_deliveries()
    log = [d for d in server.deliveries(hook["id"]) if not d["ping"]]
    assert log[0]["status_code"] == 200 and log[0]["delivery_id"] == headers["X-WC-Webhook-Delivery-ID"]


def test_deleted_restored_and_variation_payloads(make_shop: Callable[..., SandboxServer], receiver: Receiver) -> None:
    server = make_shop(products=40)
    for topic in ("product.deleted", "product.updated", "product.restored"):
        server.create_webhook(topic, receiver.url, secret="k")
    server.wait_for_deliveries()
    receiver.requests.clear()

    product = next(p for p in server.data.products.values() if p["status"] == "publish" and p["type"] == "simple")
    server.trash_product(product["id"])
    server.wait_for_deliveries()
    (deleted,) = receiver.requests
    assert deleted.headers["X-WC-Webhook-Topic"] == "product.deleted"
    assert deleted.body == f'{{"id":{product["id"]}}}'.encode()

    server.restore_product(product["id"])
    server.wait_for_deliveries()
    assert receiver.requests[-1].headers["X-WC-Webhook-Topic"] == "product.restored"
    assert json.loads(receiver.requests[-1].body)["status"] == "publish"

    # Permanent deletes send nothing.
    before = len(receiver.requests)
    server.delete_product(product["id"], force=True)
    server.wait_for_deliveries()
    assert len(receiver.requests) == before

    parent = next(p for p in server.data.products.values() if p["type"] == "variable" and p["status"] == "publish")
    variation_id = parent["variations"][0]
    server.update_variation(parent["id"], variation_id, regular_price="42.00")
    server.wait_for_deliveries()
    update = receiver.requests[-1]
    assert update.headers["X-WC-Webhook-Topic"] == "product.updated"
    payload = json.loads(update.body)
    assert (payload["id"], payload["type"], payload["parent_id"]) == (variation_id, "variation", parent["id"])
    assert payload["regular_price"] == "42.00"


def test_webhook_is_disabled_on_the_seventh_consecutive_failure(
    make_shop: Callable[..., SandboxServer], receiver: Receiver
) -> None:
    server = make_shop(products=30)
    wc = wc_client(server)
    receiver.status = 500
    hook = wc.post("webhooks", {"topic": "product.updated", "delivery_url": receiver.url}).json()
    server.wait_for_deliveries()
    products = [p["id"] for p in server.data.products.values() if p["status"] != "trash"]

    for product_id in products[:6]:
        server.update_product(product_id, menu_order=1)
        server.wait_for_deliveries()
    assert server.data.webhooks[hook["id"]]["failure_count"] == 6
    assert wc.get(f"webhooks/{hook['id']}").json()["status"] == "active"

    server.update_product(products[6], menu_order=1)
    server.wait_for_deliveries()
    assert wc.get(f"webhooks/{hook['id']}").json()["status"] == "disabled"

    attempts = len(receiver.requests)
    server.update_product(products[7], menu_order=1)
    server.wait_for_deliveries()
    assert len(receiver.requests) == attempts

    # Re-enabling and one success reset the counter.
    receiver.status = 200
    wc.put(f"webhooks/{hook['id']}", {"status": "active"})
    server.update_product(products[8], menu_order=1)
    server.wait_for_deliveries()
    assert server.data.webhooks[hook["id"]]["failure_count"] == 0


def test_order_topics_and_duplicate_deliveries(make_shop: Callable[..., SandboxServer], receiver: Receiver) -> None:
    server = make_shop(duplicate_delivery_rate=1.0)
    wc = wc_client(server)
    for topic in ("order.created", "order.deleted"):
        wc.post("webhooks", {"topic": topic, "delivery_url": receiver.url, "secret": "x"})
    server.wait_for_deliveries()
    receiver.requests.clear()

    product = next(p for p in server.data.products.values() if p["status"] == "publish" and p["type"] == "simple")
    order = wc.post("orders", {"line_items": [{"product_id": product["id"], "quantity": 2}], "set_paid": True}).json()
    assert order["status"] == "processing" and order["line_items"][0]["quantity"] == 2
    server.trash_order(order["id"])
    server.wait_for_deliveries()

    topics = [r.headers["X-WC-Webhook-Topic"] for r in receiver.requests]
    assert sorted(topics) == ["order.created", "order.created", "order.deleted", "order.deleted"]
    created = [r for r in receiver.requests if r.headers["X-WC-Webhook-Topic"] == "order.created"]
    assert created[0].body == created[1].body
    assert created[0].headers["X-WC-Webhook-Delivery-ID"] != created[1].headers["X-WC-Webhook-Delivery-ID"]
    assert sum(d["duplicate"] for d in server.deliveries()) == 2


def test_mutate_random_fires_webhooks_and_reports(make_shop: Callable[..., SandboxServer], receiver: Receiver) -> None:
    server = make_shop(products=60, orders=40)
    server.create_webhook("product.updated", receiver.url)
    server.create_webhook("order.updated", receiver.url)
    server.wait_for_deliveries()
    receiver.requests.clear()

    summary = server.mutate_random(0.25, rng_seed=5)
    server.wait_for_deliveries()

    assert summary["products_trashed"] and summary["products_deleted"] and summary["orders_updated"]
    assert not set(summary["products_deleted"]) & set(server.data.products)
    assert all(server.data.products[p]["status"] == "trash" for p in summary["products_trashed"])
    delivered = {(r.headers["X-WC-Webhook-Topic"], json.loads(r.body)["id"]) for r in receiver.requests}
    for product_id in summary["products_updated"]:
        assert ("product.updated", product_id) in delivered
    for order_id in summary["orders_updated"]:
        assert ("order.updated", order_id) in delivered
