"""What a webhook delivery leaves in the inventory's logs: a ``sync_logs`` row per entity
applied or failed for good, and ``taxonomy_sync_log`` ``webhook_update`` rows when a delivery
changes a product's categories, tags or brands."""

import pytest

from catalog.models import Product
from sync.models import SyncLog, TaxonomySyncLog
from webhooks import inbox
from webhooks.models import DeliveryStatus, WebhookDelivery

from .conftest import order_payload, product_payload

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
