"""The receiver: signatures, the inbox, duplicates, pings, bad input, the log cap, secrets."""

import base64
import hashlib
import hmac
import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from stores import credentials
from stores.models import Store
from webhooks import logs
from webhooks import receiving
from webhooks import remote
from webhooks.models import DeliveryStatus
from webhooks.models import Webhook
from webhooks.models import WebhookDelivery
from webhooks.models import WebhookLog
from webhooks.models import WebhookLogRateLimit

from .conftest import SECRET
from .conftest import delivery_headers
from .conftest import order_payload
from .conftest import php_json
from .conftest import product_payload
from .conftest import receiver_url

pytestmark = pytest.mark.django_db


def test_valid_delivery_is_stored_and_queued_on_commit(store, post, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("webhooks.inbox.enqueue_apply", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(store, product_payload(), "product.updated", webhook_id=42, delivery_id="abc")
    assert response.status_code == 200
    row = WebhookDelivery.objects.get()
    assert (row.topic, row.resource, row.event, row.resource_id) == ("product.updated", "product", "updated", 101)
    assert row.woo_webhook_id == 42 and row.delivery_id == "abc" and row.status == DeliveryStatus.PENDING
    assert bytes(row.body) == php_json(product_payload())
    assert row.body_sha256 == hashlib.sha256(bytes(row.body)).hexdigest()
    assert row.date_modified_gmt.isoformat() == "2026-01-01T10:00:00+00:00"
    assert queued == [row.pk]
    log = WebhookLog.objects.get()
    assert (log.topic, log.status, log.error_message) == ("product.updated", "success", None)


def test_the_raw_bytes_are_verified_never_reserialised_json(store, client):
    # PHP escapes "/" and non-ASCII; the same JSON re-serialised by Python signs differently.
    body = b'{"id":101,"name":"Caf\\u00e9 \\/ Bar","date_modified_gmt":"2026-01-01T10:00:00","status":"publish"}'
    reserialised = json.dumps(json.loads(body)).encode()
    assert reserialised != body
    bad = delivery_headers(
        body,
        "product.updated",
        signature=base64.b64encode(hmac.new(SECRET.encode(), reserialised, hashlib.sha256).digest()).decode(),
    )
    response = client.generic("POST", receiver_url(store.pk), data=body, content_type="application/json", headers=bad)
    assert response.status_code == 401
    good = delivery_headers(body, "product.updated")
    response = client.generic("POST", receiver_url(store.pk), data=body, content_type="application/json", headers=good)
    assert response.status_code == 200
    assert bytes(WebhookDelivery.objects.get().body) == body


@pytest.mark.parametrize("signature", ["", "not-base64!!", base64.b64encode(b"x" * 32).decode(), "ä€"])
def test_missing_or_wrong_signature_is_401_and_nothing_is_stored(store, post, signature):
    response = post(store, product_payload(), signature=signature)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()
    log = WebhookLog.objects.get()
    assert log.status == "failed" and "signature" in log.error_message


def test_signed_with_another_secret_is_401(store, post):
    assert post(store, product_payload(), secret="another secret").status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_secret_stored_html_escaped_is_decoded_like_wordpress(make_store, post):
    # WooCommerce signs with wp_specialchars_decode(secret): a stored "a&amp;b" signs as "a&b".
    store = make_store(webhook_secret="a&amp;b<c")
    body = php_json(product_payload())
    signature = base64.b64encode(hmac.new(b"a&b<c", body, hashlib.sha256).digest()).decode()
    assert post(store, body, signature=signature).status_code == 200


def test_unknown_store_is_404(store, post):
    import uuid

    assert post(store, product_payload(), store_id=uuid.uuid4()).status_code == 404
    assert not WebhookLog.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("topic", ["product.updated", "coupon.updated"])
def test_a_store_deleted_while_its_keys_are_cached_is_404(store, post, topic):
    """Each process keeps a store's signing keys for a while; a delivery signed for a store
    deleted meanwhile is answered as for an unknown store, not with an error."""
    assert post(store, product_payload()).status_code == 200
    Store.objects.filter(pk=store.pk).delete()
    response = post(store, product_payload(modified="2026-01-02T10:00:00"), topic, store_id=store.pk)
    assert (response.status_code, response.content) == (404, b"No such store.")
    assert not WebhookDelivery.objects.exists() and not WebhookLog.objects.exists()


def test_get_is_405(store, client):
    assert client.get(receiver_url(store.pk)).status_code == 405


def test_malformed_json_with_a_valid_signature_is_400_with_a_failed_log(store, post):
    response = post(store, b'{"id": 1, "name": ', "product.updated")
    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()
    assert WebhookLog.objects.get().status == "failed"


@pytest.mark.parametrize("body", [b"[1, 2]", b'{"name": "no id"}', b'{"id": "12"}', b'{"id": -3}', b'{"id": true}'])
def test_payload_without_an_integer_id_is_400(store, post, body):
    assert post(store, body).status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_deeply_nested_json_is_400_not_500(store, post):
    body = b"[" * 100000 + b"]" * 100000
    assert post(store, body).status_code == 400


def test_body_over_the_limit_is_413(store, post, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1000
    response = post(store, product_payload(description="x" * 2000))
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()
    assert WebhookLog.objects.get().status == "failed"


@pytest.mark.parametrize(
    "topic", ["coupon.created", "customer.updated", "action.woocommerce_add_to_cart", "product.weird"]
)
def test_topic_we_do_not_handle_is_200_logged_and_ignored(store, post, topic):
    response = post(store, {"id": 5}, topic)
    assert response.status_code == 200
    assert not WebhookDelivery.objects.exists()
    log = WebhookLog.objects.get()
    assert log.status == "success" and "not handled" in log.error_message


def test_same_delivery_id_and_body_is_stored_once(store, post):
    for _ in range(3):
        assert post(store, product_payload(), delivery_id="same-id").status_code == 200
    assert WebhookDelivery.objects.count() == 1
    assert WebhookLog.objects.count() == 3
    assert WebhookLog.objects.filter(error_message__startswith="Duplicate").count() == 2


def test_same_event_with_another_delivery_id_is_stored_once(store, post):
    # Several hooks fire for one change: same topic, id, date_modified_gmt and body.
    post(store, product_payload(), delivery_id="first")
    post(store, product_payload(), delivery_id="second")
    assert WebhookDelivery.objects.count() == 1


def test_different_events_are_kept_even_with_a_shared_delivery_id(store, post):
    # WooCommerce's delivery id hashes the webhook id and the current second: two events of one
    # webhook in the same second share it. The bodies differ, so both are kept.
    post(store, product_payload(woo_id=1), delivery_id="same-second")
    post(store, product_payload(woo_id=2), delivery_id="same-second")
    post(store, product_payload(woo_id=1, modified="2026-01-01T10:00:01"), delivery_id="other")
    assert WebhookDelivery.objects.count() == 3


def test_repeated_deletions_are_stored_once_but_a_second_trash_is_kept(store, post, settings):
    # {"id": N} carries no date: a repeat is an identical deletion with nothing in between.
    post(store, {"id": 9}, "product.deleted", delivery_id="one")
    post(store, {"id": 9}, "product.deleted", delivery_id="one")
    post(store, {"id": 9}, "product.deleted", delivery_id="two")
    assert WebhookDelivery.objects.filter(event="deleted").count() == 1
    # trash -> restore -> trash: the second trash is a new event.
    post(store, product_payload(woo_id=9, modified="2026-01-01T11:00:00"), "product.restored")
    post(store, {"id": 9}, "product.deleted", delivery_id="three")
    assert WebhookDelivery.objects.filter(event="deleted").count() == 2
    # Another object, or the other resource, is never a repeat.
    post(store, {"id": 10}, "product.deleted")
    post(store, {"id": 9}, "order.deleted")
    assert WebhookDelivery.objects.filter(event="deleted").count() == 4
    # Outside the window an identical deletion is kept.
    settings.WEBHOOK_DELETE_DEDUPE_SECONDS = 0
    post(store, {"id": 10}, "product.deleted", delivery_id="later")
    assert WebhookDelivery.objects.filter(event="deleted").count() == 5


def test_ping_answers_200_and_marks_the_webhook_verified(store, client):
    hook = Webhook.objects.create(store=store, woo_webhook_id=33, topic="order.updated", delivery_url="x")
    response = client.post(
        receiver_url(store.pk), data=b"webhook_id=33", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    hook.refresh_from_db()
    assert hook.verified_at is not None
    assert not WebhookDelivery.objects.exists()
    assert WebhookLog.objects.get().topic == "ping"


def test_ping_before_the_webhook_is_recorded_is_remembered(store, client):
    response = client.post(
        receiver_url(store.pk), data=b"webhook_id=34", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    ping = WebhookDelivery.objects.get()
    assert (ping.topic, ping.resource_id, ping.status) == ("ping", 34, DeliveryStatus.SKIPPED)
    hook = Webhook.objects.create(store=store, woo_webhook_id=34, topic="order.updated", delivery_url="x")
    assert remote._mark_verified_from_pings(store.pk) == 1
    hook.refresh_from_db()
    assert hook.verified_at == ping.received_at


def test_ping_for_an_unknown_store_is_404(client):
    import uuid

    response = client.post(
        receiver_url(uuid.uuid4()), data=b"webhook_id=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 404


def test_log_cap_keeps_valid_deliveries_and_429s_invalid_ones(store, post, settings):
    settings.WEBHOOK_LOG_CAP_PER_HOUR = 3
    for n in range(5):
        assert post(store, product_payload(woo_id=n + 1)).status_code == 200
    assert WebhookDelivery.objects.count() == 5  # past the cap, still stored (and applied)
    assert WebhookLog.objects.count() == 3
    assert WebhookLogRateLimit.objects.get(store=store).log_count == 5  # skipped rows are counted
    response = post(store, product_payload(), signature="bad")
    assert response.status_code == 429
    assert WebhookLog.objects.count() == 3
    assert post(store, b"not json").status_code == 429


def test_cap_is_per_store(make_store, post, settings):
    settings.WEBHOOK_LOG_CAP_PER_HOUR = 1
    first, second = make_store(name="A"), make_store(name="B")
    post(first, product_payload())
    assert post(first, product_payload(), signature="bad").status_code == 429
    assert post(second, product_payload(), signature="bad").status_code == 401


def test_check_webhook_log_rate_limit_and_validate_webhook_log(store, settings):
    settings.WEBHOOK_LOG_CAP_PER_HOUR = 2
    assert logs.validate_webhook_log(store_id=store.pk, topic="order.created", status="success")
    assert logs.check_webhook_log_rate_limit(store.pk)
    assert not logs.validate_webhook_log(store_id=store.pk, topic="order.created", status="failed")
    assert WebhookLog.objects.count() == 1
    with pytest.raises(ValueError):
        logs.validate_webhook_log(store_id=store.pk, topic="x", status="weird")


def test_previous_secret_is_accepted_during_the_grace_period_only(store, post, settings):
    Store.objects.filter(pk=store.pk).update(
        previous_webhook_secret=credentials.encrypt(SECRET),
        webhook_secret=credentials.encrypt("brand-new-secret"),
        webhook_secret_rotated_at=timezone.now(),
    )
    receiving.forget_signing_keys()
    assert post(store, product_payload(woo_id=1)).status_code == 200
    assert post(store, product_payload(woo_id=2), secret="brand-new-secret").status_code == 200
    Store.objects.filter(pk=store.pk).update(
        webhook_secret_rotated_at=timezone.now() - timedelta(seconds=settings.WEBHOOK_SECRET_GRACE_SECONDS + 1)
    )
    receiving.forget_signing_keys()
    assert post(store, product_payload(woo_id=3)).status_code == 401
    assert post(store, product_payload(woo_id=4), secret="brand-new-secret").status_code == 200


def test_a_secret_changed_by_another_process_is_picked_up(store, post):
    assert post(store, product_payload(woo_id=1)).status_code == 200
    Store.objects.filter(pk=store.pk).update(webhook_secret=credentials.encrypt("changed elsewhere"))
    entry = receiving._keys_cache[store.pk]
    entry.loaded -= 5  # cached a while ago
    assert post(store, product_payload(woo_id=2), secret="changed elsewhere").status_code == 200


def test_store_without_a_secret_rejects_everything(make_store, post):
    store = make_store(webhook_secret=None)
    assert post(store, product_payload()).status_code == 401


def test_failures_are_counted_on_the_webhook(store, post):
    from webhooks.models import WebhookDeliveryStats

    WebhookDeliveryStats.objects.create(store=store, woo_webhook_id=7)
    post(store, product_payload(), signature="bad", webhook_id=7)
    post(store, b"{", webhook_id=7)
    stats = WebhookDeliveryStats.objects.get()
    assert (stats.consecutive_failures, stats.failure_count) == (2, 2)
    assert post(store, product_payload(), webhook_id=7).status_code == 200
    stats.refresh_from_db()
    assert (stats.consecutive_failures, stats.failure_count) == (0, 2)
    assert stats.last_delivery_at is not None


def test_secrets_never_appear_in_responses_logs_or_log_rows(store, post, caplog):
    caplog.set_level(logging.DEBUG)
    responses = [
        post(store, product_payload(), signature="bad"),
        post(store, b"{", "order.updated"),
        post(store, product_payload()),
        post(store, {"id": 1}, "coupon.created"),
    ]
    texts = [r.content.decode() for r in responses] + [caplog.text]
    texts += [str(values) for values in WebhookLog.objects.values_list("topic", "error_message")]
    for text in texts:
        assert SECRET not in text
        assert credentials.encrypt(SECRET)[:20] not in text


def test_order_topics_are_stored_too(store, post):
    assert post(store, order_payload(), "order.created").status_code == 200
    assert WebhookDelivery.objects.get().resource == "order"


def test_a_burst_queues_one_apply_task_per_store(store, post, django_capture_on_commit_callbacks, monkeypatch):
    from webhooks.models import WebhookApplyRequest

    queued = []
    monkeypatch.setattr("webhooks.inbox.enqueue_apply", lambda pk: queued.append(pk) or True)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            post(store, product_payload(woo_id=n + 1))
        post(store, product_payload(woo_id=1))  # a duplicate queues nothing either
    first = WebhookDelivery.objects.order_by("received_at").first()
    assert queued == [first.pk]
    # The task clears the flag when it starts: the next delivery queues a new one.
    WebhookApplyRequest.objects.filter(store=store).update(requested_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        post(store, product_payload(woo_id=9))
    assert len(queued) == 2


def test_when_the_broker_refuses_the_next_delivery_tries_again(
    store, post, django_capture_on_commit_callbacks, monkeypatch
):
    attempts = []
    monkeypatch.setattr("webhooks.inbox.enqueue_apply", lambda pk: attempts.append(pk) and False)
    for n in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            post(store, product_payload(woo_id=n))
    assert len(attempts) == 2


def test_a_burst_of_forged_deliveries_is_an_anomaly(store, post, settings):
    from audit.models import AnomalyResponseAction

    settings.ANOMALY_INVALID_SIGNATURES = 3
    for _ in range(3):
        assert post(store, product_payload(), signature="forged").status_code == 401
    assert AnomalyResponseAction.objects.filter(
        anomaly_id__startswith=f"invalid_webhook_signatures:{store.pk}"
    ).exists()
