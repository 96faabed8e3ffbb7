"""REST behaviour of the sandbox, exercised through the real ``woocommerce`` client (OAuth over HTTP)."""

from __future__ import annotations

from collections.abc import Callable

from woocommerce import API

from woo_sandbox import SandboxServer

from .conftest import wc_client


def test_list_has_pagination_headers_and_links(shop: SandboxServer, wc: API) -> None:
    response = wc.get("products", params={"per_page": 10, "page": 2})

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    total = int(response.headers["X-WP-Total"])
    live = sum(1 for p in shop.data.products.values() if p["status"] != "trash")
    assert total == live
    assert int(response.headers["X-WP-TotalPages"]) == -(-total // 10)
    assert len(response.json()) == 10
    assert "page=3" in response.links["next"]["url"]
    assert "page=1" in response.links["prev"]["url"]


def test_paging_by_id_visits_every_product_once(shop: SandboxServer, wc: API) -> None:
    seen: list[int] = []
    page = 1
    while True:
        response = wc.get("products", params={"orderby": "id", "order": "asc", "per_page": 25, "page": page})
        assert response.status_code == 200
        batch = [p["id"] for p in response.json()]
        if not batch:
            break
        seen += batch
        page += 1

    expected = sorted(pid for pid, p in shop.data.products.items() if p["status"] != "trash")
    assert seen == expected
    assert page - 1 == int(response.headers["X-WP-TotalPages"])


def test_default_order_is_date_desc_with_id_tiebreak(shop: SandboxServer, wc: API) -> None:
    items = wc.get("products", params={"per_page": 100}).json()
    keys = [(p["date_created_gmt"], p["id"]) for p in items]
    assert keys == sorted(keys, reverse=True)


def test_page_past_the_end_is_empty(wc: API) -> None:
    response = wc.get("products", params={"per_page": 100, "page": 99})
    assert response.status_code == 200
    assert response.json() == []
    assert "next" not in response.links


def test_per_page_above_100_is_rejected(wc: API) -> None:
    response = wc.get("products", params={"per_page": 101})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rest_invalid_param"
    assert body["data"]["params"]["per_page"] == "per_page must be between 1 (inclusive) and 100 (inclusive)"


def test_status_trash_lists_only_trashed_products(shop: SandboxServer, wc: API) -> None:
    trashed = wc.get("products", params={"status": "trash", "per_page": 100}).json()
    assert trashed
    assert {p["status"] for p in trashed} == {"trash"}
    default = wc.get("products", params={"per_page": 100}).json()
    assert "trash" not in {p["status"] for p in default}


def test_modified_after_with_gmt_and_local_dates(shop: SandboxServer, wc: API) -> None:
    gmt_dates = sorted(p["date_modified_gmt"] for p in shop.data.products.values() if p["status"] != "trash")
    cutoff = gmt_dates[len(gmt_dates) // 2]

    by_gmt = wc.get("products", params={"modified_after": cutoff, "dates_are_gmt": "true", "per_page": 100})
    expected = sum(1 for d in gmt_dates if d > cutoff)
    assert int(by_gmt.headers["X-WP-Total"]) == expected
    assert all(p["date_modified_gmt"] > cutoff for p in by_gmt.json())

    # Without dates_are_gmt the same string is read as site time (Asia/Jerusalem, UTC+2/+3).
    by_local = wc.get("products", params={"modified_after": cutoff, "per_page": 100})
    assert all(p["date_modified"] > cutoff for p in by_local.json())
    assert int(by_local.headers["X-WP-Total"]) > expected


def test_variations_are_paged_like_collections(shop: SandboxServer, wc: API) -> None:
    parent_id = next(
        pid
        for pid, kids in shop.data.children.items()
        if len(kids) > 10 and shop.data.products[pid]["status"] != "trash"
    )
    live = [v for v in shop.data.children[parent_id] if shop.data.variations[v]["status"] != "trash"]

    first = wc.get(f"products/{parent_id}/variations")
    assert len(first.json()) == 10
    assert int(first.headers["X-WP-Total"]) == len(live)
    assert "next" in first.links
    seen = [v["id"] for v in first.json()]
    page = 2
    while batch := wc.get(f"products/{parent_id}/variations", params={"page": page}).json():
        seen += [v["id"] for v in batch]
        page += 1
    assert sorted(seen) == sorted(live)
    assert first.json()[0]["_links"]["up"][0]["href"].endswith(f"/products/{parent_id}")


def test_search_sku_and_taxonomy_filters(shop: SandboxServer, wc: API) -> None:
    product = next(p for p in shop.data.products.values() if p["status"] == "publish" and p["sku"] and p["categories"])
    by_sku = wc.get("products", params={"sku": product["sku"]}).json()
    assert [p["id"] for p in by_sku] == [product["id"]]
    assert product["id"] in [p["id"] for p in wc.get("products", params={"search": product["sku"]}).json()]

    category = product["categories"][0]["id"]
    in_category = wc.get("products", params={"category": category, "per_page": 100}).json()
    assert product["id"] in [p["id"] for p in in_category]

    variation = next(v for v in shop.data.variations.values() if v["sku"] and v["status"] == "publish")
    found = wc.get("products", params={"sku": variation["sku"]}).json()
    assert found[0]["id"] == variation["id"] and found[0]["type"] == "variation"


def test_trash_then_force_delete_semantics(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    wc = wc_client(server)
    variable = next(p for p in server.data.products.values() if p["type"] == "variable" and p["status"] == "publish")
    variation_ids = list(server.data.children[variable["id"]])

    trashed = wc.delete(f"products/{variable['id']}")
    assert trashed.status_code == 200
    assert trashed.json()["status"] == "publish"  # answered as it was before the deletion
    assert wc.get(f"products/{variable['id']}").json()["status"] == "trash"

    again = wc.delete(f"products/{variable['id']}")
    assert again.status_code == 410
    assert again.json()["code"] == "woocommerce_rest_already_trashed"

    gone = wc.delete(f"products/{variable['id']}", params={"force": True})
    assert gone.status_code == 200
    assert wc.get(f"products/{variable['id']}").json()["code"] == "woocommerce_rest_product_invalid_id"
    assert not set(variation_ids) & set(server.data.variations)


def test_batch_create_update_delete_with_inline_errors(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    wc = wc_client(server)
    existing = next(p for p in server.data.products.values() if p["sku"] and p["status"] == "publish")

    response = wc.post(
        "products/batch",
        {
            "create": [{"name": "Batch שלום", "regular_price": 12.5}, {"name": "Duplicate", "sku": existing["sku"]}],
            "update": [{"id": existing["id"], "name": "Renamed"}, {"id": 999999, "name": "nope"}],
            "delete": [existing["id"], 999998],
        },
    )

    assert response.status_code == 200
    body = response.json()
    created, duplicate = body["create"]
    assert created["name"] == "Batch שלום" and created["regular_price"] == "12.5"
    assert duplicate["id"] == 0
    assert duplicate["error"]["code"] == "product_invalid_sku"
    assert duplicate["error"]["data"] == {
        "status": 400,
        "resource_id": existing["id"],
        "unique_sku": existing["sku"] + "-1",
    }
    assert body["update"][0]["name"] == "Renamed"
    assert body["update"][1] == {
        "id": 999999,
        "error": {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 400}},
    }
    assert body["delete"][0]["id"] == existing["id"]
    assert body["delete"][1]["error"]["data"] == {"status": 404}
    # Batch deletes are permanent.
    assert existing["id"] not in server.data.products


def test_batch_over_100_items_is_413(wc: API) -> None:
    response = wc.post("products/batch", {"create": [{"name": "x"}] * 60, "delete": list(range(1, 42))})
    assert response.status_code == 413
    assert response.json() == {
        "code": "woocommerce_rest_request_entity_too_large",
        "message": "Unable to accept more than 100 items for this request.",
        "data": {"status": 413},
    }


def test_create_product_with_existing_sku_is_rejected(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    wc = wc_client(server)
    first = wc.post("products", {"name": "Mug", "sku": "MUG-1", "regular_price": "30"})
    assert first.status_code == 201
    assert first.headers["Location"].endswith(f"/wp-json/wc/v3/products/{first.json()['id']}")
    second = wc.post("products", {"name": "Other mug", "sku": "MUG-1"})
    assert second.status_code == 400
    assert second.json()["code"] == "product_invalid_sku"


def test_update_changes_date_modified_monotonically(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    wc = wc_client(server)
    product = next(p for p in server.data.products.values() if p["type"] == "simple" and p["status"] == "publish")
    before = product["date_modified_gmt"]

    updated = wc.put(f"products/{product['id']}", {"regular_price": "77.70", "sale_price": "70"}).json()

    assert updated["date_modified_gmt"] >= before
    assert updated["price"] == "70" and updated["on_sale"] is True
    assert wc.put(f"products/{product['id']}", {"regular_price": 5}).json()["code"] == "rest_invalid_param"


def test_unknown_routes_and_ids(wc: API) -> None:
    assert wc.get("nothing/here").json() == {
        "code": "rest_no_route",
        "message": "No route was found matching the URL and request method",
        "data": {"status": 404},
    }
    assert wc.get("products/categories/999999").json() == {
        "code": "woocommerce_rest_term_invalid",
        "message": "Resource doesn't exist.",
        "data": {"status": 404},
    }
    assert wc.get("orders/999999").json()["code"] == "woocommerce_rest_shop_order_invalid_id"


def test_orders_filter_by_status_list_and_trash(shop: SandboxServer, wc: API) -> None:
    response = wc.get("orders", params={"status": "processing,completed", "per_page": 100})
    assert {o["status"] for o in response.json()} <= {"processing", "completed"}
    expected = sum(1 for o in shop.data.orders.values() if o["status"] in ("processing", "completed"))
    assert int(response.headers["X-WP-Total"]) == expected
    trashed = wc.get("orders", params={"status": "trash"}).json()
    assert trashed and {o["status"] for o in trashed} == {"trash"}


def test_order_update_and_trash(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    wc = wc_client(server)
    order = next(o for o in server.data.orders.values() if o["status"] == "processing")

    done = wc.put(f"orders/{order['id']}", {"status": "completed"})
    assert done.status_code == 200
    assert done.json()["status"] == "completed" and done.json()["date_completed"] is not None

    assert wc.delete(f"orders/{order['id']}").status_code == 200
    assert wc.delete(f"orders/{order['id']}").json()["code"] == "woocommerce_rest_already_trashed"
    batch = wc.post(
        "orders/batch", {"update": [{"id": order["id"], "customer_note": "hi"}], "delete": [order["id"]]}
    ).json()
    assert batch["update"][0]["customer_note"] == "hi"
    assert order["id"] not in server.data.orders


def test_categories_are_nested_and_writable(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    wc = wc_client(server)
    categories = wc.get("products/categories", params={"per_page": 100}).json()
    by_id = {c["id"]: c for c in categories}

    def depth(category: dict) -> int:
        return 1 + (depth(by_id[category["parent"]]) if category["parent"] else 0)

    assert max(depth(c) for c in categories) == 3

    top = next(c for c in categories if c["parent"] == 0 and c["name"] != "Uncategorized")
    child = wc.post("products/categories", {"name": "Sub חדש", "parent": top["id"]})
    assert child.status_code == 201 and child.json()["parent"] == top["id"]
    again = wc.post("products/categories", {"name": "Sub חדש", "parent": top["id"]})
    assert again.json()["code"] == "term_exists"
    assert wc.get("products/categories", params={"parent": top["id"], "per_page": 100}).json()
    assert wc.delete(f"products/categories/{child.json()['id']}").status_code == 501
    assert wc.delete(f"products/categories/{child.json()['id']}", params={"force": True}).status_code == 200


def test_renaming_a_tag_shows_in_products_without_touching_them(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop(products=60)
    wc = wc_client(server)
    product = next(p for p in server.data.products.values() if p["tags"])
    tag_id = product["tags"][0]["id"]

    assert wc.put(f"products/tags/{tag_id}", {"name": "Renamed tag"}).status_code == 200

    after = wc.get(f"products/{product['id']}").json()
    assert {"id": tag_id, "name": "Renamed tag", "slug": product["tags"][0]["slug"]} in after["tags"]
    assert after["date_modified_gmt"] == product["date_modified_gmt"]


def test_attributes_terms_and_brands_crud(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    wc = wc_client(server)
    attribute = wc.post("products/attributes", {"name": "Finish"}).json()
    assert attribute["slug"] == "pa_finish"
    term = wc.post(f"products/attributes/{attribute['id']}/terms", {"name": "Matte"}).json()
    assert wc.get(f"products/attributes/{attribute['id']}/terms/{term['id']}").json()["name"] == "Matte"
    assert (
        wc.get(f"products/attributes/{attribute['id']}/terms/999999").json()["code"] == "woocommerce_rest_term_invalid"
    )
    brand = wc.post("products/brands", {"name": "Sandbox Brand"})
    assert brand.status_code == 201 and set(brand.json()) >= {"parent", "display", "image", "menu_order", "count"}
    assert wc.delete(f"products/attributes/{attribute['id']}", params={"force": True}).status_code == 200
