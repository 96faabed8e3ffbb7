"""In Chromium: an owner grants "run syncs" to someone who is not a member; the page answers
with an invitation, the grantee accepts from the e-mailed link and only then reaches the sync
page."""

import re

import pytest
from django.core import mail

from stores.tests.helpers import make_store
from stores.tests.helpers import make_user
from stores.tests.test_browser_team import flash
from stores.tests.test_browser_team import new_page
from stores.tests.test_browser_team import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grant_to_a_non_member_is_an_invitation_accepted_by_the_grantee(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    base = live_server.url
    owner = make_user("owner@example.com")
    make_user("support@example.com")
    store = make_store(owner, "Grant Shop")
    page = new_page(browser)
    sign_in(page, base, "owner@example.com")
    page.goto(f"{base}/stores/{store.pk}/team/")
    page.fill("#grant-form input[name=email]", "support@example.com")
    page.select_option("#grant-form select[name=permission]", "stores.run_sync")
    page.click("#grant-form button[type=submit]")
    page.wait_for_url(f"{base}/stores/{store.pk}/team/")
    assert any("was sent an invitation" in text for text in flash(page))
    row = page.locator("#invitations tr[data-invitation='support@example.com']")
    assert "Run a sync with WooCommerce" in row.inner_text()
    page.screenshot(path="/tmp/h3-grant-invited.png", full_page=True)

    link = re.search(r"https?://[^/]+(/invitations/\S+/accept/)", mail.outbox[-1].body).group(1)
    grantee = new_page(browser)
    sign_in(grantee, base, "support@example.com")
    assert grantee.goto(f"{base}/stores/{store.pk}/sync/").status == 404  # nothing before accepting
    grantee.goto(f"{base}{link}")
    grantee.screenshot(path="/tmp/h3-grant-accept.png", full_page=True)
    grantee.click("main form button[type=submit]")
    grantee.wait_for_url(f"{base}/stores/{store.pk}/")
    assert grantee.goto(f"{base}/stores/{store.pk}/sync/").status == 200
