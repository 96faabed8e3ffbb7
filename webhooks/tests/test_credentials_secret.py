"""A webhook secret typed (or generated) in the store's credentials form is a rotation: the
previous secret keeps working for the grace period and WooCommerce's webhooks get the new one."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from stores import credentials
from stores.models import Store
from stores.services import store_credentials_set
from webhooks import receiving
from webhooks import remote
from webhooks.models import Webhook

from .conftest import SECRET
from .conftest import product_payload

pytestmark = pytest.mark.django_db

NEW_SECRET = "typed-in-the-credentials-form"


class FakeWoo:
    """Records the PUTs the rotation makes; ``fail`` makes them fail like an unreachable store."""

    def __init__(self, fail=False):
        self.puts = []
        self.fail = fail

    def put(self, endpoint, data, **kwargs):
        from sync.woo import WooResponse
        from sync.woo import WooServerError

        if self.fail:
            raise WooServerError("down", status=503, url=endpoint)
        self.puts.append((endpoint, data))
        return WooResponse(status=200, data={"id": int(endpoint.rsplit("/", 1)[1]), **data}, headers={})


@pytest.fixture
def hook(store):
    return Webhook.objects.create(
        store=store, woo_webhook_id=7, topic="product.updated", delivery_url="https://x.example/hook", status="active"
    )


def test_the_credentials_service_rotates_and_the_previous_secret_stays_valid(store, owner, hook, post, settings):
    woo = FakeWoo()
    changed = store_credentials_set(actor=owner, store=store, webhook_secret=NEW_SECRET, client=woo)

    assert "webhook_secret" in changed and "previous_webhook_secret" in changed and changed.webhooks.ok
    assert credentials.decrypt(store.previous_webhook_secret) == SECRET  # the caller's object is current
    stored = Store.objects.get(pk=store.pk)
    assert credentials.decrypt(stored.previous_webhook_secret) == SECRET
    assert credentials.webhook_secret(stored) == NEW_SECRET
    assert stored.webhook_secret_rotated_at is not None
    # The new secret went to WooCommerce's webhook, as a rotation on the Webhooks page does.
    assert woo.puts == [("webhooks/7", {"secret": NEW_SECRET})]
    hook.refresh_from_db()
    assert hook.secret_updated_at >= stored.webhook_secret_rotated_at

    # Deliveries already signed with the old secret are accepted during the grace period...
    assert post(store, product_payload(woo_id=1)).status_code == 200
    assert post(store, product_payload(woo_id=2), secret=NEW_SECRET).status_code == 200
    # ...and not after it.
    Store.objects.filter(pk=store.pk).update(
        webhook_secret_rotated_at=timezone.now() - timedelta(seconds=settings.WEBHOOK_SECRET_GRACE_SECONDS + 1)
    )
    receiving.forget_signing_keys()
    assert post(store, product_payload(woo_id=3)).status_code == 401
    assert post(store, product_payload(woo_id=4), secret=NEW_SECRET).status_code == 200


def test_a_secret_typed_in_the_form_goes_through_the_same_rotation(client, store, owner, hook, post, monkeypatch):
    woo = FakeWoo()
    monkeypatch.setattr(remote, "_client", lambda store, client: woo)
    assert post(store, product_payload(woo_id=1)).status_code == 200  # the old keys are cached now
    client.force_login(owner)
    response = client.post(reverse("stores:credentials", kwargs={"store_id": store.pk}), {"webhook_secret": NEW_SECRET})

    assert response.status_code == 302
    assert woo.puts == [("webhooks/7", {"secret": NEW_SECRET})]
    stored = Store.objects.get(pk=store.pk)
    assert credentials.decrypt(stored.previous_webhook_secret) == SECRET
    assert post(store, product_payload(woo_id=2), secret=NEW_SECRET).status_code == 200
    assert post(store, product_payload(woo_id=3)).status_code == 200  # the grace period


def test_a_push_woocommerce_refused_is_reported_and_left_to_the_status_refresh(
    client, store, owner, hook, post, monkeypatch
):
    monkeypatch.setattr(remote, "_client", lambda store, client: FakeWoo(fail=True))
    client.force_login(owner)
    response = client.post(reverse("stores:credentials", kwargs={"store_id": store.pk}), {"webhook_secret": NEW_SECRET})

    assert response.status_code == 302
    assert any("retried automatically" in str(m) for m in get_messages(response.wsgi_request))
    stored = Store.objects.get(pk=store.pk)
    hook.refresh_from_db()
    assert remote._secret_outdated(stored, hook)  # webhook_status_refresh pushes it again
    assert post(store, product_payload(woo_id=1), secret=NEW_SECRET).status_code == 200
    assert post(store, product_payload(woo_id=2)).status_code == 200
