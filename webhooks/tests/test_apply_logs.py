"""What a webhook delivery leaves in the inventory's logs: a ``sync_logs`` row per entity
applied or failed for good, and ``taxonomy_sync_log`` ``webhook_update`` rows when a delivery
changes a product's categories, tags or brands."""

import pytest

from catalog.models import Product
from sync.models import SyncLog
from sync.models import TaxonomySyncLog
from webhooks import inbox
from webhooks.models import DeliveryStatus
from webhooks.models import WebhookDelivery

from .conftest import order_payload
from .conftest import product_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(store, post):
    def send(payload, topic="product.updated"):
        before = set(WebhookDelivery.objects.values_list("pk", flat=True))
        assert post(store, payload, topic).status_code == 200
        row = WebhookDelivery.objects.exclude(pk__in=before).get()
        inbox.webhook_delivery_apply(row.pk)
        row.refresh_from_db()
        return row

    return send


def test_applied_and_failed_deliveries_write_a_sync_log_row_each(store, deliver):
    deliver(product_payload(), "product.created")
    deliver(order_payload(), "order.updated")
    failed = deliver(product_payload(woo_id=102, regular_price="not a price"), "product.updated")
    assert failed.status == DeliveryStatus.FAILED

    logs = {log.woo_id: log for log in SyncLog.objects.filter(store=store)}
    product = Product.objects.get(store=store, woo_id=101)
    order = store.orders.get(woo_id=501)
    assert (logs[101].entity_type, logs[101].entity_id, logs[101].action, logs[101].status) == (
        "product",
        str(product.pk),
        "create",
        "success",
    )
    assert logs[101].metadata["source"] == "webhook" and logs[101].metadata["topic"] == "product.created"
    assert (logs[501].entity_type, logs[501].entity_id, logs[501].action, logs[501].status) == (
        "order",
        str(order.pk),
        "update",
        "success",
    )
    assert (logs[102].status, logs[102].entity_id) == ("failed", None)
    assert "not a price" in logs[102].metadata["error"]
    assert len(logs) == 3


def test_a_delivery_that_changes_a_products_taxonomy_is_a_webhook_update(store, deliver):
    shoes = {"id": 7, "name": "Shoes", "slug": "shoes"}
    deliver(product_payload(categories=[shoes]), "product.created")
    created = TaxonomySyncLog.objects.get(store=store)
    assert (created.taxonomy_type, created.action, created.items_created, created.items_updated) == (
        "category",
        "webhook_update",
        1,
        0,
    )
    # Same taxonomy again (a price change): no row.
    deliver(product_payload(categories=[shoes], regular_price="12.00", modified="2026-01-01T11:00:00"))
    assert TaxonomySyncLog.objects.filter(store=store).count() == 1
    # A tag added and the category removed: one row per taxonomy changed.
    deliver(
        product_payload(categories=[], tags=[{"id": 3, "name": "Sale", "slug": "sale"}], modified="2026-01-01T12:00:00")
    )
    latest = {log.taxonomy_type: log for log in TaxonomySyncLog.objects.filter(store=store).exclude(pk=created.pk)}
    assert set(latest) == {"category", "tag"}
    assert all((log.items_updated, log.error_details) == (1, {"products": [101]}) for log in latest.values())


def test_a_burst_applied_in_one_batch_logs_every_delivery_with_its_own_fields(store, post, deliver):
    """A batch writes its sync_logs rows (one statement) and taxonomy rows together: each
    delivery still gets its own row, fields and outcome."""
    shoes = {"id": 7, "name": "Shoes", "slug": "shoes"}
    deliver(product_payload(woo_id=101, categories=[shoes]), "product.created")
    before = set(WebhookDelivery.objects.values_list("pk", flat=True))
    sale = {"id": 3, "name": "Sale", "slug": "sale"}
    burst = [
        (product_payload(woo_id=101, categories=[], modified="2026-01-01T11:00:00"), "product.updated"),
        (product_payload(woo_id=102, tags=[sale]), "product.created"),
        (product_payload(woo_id=103), "product.created"),
        (order_payload(woo_id=501), "order.created"),
        (product_payload(woo_id=104, regular_price="not a price"), "product.updated"),
    ]
    for payload, topic in burst:
        assert post(store, payload, topic).status_code == 200
    rows = list(WebhookDelivery.objects.exclude(pk__in=before).order_by("received_at"))
    assert inbox.webhook_delivery_apply(rows[0].pk).batch == len(burst)

    logs = {log.metadata["delivery_id"]: log for log in SyncLog.objects.filter(store=store)}
    products = dict(Product.objects.filter(store=store).values_list("woo_id", "pk"))
    expected = {
        rows[0].pk: ("product", str(products[101]), 101, "update", "success", "product updated"),
        rows[1].pk: ("product", str(products[102]), 102, "create", "success", "product created"),
        rows[2].pk: ("product", str(products[103]), 103, "create", "success", "product created"),
        rows[3].pk: ("order", str(store.orders.get(woo_id=501).pk), 501, "create", "success", "order created"),
        rows[4].pk: ("product", None, 104, "update", "failed", ""),
    }
    for delivery_id, fields in expected.items():
        log = logs[str(delivery_id)]
        assert (log.entity_type, log.entity_id, log.woo_id, log.action, log.status, log.metadata["outcome"]) == fields
        assert log.metadata["source"] == "webhook"
    assert "not a price" in logs[str(rows[4].pk)].metadata["error"]
    assert all("error" not in logs[str(row.pk)].metadata for row in rows[:4])
    assert len(logs) == len(burst) + 1  # and the first delivery's

    taxonomy = {log.taxonomy_type: log for log in TaxonomySyncLog.objects.filter(store=store).order_by("created_at")}
    assert (taxonomy["category"].items_updated, taxonomy["category"].error_details) == (1, {"products": [101]})
    assert (taxonomy["tag"].items_created, taxonomy["tag"].error_details) == (1, {"products": [102]})
    assert TaxonomySyncLog.objects.filter(store=store).count() == 3  # the first delivery's category too
