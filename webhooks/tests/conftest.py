"""Fixtures for the webhooks tests: a store with a webhook secret, signed deliveries (users and
the rest of the store fixtures are the root conftest.py's)."""

import functools
import itertools
import json

import pytest
from django.urls import reverse

# API_KEY lives in config.testing; tests written before it moved import it from here.
from config.testing import API_KEY  # noqa: F401
from webhooks import inbox
from webhooks import receiving
from webhooks.signing import sign

SECRET = ">Zx3&b;X|~<x"  # byte-exact, HTML-looking: must work as is
_deliveries = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_caches():
    receiving.forget_signing_keys()
    inbox.reset_enqueue_backoff()
    yield
    receiving.forget_signing_keys()
    inbox.reset_enqueue_backoff()


@pytest.fixture
def make_store(make_store):
    """The shared make_store; a store here has the webhook secret SECRET unless told otherwise."""
    return functools.partial(make_store, webhook_secret=SECRET)


def php_json(payload):
    """WooCommerce's wp_json_encode: escaped slashes and \\uXXXX for non-ASCII."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def delivery_headers(body, topic, *, secret=SECRET, webhook_id=7, delivery_id=None, signature=None):
    resource, _, event = topic.partition(".")
    return {
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": signature if signature is not None else sign(body, secret),
        "X-WC-Webhook-ID": str(webhook_id),
        "X-WC-Webhook-Delivery-ID": delivery_id or f"d{next(_deliveries):031d}",
        "User-Agent": "WooCommerce/9.6.0 Hookshot (WordPress/6.7)",
    }


def receiver_url(store_id):
    return reverse("webhooks_receiver:receive", kwargs={"store_id": store_id})


@pytest.fixture
def post(client):
    """post(store, payload_or_bytes, topic, **header options) -> response (through every middleware)."""

    def send(store, payload, topic="product.updated", *, store_id=None, content_type="application/json", **options):
        body = payload if isinstance(payload, bytes) else php_json(payload)
        headers = delivery_headers(body, topic, **options)
        return client.generic(
            "POST", receiver_url(store_id or store.pk), data=body, content_type=content_type, headers=headers
        )

    return send


def product_payload(woo_id=101, modified="2026-01-01T10:00:00", **extra):
    payload = {
        "id": woo_id,
        "name": f"Product {woo_id}",
        "type": "simple",
        "status": "publish",
        "sku": f"SKU-{woo_id}",
        "regular_price": "10.00",
        "sale_price": "",
        "stock_quantity": 5,
        "stock_status": "instock",
        "description": "A thing / with slashes é",
        "short_description": "",
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "categories": [],
        "tags": [],
        "brands": [],
        "images": [],
        "attributes": [],
        "date_created_gmt": "2025-12-01T10:00:00",
        "date_modified_gmt": modified,
    }
    payload.update(extra)
    return payload


def order_payload(woo_id=501, status="processing", modified="2026-01-01T10:00:00", **extra):
    payload = {
        "id": woo_id,
        "number": str(woo_id),
        "status": status,
        "currency": "ILS",
        "total": "99.90",
        "discount_total": "0.00",
        "shipping_total": "10.00",
        "total_tax": "14.51",
        "billing": {"first_name": "Dana", "last_name": "Levi", "email": "dana@example.com", "phone": "050"},
        "shipping": {"first_name": "Dana", "last_name": "Levi"},
        "line_items": [{"id": 1, "name": "Thing", "quantity": 1, "price": 89.9}],
        "payment_method": "cod",
        "payment_method_title": "Cash on delivery",
        "customer_note": "",
        "date_created_gmt": "2025-12-31T10:00:00",
        "date_modified_gmt": modified,
        "date_paid_gmt": None,
        "date_completed_gmt": None,
    }
    payload.update(extra)
    return payload
