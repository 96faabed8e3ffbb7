"""The order page shows the order's audit history, with customer data masked for viewers."""

import pytest
from django.urls import reverse

from audit.actor import audit_actor
from config.testing import make_order
from orders.models import Order

pytestmark = pytest.mark.django_db

NEW_EMAIL = "dana.new.address@gmail.com"


@pytest.fixture
def changed_order(store, manager):
    order = make_order(store)
    with audit_actor(manager):
        Order.objects.filter(pk=order.pk).update(status="completed", customer_email=NEW_EMAIL)
    return order


def _page(client, store, order):
    response = client.get(reverse("orders:order_detail", kwargs={"store_id": store.pk, "order_id": order.pk}))
    assert response.status_code == 200
    return response, response.content.decode()


def test_the_order_page_shows_its_history(client, store, manager, changed_order):
    client.force_login(manager)
    response, html = _page(client, store, changed_order)
    history = html.split('id="object-history"')[1].split("</section>")[0]
    assert history.count("data-history-entry") == 2
    assert "Status changed from Processing to Completed" in history and "manager@example.com" in history
    update, insert = response.context["history"]
    assert (update.action, insert.action) == ("UPDATE", "INSERT")
    assert f"to {NEW_EMAIL}" in history  # managers see customer data


def test_a_viewer_sees_the_history_with_customer_data_masked(client, store, viewer, changed_order):
    client.force_login(viewer)
    response, html = _page(client, store, changed_order)
    history = html.split('id="object-history"')[1].split("</section>")[0]
    assert history.count("data-history-entry") == 2
    assert "Customer e-mail changed from XXXX to XXXX" in history
    assert NEW_EMAIL not in html and "dana.levi" not in html


def test_the_history_card_takes_the_store_from_the_page(client, store, manager, changed_order):
    """Every row of an object's trail is of the page's store: no query for store names."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Order.objects.filter(pk=changed_order.pk).update(total="12.50")  # a money change, in the store's currency
    client.force_login(manager)
    with CaptureQueriesContext(connection) as captured:
        _response, html = _page(client, store, changed_order)
    assert not [q for q in captured if '"stores"."currency" AS "currency"' in q["sql"]]
    history = html.split('id="object-history"')[1].split("</section>")[0]
    assert history.count("data-history-entry") == 3 and "12.50" in history
