"""The store overview shows the store row's audit history to every member (names of changed
columns only: credential values are never in the trail)."""

import pytest
from django.urls import reverse

from audit.actor import audit_actor
from stores.models import StoreRole
from stores.services import store_credentials_set
from stores.services import store_update
from stores.tests.helpers import add_member
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [StoreRole.OWNER, StoreRole.VIEWER])
def test_the_store_page_shows_its_history(client, role):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Historic")
    with audit_actor(owner):
        store_update(actor=owner, store=store, name="Historic Shop")
        store_credentials_set(actor=owner, store=store, api_key="ck_replaced_1111")
    user = owner
    if role == StoreRole.VIEWER:
        user = make_user("viewer@example.com")
        add_member(store, user, role)
    client.force_login(user)

    response = client.get(reverse("stores:detail", kwargs={"store_id": store.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    history = html.split('id="object-history"')[1].split("</section>")[0]
    assert history.count("data-history-entry") == 3  # created, renamed, key replaced
    assert "Name changed from Historic to Historic Shop" in history and "API key replaced" in history
    assert "owner@example.com" in history
    assert [entry.action for entry in response.context["history"]] == ["UPDATE", "UPDATE", "INSERT"]
    assert "ck_replaced" not in html
