"""The audit trail reads like an activity log: what happened in words, who did it, a link to the
object, old → new for the fields that matter, bookkeeping hidden, automatic changes folded,
filters by store, person, kind of object and of change, and days; in English and Hebrew."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import invitation_create
from accounts.services import user_create
from audit.actor import audit_actor
from audit.models import AuditLog
from audit.presenters import present
from catalog.models import Product
from config.testing import make
from stores.models import Store
from stores.models import StoreUser
from webhooks.presenters import topic_label

pytestmark = pytest.mark.django_db

ACTIVITY = "/audit/activity/"


@pytest.fixture
def product(store):
    return make(Product, store=store, name="Linen apron", price=Decimal("39.00"))


def _price_change(user, product, price="44.50"):
    with audit_actor(user):
        product.price = Decimal(price)
        product.synced_at = timezone.now()
        product.save(update_fields=["price", "synced_at", "updated_at"])


def _entries(html):
    """The entries' text, without the markup."""
    markup = html.split('id="audit-entries"', 1)[1].split("</ol>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


@pytest.fixture
def member(user, store):
    StoreUser.objects.create(store=store, user=user, role="owner")
    return user


def test_a_price_change_reads_in_words_with_who_and_a_link(client, app_admin, user, store, product):
    _price_change(user, product)
    client.force_login(app_admin)
    html = client.get(ACTIVITY).content.decode()
    entries = _entries(html)
    url = reverse("catalog:product_detail", kwargs={"store_id": store.pk, "product_id": product.pk})
    assert "Price changed from ₪39.00 to ₪44.50" in entries
    assert f'href="{url}"' in html
    assert "owner@example.com" in entries
    for noise in ("synced_at", "updated_at", "UPDATE", "products"):
        assert noise not in entries


def test_the_trail_reads_in_hebrew(client, app_admin, user, store, product):
    _price_change(user, product)
    client.force_login(app_admin)
    client.cookies["django_language"] = "he"
    entries = _entries(client.get(ACTIVITY).content.decode())
    assert "שינוי במחיר: מ־39.00 ₪ ל־44.50 ₪" in entries  # (the markup-free text folds no-break spaces)
    assert "מוצר" in entries and "UPDATE" not in entries


def test_automatic_changes_are_folded_and_people_are_named(client, app_admin, user, store):
    with audit_actor.system("sync"):
        for index in range(5):
            make(Product, store=store, name=f"Synced {index}")
    with audit_actor.system("webhook"):
        make(Product, store=store, name="From a webhook")
    client.force_login(app_admin)
    entries = _entries(client.get(ACTIVITY + f"?store={store.pk}").content.decode())
    assert "Webhook from the shop" in entries
    assert "5 changes by WooCommerce sync" in entries
    assert entries.count("data-audit-entry") <= 3  # the webhook's, the sync's five folded, the store's


def test_filters_by_store_person_kind_change_and_day(client, app_admin, user, store, product):
    other = make(Store, user=user, name="Other shop")
    other_product = make(Product, store=other, name="Elsewhere")
    _price_change(app_admin, other_product, "12.00")
    AuditLog.objects.create(  # three days ago (the trail is append-only: written as it was then)
        table_name="products",
        record_id=product.pk,
        action="UPDATE",
        old_data={"store_id": str(store.pk), "name": "Linen apron", "price": 39.0},
        new_data={"store_id": str(store.pk), "name": "Linen apron", "price": 44.5},
        changed_fields=["price"],
        user=user,
        user_email=user.email,
        created_at=timezone.now() - timedelta(days=3),
    )
    client.force_login(app_admin)

    def titles(query):
        return re.findall(r'class="audit-title"[^>]*>([^<]+)<', client.get(ACTIVITY + query).content.decode())

    assert all("Other shop" in title for title in titles(f"?store={other.pk}&table=products"))
    assert titles(f"?actor={user.email}&table=products&action=UPDATE") == [
        "Product “Linen apron”: Price changed from ₪39.00 to ₪44.50 in Shop"
    ]
    assert titles("?table=products&action=UPDATE&date_from=" + timezone.localdate().isoformat()) == [
        "Product “Elsewhere”: Price set to ₪12.00 in Other shop"
    ]
    assert client.get(ACTIVITY + "?date_from=not-a-date").status_code == 200


def test_a_member_who_joined_by_invitation_is_the_actor_of_their_membership(client, user, store, app_admin):
    from accounts.services import invitation_accept

    _invitation, token = invitation_create(actor=app_admin, store=store, email="invitee@example.com", role="viewer")
    invitee, membership = invitation_accept(token=token, password="a-Long-enough-passw0rd")
    row = AuditLog.objects.get(table_name="store_users", record_id=membership.pk, action="INSERT")
    assert (row.user_id, row.user_email) == (invitee.pk, "invitee@example.com")
    client.force_login(app_admin)
    entries = _entries(client.get(ACTIVITY + "?table=store_users").content.decode())
    assert "Membership “invitee@example.com” created in Shop" in entries
    assert "—" not in entries.split("invitee@example.com", 1)[0][-300:]


def test_the_product_history_card_shows_old_and_new_in_words(client, member, user, store, product):
    _price_change(user, product)
    with audit_actor.system("sync"):
        for stock in (3, 2, 1):
            Product.objects.filter(pk=product.pk).update(stock_quantity=stock, synced_at=timezone.now())
    client.force_login(user)
    url = reverse("catalog:product_detail", kwargs={"store_id": store.pk, "product_id": product.pk})
    history = client.get(url).content.decode().split('id="object-history"')[1].split("</section>")[0]
    assert "Price changed from ₪39.00 to ₪44.50" in history
    assert "3 changes by WooCommerce sync" in history and "Stock changed from 2 to 1" in history
    assert "synced_at" not in history and "woo_modified_at" not in history
    client.cookies["django_language"] = "he"
    history = client.get(url).content.decode().split('id="object-history"')[1].split("</section>")[0]
    assert "שינוי במחיר" in history and "סנכרון WooCommerce" in history


def test_the_activity_log_costs_the_same_queries_for_one_row_and_for_fifty(client, app_admin, user, store):
    client.force_login(app_admin)
    people = [user_create(email=f"p{index}@example.com") for index in range(3)]

    def add_rows(count):
        for index in range(count):
            person = people[index % len(people)]
            StoreUser.objects.filter(store=store, user=person).delete()
            with audit_actor(person):
                product = make(Product, store=store, name=f"P{index}", price=Decimal("1.00"))
                Product.objects.filter(pk=product.pk).update(price=Decimal("2.00"))

    add_rows(1)
    client.get(ACTIVITY)  # the session's first page also records the person's preferences
    with CaptureQueriesContext(connection) as one:
        assert client.get(ACTIVITY).status_code == 200
    add_rows(25)
    with CaptureQueriesContext(connection) as many:
        html = client.get(ACTIVITY).content.decode()
    assert html.count("data-audit-entry") >= 40
    assert len(many) == len(one)


def _status_change(table, old, new, **data):
    row = {"id": 1, "table_name": table, "action": "UPDATE", "record_id": "r", "user_email": "system:sync"}
    return {**row, "old_data": {"status": old, **data}, "new_data": {"status": new, **data}}


def test_each_app_words_its_own_rows_through_the_registries():
    """Status words and object names come from the app that owns the table (registered in its
    AppConfig.ready): a product's "pending" is not an order's."""
    product, order, webhook = present(
        [
            _status_change("products", "pending", "publish", name="Mug"),
            _status_change("orders", "pending", "processing", number="1001"),
            _status_change("webhooks", "active", "disabled", topic="order.created"),
        ]
    )
    assert product.changes[0].sentence == "Status changed from Pending review to Published"
    assert order.changes[0].sentence == "Status changed from Pending payment to Processing"
    assert order.title == "#1001"
    assert webhook.title == str(topic_label("order.created")) != "order.created"
    assert webhook.changes[0].sentence == "Status changed from active to disabled"
