"""Against the WooCommerce sandbox over real HTTP: registration (with its ping), real signed
deliveries to the running product, a webhook WooCommerce disables, re-enabling, rotation."""

import pytest

from agents.models import AgentAlert
from catalog.models import Product
from config.testing import run_at_once
from config.testing import wait_for
from orders.models import Order
from orders.models import OrderStatusLog
from stores import credentials
from stores.models import Store
from sync.mappers.orders import order_fields
from sync.mappers.products import product_fields
from sync.models import SyncRun
from webhooks import receiving
from webhooks import remote
from webhooks.models import DeliveryStatus
from webhooks.models import Webhook
from webhooks.models import WebhookDelivery
from webhooks.signing import sign

from .conftest import SECRET
from .conftest import delivery_headers
from .conftest import php_json
from .conftest import receiver_url

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox(products=12, orders=12, seed=5)


@pytest.fixture
def shop(make_store, sandbox, live_server, settings, eager_tasks):
    settings.SITE_URL = live_server.url
    return make_store(url=sandbox.url, name="Sandbox shop")


def _simple_product(sandbox):
    with sandbox.data.lock:
        return min(
            pid for pid, p in sandbox.data.products.items() if p["type"] == "simple" and p["status"] == "publish"
        )


def _order(sandbox, status):
    with sandbox.data.lock:
        return min(oid for oid, o in sandbox.data.orders.items() if o["status"] == status)


def _wait(condition):
    return wait_for(condition, timeout=15.0, interval=0.05)


def _register(owner, shop, sandbox):
    result = remote.store_webhooks_register(actor=owner, store_id=shop.pk)
    assert result.ok, result.failed
    assert sandbox.wait_for_deliveries(15)
    return result


def test_registration_creates_the_standard_set_and_the_pings_verify_it(owner, shop, sandbox, settings):
    result = _register(owner, shop, sandbox)
    assert sorted(result.created) == sorted(settings.WEBHOOK_STANDARD_TOPICS)
    url = remote.delivery_url(shop.pk)
    with sandbox.data.lock:
        on_store = {h["topic"]: dict(h) for h in sandbox.data.webhooks.values()}
    assert set(on_store) == set(settings.WEBHOOK_STANDARD_TOPICS)
    assert all(
        h["delivery_url"] == url and h["secret"] == SECRET and h["status"] == "active" for h in on_store.values()
    )
    hooks = {h.topic: h for h in Webhook.objects.filter(store=shop)}
    assert {t: h.woo_webhook_id for t, h in hooks.items()} == {t: h["id"] for t, h in on_store.items()}
    # Every ping answered 200 (exactly 200 counts) and marked its webhook verified.
    pings = [d for d in sandbox.deliveries() if d["ping"]]
    assert len(pings) == 8 and all(d["status_code"] == 200 for d in pings)
    remote._mark_verified_from_pings(shop.pk)
    assert all(h.verified_at for h in Webhook.objects.filter(store=shop))
    # Registering again adopts the existing webhooks instead of duplicating them.
    again = remote.store_webhooks_register(actor=owner, store_id=shop.pk)
    assert again.ok and not again.created and len(again.updated) == 8
    assert len(sandbox.data.webhooks) == 8 and Webhook.objects.filter(store=shop).count() == 8


def test_the_sandbox_delivers_real_signed_events_to_the_running_product(owner, shop, sandbox):
    _register(owner, shop, sandbox)
    sandbox.clear_deliveries()
    product_id = _simple_product(sandbox)
    sandbox.update_product(product_id, name="Renamed by the shop / ✨", regular_price="77.70")
    processing = _order(sandbox, "processing")
    sandbox.update_order(processing, status="completed")
    created = sandbox.create_product(name="Brand new", regular_price="5.00")
    assert sandbox.wait_for_deliveries(20)
    deliveries = sandbox.deliveries()
    assert deliveries and all(d["status_code"] == 200 for d in deliveries), deliveries
    assert _wait(lambda: not WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists())

    product = Product.objects.get(store=shop, woo_id=product_id)
    expected = product_fields(sandbox.get_product(product_id))
    assert (product.name, product.price, product.woo_modified_at) == (
        expected["name"],
        expected["price"],
        expected["woo_modified_at"],
    )
    assert Product.objects.filter(store=shop, woo_id=created["id"], name="Brand new").exists()
    order = Order.objects.get(store=shop, woo_id=processing)
    assert order.status == order_fields(sandbox.get_order(processing))["status"] == "completed"
    # The order was new to us, so no status change is logged; a second change is.
    sandbox.update_order(processing, status="refunded")
    assert sandbox.wait_for_deliveries(20)
    assert _wait(lambda: OrderStatusLog.objects.filter(store=shop, order_woo_id=processing).exists())
    log = OrderStatusLog.objects.get(store=shop, order_woo_id=processing)
    assert (log.old_status, log.new_status, log.changed_by) == ("completed", "refunded", "woocommerce")


def test_trash_and_restore_through_the_sandbox(owner, shop, sandbox):
    _register(owner, shop, sandbox)
    product_id = _simple_product(sandbox)
    sandbox.update_product(product_id, name="Before trash")
    assert sandbox.wait_for_deliveries(20)
    sandbox.trash_product(product_id)
    assert sandbox.wait_for_deliveries(20)
    assert _wait(lambda: Product.objects.filter(woo_id=product_id, status="trash").exists())
    sandbox.restore_product(product_id)
    assert sandbox.wait_for_deliveries(20)
    assert _wait(lambda: Product.objects.filter(woo_id=product_id, status="publish").exists())


def test_a_webhook_woocommerce_disables_raises_one_alert_and_can_be_re_enabled(owner, shop, sandbox, client):
    _register(owner, shop, sandbox)
    # Our side loses the secret: every delivery is refused, WooCommerce disables the webhook on
    # the 7th consecutive failure.
    good_token = Store.objects.values_list("webhook_secret", flat=True).get(pk=shop.pk)
    Store.objects.filter(pk=shop.pk).update(webhook_secret=credentials.encrypt("lost"))
    receiving.forget_signing_keys()
    product_id = _simple_product(sandbox)
    for n in range(7):
        sandbox.update_product(product_id, name=f"Change {n}")
        assert sandbox.wait_for_deliveries(20)
    hook = Webhook.objects.get(store=shop, topic="product.updated")
    with sandbox.data.lock:
        assert sandbox.data.webhooks[hook.woo_webhook_id]["status"] == "disabled"
    Store.objects.filter(pk=shop.pk).update(webhook_secret=good_token)
    receiving.forget_signing_keys()

    summary = remote.webhook_status_refresh(store_id=shop.pk)
    assert summary["disabled"] == 1
    hook.refresh_from_db()
    assert hook.status == "disabled" and hook.disabled_at is not None
    alert = AgentAlert.objects.get(agent_type="webhooks")
    assert alert.metadata["webhook_id"] == str(hook.pk) and alert.severity == "high"
    assert SyncRun.objects.filter(store=shop, kind="incremental").exists()  # the gap is pulled
    # A second refresh raises no second alert.
    assert remote.webhook_status_refresh(store_id=shop.pk)["disabled"] == 0
    assert AgentAlert.objects.filter(agent_type="webhooks").count() == 1
    # The page shows the alert with a re-enable button.
    client.force_login(owner)
    page = client.get(f"/stores/{shop.pk}/webhooks/")
    assert page.status_code == 200 and alert.title in page.content.decode()
    assert f"/stores/{shop.pk}/webhooks/{hook.pk}/reenable/" in page.content.decode()

    result = remote.webhook_reenable(actor=owner, store_id=shop.pk, webhook_id=hook.pk)
    assert result.ok
    with sandbox.data.lock:
        assert sandbox.data.webhooks[hook.woo_webhook_id]["status"] == "active"
    hook.refresh_from_db()
    alert.refresh_from_db()
    assert hook.status == "active" and hook.disabled_at is None and alert.is_read
    sandbox.update_product(product_id, name="After re-enable")
    assert sandbox.wait_for_deliveries(20)
    assert _wait(lambda: Product.objects.filter(woo_id=product_id, name="After re-enable").exists())


def test_rotating_the_secret_updates_woocommerce_and_keeps_a_grace_period(owner, shop, sandbox, client):
    _register(owner, shop, sandbox)
    result = remote.store_webhook_secret_rotate(actor=owner, store_id=shop.pk)
    assert result.ok and len(result.updated) == 8
    shop.refresh_from_db()
    new_secret = credentials.webhook_secret(shop)
    assert new_secret != SECRET
    with sandbox.data.lock:
        assert {h["secret"] for h in sandbox.data.webhooks.values()} == {new_secret}
    assert all(h.secret_updated_at >= shop.webhook_secret_rotated_at for h in Webhook.objects.filter(store=shop))
    product_id = _simple_product(sandbox)
    sandbox.clear_deliveries()
    sandbox.update_product(product_id, name="Signed with the new secret")
    assert sandbox.wait_for_deliveries(20)
    assert all(d["status_code"] == 200 for d in sandbox.deliveries())
    # A delivery still in flight with the previous secret is accepted during the grace period.
    body = php_json({**sandbox.get_product(product_id), "date_modified_gmt": "2020-01-01T00:00:00"})
    response = client.generic(
        "POST",
        receiver_url(shop.pk),
        data=body,
        content_type="application/json",
        headers=delivery_headers(body, "product.updated", secret=SECRET),
    )
    assert response.status_code == 200
    assert sign(body, SECRET) != sign(body, new_secret)


def test_a_rotation_woocommerce_missed_is_pushed_by_the_status_refresh(owner, shop, sandbox, monkeypatch):
    _register(owner, shop, sandbox)
    from sync.woo import WooClient
    from sync.woo import WooServerError

    real_put = WooClient.put

    def failing_put(self, endpoint, data, params=None, **kw):
        raise WooServerError("down", status=503, url=endpoint)

    monkeypatch.setattr(WooClient, "put", failing_put)
    result = remote.store_webhook_secret_rotate(actor=owner, store_id=shop.pk)
    assert not result.ok and len(result.failed) == 8
    monkeypatch.setattr(WooClient, "put", real_put)
    summary = remote.webhook_status_refresh(store_id=shop.pk)
    assert summary["secrets"] == 8
    shop.refresh_from_db()
    with sandbox.data.lock:
        assert {h["secret"] for h in sandbox.data.webhooks.values()} == {credentials.webhook_secret(shop)}


def test_two_registrations_at_once_create_each_topic_once_in_the_shop(owner, shop, sandbox, settings):
    import threading

    from django.db import connection

    # Each request takes a while, so both registrations read the shop's (empty) list before
    # either has created anything, unless they run one after the other.
    sandbox.set_faults(latency_ms=80)
    start = threading.Barrier(2)
    results, errors = [], []

    def register():
        try:
            start.wait()
            results.append(remote.store_webhooks_register(actor=owner, store_id=shop.pk))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    run_at_once(register, register)
    assert not errors and len(results) == 2 and all(result.ok for result in results)
    with sandbox.data.lock:
        topics = [hook["topic"] for hook in sandbox.data.webhooks.values()]
    assert sorted(topics) == sorted(settings.WEBHOOK_STANDARD_TOPICS)
    recorded = list(Webhook.objects.filter(store=shop).values_list("topic", flat=True))
    assert sorted(recorded) == sorted(settings.WEBHOOK_STANDARD_TOPICS)


def test_a_webhook_deleted_in_the_shop_brings_the_register_button_back(client, owner, shop, sandbox):
    _register(owner, shop, sandbox)
    page_url = f"/stores/{shop.pk}/webhooks/"
    client.force_login(owner)
    assert 'id="register-form"' not in client.get(page_url).content.decode()
    with sandbox.data.lock:
        deleted = min(sandbox.data.webhooks)
        topic = sandbox.data.webhooks.pop(deleted)["topic"]
    remote.webhook_status_refresh(store_id=shop.pk)
    page = client.get(page_url).content.decode()
    assert 'id="register-form"' in page
    client.post(f"/stores/{shop.pk}/webhooks/register/")
    with sandbox.data.lock:
        assert [hook["topic"] for hook in sandbox.data.webhooks.values()].count(topic) == 1
    assert 'id="register-form"' not in client.get(page_url).content.decode()
