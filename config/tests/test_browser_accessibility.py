"""In a real browser (Debian's Chromium through Playwright), against a store pulled from the
WooCommerce sandbox: axe-core finds no WCAG 2.1 A/AA violation on the product's pages in English
and Hebrew (the stores', the team's tracker and the agents' insights and alerts); on a 390x844
phone no page scrolls sideways; keyboard focus is visible and stays put;
the first page after sign-in is already in the browser's time zone. Screenshots go to
test-artifacts/a11y-*.png and test-artifacts/phone-*.png."""

import json
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import AppRole
from accounts.services import user_role_grant
from catalog.models import Product
from catalog.tests.test_browser_dashboard import ARTIFACTS
from catalog.tests.test_browser_dashboard import sign_in
from config.tests.browser_pages import settle
from config.tests.browser_pages import store_page_urls
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _context(browser, *, width=1366, height=900, language="en", zone="Asia/Jerusalem", axe=False):
    # bypass_csp: axe is a script the product's CSP does not allow.
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-US", timezone_id=zone, bypass_csp=True
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": "http://localhost"}])
    if axe:  # in every page the context loads, from the start: not sent again for each page
        context.add_init_script(path=str(AXE))
    return context


@pytest.fixture
def delivery(admin_owner, shop, settings):
    """The team's tracker with something on every page (an active sprint with tasks across the
    board and logged work, the backlog, a critical bug, a failed and a good deployment, so
    alerts), and the agents run once over the pulled store (store insights, app-wide ones)."""
    from agents.models import AgentInsight
    from agents.models import ExecutionType
    from agents.services import agents_run
    from projects import services as projects
    from projects.models import Environment

    settings.AGENTS_LLM_URL = ""  # the agents' own wording, no model server
    now = timezone.now()
    sprint = projects.sprint_save(
        actor=admin_owner, name="Sprint 7", start_date=now - timedelta(days=4), end_date=now + timedelta(days=6)
    )
    projects.sprint_start(actor=admin_owner, sprint=sprint)
    tasks = []
    for number, (status, estimate) in enumerate([("todo", 5), ("in_progress", 8), ("review", 3), ("done", 2)]):
        task = projects.task_save(
            actor=admin_owner,
            title=f"Checkout step {number + 1}: keep the basket when the payment page times out",
            estimated_hours=Decimal(estimate),
            priority="high",
            tags=["checkout", "payments"],
        )
        projects.task_plan(actor=admin_owner, task=task, sprint=sprint)
        projects.task_move(actor=admin_owner, task=task, status=status)
        tasks.append(task)
    projects.task_save(actor=admin_owner, title="Backlog: export the timesheet", estimated_hours=Decimal(3))
    projects.work_log_add(actor=admin_owner, task=tasks[1], hours=Decimal("2.5"), description="Payment retries")
    projects.task_comment_add(actor=admin_owner, task=tasks[1], comment="The gateway answers 504 after 30 s.")
    bug = projects.bug_save(
        actor=admin_owner,
        title="Payments fail for ILS orders",
        description="Every ILS payment is declined.",
        severity="critical",
    )
    for version, status in (("2.4.0", "success"), ("2.4.1", "failed")):
        projects.deployment_record(
            version=version,
            environment=Environment.PRODUCTION,
            status=status,
            git_commit_hash="9fceb02d0ae598e95dc970b74767f19372d61af8",
            sprint_id=sprint.pk,
            task_ids=[tasks[3].pk],
            error_log="migrate: relation already exists" if status == "failed" else None,
            deployed_by_email=admin_owner.email,
        )
    agents_run(execution_type=ExecutionType.MANUAL)
    insight = AgentInsight.objects.filter(store=shop["store"]).order_by("created_at")[1]
    app_insight = AgentInsight.objects.filter(store__isnull=True).first()
    assert app_insight is not None
    return {"sprint": sprint, "task": tasks[1], "bug": bug, "insight": insight, "app_insight": app_insight}


def _pages(base, store, delivery=None):
    product = Product.objects.filter(store=store, type="variable").order_by("name")[1]
    order = Order.objects.filter(store=store).order_by("-woo_created_at")[2]
    root = f"{base}/stores/{store.pk}"
    pages = {
        **store_page_urls(base, store, product, order),
        "settings": f"{root}/settings/",
        "activity-log": f"{base}/audit/activity/",
        "critical-changes": f"{base}/audit/critical-changes/",
        "profile": f"{base}/accounts/profile/",
        "not-found": f"{base}/stores/{store.pk}/no-such-page/",
    }
    if delivery is None:
        return pages
    projects = f"{base}/projects"
    return pages | {
        "board": f"{projects}/",
        "task": f"{projects}/tasks/{delivery['task'].pk}/",
        "sprints": f"{projects}/sprints/",
        "burndown": f"{projects}/sprints/{delivery['sprint'].pk}/",
        "bugs": f"{projects}/bugs/",
        "bug": f"{projects}/bugs/{delivery['bug'].pk}/",
        "deployments": f"{projects}/deployments/production/",
        "project-alerts": f"{projects}/alerts/",
        "timesheet": f"{projects}/timesheet/",
        "store-insights": f"{root}/insights/",
        "store-insight": f"{root}/insights/{delivery['insight'].pk}/",
        "app-insights": f"{base}/insights/",
        "app-insight": f"{base}/insights/{delivery['app_insight'].pk}/",
        "alerts-centre": f"{base}/alerts/",
    }


def _axe(page):
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"][:5]],
            "summary": violation["nodes"][0].get("failureSummary", "")[:300],
        }
        for violation in result["violations"]
    ]


@pytest.fixture
def admin_owner(shop):
    """The store's owner is also an app admin, so the audit pages are in reach."""
    user_role_grant(user=shop["owner"], role=AppRole.ADMIN)
    return shop["owner"]


@pytest.mark.parametrize("language", ["en", "he"])
def test_axe_finds_no_wcag_violations(browser, live_server, shop, admin_owner, delivery, language):
    base, store = live_server.url, shop["store"]
    context = _context(browser, language=language, axe=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    found = {"login": _axe(page)}
    sign_in(page, base, admin_owner.email)
    for name, url in _pages(base, store, delivery).items():
        response = page.goto(url)
        settle(page)
        assert response.status == (404 if name == "not-found" else 200), (name, response.status)
        assert page.locator("html").get_attribute("lang") == language
        found[name] = _axe(page)
        page.screenshot(path=str(ARTIFACTS / f"a11y-{language}-{name}.png"), full_page=True)
    context.close()
    violations = {name: issues for name, issues in found.items() if issues}
    assert violations == {}, json.dumps(violations, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("language", ["en", "he"])
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, shop, delivery, language):
    base, store = live_server.url, shop["store"]
    context = _context(browser, width=390, height=844, language=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, shop["owner"].email)
    pages = _pages(base, store, delivery)
    wide = {}
    for name in pages:
        page.goto(pages[name])
        settle(page)
        sizes = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if sizes[0] > sizes[1]:
            wide[name] = sizes
        page.screenshot(path=str(ARTIFACTS / f"phone-{language}-{name}.png"), full_page=True)
    # Lists become stacked cards: name, status and price/total first, nothing off-screen.
    page.goto(pages["orders"])
    first = page.locator("#orders tbody tr").nth(1)
    box = first.bounding_box()
    assert box["width"] <= 390
    total = first.locator("td.num:not(.hide-md):not(.refunded)").bounding_box()
    assert total["x"] >= 0 and total["x"] + total["width"] <= 390
    # The store's tabs scroll inside their own strip; the last one can be reached.
    page.goto(pages["overview"])
    tabs = page.locator("nav.store-nav")
    assert tabs.evaluate("nav => nav.scrollWidth > nav.clientWidth || nav.scrollWidth <= 390")
    page.locator("nav.store-nav a").last.scroll_into_view_if_needed()
    assert page.locator("nav.store-nav a").last.is_visible()
    context.close()
    assert wide == {}


def test_keyboard_focus_is_visible_on_the_dark_sidebar_and_the_active_link(browser, live_server, shop):
    base, store = live_server.url, shop["store"]
    context = _context(browser)
    page = context.new_page()
    sign_in(page, base, shop["owner"].email)
    page.goto(f"{base}/stores/{store.pk}/")
    # The active store link in the sidebar, focused from the keyboard: an outline, not hidden.
    link = page.locator("#sidebar a.side-link.is-active")
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    style = link.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert style[0] != "none" and float(style[1].rstrip("px")) >= 2
    red, green, blue = [int(part) for part in style[2][style[2].index("(") + 1 : style[2].index(")")].split(",")[:3]]

    def luminance(r, g, b):
        def channel(c):
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    sidebar = (0x15, 0x1B, 0x2B)
    ratio = (luminance(red, green, blue) + 0.05) / (luminance(*sidebar) + 0.05)
    assert ratio >= 3, ratio
    context.close()


def test_the_first_page_after_sign_in_is_in_the_browsers_time_zone(browser, live_server, shop):
    """An order placed just before midnight in the browser's zone counts as yesterday on the
    home page as on the overview, though it is today in the server's zone."""
    base, store = live_server.url, shop["store"]
    server_zone = ZoneInfo("Asia/Jerusalem")
    now = timezone.now()
    for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Los_Angeles", "Asia/Tokyo", "Europe/London"):
        zone = ZoneInfo(name)
        midnight = datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)
        placed = midnight - timedelta(minutes=5)
        if placed.astimezone(server_zone).date() == now.astimezone(server_zone).date():
            break
    else:  # pragma: no cover - one of the zones always qualifies
        pytest.skip("no zone with a different day")
    Order.objects.filter(store=store).update(woo_created_at=now - timedelta(days=30))
    Order.objects.filter(pk=Order.objects.filter(store=store).order_by("woo_id")[3].pk).update(
        woo_created_at=placed, status="processing", total=Decimal("77.00")
    )
    context = _context(browser, zone=name)
    page = context.new_page()
    sign_in(page, base, shop["owner"].email)
    card = page.locator(f'article[data-store="{store.pk}"] .store-card-figures .figure').first
    home_today = card.inner_text().strip()
    page.goto(f"{base}/stores/{store.pk}/")
    overview_today = page.locator(".kpi").first.locator(".kpi-sub").inner_text()
    context.close()
    assert home_today == "0", (name, home_today)
    assert overview_today.startswith("0 "), overview_today


def _overflowing_tables(page):
    """Tables wider than their scrolling frame (a column cut off at the card's edge)."""
    return page.evaluate(
        "() => [...document.querySelectorAll('.table-wrap')]"
        ".filter(wrap => wrap.scrollWidth > wrap.clientWidth + 1)"
        ".map(wrap => (wrap.querySelector('table') || wrap).id || wrap.className)"
    )


def test_lists_fit_a_1366_screen(browser, live_server, shop):
    """The product list's Modified column and the webhooks' Actions column are not clipped."""
    from webhooks.remote import store_webhooks_register

    base, store = live_server.url, shop["store"]
    assert store_webhooks_register(actor=shop["owner"], store_id=store.pk).ok
    context = _context(browser)
    page = context.new_page()
    sign_in(page, base, shop["owner"].email)
    clipped = {}
    for name in ("products", "orders", "webhooks"):
        page.goto(f"{base}/stores/{store.pk}/{name}/")
        settle(page)
        clipped[name] = _overflowing_tables(page)
        page.screenshot(path=str(ARTIFACTS / f"wide-{name}.png"), full_page=True)
    context.close()
    assert clipped == {"products": [], "orders": [], "webhooks": []}


def test_the_bulk_bar_is_readable_reachable_and_keeps_focus(browser, live_server, shop):
    base, store = live_server.url, shop["store"]
    context = _context(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, shop["owner"].email)
    page.goto(f"{base}/stores/{store.pk}/products/")
    settle(page)
    # Ticking a row shows the bar at once; the list is not fetched again (which would untick it).
    # htmx starts a request while the change event is dispatched, so none started means none comes.
    page.evaluate(
        "() => { window.__list = document.querySelector('#products'); window.__requests = 0;"
        " document.body.addEventListener('htmx:beforeRequest', () => window.__requests++); }"
    )
    page.locator("#products tbody tr").nth(2).locator("input[data-bulk-item]").check()
    bar = page.locator("[data-bulk-bar]")
    assert bar.is_visible()
    assert page.evaluate("[window.__requests, window.__list.isConnected]") == [0, True]
    assert page.locator("#products tbody tr").nth(2).locator("input[data-bulk-item]").is_checked()
    # After the table: the next stop for the keyboard after the ticked rows.
    assert page.evaluate(
        "() => !!(document.querySelector('#products').compareDocumentPosition("
        "document.querySelector('[data-bulk-bar]')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    # The action select and the amount are dark text on white, not white on white.
    colours = page.evaluate(
        "() => ['#bulk-action', '#bulk_amount'].map(sel => { const s = getComputedStyle(document.querySelector(sel));"
        " return [s.color, s.backgroundColor]; })"
    )
    for colour, background in colours:
        assert colour != background and colour != "rgb(255, 255, 255)", colours
    # "Clear selection" from the keyboard: the bar hides, focus stays in the list (not <body>).
    page.locator("[data-bulk-clear]").focus()
    page.keyboard.press("Enter")
    assert not bar.is_visible()
    assert page.evaluate(
        "() => document.activeElement !== document.body && !!document.activeElement.closest('#bulk-form')"
    )
    context.close()
