"""Pushes against the sandbox: edits, creates (idempotent after a timeout), deletes, bulk edits,
order status changes, taxonomies, and conflicts with changes made in WooCommerce meanwhile."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from catalog import push as catalog_push
from catalog import services as catalog_services
from catalog.models import Product
from catalog.models import ProductVariation
from catalog.models import StoreCategory
from config.testing import wait_for
from orders import services as order_services
from orders.models import Order
from orders.models import OrderStatusLog
from stores.models import StoreRole
from stores.models import StoreUser
from sync import services
from sync.mappers.common import gmt
from sync.models import ConflictStatus
from sync.models import ProductConflict
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncError
from sync.push import PushRetryLater
from sync.push import execute_bulk_push
from sync.push import execute_push
from sync.woo import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(make_user, shop):
    user = make_user(email="viewer@example.com")
    StoreUser.objects.create(store=shop, user=user, role=StoreRole.VIEWER)
    return user


def _simple(store, sandbox):
    for product in Product.objects.filter(store=store, type="simple", status="publish").order_by("woo_id"):
        return product
    raise AssertionError("no simple product")


def _remote(sandbox, product):
    return sandbox.data.products[product.woo_id]


def test_product_edit_is_pushed_and_its_echo_is_not_a_change(
    synced, sandbox, manager, pull, django_capture_on_commit_callbacks
):
    product = _simple(synced, sandbox)
    product.price = Decimal("123.45")
    product.name = "Pushed name"
    product.save(update_fields=["price", "name", "updated_at"])
    with django_capture_on_commit_callbacks() as callbacks:
        op = catalog_push.product_push(product_id=product.pk, actor=manager, fields=["price", "name"])
    assert len(callbacks) == 1 and op.status == PushStatus.PENDING
    op = execute_push(op.pk)
    assert op.status == PushStatus.DONE, op.last_error
    remote = _remote(sandbox, product)
    assert remote["regular_price"] == "123.45" and remote["name"] == "Pushed name"
    product.refresh_from_db()
    assert product.woo_modified_at == gmt(remote["date_modified_gmt"], field="d")
    assert product.synced_at is not None and op.remote_modified_at == product.woo_modified_at
    # The pull that brings our own change back writes nothing for it.
    assert pull(synced).rows_written == 0


def test_conflict_when_woocommerce_changed_the_product_meanwhile(synced, sandbox, manager, shop_clock):
    product = _simple(synced, sandbox)
    shop_clock.advance(1)  # WooCommerce dates have one-second resolution
    sandbox.update_product(product.woo_id, name="Renamed in WooCommerce", regular_price="77.00")
    product.price = Decimal("55.00")
    product.save(update_fields=["price", "updated_at"])
    op = execute_push(catalog_push.product_push(product_id=product.pk, actor=manager, fields=["price"]).pk)
    assert op.status == PushStatus.CONFLICT
    assert _remote(sandbox, product)["regular_price"] == "77.00"  # not overwritten
    conflict = ProductConflict.objects.get(product=product, status=ConflictStatus.OPEN)
    fields = {item["field"]: item for item in conflict.fields}
    assert fields["price"]["ours"] == "55.00" and fields["price"]["theirs"] == "77.00"
    assert fields["price"]["changed_here"] is True
    assert fields["name"]["theirs"] == "Renamed in WooCommerce" and fields["name"]["changed_here"] is False
    assert [c.pk for c in services_conflicts(manager, synced)] == [conflict.pk]

    # The manager keeps our price and their name.
    catalog_push.product_conflict_resolve(
        conflict_id=conflict.pk, choice="merge", actor=manager, fields={"price": "ours", "name": "theirs"}
    )
    op = execute_push(op.pk)
    assert op.status == PushStatus.DONE, op.last_error
    remote = _remote(sandbox, product)
    assert remote["regular_price"] == "55.00" and remote["name"] == "Renamed in WooCommerce"
    product.refresh_from_db()
    assert product.name == "Renamed in WooCommerce" and product.price == Decimal("55.00")
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED and conflict.resolved_by == manager


def services_conflicts(user, store):
    from sync.selectors import product_conflicts_for

    return list(product_conflicts_for(user, store_id=store.pk))


def test_conflict_resolved_with_theirs_takes_woocommerce_values(synced, sandbox, manager, pull, shop_clock):
    product = _simple(synced, sandbox)
    shop_clock.advance(1)
    sandbox.update_product(product.woo_id, regular_price="88.00")
    product.price = Decimal("11.00")
    product.save(update_fields=["price", "updated_at"])
    op = execute_push(catalog_push.product_push(product_id=product.pk, actor=manager, fields=["price"]).pk)
    conflict = ProductConflict.objects.get(product=product)
    # While the conflict is open, pulls leave our edit alone.
    pull(synced)
    product.refresh_from_db()
    assert product.price == Decimal("11.00")
    catalog_push.product_conflict_resolve(conflict_id=conflict.pk, choice="theirs", actor=manager)
    op.refresh_from_db()
    assert op.status == PushStatus.CANCELLED
    product.refresh_from_db()
    assert product.price == Decimal("88.00")
    assert _remote(sandbox, product)["regular_price"] == "88.00"


def test_create_retried_after_a_timeout_does_not_create_twice(synced, sandbox, manager):
    product = Product.objects.create(
        store=synced, name="Brand new thing", price=Decimal("9.90"), status="publish", sku="SD-NEW-1"
    )
    op = catalog_push.product_push(product_id=product.pk, actor=manager)
    assert op.action == "create"
    before = len(sandbox.data.products)
    sandbox.set_faults(queue=["timeout"], timeout_s=0.8)
    slow = client_for(synced, timeout=0.3, max_retries=2)
    with pytest.raises(PushRetryLater):
        execute_push(op.pk, client=slow)
    op.refresh_from_db()
    assert op.status == PushStatus.PENDING and op.attempts == 1
    # The store finishes creating it after our timeout.
    assert wait_for(lambda: len(sandbox.data.products) == before + 1, timeout=10, interval=0.05)
    op = execute_push(op.pk)
    assert op.status == PushStatus.DONE, op.last_error
    assert len(sandbox.data.products) == before + 1  # found by SKU and marker, not created again
    product.refresh_from_db()
    created = sandbox.data.products[product.woo_id]
    assert created["name"] == "Brand new thing" and created["sku"] == "SD-NEW-1"
    assert product.woo_modified_at == gmt(created["date_modified_gmt"], field="d")


def test_create_without_sku_is_found_by_its_marker(synced, sandbox, manager):
    product = Product.objects.create(store=synced, name="No SKU here", price=Decimal("1.00"), status="draft")
    op = catalog_push.product_push(product_id=product.pk, actor=manager)
    sandbox.set_faults(queue=["timeout"], timeout_s=0.8)
    before = len(sandbox.data.products)
    with pytest.raises(PushRetryLater):
        execute_push(op.pk, client=client_for(synced, timeout=0.3))
    # The store finishes creating it after our timeout.
    assert wait_for(lambda: len(sandbox.data.products) == before + 1, timeout=10, interval=0.05)
    before = len(sandbox.data.products)
    assert execute_push(op.pk).status == PushStatus.DONE
    assert len(sandbox.data.products) == before
    product.refresh_from_db()
    assert sandbox.data.products[product.woo_id]["name"] == "No SKU here"


def test_delete_trashes_in_woocommerce(synced, sandbox, manager):
    product = _simple(synced, sandbox)
    op = execute_push(catalog_push.product_push(product_id=product.pk, actor=manager, action="delete").pk)
    assert op.status == PushStatus.DONE
    assert _remote(sandbox, product)["status"] == "trash"
    product.refresh_from_db()
    assert product.status == "trash"


def test_variation_edit_goes_through_the_batch_endpoint(synced, sandbox, manager):
    variation = ProductVariation.objects.filter(store=synced, status="publish", product__status="publish").first()
    variation.regular_price = Decimal("42.00")
    variation.save(update_fields=["regular_price", "updated_at"])
    op = catalog_push.product_push(
        product_id=variation.product_id, actor=manager, fields=["name"], variation_ids=[variation.pk]
    )
    assert execute_push(op.pk).status == PushStatus.DONE
    assert sandbox.data.variations[variation.woo_id]["regular_price"] == "42.00"
    variation.refresh_from_db()
    assert variation.woo_modified_at == gmt(sandbox.data.variations[variation.woo_id]["date_modified_gmt"], field="d")


def test_bulk_edit_uses_batches_and_still_detects_conflicts(synced, sandbox, manager, shop_clock):
    products = list(Product.objects.filter(store=synced, type="simple", status="publish").order_by("woo_id")[:4])
    shop_clock.advance(1)
    sandbox.update_product(products[0].woo_id, regular_price="1.11")
    for product in products:
        product.sale_price = None
        product.price = Decimal("20.00")
        product.save(update_fields=["price", "sale_price", "updated_at"])
    sandbox.reset_stats()
    ops = catalog_push.products_push_bulk(
        product_ids=[p.pk for p in products], actor=manager, fields=["price", "sale_price"]
    )
    results = {op.object_id: op.status for op in execute_bulk_push([op.pk for op in ops])}
    assert results[products[0].pk] == PushStatus.CONFLICT
    assert all(results[p.pk] == PushStatus.DONE for p in products[1:])
    assert all(sandbox.data.products[p.woo_id]["regular_price"] == "20.00" for p in products[1:])
    # One list request for the conflict check, one batch request for the three updates.
    assert sandbox.stats()["by_route"] == {"GET products": 1, "POST products/batch": 1}


def test_order_status_change_is_logged_and_pushed(synced, sandbox, manager):
    order = Order.objects.filter(store=synced, status="processing").first()
    log = order_services.order_change_status(actor=manager, order_id=order.pk, new_status="completed")
    assert (log.old_status, log.new_status, log.changed_by) == ("processing", "completed", "manager@example.com")
    assert OrderStatusLog.objects.filter(store=synced, order_woo_id=order.woo_id).count() == 1
    op = PushOperation.objects.get(object_id=order.pk)
    assert execute_push(op.pk).status == PushStatus.DONE
    remote = sandbox.data.orders[order.woo_id]
    assert remote["status"] == "completed"
    order.refresh_from_db()
    assert order.status == "completed" and order.woo_modified_at == gmt(remote["date_modified_gmt"], field="d")
    assert (
        order_services.order_change_status(actor=manager, order_id=order.pk, new_status="completed") is None
    )  # no change, no log


def test_taxonomy_create_and_edit(synced, sandbox, manager):
    op = catalog_services.taxonomy_save(kind="category", actor=manager, store_id=synced.pk, name="Pushed category")
    assert execute_push(op.pk).status == PushStatus.DONE
    category = StoreCategory.objects.get(store=synced, name="Pushed category")
    assert sandbox.data.categories[category.woo_id]["name"] == "Pushed category"
    op = catalog_services.taxonomy_save(kind="category", actor=manager, term_id=category.pk, name="Renamed category")
    category.refresh_from_db()
    assert category.sync_status == "pending"
    assert execute_push(op.pk).status == PushStatus.DONE
    category.refresh_from_db()
    assert category.sync_status == "synced" and sandbox.data.categories[category.woo_id]["name"] == "Renamed category"


@pytest.mark.parametrize("kind", ["category", "tag", "brand"])
def test_a_term_description_reaches_the_shop_as_safe_html(synced, sandbox, manager, kind):
    """A term's description is HTML the shop shows its customers (the archive page), as a
    product's is: only its formatting is stored and sent, never a script or a handler."""
    model = catalog_services.TAXONOMY_MODELS[kind]
    term = model.objects.filter(store=synced).order_by("woo_id").last()
    written = (
        '<p>Soft <b>linen</b></p><script>alert(1)</script><img src="https://shop.example/linen.jpg" onerror="alert(2)">'
    )
    op = catalog_services.taxonomy_save(kind=kind, actor=manager, term_id=term.pk, description=written)
    assert execute_push(op.pk).status == PushStatus.DONE

    term.refresh_from_db()
    shop_terms = {"category": sandbox.data.categories, "tag": sandbox.data.tags, "brand": sandbox.data.brands}[kind]
    assert (
        term.description
        == shop_terms[term.woo_id]["description"]
        == '<p>Soft <b>linen</b></p><img src="https://shop.example/linen.jpg">'
    )


def test_permissions(synced, sandbox, viewer, make_user):
    product = _simple(synced, sandbox)
    order = Order.objects.filter(store=synced).first()
    # A viewer is refused; someone who is not a member is told there is no such store.
    for actor, refusal in ((viewer, PermissionDenied), (make_user(), Http404)):
        with pytest.raises(refusal):
            catalog_push.product_push(product_id=product.pk, actor=actor)
        with pytest.raises(refusal):
            order_services.order_change_status(actor=actor, order_id=order.pk, new_status="completed")
        with pytest.raises(refusal):
            services.sync_start(store_id=synced.pk, actor=actor)


def test_a_shop_change_to_a_field_we_do_not_send_is_no_conflict_and_survives(synced, sandbox, manager, shop_clock):
    from catalog.services import product_update

    product = _simple(synced, sandbox)
    shop_clock.advance(1)  # WooCommerce's modified time has one-second steps
    sandbox.update_product(product.woo_id, stock_quantity=3, manage_stock=True)
    _product, op = product_update(
        actor=manager, store_id=synced.pk, product_id=product.pk, base={"name": product.name}, name="Ours"
    )
    assert execute_push(op.pk).status == PushStatus.DONE
    assert (_remote(sandbox, product)["name"], _remote(sandbox, product)["stock_quantity"]) == ("Ours", 3)
    product.refresh_from_db()
    assert product.stock_quantity == 3  # the answer brought the shop's stock in


def test_a_field_changed_in_the_shop_and_here_is_a_conflict(synced, sandbox, manager, shop_clock):
    from catalog.services import product_update

    product = _simple(synced, sandbox)
    shop_clock.advance(1)
    sandbox.update_product(product.woo_id, regular_price="77.70", sale_price="")
    _product, op = product_update(
        actor=manager,
        store_id=synced.pk,
        product_id=product.pk,
        base={"price": product.price, "sale_price": product.sale_price},
        price=Decimal("55.50"),
        sale_price=None,
    )
    assert execute_push(op.pk).status == PushStatus.CONFLICT
    assert _remote(sandbox, product)["regular_price"] == "77.70"
    conflict = ProductConflict.objects.get(product=product, status=ConflictStatus.OPEN)
    assert "price" in {item["field"] for item in conflict.fields}


def test_an_order_status_the_shop_changed_meanwhile_is_not_overwritten(synced, sandbox, manager, shop_clock, client):
    order = Order.objects.filter(store=synced, status="processing").first()
    order_services.order_change_status(actor=manager, order_id=order.pk, new_status="completed")
    shop_clock.advance(1)
    sandbox.update_order(order.woo_id, status="cancelled")  # the shop cancels it before our push runs

    op = execute_push(PushOperation.objects.get(object_id=order.pk).pk)

    assert op.status == PushStatus.FAILED and "cancelled" in op.last_error
    assert sandbox.data.orders[order.woo_id]["status"] == "cancelled"
    order.refresh_from_db()
    assert order.status == "cancelled"
    history = OrderStatusLog.objects.filter(store=synced, order_woo_id=order.woo_id).order_by("created_at")
    assert list(history.values_list("old_status", "new_status", "changed_by")) == [
        ("processing", "completed", "manager@example.com"),
        ("completed", "cancelled", "woocommerce"),
    ]
    error = SyncError.objects.get(store=synced, entity_type="order", woo_id=order.woo_id, resolved=False)
    assert "cancelled" in error.error_message
    client.force_login(manager)
    page = client.get(reverse("orders:order_detail", kwargs={"store_id": synced.pk, "order_id": order.pk}))
    assert "the status changed in WooCommerce from processing to cancelled" in page.content.decode()


def test_a_status_changed_twice_before_its_push_is_no_conflict(synced, sandbox, manager):
    order = Order.objects.filter(store=synced, status="processing").first()
    order_services.order_change_status(actor=manager, order_id=order.pk, new_status="completed")
    order_services.order_change_status(actor=manager, order_id=order.pk, new_status="on-hold")

    op = PushOperation.objects.get(object_id=order.pk, status=PushStatus.PENDING)
    assert execute_push(op.pk).status == PushStatus.DONE
    assert sandbox.data.orders[order.woo_id]["status"] == "on-hold"


def test_a_status_change_woocommerce_refuses_leaves_the_order_as_the_shop_has_it(
    start_sandbox, shop_clock, make_store, make_user, pull, settings
):
    """A read-only API key (common: the shop owner made one to try the console): WooCommerce
    refuses the change, so the order keeps the status it has in the shop, the history says so
    and the reason is recorded; no list or figure shows a status the shop never had."""
    from config.testing import API_KEY

    settings.SYNC_FETCH_IMAGES = False
    sandbox = start_sandbox(products=4, orders=12, seed=3, clock=shop_clock, keys=[(*API_KEY, "read")])
    shop = make_store(url=sandbox.url, name="Read-only shop")
    manager = make_user(email="manager@example.com")
    StoreUser.objects.create(store=shop, user=manager, role=StoreRole.MANAGER)
    pull(shop, full=True, entities=["orders"])
    order = Order.objects.filter(store=shop, status="processing").first()
    order_services.order_change_status(actor=manager, order_id=order.pk, new_status="completed")

    op = execute_push(PushOperation.objects.get(object_id=order.pk).pk)

    assert op.status == PushStatus.FAILED and "write permissions" in op.last_error
    assert sandbox.data.orders[order.woo_id]["status"] == "processing"
    order.refresh_from_db()
    assert order.status == "processing"
    history = OrderStatusLog.objects.filter(store=shop, order_woo_id=order.woo_id).order_by("created_at")
    assert list(history.values_list("old_status", "new_status", "changed_by")) == [
        ("processing", "completed", "manager@example.com"),
        ("completed", "processing", "woocommerce"),
    ]
    assert SyncError.objects.filter(store=shop, woo_id=order.woo_id, resolved=False).exists()


def test_bulk_edit_of_a_product_trashed_in_the_shop_meanwhile_is_a_conflict_not_a_failure(
    synced, sandbox, manager, pull
):
    """A bulk edit has no base: any change made in the shop since is for a person to decide, and
    a trashed product still exists (a single push would reach it)."""
    products = list(Product.objects.filter(store=synced, type="simple", status="publish").order_by("woo_id")[:2])
    for product in products:
        product.sale_price = None
        product.price = Decimal("20.00")
        product.save(update_fields=["price", "sale_price", "updated_at"])
    ops = catalog_push.products_push_bulk(
        product_ids=[p.pk for p in products], actor=manager, fields=["price", "sale_price"]
    )
    sandbox.trash_product(products[0].woo_id)
    results = {op.object_id: op for op in execute_bulk_push([op.pk for op in ops])}
    assert [results[p.pk].status for p in products] == [PushStatus.CONFLICT, PushStatus.DONE]
    assert "status" in results[products[0].pk].last_error
    # The edit waits for the person's decision: a pull leaves it alone.
    pull(synced)
    products[0].refresh_from_db()
    assert (products[0].status, products[0].price) == ("publish", Decimal("20.00"))


def test_an_unexpected_error_in_a_push_fails_the_operation_instead_of_leaving_it_running(
    synced, sandbox, manager, monkeypatch
):
    """A running operation guards its product from every pull and cannot be cancelled: a bug on
    the way (here: one injected into the variations step) must close it as failed, recorded."""
    from catalog import push_executors
    from sync.models import SyncError

    def broken(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(push_executors, "_push_variations", broken)
    first, second = Product.objects.filter(store=synced, type="simple", status="publish").order_by("woo_id")[:2]
    for product in (first, second):
        product.name = f"Edited here {product.pk}"
        product.save(update_fields=["name", "updated_at"])
    single = catalog_push.product_push(product_id=first.pk, actor=manager, fields=["name"])
    with pytest.raises(RuntimeError):
        execute_push(single.pk)
    (bulk,) = catalog_push.products_push_bulk(product_ids=[second.pk], actor=manager, fields=["name"])
    with pytest.raises(RuntimeError):
        execute_bulk_push([bulk.pk])
    for op, product in ((single, first), (bulk, second)):
        op.refresh_from_db()
        assert op.status == PushStatus.FAILED and "unexpected" in op.last_error
        assert SyncError.objects.filter(store=synced, woo_id=product.woo_id, resolved=False).exists()
