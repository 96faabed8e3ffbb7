"""In a real browser (Debian's Chromium through Playwright): an owner invites someone, the
invitee sets a password from the emailed link, the owner changes their role (effective on the
invitee's next page load), revokes an invitation through the confirmation dialog, and cannot
leave the store without an owner. Screenshots go to test-artifacts/."""

import re

import pytest
from django.core import mail

from config.testing import ARTIFACTS
from stores.models import StoreRole
from stores.models import StoreUser
from stores.tests.helpers import PASSWORD
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_page(browser):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    return page


def sign_in(page, base, email, password=PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"team-{name}.png"), full_page=True)


def flash(page):
    return page.locator(".flash").all_inner_texts()


def test_invite_accept_role_change_and_last_owner(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    base = live_server.url
    owner = make_user("olive@example.com", first_name="Olive", last_name="Owner")
    store = make_store(owner, "Olive Oil Shop")
    team_url = f"{base}/stores/{store.pk}/team/"

    # The owner invites a manager.
    owner_page = new_page(browser)
    sign_in(owner_page, base, "olive@example.com")
    owner_page.goto(team_url)
    owner_page.fill("#invite-form input[name=email]", "noa@example.com")
    owner_page.select_option("#invite-form select[name=role]", StoreRole.MANAGER)
    owner_page.click("#invite-form button[type=submit]")
    assert any("Invitation sent to noa@example.com" in text for text in flash(owner_page))
    assert owner_page.locator("#invitations tr[data-invitation='noa@example.com']").count() == 1
    shot(owner_page, "1-invited")

    # The invitee opens the emailed link and chooses a password.
    link = re.search(r"https?://\S+/invitations/\S+/accept/", mail.outbox[-1].body).group(0)
    link = base + link.split(base.split("//")[1], 1)[-1] if base not in link else link
    invitee_page = new_page(browser)
    invitee_page.goto(link)
    assert "Olive Oil Shop" in invitee_page.inner_text("main")
    invitee_page.fill("input[name=first_name]", "Noa")
    invitee_page.fill("input[name=last_name]", "Levi")
    invitee_page.fill("input[name=new_password1]", "Noa-has-a-long-pass1")
    invitee_page.fill("input[name=new_password2]", "Noa-has-a-long-pass1")
    shot(invitee_page, "2-accept-form")
    invitee_page.click("main form button[type=submit]")
    invitee_page.wait_for_url(f"{base}/stores/{store.pk}/")
    assert any("Welcome to Olive Oil Shop" in text for text in flash(invitee_page))
    assert invitee_page.locator(".store-tab", has_text="Team").count() == 0  # managers have no Team tab
    shot(invitee_page, "3-joined-as-manager")

    # The link works once.
    again = new_page(browser)
    again.goto(link)
    assert "not valid" in again.inner_text("main")

    # The owner makes the invitee an owner: effective on the invitee's next page load.
    owner_page.goto(team_url)
    noa = StoreUser.objects.get(store=store, user__email="noa@example.com")
    owner_page.select_option(f"#role-{noa.pk}", StoreRole.OWNER)
    owner_page.locator("tr[data-member='noa@example.com'] button[type=submit]").click()
    assert any("noa@example.com is now Owner" in text for text in flash(owner_page))
    invitee_page.reload()
    assert invitee_page.locator(".store-tab", has_text="Team").count() == 1
    shot(invitee_page, "4-promoted-to-owner")

    # The new owner demotes the first owner to viewer; the first owner loses the team page.
    invitee_page.goto(team_url)
    olive = StoreUser.objects.get(store=store, user=owner)
    invitee_page.select_option(f"#role-{olive.pk}", StoreRole.VIEWER)
    invitee_page.locator("tr[data-member='olive@example.com'] button[type=submit]").click()
    assert any("olive@example.com is now Viewer" in text for text in flash(invitee_page))
    response = owner_page.goto(team_url)
    assert response.status == 403

    # Last-owner rule: the only owner can neither step down nor leave.
    # (its role controls are disabled, next to the reason; the server refuses a forged change too)
    invitee_page.goto(team_url)
    assert invitee_page.locator(f"#role-{noa.pk}").is_disabled()
    assert invitee_page.locator("tr[data-member='noa@example.com'] button[type=submit]").is_disabled()
    shot(invitee_page, "5-last-owner-refused")
    invitee_page.locator("tr[data-member='noa@example.com'] a", has_text="Leave").click()
    invitee_page.locator("main form button.btn-danger").click()
    assert any("must keep at least one owner" in text for text in flash(invitee_page))
    assert StoreUser.objects.get(pk=noa.pk).role == StoreRole.OWNER

    # Revoking an invitation asks for confirmation first (keyboard: Escape cancels).
    invitee_page.fill("#invite-form input[name=email]", "temp@example.com")
    invitee_page.click("#invite-form button[type=submit]")
    revoke = invitee_page.locator("tr[data-invitation='temp@example.com'] button[type=submit]")
    revoke.click()
    dialog = invitee_page.locator("#confirm-dialog")
    assert dialog.is_visible() and "temp@example.com" in dialog.inner_text()
    shot(invitee_page, "6-confirm-revoke")
    invitee_page.keyboard.press("Escape")
    assert invitee_page.locator("tr[data-invitation='temp@example.com']").count() == 1
    revoke.click()
    # The dialog submits the form from script: wait for that navigation, not for the current page.
    with invitee_page.expect_navigation():
        invitee_page.locator("#confirm-dialog [data-confirm-ok]").click()
    assert invitee_page.locator("tr[data-invitation='temp@example.com']").count() == 0
    assert any("was revoked" in text for text in flash(invitee_page))
    shot(invitee_page, "7-revoked")
