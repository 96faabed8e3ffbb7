"""Every list page costs the same number of SQL queries for 1 row and for 50."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.services import invitation_create
from audit.models import CredentialAccessLog
from stores.access import RUN_SYNC
from stores.models import StoreRole
from stores.services import store_grant_permission
from stores.tests.helpers import add_member
from stores.tests.helpers import make_orders
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db

MANY = 50


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def _owner_on(client, page):
    """A store's owner, signed in, and the url of the store's ``page``."""
    owner = make_user("owner@example.com")
    store = make_store(owner, "Shop")
    client.force_login(owner)
    return owner, store, reverse(page, kwargs={"store_id": store.pk})


def one_and_many(client, url, add_rows):
    """The page's HTML with one row and with ``MANY`` (``add_rows(numbers)`` adds the rows so
    numbered), checking that both cost the same number of queries."""
    add_rows(range(1))
    one, first = queries_for(client, url)
    add_rows(range(1, MANY))
    many, response = queries_for(client, url)
    assert many == one
    return first.content.decode(), response.content.decode()


@pytest.mark.parametrize("role", [StoreRole.OWNER, StoreRole.VIEWER, "admin"])
def test_home_store_list(client, role):
    user = make_user("lister@example.com", admin=role == "admin")
    creator = make_user("creator@example.com")
    client.force_login(user)

    def add_stores(numbers):
        for index in numbers:
            store = make_store(creator, f"Store {index:02d}")
            make_orders(store, count=2, start=index * 10)
            if role != "admin":
                add_member(store, user, role)

    first, html = one_and_many(client, reverse("home"), add_stores)
    assert first.count('class="row-title"') == 1
    assert html.count('class="row-title"') == MANY


def test_team_page_members_invitations_and_grants(client):
    owner, store, url = _owner_on(client, "stores:team")

    def add_rows(numbers):
        for index in numbers:
            member = make_user(f"member{index}@example.com", first_name=f"First{index}")
            add_member(store, member, (StoreRole.VIEWER, StoreRole.MANAGER)[index % 2])
            invitation_create(actor=owner, store=store, email=f"invitee{index}@example.com", role=StoreRole.VIEWER)
            store_grant_permission(actor=owner, store=store, user=member, perm=RUN_SYNC)

    _, html = one_and_many(client, url, add_rows)
    assert html.count("data-member=") == MANY + 1 and html.count("data-invitation=") == MANY


def test_credential_log(client):
    owner, store, url = _owner_on(client, "stores:credential_log")

    def add_rows(numbers):
        CredentialAccessLog.objects.bulk_create(
            CredentialAccessLog(store=store, user=owner, ip_address=f"10.0.0.{i + 1}", user_agent="UA") for i in numbers
        )

    _, html = one_and_many(client, url, add_rows)
    assert html.count("<tr>") == MANY + 1  # + the header row


def _sidebar_stores(html):
    return re.findall(r'<span class="truncate">([^<]+)</span>', html)


@pytest.mark.parametrize("kind", ["member", "granted", "admin"])
def test_the_sidebar_lists_the_users_stores_by_name(client, kind):
    """Members' stores come with their memberships (no query of their own); a store seen through a
    grant alone, or an app admin's every store, takes one query. The same list either way."""
    user = make_user("lister@example.com", admin=kind == "admin")
    creator = make_user("creator@example.com")
    for name in ("Zebra shop", "Apple shop", "Mango shop"):
        add_member(make_store(creator, name), user, StoreRole.VIEWER)
    hidden = make_store(creator, "Not mine")
    if kind == "granted":
        assign_perm(RUN_SYNC, user, hidden)  # a grant without a membership (as an accepted invitation leaves)
    client.force_login(user)
    html = queries_for(client, reverse("home"))[1].content.decode()
    shown = ["Apple shop", "Mango shop", "Zebra shop"]
    if kind != "member":
        shown = ["Apple shop", "Mango shop", "Not mine", "Zebra shop"]
    assert _sidebar_stores(html) == shown
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("home"))
    store_lists = [q for q in captured if 'SELECT "stores"."id" AS "id", "stores"."name" AS "name"' in q["sql"]]
    assert len(store_lists) == (0 if kind == "member" else 1)


def test_the_overview_reads_the_stores_connection_state_with_its_row(client):
    """Reconnect needed, WooCommerce version, variations listing: no deferred-field query each."""
    owner, store, url = _owner_on(client, "stores:detail")
    type(store).objects.filter(pk=store.pk).update(woocommerce_version="10.3.1", variations_listing=True)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(url).content.decode()
    assert "10.3.1" in html and "every variation of the store at once" in html
    store_reads = [q["sql"] for q in captured if q["sql"].startswith('SELECT "stores"."id", ')]
    assert len(store_reads) == 1 and '"stores"."woocommerce_version"' in store_reads[0]
