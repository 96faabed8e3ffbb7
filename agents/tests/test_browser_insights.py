"""The insights in a real browser (Debian's Chromium through Playwright), over a store pulled
from the WooCommerce sandbox with the real client: the owner runs the agents, reads the insights
in English and Hebrew, opens one (not the first) and acknowledges it, and the header bell and
the alerts centre follow. Screenshots: test-artifacts/agents-*.png."""

import pytest

from agents.models import AgentAlert
from agents.models import AgentInsight
from agents.models import InsightStatus
from catalog.tests.test_browser_dashboard import ARTIFACTS
from catalog.tests.test_browser_dashboard import KEYS
from catalog.tests.test_browser_dashboard import new_page
from catalog.tests.test_browser_dashboard import sandbox  # noqa: F401 - the fixture
from catalog.tests.test_browser_dashboard import sign_in
from stores.models import StoreRole
from webhooks.models import Webhook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(sandbox, make_live_shop, owner, make_user, settings, eager_tasks):  # noqa: F811 - sandbox is the imported fixture
    settings.AGENTS_LLM_URL = ""
    manager = make_user(email="manager@example.com")
    store = make_live_shop(sandbox, KEYS, members=[(manager, StoreRole.MANAGER)])
    # eager_tasks: "Run the agents now" runs them in the request's thread.
    return {"owner": owner, "store": store}


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"agents-{name}.png"), full_page=True)


def test_owner_runs_reads_and_acknowledges(browser, live_server, shop):
    import agents.tasks  # noqa: F401 - registered in this process, as in a worker

    base, store = live_server.url, shop["store"]
    page = new_page(browser)
    sign_in(page, base, "owner@example.com")
    page.goto(f"{base}/stores/{store.pk}/insights/")
    page.click("#run-agents button")
    page.wait_for_selector("#insights .insight-card")
    cards = page.locator("#insights .insight-card")
    count = cards.count()
    assert count == AgentInsight.objects.filter(store=store, resolved_at__isnull=True).count() >= 2
    shot(page, "01-insights-en")

    unread_before = AgentAlert.objects.filter(store=store, is_read=False).count()
    bell = page.locator("#alerts-bell")
    if unread_before:
        assert bell.locator(".bell-count").inner_text() == str(unread_before)

    # Open the second insight, look at its evidence and acknowledge it.
    second = cards.nth(1)
    cause = second.get_attribute("data-cause")
    second.locator("a.insight-title").click()
    page.wait_for_selector("#analysis")
    shot(page, "02-insight-detail")
    page.click('button[data-status="acknowledged"]')
    page.wait_for_selector(".badge.status-acknowledged")
    insight = AgentInsight.objects.get(store=store, cause=cause, resolved_at__isnull=True)
    assert insight.status == InsightStatus.ACKNOWLEDGED and insight.acknowledged_by == shop["owner"]
    assert "owner@example.com" in page.locator("#history").inner_text()

    # WooCommerce disables a webhook; the next run raises a high insight and its alert: the bell
    # counts it, the alerts centre lists it, and reading it clears the count.
    Webhook.objects.create(store=store, topic="order.created", delivery_url="https://x/", status="disabled")
    page.goto(f"{base}/stores/{store.pk}/insights/")
    page.click("#run-agents button")
    page.wait_for_selector('#insights .insight-card[data-cause="webhooks_disabled"]')
    assert page.locator("#alerts-bell .bell-count").inner_text() == str(unread_before + 1)
    page.click("#alerts-bell")
    page.wait_for_selector("#alerts .alert-row.is-unread")
    shot(page, "03-alerts")
    row = page.locator('#alerts .alert-row[data-source="sync_health"]')
    row.locator("button", has_text="Mark as read").click()
    page.wait_for_selector('#alerts .alert-row[data-source="sync_health"]:not(.is-unread)')
    assert AgentAlert.objects.get(insight__cause="webhooks_disabled").read_by == shop["owner"]
    if not unread_before:
        assert page.locator("#alerts-bell .bell-count").count() == 0

    # Hebrew, right to left: the same insights in Hebrew.
    page.goto(f"{base}/stores/{store.pk}/insights/")
    page.click('form.lang-switch button[value="he"]')
    page.wait_for_selector("html[dir=rtl]")
    he_titles = page.locator("#insights .insight-title").all_inner_texts()
    assert len(he_titles) == count + 1 and any("מוצר" in t or "סנכרון" in t or "מכירות" in t for t in he_titles)
    shot(page, "04-insights-he")
    page.goto(f"{base}/stores/{store.pk}/")
    page.wait_for_selector("#overview-insights")
    shot(page, "05-overview-he")
