"""In Chromium: wrong passwords lock only the account+IP pair, the locked page says for how long
(English and Hebrew), and a colleague signs in from the same address meanwhile."""

import pytest

from stores.tests.helpers import PASSWORD
from stores.tests.helpers import make_user
from stores.tests.test_browser_team import new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def try_login(page, base, email, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_locked_pair_and_a_colleague_from_the_same_address(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    base = live_server.url
    make_user("victim@example.com")
    make_user("colleague@example.com")
    attacker = new_page(browser)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        try_login(attacker, base, "victim@example.com", "wrong guess")
    try_login(attacker, base, "victim@example.com", PASSWORD)
    assert "locked for 15 minutes" in attacker.locator("#lockout-duration").inner_text()
    attacker.screenshot(path="/tmp/h3-locked-en.png", full_page=True)

    hebrew = browser.new_context(viewport={"width": 1280, "height": 900}, locale="he-IL").new_page()
    try_login(hebrew, base, "victim@example.com", PASSWORD)
    assert "15 דקות" in hebrew.locator("#lockout-duration").inner_text()
    assert hebrew.locator("html").get_attribute("dir") == "rtl"
    hebrew.screenshot(path="/tmp/h3-locked-he.png", full_page=True)

    colleague = new_page(browser)  # the same address (127.0.0.1), another account
    try_login(colleague, base, "colleague@example.com", PASSWORD)
    assert colleague.url == f"{base}/"
