"""The admin-only audit pages (views over audit_critical_changes / audit_user_activity, anomalies)
and ``history_for``, the object history the product, order and store pages show."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from accounts.services import user_create
from audit import anomalies
from audit.actor import audit_actor
from audit.models import AuditLog
from audit.models import CredentialAccessLog
from audit.selectors import critical_changes_for
from audit.selectors import history_for
from audit.selectors import user_activity_for
from catalog.models import Product
from config.testing import make
from config.testing import web_request_of
from orders.models import Order
from stores.access import load_access
from stores.models import Store
from stores.models import StoreUser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("audit_urls")]

PAGES = ["/audit/critical-changes/", "/audit/user-activity/", "/audit/anomalies/"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_for_app_admins_only(client, user, app_admin, url):
    assert client.get(url).status_code == 404  # anonymous
    client.force_login(user)
    assert client.get(url).status_code == 404  # a store owner is not an app admin
    client.force_login(app_admin)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    # A fixed id, not uuid4(): parallel test processes must collect the same test names.
    ["/audit/anomalies/acknowledge/", "/audit/anomalies/suspensions/3f2b8c1e-5a47-4d6e-9b0a-7c1d2e3f4a5b/undo/"],
)
def test_actions_are_for_app_admins_only(client, user, url):
    client.force_login(user)
    assert client.post(url, {"anomaly_id": "x"}).status_code == 404


def _critical_fixture(user, store):
    product = make(Product, store=store)
    with audit_actor(user, ip="192.0.2.5"):
        Product.objects.filter(pk=product.pk).update(name="renamed")  # not critical
        Store.objects.filter(pk=store.pk).update(name="Renamed shop")  # store change
        Store.objects.filter(pk=store.pk).update(api_key="gAAAA-cipher-7b1")  # credentials
        product.delete()  # delete
    old = AuditLog.objects.create(
        table_name="stores", record_id=store.pk, action="DELETE", created_at=timezone.now() - timedelta(days=8)
    )
    return product, old


def test_critical_changes_view_and_filters(client, app_admin, user, store):
    product, old = _critical_fixture(user, store)
    mine = critical_changes_for(actor=user.email).rows
    assert [(row["category"], row["table_name"]) for row in mine] == [
        ("delete", "products"),
        ("credentials", "stores"),
        ("store", "stores"),
    ]
    assert {"app_role", "store"} <= {row["category"] for row in critical_changes_for().rows}  # fixtures' writes
    assert old.pk not in {row["id"] for row in critical_changes_for().rows}  # older than 7 days
    assert [row["table_name"] for row in critical_changes_for(category="delete").rows] == ["products"]
    assert {row["user_email"] for row in critical_changes_for(actor="OWNER@").rows} == {user.email}
    assert critical_changes_for(actor="%").rows == []  # LIKE wildcards are literal

    client.force_login(app_admin)
    body = client.get("/audit/critical-changes/?category=credentials").content.decode()
    assert "API key replaced" in body and "192.0.2.5" in body and "gAAAA-cipher-7b1" not in body


def test_user_activity_view(client, app_admin, user, store):
    _critical_fixture(user, store)
    with audit_actor.system("sync"):
        make(Product, store=store)
    rows = {row["user_email"]: row for row in user_activity_for().rows}
    assert rows[user.email]["updates"] == 3 and rows[user.email]["deletes"] == 1
    assert rows["system:sync"]["inserts"] == 1 and rows["system:sync"]["user_id"] is None
    assert [row["user_email"] for row in user_activity_for(search="sync").rows] == ["system:sync"]
    client.force_login(app_admin)
    body = client.get("/audit/user-activity/?order=deletes").content.decode()
    assert user.email in body and "WooCommerce sync" in body


def test_the_views_exist_in_the_database_for_sql_tools():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.views WHERE table_name IN "
            "('audit_critical_changes', 'audit_user_activity') ORDER BY 1"
        )
        assert [row[0] for row in cursor.fetchall()] == ["audit_critical_changes", "audit_user_activity"]


def test_anomaly_page_acknowledge_and_undo(client, app_admin, user, settings, django_capture_on_commit_callbacks):
    settings.ANOMALY_CREDENTIAL_REVEAL_STORES = 2
    settings.ANOMALY_CREDENTIAL_REVEAL_CRITICAL_STORES = 2
    for _ in range(2):
        make(CredentialAccessLog, store=make(Store, user=user), user=user)
    with django_capture_on_commit_callbacks(execute=True):
        (anomaly_id,) = anomalies.detect(["credential_reveals"])
    user.refresh_from_db()
    assert not user.is_active

    client.force_login(app_admin)
    body = client.get("/audit/anomalies/?state=open").content.decode()
    assert anomaly_id in body and "Lift suspension" in body

    response = client.post("/audit/anomalies/acknowledge/", {"anomaly_id": anomaly_id})
    assert response.status_code == 302
    assert anomaly_id not in client.get("/audit/anomalies/?state=open").content.decode()
    assert anomaly_id in client.get("/audit/anomalies/?state=acknowledged").content.decode()

    suspension = anomalies.AnomalyResponseAction.objects.get(anomaly_id=anomaly_id, action_type="user_suspended")
    response = client.post(f"/audit/anomalies/suspensions/{suspension.pk}/undo/")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert "Lift suspension" not in client.get("/audit/anomalies/").content.decode()


# ---------------------------------------------------------------------------------------------
# history_for


@pytest.fixture
def order_history(user, store):
    order = make(
        Order,
        store=store,
        customer_name="Dana Cohen",
        customer_email="dana@example.com",
        customer_phone="+972500000000",
        billing={"first_name": "Dana", "city": "Haifa"},
    )
    with audit_actor(user):
        Order.objects.filter(pk=order.pk).update(status="completed", customer_email="dana.c@example.com")
    return order


def _member_user(store, role):
    member = user_create(email=f"{role}-{uuid.uuid4().hex[:6]}@example.com")
    StoreUser.objects.create(store=store, user=member, role=role)
    return member


def _member(store, role):
    return load_access(_member_user(store, role))


def test_history_masks_customer_data_for_viewers(store, order_history):
    entries = history_for("orders", order_history.pk, _member(store, "viewer"), store.pk)
    assert [e.action for e in entries] == ["UPDATE", "INSERT"]
    update = entries[0]
    assert update.changed_fields == ["customer_email", "status"]  # which columns changed stays visible
    for data in (update.old_data, update.new_data):
        assert data["customer_email"] == data["customer_name"] == data["customer_phone"] == "XXXX"
        assert data["billing"] == {"first_name": "XXXX", "city": "XXXX"}
        assert data["total"] is not None and data["status"] in ("completed", order_history.status)
    assert "dana" not in str([(e.old_data, e.new_data) for e in entries]).lower()


def test_history_shows_customer_data_to_managers(store, order_history):
    (update, _insert) = history_for("orders", order_history.pk, _member(store, "manager"), store.pk)
    assert update.new_data["customer_email"] == "dana.c@example.com"
    assert update.old_data["customer_name"] == "Dana Cohen"


def test_history_is_404_outside_the_users_stores_and_never_crosses_stores(user, store, order_history):
    other_store = make(Store, user=user)
    outsider = _member(other_store, "owner")
    with pytest.raises(Http404):
        history_for("orders", order_history.pk, outsider, store.pk)
    # Allowed on other_store, asking for an object of another store through it: nothing.
    assert history_for("orders", order_history.pk, outsider, other_store.pk) == []


def test_history_of_a_product_and_a_store(user, store):
    product = make(Product, store=store, price=Decimal("1.00"))
    product_id = product.pk
    with audit_actor(user):
        Product.objects.filter(pk=product_id).update(price=Decimal("2.00"))
        product.delete()
    viewer = _member(store, "viewer")
    assert [e.action for e in history_for("products", product_id, viewer, store.pk)] == ["DELETE", "UPDATE", "INSERT"]
    assert [e.action for e in history_for("stores", store.pk, viewer, store.pk)] == ["INSERT"]
    with pytest.raises(ValueError):
        history_for("profiles", user.pk, viewer, store.pk)


def _history_rows(table_name, record_id, store_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, new_data::text FROM store_audit_history(%s, %s, %s, 100)", [table_name, record_id, store_id]
        )
        return [(action, json.loads(data)) for action, data in cursor.fetchall()]


def test_the_database_keeps_a_requests_history_to_the_users_store_and_masks_it(user, store, order_history):
    # As the web role, the history comes from store_audit_history() (audit_logs are the app
    # admins'): it checks the store and masks on its own, whatever Python asked before.
    viewer = _member_user(store, "viewer")
    manager = _member_user(store, "manager")
    other_store = make(Store, user=user)
    outsider = _member_user(other_store, "owner")
    with web_request_of(viewer):
        assert history_for("orders", order_history.pk, load_access(viewer), store.pk)[0].action == "UPDATE"
        rows = _history_rows("orders", order_history.pk, store.pk)
        assert [action for action, _ in rows] == ["UPDATE", "INSERT"]
        assert rows[0][1]["customer_email"] == "XXXX" and rows[0][1]["billing"]["city"] == "XXXX"
        assert "dana" not in str(rows).lower()
        assert [action for action, _ in _history_rows("stores", store.pk, store.pk)] == ["INSERT"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_logs")
            assert cursor.fetchone() == (0,)  # the table itself: app admins only
    with web_request_of(manager):
        assert _history_rows("orders", order_history.pk, store.pk)[0][1]["customer_email"] == "dana.c@example.com"
    with web_request_of(outsider):
        assert _history_rows("orders", order_history.pk, store.pk) == []
        # Through a store of their own, another store's object: nothing either.
        assert _history_rows("orders", order_history.pk, other_store.pk) == []
