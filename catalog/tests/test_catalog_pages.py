"""The catalog pages: edits saved here and handed to the push services, bulk actions, inline
variation edits, taxonomies, viewers without controls, and bad input that never becomes a 500."""

import uuid
from decimal import Decimal
from functools import partial

import pytest

from catalog import services as catalog_services
from catalog.models import Product
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from catalog.models import StoreCategory
from catalog.models import StoreTag
from catalog.tests.html_forms import form_data
from config.testing import make_product
from config.testing import make_variation
from config.testing import store_url
from sync.models import ProductConflict
from sync.models import PushAction
from sync.models import PushEntity
from sync.models import PushOperation

pytestmark = pytest.mark.django_db


url = partial(store_url, "catalog")


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
        "catalog_visibility": "visible",
        "description": "",
        "short_description": "",
        "weight": "",
        "length": "",
        "width": "",
        "height": "",
    }
    data.update(overrides)
    return data


def page_form(client, page_url, form_id, **overrides):
    """What the form ``form_id`` of the page posts as loaded (lists for multiple values), changed by
    ``overrides``: the way a person edits a form."""
    values = {}
    for name, value in form_data(client.get(page_url).content.decode(), form_id):
        values.setdefault(name, []).append(value)
    data = {name: found[0] if len(found) == 1 else found for name, found in values.items()}
    data.update(overrides)
    return data


def edit_form(client, store, product, **overrides):
    return page_form(client, url("product_edit", store, product_id=product.pk), "product-form", **overrides)


def test_manager_edits_a_product_and_exactly_the_changed_fields_are_pushed(
    client, store, manager, django_capture_on_commit_callbacks
):
    product = make_product(store, price=Decimal("100.00"))
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        data = edit_form(client, store, product, price="89.90")
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
        url("product_edit", store, product_id=product.pk),
        edit_form(client, store, product, price="50", sale_price="60"),
    )
    assert response.status_code == 400
    assert "The sale price must be lower than the regular price." in response.content.decode()
    assert not PushOperation.objects.exists()
    response = client.post(
        url("product_edit", store, product_id=product.pk), edit_form(client, store, product, price="abc")
    )
    assert response.status_code == 400 and "Enter a number." in response.content.decode()


def test_a_duplicate_sku_is_refused(client, store, manager):
    make_product(store, sku="TAKEN-1")
    product = make_product(store)
    client.force_login(manager)
    response = client.post(
        url("product_edit", store, product_id=product.pk), edit_form(client, store, product, sku="TAKEN-1")
    )
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


def _row_form(client, store, product, variation):
    """The fields the browser posts for ``variation``'s Save button, read from the product page."""
    page = client.get(url("product_detail", store, product_id=product.pk)).content.decode()
    row = page[page.index(f'id="variation-{variation.pk}"') :]
    form_id = row[row.index("<form id=") + len('<form id="') :].split('"', 1)[0]
    return dict(form_data(page, form_id)), form_id


def test_inline_variation_edit_swaps_its_row(client, store, manager):
    product = make_product(store, type="variable")
    variation = make_variation(product, regular_price=Decimal("20.00"), price=Decimal("20.00"))
    client.force_login(manager)
    posted, _form_id = _row_form(client, store, product, variation)
    names = {name.rsplit("-", 1)[-1]: name for name in posted}
    endpoint = url("variation_update", store, product_id=product.pk, variation_id=variation.pk)
    response = client.post(
        endpoint,
        {
            **posted,
            names["regular_price"]: "25.00",
            names["sale_price"]: "19.90",
            names["stock_quantity"]: "0",
        },
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
    posted, _form_id = _row_form(client, store, product, variation)
    response = client.post(
        endpoint, {**posted, names["regular_price"]: "10", names["sale_price"]: "12"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and "Lower than the regular price." in response.content.decode()


def test_a_variation_edit_is_stored_as_a_product_edit_is(store, manager):
    """Safe HTML for the description, a trimmed SKU, the stock status that follows the quantity."""
    product = make_product(store, type="variable")
    variation = make_variation(product, stock_quantity=3, stock_status="instock")
    catalog_services.variation_update(
        actor=manager,
        store_id=store.pk,
        product_id=product.pk,
        variation_id=variation.pk,
        description="<p>Blue <b>linen</b></p><script>steal()</script>",
        sku="  BLUE-1  ",
        stock_quantity=0,
    )
    variation.refresh_from_db()
    assert (variation.description, variation.sku, variation.stock_status) == (
        "<p>Blue <b>linen</b></p>",
        "BLUE-1",
        "outofstock",
    )


def test_variation_rows_written_in_one_run_each_post_their_own_fields(client, store, manager):
    """Variations pulled together get ids with the same leading (time) digits: each row's Save
    posts that row's fields only, and an untouched row saves nothing."""
    product = make_product(store, type="variable")
    variations = [
        make_variation(
            product,
            id=uuid.UUID(int=(0x01A24CD2 << 96) | n),  # the same first 8 hex digits, as a pull writes them
            regular_price=Decimal(f"{10 + n}.00"),
            price=Decimal(f"{10 + n}.00"),
            stock_quantity=n,
        )
        for n in range(3)
    ]
    client.force_login(manager)
    forms = [_row_form(client, store, product, variation) for variation in variations]
    assert len({form_id for _posted, form_id in forms}) == 3
    for variation, (posted, _form_id) in zip(variations, forms, strict=True):
        prices = [value for name, value in posted.items() if name.endswith("-regular_price")]
        assert prices == [f"{variation.regular_price}"]
    # Save on row 2 without an edit: nothing changes, nothing is pushed.
    response = client.post(
        url("variation_update", store, product_id=product.pk, variation_id=variations[1].pk),
        forms[1][0],
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert not PushOperation.objects.exists()
    # A post without the row's fields (only the token) changes nothing either.
    response = client.post(
        url("variation_update", store, product_id=product.pk, variation_id=variations[2].pk),
        {name: value for name, value in forms[2][0].items() if name.endswith("-loaded")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and not PushOperation.objects.exists()
    variations[2].refresh_from_db()
    assert variations[2].regular_price == Decimal("12.00") and variations[2].stock_quantity == 2


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
    edit_url = url("tag_edit", store, tag_id=tag.pk)
    response = client.post(edit_url, page_form(client, edit_url, "term-form", name="Pure linen"))
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
    data = edit_form(
        client,
        store,
        product,
        description="<p>Line one</p>\r\n<p>Line two</p>\r\n",  # what a browser's textarea sends
    )
    response = client.post(url("product_edit", store, product_id=product.pk), data)
    assert response.status_code == 302
    assert not PushOperation.objects.exists()


def test_a_field_missing_from_the_post_is_unchanged(client, store, manager):
    product = make_product(store, price=Decimal("79.90"), stock_quantity=20, description="Kept")
    client.force_login(manager)
    loaded = edit_form(client, store, product)["loaded"]
    response = client.post(url("product_edit", store, product_id=product.pk), {"loaded": loaded, "name": "Only me"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price, product.stock_quantity, product.description) == (
        "Only me",
        Decimal("79.90"),
        20,
        "Kept",
    )
    assert PushOperation.objects.get(object_id=product.pk).fields == ["name"]


def test_a_post_without_what_the_form_was_loaded_from_saves_nothing(client, store, manager):
    product = make_product(store, price=Decimal("79.90"))
    client.force_login(manager)
    data = edit_form(client, store, product, price="1.00")
    for token in ("", data["loaded"][:-4] + "abcd"):
        response = client.post(url("product_edit", store, product_id=product.pk), {**data, "loaded": token})
        assert response.status_code == 400 and "reload the page" in response.content.decode()
    product.refresh_from_db()
    assert product.price == Decimal("79.90") and not PushOperation.objects.exists()


def test_a_change_made_meanwhile_is_shown_with_both_values_and_not_overwritten(client, store, manager):
    product = make_product(store, price=Decimal("79.90"), stock_quantity=346)
    client.force_login(manager)
    stale = edit_form(client, store, product, price="70.00", name="Mine")
    Product.objects.filter(pk=product.pk).update(price=Decimal("95.00"), stock_quantity=340)  # e.g. a webhook
    response = client.post(url("product_edit", store, product_id=product.pk), stale)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not saved" in page and "95.00" in page and "70.00" in page
    product.refresh_from_db()
    assert (product.name, product.price, product.stock_quantity) == (
        "Product" + product.name[7:],
        Decimal("95.00"),
        340,
    )
    assert not PushOperation.objects.exists()
    # The form shown again holds what is saved now for the untouched fields: saving it is a choice.
    again = dict(form_data(page, "product-form"))
    assert again["stock_quantity"] == "340" and again["price"] == "70.00"
    assert client.post(url("product_edit", store, product_id=product.pk), again).status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price, product.stock_quantity) == ("Mine", Decimal("70.00"), 340)


@pytest.mark.parametrize("status", ["trash", "future", "private", "pending"])
def test_a_status_the_form_does_not_offer_is_kept(client, store, manager, status):
    product = make_product(store, status=status)
    client.force_login(manager)
    data = edit_form(client, store, product)
    assert data["status"] == status
    response = client.post(url("product_edit", store, product_id=product.pk), data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == status and not PushOperation.objects.exists()


def test_clearing_a_published_products_price_asks_first(client, store, manager):
    product = make_product(store, price=Decimal("79.90"), status="publish")
    client.force_login(manager)
    data = edit_form(client, store, product, price="")
    response = client.post(url("product_edit", store, product_id=product.pk), data)
    assert response.status_code == 400 and 'name="confirm_clear_price"' in response.content.decode()
    product.refresh_from_db()
    assert product.price == Decimal("79.90")
    response = client.post(url("product_edit", store, product_id=product.pk), {**data, "confirm_clear_price": "on"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price is None


def test_a_percent_encoded_slug_is_accepted_and_kept(client, store, manager):
    slug = "%d7%a9%d7%9c%d7%95%d7%9d"
    tag = StoreTag.objects.create(store=store, woo_id=7, name="שלום", slug=slug)
    client.force_login(manager)
    edit_url = url("tag_edit", store, tag_id=tag.pk)
    response = client.post(edit_url, page_form(client, edit_url, "term-form", name="שלום עולם"))
    assert response.status_code == 302
    push = PushOperation.objects.get(entity_type=PushEntity.TAG)
    assert push.payload["values"] == {"name": "שלום עולם"}
    tag.refresh_from_db()
    assert tag.slug == slug
    response = client.post(edit_url, page_form(client, edit_url, "term-form", slug="%zz bad"))
    assert response.status_code == 400 and "Enter a slug" in response.content.decode()


def test_a_variation_row_changed_meanwhile_shows_both_values(client, store, manager):
    product = make_product(store, type="variable")
    variation = make_variation(product, regular_price=Decimal("20.00"), price=Decimal("20.00"), stock_quantity=9)
    client.force_login(manager)
    posted, _form_id = _row_form(client, store, product, variation)
    names = {name.rsplit("-", 1)[-1]: name for name in posted}
    endpoint = url("variation_update", store, product_id=product.pk, variation_id=variation.pk)
    ProductVariation.objects.filter(pk=variation.pk).update(regular_price=Decimal("24.00"), stock_quantity=5)
    response = client.post(endpoint, {**posted, names["regular_price"]: "21.00"}, HTTP_HX_REQUEST="true")
    row = response.content.decode()
    assert response.status_code == 422 and "24.00" in row and "21.00" in row
    variation.refresh_from_db()
    assert (variation.regular_price, variation.stock_quantity) == (Decimal("24.00"), 5)
    # Clearing the price of a published variation asks first.
    posted, _form_id = _row_form(client, store, product, variation)
    response = client.post(endpoint, {**posted, names["regular_price"]: ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "confirm_clear_price" in response.content.decode()
    response = client.post(
        endpoint,
        {
            **posted,
            names["regular_price"]: "",
            names["regular_price"].replace("regular_price", "confirm_clear_price"): "on",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    variation.refresh_from_db()
    assert variation.regular_price is None and variation.stock_quantity == 5
    assert not PushOperation.objects.exclude(fields=["variations"]).exists()


def test_an_unticked_checkbox_clears_and_an_untouched_one_stays(client, store, manager):
    attribute = StoreAttribute.objects.create(store=store, woo_id=3, name="Size", slug="pa_size", has_archives=True)
    client.force_login(manager)
    edit_url = url("attribute_edit", store, attribute_id=attribute.pk)
    form = page_form(client, edit_url, "term-form")
    assert form["has_archives"] == ["", "on"]  # the empty marker, then the ticked box
    assert client.post(edit_url, form).status_code == 302
    assert not PushOperation.objects.exists()
    assert client.post(edit_url, {**form, "has_archives": ""}).status_code == 302
    attribute.refresh_from_db()
    assert attribute.has_archives is False
    assert PushOperation.objects.get(entity_type=PushEntity.ATTRIBUTE).payload["values"] == {"has_archives": False}
