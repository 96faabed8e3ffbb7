"""The mappers turn every payload in shared/woocommerce/samples/ into the right fields."""

import json
from datetime import UTC
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sync.mappers import MappingError
from sync.mappers.attributes import attribute_fields
from sync.mappers.attributes import attribute_term_fields
from sync.mappers.brands import brand_fields
from sync.mappers.categories import category_depths
from sync.mappers.categories import category_fields
from sync.mappers.common import gmt
from sync.mappers.common import money
from sync.mappers.common import to_gmt_string
from sync.mappers.orders import order_fields
from sync.mappers.products import marker
from sync.mappers.products import product_attribute_rows
from sync.mappers.products import product_fields
from sync.mappers.products import product_image_rows
from sync.mappers.products import product_to_woo
from sync.mappers.products import variation_ids
from sync.mappers.tags import tag_fields
from sync.mappers.variations import variation_fields
from sync.mappers.variations import variation_to_woo
from sync.tests.rows import product_fields_row

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "woocommerce" / "samples"
if not SAMPLES.is_dir():  # the repository may be checked out elsewhere
    SAMPLES = Path("/work/shared/woocommerce/samples")


def sample(name):
    return json.loads((SAMPLES / name).read_text())


def test_every_sample_is_covered():
    covered = {
        "attribute.json",
        "attribute_term.json",
        "categories_list.json",
        "category.json",
        "error_rest_no_route.json",
        "error_term_invalid.json",
        "order.json",
        "product.json",
        "product_variable.json",
        "products_batch_response.json",
        "tag.json",
        "variation.json",
        "variations_list.json",
        "webhook.json",
    }
    assert {p.name for p in SAMPLES.glob("*.json")} <= covered


def test_simple_product():
    fields = product_fields(sample("product.json"))
    assert fields == product_fields_row(
        794,
        name="Premium Quality",
        description=sample("product.json")["description"],
        short_description=sample("product.json")["short_description"],
        price=Decimal("21.99"),
        categories=[
            {"id": 9, "name": "Clothing", "slug": "clothing"},
            {"id": 14, "name": "T-shirts", "slug": "t-shirts"},
        ],
        permalink="https://example.com/product/premium-quality-19/",
        woo_created_at=datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC),
        woo_modified_at=datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC),
    )
    assert product_attribute_rows(sample("product.json")) == []
    images = product_image_rows(sample("product.json"))
    assert [(i["woo_id"], i["type"], i["display_order"]) for i in images] == [(792, "featured", 0), (793, "gallery", 1)]
    assert images[0]["original_url"] == "https://example.com/wp-content/uploads/2017/03/T_2_front-4.jpg"
    assert images[0]["alt_text"] is None and images[0]["description"] is None
    assert variation_ids(sample("product.json")) == []


def test_variable_product():
    payload = sample("product_variable.json")
    fields = product_fields(payload)
    assert fields["type"] == "variable"
    assert fields["price"] is None and fields["sale_price"] is None  # "" on variable products
    attributes = product_attribute_rows(payload)
    assert attributes == [
        {
            "name": "Color",
            "options": ["Black", "Green"],
            "variation": True,
            "visible": False,
            "position": 0,
            "woo_id": 6,
        },
        {"name": "Size", "options": ["S", "M"], "variation": True, "visible": True, "position": 0, "woo_id": 0},
    ]
    assert len(product_image_rows(payload)) == 4


def test_variation_sample_and_list():
    fields = variation_fields(sample("variation.json"))
    assert fields["woo_id"] == 732
    assert fields["price"] == Decimal("9.00") and fields["regular_price"] == Decimal("9.00")
    assert fields["sale_price"] is None and fields["stock_quantity"] is None and fields["sku"] is None
    assert fields["attributes"] == [{"id": 6, "name": "Color", "option": "Black"}]
    assert fields["status"] == "publish"
    assert fields["image_src"] == "https://example.com/wp-content/uploads/2016/10/T_4_front-12.jpg"
    assert fields["image_woo_id"] == 423
    assert fields["woo_modified_at"] == datetime(2017, 3, 23, 3, 36, 38, tzinfo=UTC)
    rows = [variation_fields(item) for item in sample("variations_list.json")]
    assert len(rows) == 2 and all(r["woo_id"] for r in rows)


def test_order():
    fields = order_fields(sample("order.json"))
    assert fields["woo_id"] == 727
    assert fields["status"] == "processing"
    assert fields["total"] == Decimal("29.35")
    assert fields["customer_name"] == "John Doe"
    assert fields["customer_email"] == "john.doe@example.com"
    assert fields["customer_phone"] == "(555) 555-5555"
    assert fields["number"] == "727" and fields["currency"] == "USD"
    assert fields["discount_total"] == Decimal("0.00") and fields["shipping_total"] == Decimal("10.00")
    assert fields["total_tax"] == Decimal("1.35")
    assert fields["payment_method"] == "bacs" and fields["payment_method_title"] == "Direct Bank Transfer"
    assert fields["customer_note"] is None
    assert fields["woo_created_at"] == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert fields["woo_modified_at"] == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert fields["date_paid"] == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert fields["date_completed"] is None
    assert fields["billing"]["city"] == "San Francisco"
    # line_items[].price is a JSON number in the sample (FACTS.md §7): kept as is.
    assert [item["price"] for item in fields["line_items"]] == [3, 12]


def test_taxonomies():
    category = category_fields(sample("category.json"))
    assert category == {
        "woo_id": 9,
        "name": "Clothing",
        "slug": "clothing",
        "description": "",
        "parent_woo_id": None,
        "count": 36,
        "image_url": "https://example.com/wp-content/uploads/2017/03/T_2_front.jpg",
        "display": "default",
        "menu_order": 0,
    }
    assert tag_fields(sample("tag.json")) == {
        "woo_id": 34,
        "name": "Leather Shoes",
        "slug": "leather-shoes",
        "description": "",
        "count": 0,
    }
    # Brands have the categories' fields (FACTS.md §4).
    assert brand_fields(sample("category.json"))["logo_url"] == category["image_url"]
    assert attribute_fields(sample("attribute.json")) == {
        "woo_id": 1,
        "name": "Color",
        "slug": "pa_color",
        "type": "select",
        "order_by": "menu_order",
        "has_archives": True,
    }
    assert attribute_term_fields(sample("attribute_term.json")) == {
        "woo_id": 23,
        "name": "XXS",
        "slug": "xxs",
        "description": "",
        "count": 1,
        "menu_order": 1,
    }


def test_category_list_is_ordered_parents_first():
    rows = [category_fields(item) for item in sample("categories_list.json")]
    depths = category_depths(rows)
    # 15 and 13 are children of 11, 10 and 14 of 9; the list gives 15 before its parent.
    assert depths == {9: 0, 11: 0, 12: 0, 10: 1, 14: 1, 13: 1, 15: 1}
    assert category_depths([{"woo_id": 1, "parent_woo_id": 2}, {"woo_id": 2, "parent_woo_id": 1}])  # cycle: no hang


def test_batch_response_items():
    body = sample("products_batch_response.json")
    mapped = {section: [(f["woo_id"], f["name"]) for f in map(product_fields, body[section])] for section in body}
    assert mapped == {
        "create": [(801, "Woo Single #1"), (804, "New Premium Quality")],
        "update": [(799, "Ship Your Idea")],
        "delete": [(794, "Premium Quality")],
    }


@pytest.mark.parametrize("name", ["error_rest_no_route.json", "error_term_invalid.json", "webhook.json"])
def test_non_entity_payloads_are_rejected(name):
    with pytest.raises(MappingError):
        product_fields(sample(name))


def test_bad_values_are_mapping_errors():
    payload = sample("product.json")
    for broken in (
        {**payload, "regular_price": "abc"},
        {**payload, "regular_price": "123456789.00"},  # does not fit NUMERIC(10,2)
        {**payload, "stock_quantity": "many"},
        {**payload, "date_modified_gmt": "yesterday"},
        {**payload, "categories": [{"name": "no id"}]},
        {**payload, "id": "794"},
    ):
        with pytest.raises(MappingError):
            product_fields(broken)


def test_conversions():
    assert money("", field="x") is None and money(None, field="x") is None
    assert money("1.5", field="x") == Decimal("1.50") and money(3, field="x") == Decimal("3.00")
    assert gmt("2017-03-23T20:01:14", field="d") == datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC)
    assert gmt(None, field="d") is None
    assert to_gmt_string(datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC)) == "2017-03-23T20:01:14"


def test_reverse_mappers():
    fields = product_fields(sample("product.json"))
    body = product_to_woo({**fields, "sale_price": Decimal("19.50"), "stock_quantity": 7}, marker_value="abc")
    assert body["regular_price"] == "21.99" and body["sale_price"] == "19.50"
    assert body["manage_stock"] is True and body["stock_quantity"] == 7
    assert body["categories"] == [{"id": 9}, {"id": 14}]
    assert body["dimensions"] == {"length": "", "width": "", "height": ""}
    assert marker(body) == "abc"
    only = product_to_woo(fields, only={"price"})
    assert only == {"regular_price": "21.99"}
    variation = variation_to_woo(variation_fields(sample("variation.json")), only={"regular_price", "attributes"})
    assert variation == {"regular_price": "9.00", "attributes": [{"id": 6, "option": "Black"}]}
