"""The catalog pages: edits saved here and handed to the push services, bulk actions, inline
variation edits, taxonomies, viewers without controls, and bad input that never becomes a 500."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Product, ProductVariation, StoreCategory, StoreTag
from catalog.tests.conftest import make_product, make_variation
from sync.models import ProductConflict, PushAction, PushEntity, PushOperation

pytestmark = pytest.mark.django_db


def url(name, store, **kwargs):
    return reverse(f"catalog:{name}", kwargs={"store_id": store.pk, **kwargs})


def product_form_data(product=None, **overrides):
    data = {
        "name": product.name if product else "Linen apron",
        "sku": (product.sku if product else "APRON-1") or "",
        "status": "publish",
        "type": "simple",
        "price": "120.00",
        "sale_price": "",
        "stock_quantity": "5",
        "stock_status": "instock",
        "description": "",
        "short_description": "",
        "weight": "",
        "length": "",
        "width": "",
        "height": "",
    }
    data.update(overrides)
    return data


def test_manager_edits_a_product_and_exactly_the_changed_fields_are_pushed(
    client, store, manager, django_capture_on_commit_callbacks
):
    product = make_product(store, price=Decimal("100.00"))
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        data = product_form_data(product, price="89.90", stock_quantity="10", categories=[5])
        response = client.post(url("product_edit", store, product_id=product.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("product_detail", store, product_id=product.pk)
    product.refresh_from_db()
    assert product.price == Decimal("89.90")
    push = PushOperation.objects.get(object_id=product.pk)
    assert push.entity_type == PushEntity.PRODUCT and push.action == PushAction.UPDATE
    assert push.fields == ["price"]
    assert len(callbacks) == 1  # the push task, queued on commit
    page = client.get(response["Location"]).content.decode()
    assert "Sending the change to WooCommerce" in page
    assert 'hx-trigger="every 1s"' in page


def test_invalid_prices_are_explained_and_nothing_is_pushed(client, store, manager):
    product = make_product(store, price=Decimal("100.00"))
    client.force_login(manager)
    response = client.post(
        url("product_edit", store, product_id=product.pk), product_form_data(product, price="50", sale_price="60")
    )
    assert response.status_code == 400
    assert "The sale price must be lower than the regular price." in response.content.decode()
    assert not PushOperation.objects.exists()
    response = client.post(url("product_edit", store, product_id=product.pk), product_form_data(product, price="abc"))
    assert response.status_code == 400 and "Enter a number." in response.content.decode()


def test_a_duplicate_sku_is_refused(client, store, manager):
    make_product(store, sku="TAKEN-1")
    product = make_product(store)
    client.force_login(manager)
    response = client.post(url("product_edit", store, product_id=product.pk), product_form_data(product, sku="TAKEN-1"))
    assert response.status_code == 400
    assert "already uses this SKU" in response.content.decode()


def test_creating_a_product_saves_it_here_and_pushes_a_create(client, store, manager):
    client.force_login(manager)
    response = client.post(url("product_create", store), product_form_data(name="Olive oil soap", sku="SOAP-1"))
    assert response.status_code == 302
    product = Product.objects.get(sku="SOAP-1")
    assert product.source == "local" and product.woo_id is None
    push = PushOperation.objects.get(object_id=product.pk)
    assert push.action == PushAction.CREATE
    page = client.get(response["Location"]).content.decode()
    assert "Creating the product in WooCommerce" in page


def test_bulk_status_change_updates_and_pushes_in_one_go(client, store, manager):
    products = [make_product(store) for _ in range(3)]
    untouched = make_product(store)
    client.force_login(manager)
    back = url("product_list", store) + "?q=Product"
    response = client.post(
        url("product_bulk", store),
        {"ids": [str(p.pk) for p in products], "action": "status", "status": "draft", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert set(Product.objects.filter(status="draft").values_list("pk", flat=True)) == {p.pk for p in products}
    untouched.refresh_from_db()
    assert untouched.status == "publish"
    assert PushOperation.objects.filter(object_id__in=[p.pk for p in products], fields=["status"]).count() == 3


def test_bulk_price_increase_skips_products_whose_sale_price_would_break(client, store, manager):
    plain = make_product(store, price=Decimal("100.00"))
    on_sale = make_product(store, price=Decimal("100.00"), sale_price=Decimal("99.00"))
    client.force_login(manager)
    response = client.post(
        url("product_bulk", store),
        {"ids": [str(plain.pk), str(on_sale.pk)], "action": "price_decrease", "amount": "10"},
    )
    assert response.status_code == 302
    plain.refresh_from_db()
    on_sale.refresh_from_db()
    assert plain.price == Decimal("90.00")
    assert on_sale.price == Decimal("100.00")  # 90 would be below its sale price: skipped
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("left as" in m for m in messages)


def test_bulk_add_and_remove_a_tag(client, store, manager):
    StoreTag.objects.create(store=store, woo_id=77, name="Summer", slug="summer")
    products = [make_product(store), make_product(store)]
    ids = [str(p.pk) for p in products]
    client.force_login(manager)
    client.post(url("product_bulk", store), {"ids": ids, "action": "term_add", "term": "tag:77"})
    assert all(p.tags == [{"id": 77, "name": "Summer", "slug": ""}] for p in Product.objects.filter(pk__in=ids))
    client.post(url("product_bulk", store), {"ids": ids, "action": "term_add", "term": "tag:77"})
    assert all(len(p.tags) == 1 for p in Product.objects.filter(pk__in=ids))  # not added twice
    client.post(url("product_bulk", store), {"ids": ids, "action": "term_remove", "term": "tag:77"})
    assert all(p.tags == [] for p in Product.objects.filter(pk__in=ids))


@pytest.mark.parametrize(
    "data",
    [
        {"action": "status", "status": "draft"},  # nothing selected
        {"ids": ["not-a-uuid"], "action": "status", "status": "draft"},
        {"ids": ["00000000-0000-0000-0000-000000000000"], "action": "explode"},
        {"ids": ["00000000-0000-0000-0000-000000000000"], "action": "price_increase", "amount": "-5"},
        {"ids": ["00000000-0000-0000-0000-000000000000"], "action": "term_add", "term": "tag:999"},
    ],
)
def test_bad_bulk_requests_come_back_with_a_message(client, store, manager, data):
    client.force_login(manager)
    response = client.post(url("product_bulk", store), data)
    assert response.status_code == 302
    assert list(response.wsgi_request._messages)
    assert not PushOperation.objects.exists()


def test_products_of_another_store_are_never_touched_by_a_bulk_edit(client, store, other_store, manager):
    foreign = make_product(other_store)
    client.force_login(manager)
    client.post(url("product_bulk", store), {"ids": [str(foreign.pk)], "action": "status", "status": "draft"})
    foreign.refresh_from_db()
    assert foreign.status == "publish" and not PushOperation.objects.exists()


def test_inline_variation_edit_swaps_its_row(client, store, manager):
    product = make_product(store, type="variable")
    variation = make_variation(product, regular_price=Decimal("20.00"), price=Decimal("20.00"))
    prefix = f"v{variation.pk.hex[:8]}"
    client.force_login(manager)
    endpoint = url("variation_update", store, product_id=product.pk, variation_id=variation.pk)
    response = client.post(
        endpoint,
        {f"{prefix}-regular_price": "25.00", f"{prefix}-sale_price": "19.90", f"{prefix}-stock_quantity": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<tr") and "Saved · sending" in html
    variation.refresh_from_db()
    assert (variation.regular_price, variation.sale_price, variation.price) == (
        Decimal("25.00"),
        Decimal("19.90"),
        Decimal("19.90"),
    )
    assert variation.stock_status == "outofstock"
    push = PushOperation.objects.get(object_id=product.pk)
    assert push.payload["variation_ids"] == [str(variation.pk)]
    response = client.post(
        endpoint, {f"{prefix}-regular_price": "10", f"{prefix}-sale_price": "12"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and "Lower than the regular price." in response.content.decode()


def test_viewer_sees_the_catalog_without_any_edit_control(client, store, viewer):
    product = make_product(store, type="variable")
    make_variation(product)
    client.force_login(viewer)
    listing = client.get(url("product_list", store)).content.decode()
    assert product.name in listing
    assert 'name="ids"' not in listing and "New product" not in listing and "bulk-bar" not in listing
    page = client.get(url("product_detail", store, product_id=product.pk)).content.decode()
    assert "<input" not in page.split('id="variations-title"')[1].split("</section>")[0]
    assert url("product_edit", store, product_id=product.pk) not in page
    assert "Move to trash" not in page
    assert client.post(url("product_edit", store, product_id=product.pk), product_form_data(product)).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=-3",
        "?category=abc",
        "?sort=;drop",
        "?status=evil&type=<script>",
        "?q=" + "x" * 500,
    ],
)
def test_bad_list_parameters_never_fail(client, store, manager, query):
    make_product(store)
    client.force_login(manager)
    assert client.get(url("product_list", store) + query).status_code == 200


def test_a_page_past_the_end_is_not_found(client, store, manager):
    make_product(store)
    client.force_login(manager)
    assert client.get(url("product_list", store) + "?page=99999").status_code == 404


def test_trashing_pushes_a_delete(client, store, manager):
    product = make_product(store)
    client.force_login(manager)
    response = client.post(url("product_trash", store, product_id=product.pk))
    assert response.status_code == 302
    assert PushOperation.objects.get(object_id=product.pk).action == PushAction.DELETE


def test_resolving_a_conflict_with_a_bad_choice_is_a_message_not_an_error(client, store, manager):
    product = make_product(store)
    conflict = ProductConflict.objects.create(store=store, product=product, fields=[])
    client.force_login(manager)
    response = client.post(
        url("conflict_resolve", store, product_id=product.pk, conflict_id=conflict.pk), {"choice": "both"}
    )
    assert response.status_code == 302
    assert list(response.wsgi_request._messages)


def test_creating_a_category_goes_to_woocommerce_first(client, store, manager):
    parent = StoreCategory.objects.create(store=store, woo_id=12, name="Kitchen", slug="kitchen")
    client.force_login(manager)
    response = client.post(url("category_create", store), {"name": "Aprons", "parent": "12", "display": "default"})
    assert response.status_code == 302
    push = PushOperation.objects.get(entity_type=PushEntity.CATEGORY)
    assert push.action == PushAction.CREATE
    assert push.payload["values"]["parent_woo_id"] == parent.woo_id and push.payload["values"]["slug"] == "aprons"
    listing = client.get(url("category_list", store)).content.decode()
    assert "Aprons" in listing and "Creating…" in listing


def test_editing_a_tag_marks_it_pending(client, store, manager):
    tag = StoreTag.objects.create(store=store, woo_id=5, name="Linen", slug="linen")
    client.force_login(manager)
    response = client.post(url("tag_edit", store, tag_id=tag.pk), {"name": "Pure linen", "slug": "linen"})
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.name == "Pure linen" and tag.sync_status == "pending"
    assert "Sending…" in client.get(url("tag_list", store)).content.decode()


def test_a_term_form_with_errors_shows_them(client, store, manager):
    client.force_login(manager)
    response = client.post(url("brand_create", store), {"name": "", "logo_url": "not a url"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and "Enter a valid URL." in html


def test_objects_of_another_store_are_404(client, store, other_store, manager):
    foreign = make_product(other_store, type="variable")
    variation = make_variation(foreign)
    client.force_login(manager)
    assert client.get(url("product_detail", store, product_id=foreign.pk)).status_code == 404
    assert (
        client.post(url("variation_update", store, product_id=foreign.pk, variation_id=variation.pk)).status_code == 404
    )
    assert ProductVariation.objects.get(pk=variation.pk).regular_price == variation.regular_price


def test_resubmitting_unchanged_text_from_a_browser_pushes_nothing(client, store, manager):
    product = make_product(store, description="<p>Line one</p>\n<p>Line two</p>\n", short_description=" Soft ")
    client.force_login(manager)
    data = product_form_data(
        product,
        price=str(product.price),
        stock_quantity=str(product.stock_quantity),
        description="<p>Line one</p>\r\n<p>Line two</p>\r\n",  # what a browser's textarea sends
        short_description=" Soft ",
    )
    data["categories"] = [5]
    response = client.post(url("product_edit", store, product_id=product.pk), data)
    assert response.status_code == 302
    assert not PushOperation.objects.exists()
