"""What a newcomer tripped over (issue 21), page by page: the app admin's role on the home page,
the team page's sole owner and its two forms, the invitation e-mail, one date format."""

import re
from datetime import UTC
from datetime import datetime

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import Product
from stores.models import StoreRole
from stores.tests.helpers import add_member
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


def test_home_names_an_app_admins_own_role_on_a_store_as_the_team_page_does(client):
    admin = make_user("admin@example.com", admin=True)
    someone = make_user("someone@example.com")
    own = make_store(admin, "Admin own shop")
    other = make_store(someone, "Somebody else shop")
    client.force_login(admin)
    html = client.get(reverse("home")).content.decode()
    row = r'class="row-title"[^>]*>([^<]+)</a>.*?<td><span class="badge[^"]*">([^<]+)</span></td>'
    rows = dict(re.findall(row, html, re.S))
    assert rows["Admin own shop"] == "Owner"
    assert rows["Somebody else shop"] == "Admin"  # no membership: seen as app admin
    team = client.get(reverse("stores:team", kwargs={"store_id": own.pk})).content.decode()
    assert '<option value="owner" selected>Owner</option>' in team
    assert other.pk


def test_home_role_is_translated(client):
    owner = make_user("owner@example.com")
    make_store(owner, "Shop")
    client.force_login(owner)
    client.cookies["django_language"] = "he"
    assert "בעלים" in client.get(reverse("home")).content.decode()


def test_a_sole_owner_cannot_press_change_on_their_own_role(client):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Shop")
    client.force_login(owner)
    html = client.get(reverse("stores:team", kwargs={"store_id": store.pk})).content.decode()
    row = html.split('data-member="owner@example.com"', 1)[1].split("</tr>", 1)[0]
    assert "add another owner before changing this" in row
    assert re.search(r"<button[^>]*disabled[^>]*>Change</button>", row)
    assert re.search(r"<select name=\"role\"[^>]*disabled", row)

    # With a second owner both can change roles again.
    add_member(store, make_user("second@example.com"), StoreRole.OWNER)
    html = client.get(reverse("stores:team", kwargs={"store_id": store.pk})).content.decode()
    row = html.split('data-member="owner@example.com"', 1)[1].split("</tr>", 1)[0]
    assert "disabled" not in row


def test_team_page_ids_are_unique_and_every_field_has_its_label(client):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Shop")
    client.force_login(owner)
    html = client.get(reverse("stores:team", kwargs={"store_id": store.pk})).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    for field_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
        if f'id="{field_id}"' in html and 'type="hidden"' not in html.split(f'id="{field_id}"')[0][-200:]:
            assert f'for="{field_id}"' in html, field_id


def test_grant_form_still_posts_under_the_same_names(client):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Shop")
    add_member(store, make_user("helper@example.com"), StoreRole.VIEWER)
    client.force_login(owner)
    response = client.post(
        reverse("stores:grant", kwargs={"store_id": store.pk}),
        {"email": "helper@example.com", "permission": "stores.run_sync"},
    )
    assert response.status_code == 302


def test_invitation_email_has_one_period_after_the_expiry_and_the_role_in_words(
    client, django_capture_on_commit_callbacks
):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Shop")
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("stores:invite", kwargs={"store_id": store.pk}), {"email": "new@example.com", "role": "viewer"}
        )
    body = mail.outbox[-1].body
    expiry = re.search(r"The link expires on (.*)$", body, re.M).group(1)
    assert not expiry.endswith("..") and expiry.endswith(".")
    assert "with the role Viewer." in body


def test_product_list_and_product_page_use_one_date_format(client):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Shop")
    product = Product.objects.create(
        store=store,
        woo_id=1,
        name="Dated",
        type="simple",
        status="publish",
        source="woo",
        woo_modified_at=datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
    )
    client.force_login(owner)
    listing = client.get(reverse("catalog:product_list", kwargs={"store_id": store.pk})).content.decode()
    cell = re.search(r'<time datetime="2026-03-04T[^"]*" title="([^"]*)">([^<]*)</time>', listing)
    assert cell.group(2) == "4 Mar 2026"
    assert cell.group(1) == "4 Mar 2026, 12:00"  # Asia/Jerusalem
    assert not re.search(r"\b\d{2}/\d{2}/\d{4}\b", listing)
    detail = client.get(reverse("catalog:product_detail", kwargs={"store_id": store.pk, "product_id": product.pk}))
    assert "Dec." not in detail.content.decode() and "p.m." not in detail.content.decode()


def test_hebrew_uses_plain_quotes_and_translates_the_webhooks_tab():
    from django.utils import translation

    with translation.override("he"):
        assert translation.gettext("Edit “%(name)s”") == 'עריכת "%(name)s"'
        assert translation.gettext("Webhooks") != "Webhooks"


def test_the_store_tabs_say_webhooks_in_hebrew(client):
    owner = make_user("owner@example.com")
    store = make_store(owner, "Shop")
    client.force_login(owner)
    client.cookies["django_language"] = "he"
    html = client.get(reverse("stores:detail", kwargs={"store_id": store.pk})).content.decode()
    nav = html.split('class="store-nav"', 1)[1].split("</nav>", 1)[0]
    assert "וובהוקים" in nav and ">Webhooks<" not in nav
