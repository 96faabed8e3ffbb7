"""Webhook objects for the store-access world (stores/tests/helpers.py): per store one registered
webhook, one failed inbox delivery and one unread "webhook disabled" alert, so every webhook URL
has a target in both stores."""

import hashlib

from webhooks import remote
from webhooks.models import DeliveryStatus
from webhooks.models import Webhook
from webhooks.models import WebhookDelivery


def make_webhook_objects(store, offset):
    hook = Webhook.objects.create(
        store=store,
        woo_webhook_id=offset + 1,
        topic="product.updated",
        delivery_url=f"https://storedesk.example.com/webhooks/woocommerce/{store.pk}/",
        status="disabled",
    )
    body = b'{"id": 1}'
    delivery = WebhookDelivery.objects.create(
        store=store,
        woo_webhook_id=hook.woo_webhook_id,
        delivery_id=str(offset + 2),
        topic="product.updated",
        resource="product",
        event="updated",
        resource_id=1,
        body_sha256=hashlib.sha256(body).hexdigest(),
        body=body,
        status=DeliveryStatus.FAILED,
        last_error="could not apply",
    )
    alert = remote._alert_disabled(store, hook, missing=False)  # the alert WooCommerce's disabling raises
    return {"webhook_id": hook.pk, "delivery_id": delivery.pk, "alert_id": alert.pk}


def webhook_kwargs(world, target_key):
    """URL kwargs of the webhook pages for the world's store ``target_key`` (made once)."""
    cache = world.__dict__.setdefault("_webhook_objects", {})
    if target_key not in cache:
        cache[target_key] = make_webhook_objects(world.stores[target_key], 1000 if target_key == "A" else 2000)
    return cache[target_key]
