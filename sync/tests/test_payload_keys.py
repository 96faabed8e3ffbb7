"""The pull asks its listings for the keys its mappers read (``_fields``): every product,
variation and order of a sandbox shop maps to the same rows whole and cut to those keys."""

import pytest

from sync.mappers.orders import ORDER_PAYLOAD_KEYS
from sync.mappers.orders import order_fields
from sync.mappers.products import PRODUCT_PAYLOAD_KEYS
from sync.mappers.products import marker
from sync.mappers.products import product_attribute_rows
from sync.mappers.products import product_fields
from sync.mappers.products import product_image_rows
from sync.mappers.products import variation_ids
from sync.mappers.variations import VARIATION_PAYLOAD_KEYS
from sync.mappers.variations import variation_fields


@pytest.fixture(scope="module")
def shop():
    from woo_sandbox import SandboxServer
    from woo_sandbox.mutate import mutate_random

    srv = SandboxServer(products=300, orders=300, seed=11, keys=[("ck_keys", "cs_keys")])
    # Edited, trashed and refunded objects too.
    mutate_random(srv.data, srv.catalog, srv.order_service, 0.2, rng_seed=5)
    yield srv
    srv.stop()


def _every(listing):
    items, page = [], 1
    while True:
        found = [item for status in ("any", "trash") for item in listing(status, page).items]
        if not found:
            return items
        items += found
        page += 1


def _cut(item, keys):
    return {key: value for key, value in item.items() if key in keys}


def _params(status, page):
    return {"status": status, "page": str(page), "per_page": "100", "orderby": "id", "order": "asc"}


def test_products_map_the_same_cut_to_their_payload_keys(shop):
    products = _every(lambda status, page: shop.catalog.list_products(_params(status, page)))
    assert len(products) >= 250
    assert {p["type"] for p in products} >= {"simple", "variable"}
    for item in products:
        cut = _cut(item, PRODUCT_PAYLOAD_KEYS)
        for mapper in (product_fields, product_attribute_rows, product_image_rows, variation_ids, marker):
            assert mapper(cut) == mapper(item), (mapper.__name__, item["id"])


def test_variations_map_the_same_cut_to_their_payload_keys(shop):
    variations = _every(lambda status, page: shop.catalog.list_all_variations(_params(status, page)))
    assert len(variations) > 300
    for item in variations:
        cut = _cut(item, VARIATION_PAYLOAD_KEYS)
        assert variation_fields(cut) == variation_fields(item), item["id"]
        assert cut["parent_id"] == item["parent_id"]


def test_orders_map_the_same_cut_to_their_payload_keys(shop):
    orders = _every(lambda status, page: shop.order_service.list_orders(_params(status, page)))
    assert len(orders) >= 250
    assert any(order["refunds"] for order in orders)
    for item in orders:
        assert order_fields(_cut(item, ORDER_PAYLOAD_KEYS)) == order_fields(item), item["id"]
