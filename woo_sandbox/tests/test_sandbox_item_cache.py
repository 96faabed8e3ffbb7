"""Listings answer from cached item texts: the same bytes as encoding the page, and every write seen."""

from __future__ import annotations

import json
import urllib.request

import pytest

from woo_sandbox.item_cache import select_fields
from woo_sandbox.item_cache import wanted_fields
from woo_sandbox.text import wp_json_encode

from .conftest import wc_client

FIELD_VALUES = [
    None,
    "id",
    "id,name,_links",
    " name , id ",
    "_links",
    "parent_id,id",
    ",",
    "no_such_key",
    ["id", "sku"],
]


def _listings(shop):
    """Each cached listing of the shop, as a function of its query parameters."""
    product_id = next(p["id"] for p in shop.data.products.values() if p["variations"])
    return {
        "products": shop.catalog.list_products,
        "orders": shop.order_service.list_orders,
        "variations": shop.catalog.list_all_variations,
        "product variations": lambda params: shop.catalog.list_variations(product_id, params),
    }


@pytest.mark.parametrize("listing", ["products", "orders", "variations", "product variations"])
@pytest.mark.parametrize("status", ["any", "trash", "publish"])
def test_cached_text_is_the_encoded_page(shop, listing, status):
    """Every ``_fields`` value answers what selecting the keys of the page's items and encoding the
    list gives (the answer before the cache), the first time and from the cache."""
    if listing == "orders" and status == "publish":
        status = "processing"
    for fields in FIELD_VALUES:
        for order in ("asc", "desc"):
            page_number = "1" if listing == "product variations" else "2"
            page = _listings(shop)[listing]({"status": status, "per_page": "40", "page": page_number, "order": order})
            expected = wp_json_encode(select_fields([dict(item) for item in page.items], wanted_fields(fields)))
            assert page.encode(fields) == expected
            assert page.encode(fields) == expected


def test_listing_over_http_is_the_encoded_page(shop, wc):
    full = wc.get("products", params={"per_page": 30, "page": 2, "orderby": "id", "order": "asc"})
    subset = wc.get(
        "products", params={"per_page": 30, "page": 2, "orderby": "id", "order": "asc", "_fields": "id,name"}
    )
    assert subset.content == wp_json_encode([{"id": p["id"], "name": p["name"]} for p in full.json()]).encode()
    variations = wc.get("variations", params={"per_page": 20, "_fields": "parent_id,id,_links"}).json()
    assert [set(v) for v in variations] == [{"id", "parent_id", "_links"}] * 20
    assert all(v["_links"]["up"][0]["href"].endswith(f"/products/{v['parent_id']}") for v in variations)


def _names(wc, endpoint, status="any"):
    items = wc.get(endpoint, params={"per_page": 100, "status": status, "_fields": "id,name,status,regular_price"})
    return {item["id"]: item for item in items.json()}


def test_a_write_is_seen_by_the_next_listing(make_shop):
    server = make_shop(products=30, orders=10)
    wc = wc_client(server)
    before = _names(wc, "products")
    renamed, admin_renamed, trashed = list(before)[:3]

    assert wc.put(f"products/{renamed}", {"name": "Renamed over the API"}).status_code == 200
    server.update_product(admin_renamed, name="Renamed in the admin")
    server.trash_product(trashed)

    after = _names(wc, "products")
    assert after[renamed]["name"] == "Renamed over the API"
    assert after[admin_renamed]["name"] == "Renamed in the admin"
    assert trashed not in after
    assert _names(wc, "products", "trash")[trashed]["status"] == "trash"

    order_id = next(iter(_names(wc, "orders")))
    assert wc.put(f"orders/{order_id}", {"status": "on-hold"}).status_code == 200
    assert _names(wc, "orders", "on-hold")[order_id]["status"] == "on-hold"

    prices = {v["id"]: v for v in wc.get("variations", params={"per_page": 100, "_fields": "id,regular_price"}).json()}
    variation_id = next(iter(prices))
    product_id = server.data.variation_parent[variation_id]
    server.update_variation(product_id, variation_id, regular_price="123.45")
    fresh = wc.get("variations", params={"per_page": 100, "_fields": "id,regular_price"}).json()
    assert {v["id"]: v["regular_price"] for v in fresh}[variation_id] == "123.45"
    own = wc.get(f"products/{product_id}/variations", params={"_fields": "id,regular_price"}).json()
    assert {v["id"]: v["regular_price"] for v in own}[variation_id] == "123.45"


def test_a_random_mutation_is_seen_by_the_next_listing(make_shop):
    server = make_shop(products=40, orders=40)
    wc = wc_client(server)
    _names(wc, "products")
    summary = server.mutate_random(fraction=0.3, rng_seed=3)
    listed = {p["id"]: p for p in wc.get("products", params={"per_page": 100, "status": "any"}).json()} | {
        p["id"]: p for p in wc.get("products", params={"per_page": 100, "status": "trash"}).json()
    }
    for product_id in summary["products_updated"]:
        assert listed[product_id] == json.loads(wp_json_encode(server.get_product(product_id)))
    assert all(listed[p]["status"] == "trash" for p in summary["products_trashed"])
    assert not set(summary["products_deleted"]) & set(listed)


PAGE = {"per_page": 10, "page": 2, "orderby": "id", "order": "asc", "status": "any"}


def _page_queries():
    """The same page without and with ``_fields``."""
    return [PAGE, PAGE | {"_fields": "id,name,regular_price,_links"}]


def test_a_cached_page_changes_after_a_write(make_shop):
    """A page served twice (its whole text kept) answers a write made through the API, and the
    control endpoint's random mutation, on the next request, with and without ``_fields``."""
    server = make_shop(products=30, orders=10)
    wc = wc_client(server)
    for query in _page_queries():
        first = wc.get("products", params=query).content
        assert wc.get("products", params=query).content == first
    product_id = wc.get("products", params=PAGE).json()[3]["id"]

    assert wc.put(f"products/{product_id}", {"name": "Renamed over the API"}).status_code == 200
    for query in _page_queries():
        listed = {item["id"]: item for item in wc.get("products", params=query).json()}
        assert listed[product_id]["name"] == "Renamed over the API"

    with urllib.request.urlopen(
        urllib.request.Request(f"{server.url}/__sandbox__/mutate", data=b'{"fraction": 1.0, "rng_seed": 5}')
    ) as response:
        changed = json.loads(response.read())["products_updated"]
    for query in _page_queries():
        listed = wc.get("products", params=query).json()
        assert {item["id"] for item in listed} & set(changed)
        fresh = [json.loads(wp_json_encode(server.get_product(item["id"]))) for item in listed]
        assert listed == select_fields(fresh, wanted_fields(query.get("_fields")))
