"""Every dashboard list page costs the same number of SQL queries for 1 row and for 50 rows
(and the detail pages for 1 and 50 related rows), for a manager-like role and for a viewer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import StoreAttribute
from catalog.models import StoreAttributeTerm
from catalog.models import StoreBrand
from catalog.models import StoreCategory
from catalog.models import StoreTag
from config.testing import make_order
from config.testing import make_product
from config.testing import make_variation
from orders.models import OrderStatusLog
from sync.models import SyncError
from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus

pytestmark = pytest.mark.django_db

MANY = 50


def queries_for(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return len(captured), response.content.decode()


def assert_constant(client, url, add_row, marker, *, headers=None, rows=MANY):
    """1 row, then ``rows`` rows: the same number of queries, and every row on the page."""
    headers = headers or {}
    add_row(0)
    one, html = queries_for(client, url, **headers)
    assert html.count(marker) == 1, f"{marker!r} x{html.count(marker)} with one row"
    for index in range(1, rows):
        add_row(index)
    many, html = queries_for(client, url, **headers)
    assert html.count(marker) == rows, f"{marker!r} x{html.count(marker)} with {rows} rows"
    assert many == one, f"{url}: {one} queries for 1 row, {many} for {rows}"
    return one


@pytest.fixture(params=["owner", "viewer"])
def member(request, owner, viewer, client):
    user = owner if request.param == "owner" else viewer
    client.force_login(user)
    return user


PRODUCT_QUERIES = [
    "",
    "?q=Product",
    "?q=sku-",
    "?status=publish&stock_status=instock&category=5",
    "?type=simple&on_sale=on&brand=7&tag=9",
    "?sort=-price&page=1",
    "?stock_status=low",
]


@pytest.mark.parametrize("query", PRODUCT_QUERIES)
def test_product_list(client, store, member, query):
    def add(index):
        product = make_product(
            store,
            sale_price=Decimal("1.00"),
            stock_quantity=1,
            brands=[{"id": 7, "name": "B", "slug": "b"}],
            tags=[{"id": 9, "name": "T", "slug": "t"}],
        )
        make_variation(product)

    url = reverse("catalog:product_list", kwargs={"store_id": store.pk}) + query
    assert_constant(client, url, add, "data-product=")


def test_product_list_htmx_fragment(client, store, member):
    url = reverse("catalog:product_list", kwargs={"store_id": store.pk}) + "?q=Product"
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "product-results"}
    count = assert_constant(client, url, lambda i: make_product(store), "data-product=", headers=headers)
    full, _ = queries_for(client, url)
    assert count < full  # the fragment skips the shell (sidebar)


def test_product_detail_variations(client, store, member):
    product = make_product(store, type="variable")
    url = reverse("catalog:product_detail", kwargs={"store_id": store.pk, "product_id": product.pk})
    assert_constant(client, url, lambda i: make_variation(product), 'id="variation-')


def test_category_tree(client, store, member):
    def add(index):
        parent = StoreCategory.objects.filter(store=store).order_by("woo_id").first() if index else None
        StoreCategory.objects.create(
            store=store, woo_id=100 + index, name=f"Cat {index:02d}", slug=f"c{index}", parent=parent
        )

    url = reverse("catalog:category_list", kwargs={"store_id": store.pk})
    assert_constant(client, url, add, "?category=")


@pytest.mark.parametrize("kind,model", [("tag", StoreTag), ("brand", StoreBrand)])
def test_tags_and_brands(client, store, member, kind, model):
    def add(index):
        model.objects.create(store=store, woo_id=200 + index, name=f"{kind} {index:02d}", slug=f"{kind}-{index}")

    url = reverse(f"catalog:{kind}_list", kwargs={"store_id": store.pk})
    assert_constant(client, url, add, f"?{kind}=")


def test_attribute_list(client, store, member):
    def add(index):
        attribute = StoreAttribute.objects.create(
            store=store, woo_id=300 + index, name=f"Attr {index:02d}", slug=f"a{index}"
        )
        for term in range(3):
            StoreAttributeTerm.objects.create(
                store=store, attribute=attribute, woo_id=1000 * (index + 1) + term, name=f"T{term}", slug=f"t{term}"
            )

    url = reverse("catalog:attribute_list", kwargs={"store_id": store.pk})
    assert_constant(client, url, add, 'class="row-title"')


def test_attribute_terms(client, store, member):
    attribute = StoreAttribute.objects.create(store=store, woo_id=399, name="Size", slug="pa_size")

    def add(index):
        StoreAttributeTerm.objects.create(
            store=store, attribute=attribute, woo_id=400 + index, name=f"S{index}", slug=f"s{index}"
        )

    url = reverse("catalog:attribute_detail", kwargs={"store_id": store.pk, "attribute_id": attribute.pk})
    assert_constant(client, url, add, 'class="row-title"')


ORDER_QUERIES = ["", "?q=70", "?status=processing&total_min=1&total_max=1000", "?date_from=2020-01-01&sort=-total"]


@pytest.mark.parametrize("query", ORDER_QUERIES)
def test_order_list(client, store, member, query):
    url = reverse("orders:order_list", kwargs={"store_id": store.pk}) + query
    if query == "?q=70":
        # A number search finds one order whatever the page size: 50 orders, one match each time.
        orders = []

        def add(index):
            orders.append(make_order(store))

        add(0)
        url = reverse("orders:order_list", kwargs={"store_id": store.pk}) + f"?q={orders[0].number}"
        one, html = queries_for(client, url)
        for index in range(1, MANY):
            add(index)
        many, html = queries_for(client, url)
        assert html.count("data-order=") == 1 and many == one
        return
    assert_constant(client, url, lambda i: make_order(store), "data-order=")


def test_order_detail_items_and_history(client, store, member):
    items = []
    order = make_order(store, line_items=items)
    url = reverse("orders:order_detail", kwargs={"store_id": store.pk, "order_id": order.pk})

    def add(index):
        product = make_product(store)
        items.append(
            {"id": index, "name": f"Item {index}", "product_id": product.woo_id, "quantity": 1, "total": "1.00"}
        )
        type(order).objects.filter(pk=order.pk).update(line_items=items)
        OrderStatusLog.objects.create(
            store=store, order_woo_id=order.woo_id, old_status="pending", new_status="processing", changed_by="x@y.z"
        )

    add(0)
    one, html = queries_for(client, url)
    for index in range(1, MANY):
        add(index)
    many, html = queries_for(client, url)
    assert html.count("/products/") >= MANY and html.count("x@y.z") == MANY
    assert html.count("data-history-entry") == 20  # each add() changed the order: its latest history
    assert many == one


def _run(store, index):
    now = timezone.now()
    return SyncRun.objects.create(
        store=store,
        kind=SyncRunKind.INCREMENTAL,
        status=SyncRunStatus.SUCCESS,
        rows_written=index,
        started_at=now,
        finished_at=now,
        progress={"products": {"done": 1, "total": 1, "status": "done"}},
    )


def test_sync_run_history(client, store, member):
    url = reverse("sync:sync_run_list", kwargs={"store_id": store.pk})
    assert_constant(client, url, lambda i: _run(store, i), "data-run=")


def test_sync_errors(client, store, owner):
    client.force_login(owner)

    def add(index):
        SyncError.objects.create(
            store=store,
            entity_type="product",
            woo_id=900 + index,
            error_message="HTTP 500 boom",
            error_code="server_error",
        )

    url = reverse("sync:sync_error_list", kwargs={"store_id": store.pk})
    assert_constant(client, url, add, "data-error=")


def test_sync_page(client, store, owner):
    client.force_login(owner)
    url = reverse("sync:sync_status", kwargs={"store_id": store.pk})

    def add(index):
        _run(store, index)
        SyncError.objects.create(store=store, entity_type="order", woo_id=800 + index, error_message="x")

    add(0)
    one, _ = queries_for(client, url)
    for index in range(1, MANY):
        add(index)
    many, html = queries_for(client, url)
    assert html.count("data-run=") == 8 and html.count("data-error=") == 10
    assert many == one


def test_store_overview(client, store, member):
    url = reverse("stores:detail", kwargs={"store_id": store.pk})
    make_product(store, stock_quantity=1)
    one = None

    def add(index):
        make_order(store, status="completed", woo_created_at=timezone.now() - timedelta(days=index % 80))
        # One more entry in the store's history (the page shows the latest 20).
        type(store).objects.filter(pk=store.pk).update(sync_interval_minutes=index + 1)

    add(0)
    one, html = queries_for(client, url)
    assert html.count("data-history-entry") == 2  # created, changed
    for index in range(1, MANY):
        add(index)
    many, html = queries_for(client, url)
    assert 'id="revenue-chart"' in html and html.count("data-history-entry") == 20
    assert many == one
