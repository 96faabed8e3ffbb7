"""The anomaly rules run on the events that feed them: a credential reveal (``stores`` services)
and a catalog bulk action (``catalog`` services), attributed to the user who acted."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AnomalyResponseAction
from audit.models import CredentialAccessLog
from catalog.models import Product
from config.testing import PASSWORD
from config.testing import make
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser
from stores.services import store_create
from sync.models import PushOperation

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_thresholds(settings):
    settings.ANOMALY_CREDENTIAL_REVEAL_STORES = 2
    settings.ANOMALY_CREDENTIAL_REVEAL_CRITICAL_STORES = 0  # no suspension in these tests
    settings.ANOMALY_MASS_PRICE_CHANGE_ROWS = 3
    settings.ANOMALY_MASS_PRICE_CHANGE_CRITICAL_ROWS = 0
    settings.ANOMALY_MASS_DELETE_ROWS = 3
    settings.ANOMALY_MASS_DELETE_CRITICAL_ROWS = 0
    settings.ANOMALY_EMAIL_RECIPIENTS = ["security@example.com"]
    return settings


def _anomaly_rows(rule, user):
    return AnomalyResponseAction.objects.filter(anomaly_id__startswith=f"{rule}:{user.pk}:", target_user=user)


def test_revealing_the_credentials_of_many_stores_is_answered_at_once(
    low_thresholds, client, user, django_capture_on_commit_callbacks
):
    stores = [
        store_create(actor=user, name=f"Shop {i}", url="http://127.0.0.1:9", api_key="ck", api_secret="cs")
        for i in range(2)
    ]
    client.force_login(user)

    def reveal(store):
        url = reverse("stores:credentials_reveal", kwargs={"store_id": store.pk})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"password": PASSWORD})
        assert response.status_code == 200 and "ck" in response.content.decode()

    reveal(stores[0])
    assert not _anomaly_rows("credential_reveals", user).exists()  # one store is not an anomaly
    reveal(stores[1])
    assert CredentialAccessLog.objects.filter(user=user).count() == 2
    rows = _anomaly_rows("credential_reveals", user)
    assert {row.action_type for row in rows} == {"log_created", "notification_sent", "email_sent"}
    assert all(row.status == "completed" and row.metadata["count"] == 2 for row in rows)
    user.refresh_from_db()
    assert user.is_active


def _bulk_price(client, store, products, amount):
    url = reverse("catalog:product_bulk", kwargs={"store_id": store.pk})
    data = {"ids": [str(p.pk) for p in products], "action": "price_set", "amount": str(amount)}
    return client.post(url, data)


def test_a_bulk_price_change_over_the_threshold_is_answered_at_once(low_thresholds, client, user):
    store = make(Store, user=user)
    StoreUser.objects.create(store=store, user=user, role=StoreRole.OWNER)
    products = [make(Product, store=store, price=Decimal("10.00"), sale_price=None) for _ in range(3)]
    client.force_login(user)

    response = _bulk_price(client, store, products[:2], "12.00")  # 2 rows: under the threshold
    assert response.status_code == 302
    assert not _anomaly_rows("mass_price_changes", user).exists()
    _bulk_price(client, store, products, "15.00")  # 5 price changes by this user now
    assert Product.objects.filter(store=store, price=Decimal("15.00")).count() == 3
    rows = _anomaly_rows("mass_price_changes", user)
    assert {row.action_type for row in rows} == {"log_created", "notification_sent", "email_sent"}
    assert rows.first().metadata["count"] == 5


def test_trashing_many_products_counts_as_a_mass_delete(low_thresholds, client, user):
    """Local-only products are trashed at once (audit rows under the user); synced ones become
    delete pushes that the worker performs as the sync: both count for the user who asked."""
    store = make(Store, user=user)
    StoreUser.objects.create(store=store, user=user, role=StoreRole.OWNER)
    local = [make(Product, store=store, status="publish", woo_id=None) for _ in range(2)]
    synced = make(Product, store=store, status="publish", woo_id=501)
    client.force_login(user)

    def trash(product):
        url = reverse("catalog:product_trash", kwargs={"store_id": store.pk, "product_id": product.pk})
        assert client.post(url).status_code == 302

    for product in local:
        trash(product)
    assert Product.objects.filter(store=store, status="trash").count() == 2
    assert not _anomaly_rows("mass_deletes", user).exists()  # 2 is under the threshold
    trash(synced)
    assert PushOperation.objects.filter(object_id=synced.pk, action="delete", requested_by=user).exists()
    rows = _anomaly_rows("mass_deletes", user)
    assert {row.action_type for row in rows} == {"log_created", "notification_sent", "email_sent"}
    assert rows.first().metadata["count"] == 3
