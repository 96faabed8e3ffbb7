"""The dashboard's main journeys in a real browser (Debian's Chromium through Playwright),
against a store connected to the in-process WooCommerce sandbox. Screenshots go to
test-artifacts/dashboard-*.png.

An owner signs in, opens the store, searches and filters products, edits a product and sees
the push accepted by the sandbox, changes an order's status, runs a sync and watches the
progress bar finish; a viewer sees masked customers and no edit controls; the Hebrew layout
reads right to left.
"""

import re
import threading
from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import Product
from config.testing import ARTIFACTS
from config.testing import PASSWORD
from config.tests.browser_pages import settle
from orders.models import Order
from stores.models import StoreRole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEYS = ("ck_dashboard_browser_00000000000000000000000", "cs_dashboard_browser_00000000000000000000000")


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox(products=40, orders=60, seed=11, keys=[KEYS])


@pytest.fixture
def shop(sandbox, make_live_shop, owner, make_user, eager_tasks):
    """An owner and a viewer, and a store connected to the sandbox, pulled once."""
    viewer = make_user(email="viewer@example.com")
    store = make_live_shop(sandbox, KEYS, members=[(viewer, StoreRole.VIEWER)])
    return {"owner": owner, "viewer": viewer, "store": store}


def new_page(browser, locale="en-US"):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale, timezone_id="Asia/Jerusalem")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page, name, full_page=True):
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=full_page)


def test_owner_journeys(browser, live_server, shop, sandbox, monkeypatch):
    base, store = live_server.url, shop["store"]
    page = new_page(browser)

    # Sign in: the home page shows the store's card with its health.
    sign_in(page, base, "owner@example.com")
    card = page.locator(f'article[data-store="{store.pk}"]')
    assert "Synced" in card.inner_text()
    shot(page, "01-home")

    # Open the store: figures, the chart (inline SVG) and the lazily loaded top products.
    card.locator("a.stretched").click()
    page.wait_for_selector("#revenue-chart svg.chart")
    page.wait_for_selector("#top-products .top-list:not(.skeleton), #top-products .card-empty")
    shot(page, "02-overview")
    page.click("#revenue-chart a.segment >> nth=1")  # 90 days, swapped in by htmx
    page.wait_for_function("() => document.querySelectorAll('#revenue-chart .chart-bar').length === 90")

    # Products: search, then filter (htmx swaps the results and updates the address).
    page.click("nav.store-nav >> text=Products")
    page.wait_for_selector("#products")
    total_rows = page.locator("#products tbody tr").count()
    product = Product.objects.filter(store=store, type="simple").exclude(status="trash").order_by("name").first()
    word = product.name.split()[0]
    page.fill("#id_q", word)
    page.wait_for_url(re.compile(r"q=" + re.escape(word)))
    settle(page)
    names = page.locator("#products tbody .row-title").all_inner_texts()
    assert names and all(word.lower() in n.lower() for n in names)
    page.select_option("#id_type", "simple")
    page.wait_for_url(re.compile(r"type=simple"))
    settle(page)
    assert page.locator("#products tbody tr").count() <= total_rows
    shot(page, "03-products-search-filter")

    # Edit a product: the change is pushed to the sandbox and the page says it was accepted.
    page.goto(f"{base}/stores/{store.pk}/products/{product.pk}/edit/")
    new_price = "123.45"
    page.fill("#id_price", new_price)
    page.fill("#id_sale_price", "")
    shot(page, "04-product-edit")
    page.click("form.product-form button[type=submit]")
    page.wait_for_selector("#push-status.push-done")
    assert "WooCommerce accepted the change." in page.inner_text("#push-status")
    assert sandbox.data.products[product.woo_id]["regular_price"] == new_price
    shot(page, "05-product-pushed")

    # Change an order's status along an allowed transition; the sandbox gets it too.
    order = Order.objects.filter(store=store, status="processing").order_by("-woo_created_at").first()
    page.goto(f"{base}/stores/{store.pk}/orders/{order.pk}/")
    options = page.locator("#status-form select option").evaluate_all("els => els.map(e => e.value)")
    assert "completed" in options and "processing" not in options
    page.select_option("#status-form select", "completed")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("#order-push .push-ok")
    assert "Completed" in page.inner_text("#order-status")
    assert sandbox.data.orders[order.woo_id]["status"] == "completed"
    assert "Processing" in page.inner_text("#status-history")
    shot(page, "06-order-status")

    # Run a sync: the "worker" (a thread here) pulls while the page polls the progress bar.
    from sync import tasks
    from sync.runs import run_pull

    queued = []
    monkeypatch.setattr(tasks.sync_store_task, "delay_on_commit", lambda run_id: queued.append(run_id))
    sandbox.set_faults(latency_ms=60)  # a little per request, so the pull lasts long enough to watch
    page.goto(f"{base}/stores/{store.pk}/sync/")
    page.click("#sync-full")
    page.click("#confirm-dialog button[value=confirm]")  # a full sync asks first
    page.wait_for_selector("#sync-progress[hx-trigger]")
    assert queued

    def worker():
        try:
            run_pull(queued[0])
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    # A small shop can be pulled between two polls: running or already finished, never stuck.
    page.wait_for_selector('#sync-progress[data-status="running"], #sync-progress.is-finished')
    shot(page, "07-sync-running", full_page=False)
    page.wait_for_selector("#sync-progress.is-finished", timeout=60_000)
    thread.join(timeout=30)
    assert page.get_attribute("#sync-progress .progress-lg", "aria-valuenow") == "100"
    assert page.locator("#runs tbody tr").count() >= 2  # the history was refreshed too
    shot(page, "08-sync-finished")


def test_viewer_sees_masked_customers_and_no_controls(browser, live_server, shop):
    base, store = live_server.url, shop["store"]
    order = Order.objects.filter(store=store).exclude(customer_name="").order_by("-woo_created_at").first()
    page = new_page(browser)
    sign_in(page, base, "viewer@example.com")

    page.goto(f"{base}/stores/{store.pk}/orders/")
    assert order.customer_name not in page.content()
    assert "XXXX" in page.inner_text("#orders")
    page.goto(f"{base}/stores/{store.pk}/orders/{order.pk}/")
    text = page.inner_text("main")
    assert order.customer_name not in text and (order.customer_email or "@") not in text
    assert page.locator("#masked-note").is_visible()
    assert page.locator("#status-form").count() == 0
    shot(page, "09-viewer-order-masked")

    page.goto(f"{base}/stores/{store.pk}/products/")
    assert page.locator("input[name=ids]").count() == 0 and page.locator("text=New product").count() == 0
    product = Product.objects.filter(store=store, type="variable").first()
    page.goto(f"{base}/stores/{store.pk}/products/{product.pk}/")
    assert page.locator("a:has-text('Edit')").count() == 0
    assert page.locator(".variations-table input").count() == 0
    shot(page, "10-viewer-product")
    page.goto(f"{base}/stores/{store.pk}/sync/")
    assert page.locator("#sync-now").count() == 0


def test_hebrew_layout_reads_right_to_left(browser, live_server, shop):
    base, store = live_server.url, shop["store"]
    Order.objects.filter(store=store).update(total=Decimal("1234.50"))
    page = new_page(browser, locale="he-IL")
    sign_in(page, base, "owner@example.com")
    with page.expect_navigation():
        page.click("button[name=language][value=he]")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "he"

    page.goto(f"{base}/stores/{store.pk}/")
    page.wait_for_selector("#revenue-chart svg.chart")
    # The sidebar is on the right, the content on its left; the page title is right-aligned.
    sidebar, main = page.locator("#sidebar").bounding_box(), page.locator("main").bounding_box()
    assert sidebar["x"] > main["x"]
    title = page.locator(".page-title").bounding_box()
    assert title["x"] + title["width"] > main["x"] + main["width"] - 60
    assert "סקירה" in page.inner_text("nav.store-nav") and "הכנסות והזמנות" in page.inner_text("main")
    # Money: the amount reads left to right, the shekel sign after it.
    assert "1,234.50\u00a0₪" in page.inner_text("main") or "₪" in page.inner_text(".kpis")
    shot(page, "11-hebrew-overview")

    page.goto(f"{base}/stores/{store.pk}/products/")
    first_cell = page.locator("#products thead th").first.bounding_box()
    last_cell = page.locator("#products thead th").last.bounding_box()
    assert first_cell["x"] > last_cell["x"]  # the first column is on the right
    shot(page, "12-hebrew-products")
