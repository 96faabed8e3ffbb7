"""The sandbox answers exactly the shapes of the real payloads in /work/shared/woocommerce/samples."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from woocommerce import API

from woo_sandbox import SandboxServer

SAMPLES = Path("/work/shared/woocommerce/samples")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^-?\d+(\.\d+)?$")

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="WooCommerce samples not available")


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def assert_same_keys(
    actual: dict[str, Any], expected: dict[str, Any], extra: set[str] = frozenset(), path: str = ""
) -> None:
    """Same keys (recursively through dicts and first list items), and the same JSON types."""
    assert set(actual) - extra == set(expected), f"{path}: {set(actual) ^ set(expected)}"
    for key, value in expected.items():
        got = actual[key]
        where = f"{path}.{key}"
        if value is None or got is None:
            continue
        if isinstance(value, dict) and value:
            assert isinstance(got, dict), where
            if key not in ("_links",):
                assert_same_keys(got, value, path=where)
        elif isinstance(value, list):
            assert isinstance(got, list), where
            if value and got and isinstance(value[0], dict) and isinstance(got[0], dict) and key != "meta_data":
                assert_same_keys(got[0], value[0], path=where)
        elif isinstance(value, bool):
            assert isinstance(got, bool), where
        elif isinstance(value, (int, float)):
            assert isinstance(got, (int, float)) and not isinstance(got, bool), where
        else:
            assert isinstance(got, str), where


def test_simple_and_variable_products(shop: SandboxServer, wc: API) -> None:
    simple = next(p for p in shop.data.products.values() if p["type"] == "simple" and p["images"] and p["categories"])
    variable = next(p for p in shop.data.products.values() if p["type"] == "variable" and p["images"])
    for product, name in ((simple, "product.json"), (variable, "product_variable.json")):
        body = wc.get(f"products/{product['id']}").json()
        assert_same_keys(body, sample(name), extra={"brands"})
        assert set(body["_links"]) == {"self", "collection"}
    body = wc.get(f"products/{variable['id']}").json()
    assert body["variations"] and body["attributes"][0]["variation"] is True


def test_product_field_types(shop: SandboxServer, wc: API) -> None:
    for product in wc.get("products", params={"per_page": 100}).json():
        for key in ("price", "regular_price", "sale_price", "weight", "average_rating"):
            assert isinstance(product[key], str) and (product[key] == "" or MONEY.match(product[key])), (
                key,
                product[key],
            )
        assert all(isinstance(v, str) for v in product["dimensions"].values())
        if product["manage_stock"]:
            assert isinstance(product["stock_quantity"], int)
        else:
            assert product["stock_quantity"] is None
        for key in ("date_created", "date_created_gmt", "date_modified", "date_modified_gmt"):
            assert DATE.match(product[key])
        local = datetime.fromisoformat(product["date_created_gmt"] + "+00:00").astimezone(ZoneInfo("Asia/Jerusalem"))
        assert local.strftime("%Y-%m-%dT%H:%M:%S") == product["date_created"]


def test_variation_shape(shop: SandboxServer, wc: API) -> None:
    parent = next(p for p in shop.data.products.values() if p["variations"] and p["status"] == "publish")
    with_image = next(v for v in parent["variations"] if shop.data.variations[v]["image"])
    body = wc.get(f"products/{parent['id']}/variations/{with_image}").json()
    assert_same_keys(body, sample("variation.json"))
    listing = wc.get(f"products/{parent['id']}/variations").json()
    assert_same_keys(listing[0], sample("variations_list.json")[0])
    assert "?attribute_" in body["permalink"]


def test_order_shape(shop: SandboxServer, wc: API) -> None:
    order = next(
        o
        for o in shop.data.orders.values()
        if o["date_paid"] and o["meta_data"] and any(i["variation_id"] for i in o["line_items"]) and o["shipping_lines"]
    )
    body = wc.get(f"orders/{order['id']}").json()
    expected = sample("order.json")
    assert_same_keys(body, expected, extra=set())
    item = next(i for i in body["line_items"] if i["variation_id"])
    assert_same_keys(item, expected["line_items"][1])
    assert isinstance(item["price"], (int, float)) and not isinstance(item["price"], bool)
    assert item["meta_data"] and set(item["meta_data"][0]) == {"id", "key", "value"}
    assert body["currency"] == "ILS"
    for key in ("total", "total_tax", "shipping_total", "discount_total", "cart_tax"):
        assert MONEY.match(body[key])


def test_taxonomy_and_webhook_shapes(shop: SandboxServer, wc: API) -> None:
    categories = wc.get("products/categories", params={"per_page": 100}).json()
    with_image = next(c for c in categories if c["image"])
    assert_same_keys(with_image, sample("category.json"))
    child = next(c for c in categories if c["parent"])
    assert_same_keys(child, sample("categories_list.json")[0])
    assert child["image"] == [] and "up" in child["_links"]

    assert_same_keys(wc.get("products/tags").json()[0], sample("tag.json"))
    attribute = wc.get("products/attributes").json()[0]
    assert_same_keys(attribute, sample("attribute.json"))
    assert_same_keys(wc.get(f"products/attributes/{attribute['id']}/terms").json()[0], sample("attribute_term.json"))
    brands = wc.get("products/brands", params={"per_page": 100}).json()
    assert_same_keys(next(b for b in brands if b["image"]), sample("category.json"))
    assert_same_keys(next(b for b in brands if not b["image"]), sample("categories_list.json")[0])


def test_webhook_and_batch_shapes(shop: SandboxServer, wc: API) -> None:
    created = wc.post("webhooks", {"topic": "order.updated", "delivery_url": "http://127.0.0.1:9/hook"}).json()
    assert_same_keys(created, sample("webhook.json"))
    wc.delete(f"webhooks/{created['id']}", params={"force": True})

    product = next(p for p in shop.data.products.values() if p["status"] == "publish" and p["type"] == "simple")
    batch = wc.post("products/batch", {"update": [{"id": product["id"], "menu_order": product["menu_order"]}]}).json()
    assert_same_keys(batch["update"][0], sample("products_batch_response.json")["update"][0], extra={"brands"})


def test_error_bodies_match_samples(wc: API) -> None:
    assert wc.get("no/such/route").json() == sample("error_rest_no_route.json")
    assert wc.get("products/tags/999999").json() == sample("error_term_invalid.json")
