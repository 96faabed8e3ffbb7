"""The Content-Security-Policy in a real browser (Debian's Chromium through Playwright): the main
pages send it, still work under it (htmx included), and raise no violation; a script injected
into a page does not run. Screenshots go to test-artifacts/csp-*.png. The ``browser`` fixture is
the dashboard tests' Chromium (see conftest.py)."""

import pytest

from accounts.models import AppRole
from accounts.services import user_role_grant
from catalog.models import Product
from catalog.tests.test_browser_dashboard import ARTIFACTS
from config.testing import PASSWORD
from config.tests.browser_pages import settle
from config.tests.browser_pages import store_page_urls
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEYS = ("ck_csp_browser_000000000000000000000000000", "cs_csp_browser_000000000000000000000000000")

# Records what the page's CSP blocked (the event fires in the page; Chromium also logs it).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture
def shop(start_sandbox, make_live_shop, owner):
    """An app admin owning a store pulled from the sandbox (products, orders, a sync run)."""
    user_role_grant(user=owner, role=AppRole.ADMIN)
    return make_live_shop(start_sandbox(products=12, orders=15, seed=5, keys=[KEYS]), KEYS)


def test_main_pages_work_under_the_csp_without_violations(browser, live_server, shop):
    base, store = live_server.url, shop
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = []
    page.on("console", lambda message: message.type == "error" and console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))

    page.goto(f"{base}/accounts/login/")
    violations = [f"login: {v}" for v in page.evaluate("window.__cspViolations")]
    page.fill("input[name=username]", "owner@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")

    products = list(Product.objects.filter(store=store).exclude(status="trash").order_by("name"))
    product = products[2]  # row 3, not the first
    order = list(Order.objects.filter(store=store).order_by("-woo_created_at"))[3]
    s = f"{base}/stores/{store.pk}"
    pages = {
        **store_page_urls(base, store, product, order),
        "sync-runs": f"{s}/sync/runs/",
        "credentials": f"{s}/credentials/",
        "audit": f"{base}/audit/critical-changes/",
        "anomalies": f"{base}/audit/anomalies/",
        "admin": f"{base}/admin/",
        "admin-stores": f"{base}/admin/stores/store/",
        "admin-store": f"{base}/admin/stores/store/{store.pk}/change/",
    }
    without_policy = []
    for name, url in pages.items():
        response = page.goto(url)
        assert response.status == 200, f"{name}: HTTP {response.status}"
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "frame-ancestors 'none'" not in policy:
            without_policy.append(name)
        settle(page)
        # A violation event is queued as a task when the load is blocked; one more task and a
        # frame later every one of them has been dispatched.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done)))")
        violations += [f"{name}: {v}" for v in page.evaluate("window.__cspViolations")]
        if name in ("products", "product", "sync"):
            page.screenshot(path=str(ARTIFACTS / f"csp-{name}.png"), full_page=True)

    # htmx still works under the policy: a search swaps the product results in place.
    page.goto(pages["products"])
    page.fill("#id_q", product.name)
    page.wait_for_function(
        "(count) => document.querySelectorAll('#products tbody tr').length < count", arg=len(products)
    )
    assert product.name in page.locator("#products tbody").inner_text()
    violations += [f"products search: {v}" for v in page.evaluate("window.__cspViolations")]

    assert without_policy == []
    assert violations == []
    assert [text for text in console if "Content Security Policy" in text or text.startswith("uncaught")] == []

    # And the policy is enforced: a script slipped into the page does not run.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
        " document.body.append(s); }"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran === undefined")
    assert "script-src" in page.evaluate("window.__cspViolations")[0]
    context.close()
