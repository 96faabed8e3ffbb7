"""Every list page costs the same number of SQL queries for 1 row and for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import invitation_create
from audit.models import CredentialAccessLog
from stores.access import RUN_SYNC
from stores.models import StoreRole
from stores.services import store_grant_permission
from stores.tests.helpers import add_member, make_orders, make_store, make_user

pytestmark = pytest.mark.django_db

MANY = 50


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("role", [StoreRole.OWNER, StoreRole.VIEWER, "admin"])
def test_home_store_list(client, role):
    user = make_user("lister@example.com", admin=role == "admin")
    creator = make_user("creator@example.com")
    client.force_login(user)

    def add_store(index):
        store = make_store(creator, f"Store {index:02d}")
        make_orders(store, count=2, start=index * 10)
        if role != "admin":
            add_member(store, user, role)

    add_store(0)
    one, response = queries_for(client, reverse("home"))
    assert response.content.decode().count('class="row-title"') == 1
    for index in range(1, MANY):
        add_store(index)
    many, response = queries_for(client, reverse("home"))
    assert response.content.decode().count('class="row-title"') == MANY
    assert many == one


def test_team_page_members_invitations_and_grants(client):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Team")
    client.force_login(owner)
    url = reverse("stores:team", kwargs={"store_id": store.pk})

    def add_row(index):
        member = make_user(f"member{index}@example.com", first_name=f"First{index}")
        add_member(store, member, (StoreRole.VIEWER, StoreRole.MANAGER)[index % 2])
        invitation_create(actor=owner, store=store, email=f"invitee{index}@example.com", role=StoreRole.VIEWER)
        store_grant_permission(actor=owner, store=store, user=member, perm=RUN_SYNC)

    add_row(0)
    one, _ = queries_for(client, url)
    for index in range(1, MANY):
        add_row(index)
    many, response = queries_for(client, url)
    html = response.content.decode()
    assert html.count("data-member=") == MANY + 1 and html.count("data-invitation=") == MANY
    assert many == one


def test_credential_log(client):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Logged")
    client.force_login(owner)
    url = reverse("stores:credential_log", kwargs={"store_id": store.pk})
    CredentialAccessLog.objects.create(store=store, user=owner, ip_address="10.0.0.1", user_agent="UA")
    one, _ = queries_for(client, url)
    CredentialAccessLog.objects.bulk_create(
        CredentialAccessLog(store=store, user=owner, ip_address=f"10.0.0.{i}", user_agent="UA") for i in range(MANY - 1)
    )
    many, response = queries_for(client, url)
    assert response.content.decode().count("<tr>") == MANY + 1  # + the header row
    assert many == one
