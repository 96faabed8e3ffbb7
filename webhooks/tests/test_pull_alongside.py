"""A pull and webhook deliveries writing the same objects: a pull reads a page, a delivery of a
newer version is applied meanwhile, then the pull writes its page. What the pull read is older
than what we hold and must not replace it (the next incremental pull reads the object again)."""

import threading

import pytest
from django.db import connection
from django.db import transaction

from catalog.models import Product
from catalog.models import ProductAttribute
from catalog.models import ProductVariation
from orders.models import Order
from orders.models import OrderStatusLog
from sync.pull import Puller
from sync.writer import EntityStats
from sync.writer import Writer
from sync.writer import variation_shape
from webhooks import apply as appliers
from webhooks import inbox
from webhooks.models import DeliveryStatus
from webhooks.models import WebhookDelivery

from .conftest import order_payload
from .conftest import product_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(store, post):
    def send(payload, topic):
        before = set(WebhookDelivery.objects.values_list("pk", flat=True))
        assert post(store, payload, topic).status_code == 200
        row = WebhookDelivery.objects.exclude(pk__in=before).get()
        inbox.webhook_delivery_apply(row.pk)
        row.refresh_from_db()
        assert row.status == DeliveryStatus.APPLIED, row.last_error
        return row

    return send


def pull_writer(store):
    """What writes a pull's pages: the ``Writer``, logging status changes as ``Puller`` does."""
    writer = Writer(store.pk)
    writer.logs_order_status = Puller.logs_order_status
    return writer


def test_a_pull_page_read_before_a_delivery_does_not_undo_the_newer_order(store, deliver):
    read_by_the_pull = order_payload(status="processing", modified="2026-01-01T10:00:00")
    deliver(read_by_the_pull, "order.created")
    deliver(order_payload(status="completed", modified="2026-01-01T10:05:00"), "order.updated")

    pull_writer(store).write_orders([read_by_the_pull], EntityStats(), set())

    order = Order.objects.get(store=store, woo_id=501)
    assert (order.status, order.woo_modified_at.minute) == ("completed", 5)
    # Only the real change is in the history, not a "completed -> processing" the shop never made.
    assert list(OrderStatusLog.objects.values_list("old_status", "new_status")) == [("processing", "completed")]


def test_a_pull_page_read_before_a_delivery_does_not_undo_the_newer_product(store, deliver):
    old_attributes = [{"id": 0, "name": "Colour", "options": ["Red"], "variation": False, "visible": True}]
    read_by_the_pull = product_payload(name="Old name", attributes=old_attributes, modified="2026-01-01T10:00:00")
    deliver(read_by_the_pull, "product.created")
    new_attributes = [{"id": 0, "name": "Size", "options": ["L"], "variation": False, "visible": True}]
    deliver(
        product_payload(name="New name", attributes=new_attributes, modified="2026-01-01T10:05:00"), "product.updated"
    )

    pull_writer(store).write_products([read_by_the_pull], EntityStats(), set())

    product = Product.objects.get(store=store, woo_id=101)
    assert (product.name, product.woo_modified_at.minute) == ("New name", 5)
    assert list(ProductAttribute.objects.filter(product=product).values_list("name", flat=True)) == ["Size"]


def test_a_pull_still_writes_newer_versions(store, deliver):
    deliver(order_payload(status="processing", modified="2026-01-01T10:00:00"), "order.created")
    pull_writer(store).write_orders(
        [order_payload(status="cancelled", modified="2026-01-01T10:09:00")], EntityStats(), set()
    )
    assert Order.objects.get(store=store, woo_id=501).status == "cancelled"
    assert list(OrderStatusLog.objects.values_list("old_status", "new_status")) == [("processing", "cancelled")]


def test_a_pull_page_read_before_a_delivery_does_not_undo_the_newer_variation(store, deliver):
    deliver(product_payload(woo_id=200, type="variable"), "product.created")

    def variation(price, modified):
        return product_payload(
            woo_id=201, type="variation", parent_id=200, price=price, regular_price=price, modified=modified
        )

    deliver(variation("12.00", "2026-01-01T10:05:00"), "product.updated")
    read_by_the_pull = variation_shape(variation("9.00", "2026-01-01T10:00:00"))

    pull_writer(store).write_variations(
        [(200, Product.objects.get(woo_id=200).pk, [read_by_the_pull])], EntityStats(), []
    )

    assert str(ProductVariation.objects.get(woo_id=201).price) == "12.00"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["delivery", "pull"])
def test_a_status_change_a_pull_and_a_delivery_both_bring_is_logged_once(store, deliver, post, first):
    """Both write the same new status at once, each in its own transaction: whichever commits
    second sees the status already changed and logs nothing."""
    deliver(order_payload(status="processing"), "order.created")
    newer = order_payload(status="completed", modified="2026-01-01T11:00:00")
    before = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert post(store, newer, "order.updated").status_code == 200
    delivery = WebhookDelivery.objects.exclude(pk__in=before).get()
    holding, release = threading.Event(), threading.Event()

    def as_delivery():
        appliers.apply_batch(store.pk, [delivery])

    def as_pull():
        pull_writer(store).write_orders([newer], EntityStats(), set())

    def run(write, hold):
        try:
            with transaction.atomic():
                write()
                if hold:
                    holding.set()
                    release.wait(10)
        finally:
            connection.close()

    writes = [as_delivery, as_pull] if first == "delivery" else [as_pull, as_delivery]
    holder = threading.Thread(target=run, args=(writes[0], True))
    holder.start()
    assert holding.wait(10)
    second = threading.Thread(target=run, args=(writes[1], False))
    second.start()
    second.join(1)  # it reaches the order while the first has not committed yet
    release.set()
    holder.join(10)
    second.join(10)
    logs = list(OrderStatusLog.objects.filter(order_woo_id=501).values_list("old_status", "new_status"))
    assert logs == [("processing", "completed")]
    assert Order.objects.get(woo_id=501).status == "completed"
