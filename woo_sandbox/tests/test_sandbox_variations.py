"""``GET /wc/v3/variations`` (WooCommerce 10.3+): the same items as the per-product route plus
``parent_id``, the same filters and paging; an older WooCommerce answers ``404 rest_no_route``."""

from __future__ import annotations

from .conftest import wc_client


def _all(wc, endpoint, **params):
    items, page = [], 1
    while True:
        response = wc.get(endpoint, params={**params, "page": page, "per_page": 100})
        assert response.status_code == 200, response.text
        items += response.json()
        if page >= int(response.headers["X-WP-TotalPages"]):
            return items, response
        page += 1


def test_the_store_wide_listing_has_every_variation_of_every_parent_with_its_parent_id(shop, wc):
    listed, response = _all(wc, "variations", orderby="id", order="asc")
    assert int(response.headers["X-WP-Total"]) == len(listed) > 0
    expected = {}
    for product in _all(wc, "products", type="variable")[0]:
        for variation in _all(wc, f"products/{product['id']}/variations")[0]:
            expected[variation["id"]] = {**variation, "parent_id": product["id"]}
    assert {v["id"]: v for v in listed} == expected
    assert [v["id"] for v in listed] == sorted(expected)


def test_filters_paging_and_fields(shop, wc):
    everything, _ = _all(wc, "variations", orderby="id", order="asc")
    some = [v["id"] for v in everything[3:8]]
    response = wc.get("variations", params={"include": ",".join(map(str, some)), "_fields": "id,parent_id"})
    assert sorted(response.json(), key=lambda v: v["id"]) == [
        {"id": v["id"], "parent_id": v["parent_id"]} for v in everything[3:8]
    ]
    newest = max(everything, key=lambda v: v["date_modified_gmt"])
    response = wc.get(
        "variations",
        params={"modified_after": newest["date_modified_gmt"], "dates_are_gmt": "true", "per_page": 100},
    )
    assert response.json() == []
    page2 = wc.get("variations", params={"orderby": "id", "order": "desc", "per_page": 7, "page": 2}).json()
    assert [v["id"] for v in page2] == sorted((v["id"] for v in everything), reverse=True)[7:14]
    too_big = wc.get("variations", params={"per_page": 101})
    assert too_big.status_code == 400 and too_big.json()["code"] == "rest_invalid_param"


def test_trashed_variations_are_listed_only_when_asked_for(make_shop):
    server = make_shop(products=40, orders=0, seed=3)
    wc = wc_client(server)
    variable = next(p for p in _all(wc, "products", type="variable")[0] if p["variations"])
    assert wc.delete(f"products/{variable['id']}").status_code == 200  # to the trash, variations too
    live = {v["id"] for v in _all(wc, "variations")[0]}
    trashed = {v["id"] for v in _all(wc, "variations", status="trash")[0]}
    assert set(variable["variations"]) <= trashed and not set(variable["variations"]) & live


def test_an_older_woocommerce_has_no_such_route_and_says_which_it_is(make_shop):
    server = make_shop(products=10, orders=0, seed=3)
    wc = wc_client(server)
    assert wc.get("system_status").json()["environment"]["version"] == "10.3.1"
    server.set_woocommerce_version("9.9.2")
    response = wc.get("variations")
    assert response.status_code == 404 and response.json()["code"] == "rest_no_route"
    assert wc.get("system_status").json()["environment"]["version"] == "9.9.2"
    assert "/wc/v3/variations" not in wc.get("").json()["routes"]
    server.set_woocommerce_version("10.3.0")  # the upgrade
    assert wc.get("variations").status_code == 200
