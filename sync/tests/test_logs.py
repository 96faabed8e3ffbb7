"""The inventory's logs written by pulls and pushes against the sandbox: ``order_status_logs``
rows for status changes only a pull saw, and a ``sync_logs`` row per pushed entity."""

import pytest

from catalog import push as catalog_push
from orders import services as order_services
from orders.models import Order
from orders.models import OrderStatusLog
from stores.models import StoreRole
from stores.models import StoreUser
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncLog
from sync.models import SyncRunStatus
from sync.push import execute_push

pytestmark = pytest.mark.django_db


def test_a_status_change_seen_only_by_a_pull_is_logged(synced, sandbox, pull):
    orders = [o for o in sandbox.data.orders.values() if o["status"] == "processing"]
    changed, touched = orders[0], orders[1]
    sandbox.update_order(changed["id"], status="completed")
    sandbox.update_order(touched["id"], customer_note="Leave it at the door")
    assert not OrderStatusLog.objects.filter(store=synced).exists()  # a full pull of new orders logs nothing

    assert pull(synced).status == SyncRunStatus.SUCCESS
    log = OrderStatusLog.objects.get(store=synced)
    assert (log.order_woo_id, log.old_status, log.new_status, log.changed_by) == (
        changed["id"],
        "processing",
        "completed",
        "woocommerce",
    )
    assert Order.objects.get(store=synced, woo_id=changed["id"]).status == "completed"
    # Seen again by the next pulls (the watermark's overlap, a full pull): still one row.
    pull(synced)
    pull(synced, full=True)
    assert OrderStatusLog.objects.filter(store=synced).count() == 1


def test_a_pushed_status_change_is_logged_once_and_its_push_has_a_sync_log(synced, sandbox, pull, make_user):
    manager = make_user(email="manager@example.com")
    StoreUser.objects.create(store=synced, user=manager, role=StoreRole.MANAGER)
    order = Order.objects.filter(store=synced, status="processing").first()
    order_services.order_change_status(actor=manager, order_id=order.pk, new_status="completed")
    op = PushOperation.objects.get(object_id=order.pk)
    assert execute_push(op.pk).status == PushStatus.DONE
    pull(synced)
    assert list(OrderStatusLog.objects.filter(store=synced).values_list("changed_by", flat=True)) == [
        "manager@example.com"
    ]
    log = SyncLog.objects.get(store=synced, metadata__source="push")
    assert (log.entity_type, log.entity_id, log.woo_id, log.action, log.status) == (
        "order",
        str(order.pk),
        order.woo_id,
        "update",
        "success",
    )
    assert log.duration_ms is not None and log.metadata["push_id"] == str(op.pk)


def test_a_failed_push_has_a_failed_sync_log_with_its_error(synced, sandbox, make_user):
    manager = make_user(email="manager@example.com")
    StoreUser.objects.create(store=synced, user=manager, role=StoreRole.MANAGER)
    order = Order.objects.filter(store=synced, status="processing").first()
    sandbox.delete_order(order.woo_id, force=True)
    order_services.order_change_status(actor=manager, order_id=order.pk, new_status="completed")
    op = PushOperation.objects.get(object_id=order.pk)
    assert execute_push(op.pk).status == PushStatus.FAILED
    log = SyncLog.objects.get(store=synced, metadata__source="push")
    assert (log.entity_type, log.woo_id, log.action, log.status) == ("order", order.woo_id, "update", "failed")
    assert log.metadata["error"]


def test_a_bulk_push_logs_each_product_and_a_conflict_as_pending(synced, sandbox, make_user, shop_clock):
    from decimal import Decimal

    from catalog.models import Product
    from sync.push import execute_bulk_push

    manager = make_user(email="manager@example.com")
    StoreUser.objects.create(store=synced, user=manager, role=StoreRole.MANAGER)
    products = list(Product.objects.filter(store=synced, type="simple", status="publish").order_by("woo_id")[:3])
    shop_clock.advance(1)
    sandbox.update_product(products[0].woo_id, regular_price="1.11")  # changed there meanwhile
    for product in products:
        product.price = Decimal("20.00")
        product.save(update_fields=["price", "updated_at"])
    ops = catalog_push.products_push_bulk(product_ids=[p.pk for p in products], actor=manager, fields=["price"])
    execute_bulk_push([op.pk for op in ops])
    logs = {log.entity_id: log for log in SyncLog.objects.filter(store=synced, metadata__source="push")}
    assert {pk: (log.status, log.metadata["outcome"]) for pk, log in logs.items()} == {
        str(products[0].pk): ("pending", "conflict"),
        str(products[1].pk): ("success", "done"),
        str(products[2].pk): ("success", "done"),
    }
    assert "changed in WooCommerce" in logs[str(products[0].pk)].metadata["error"]
