"""An owner's order journey in Chromium against the WooCommerce sandbox, in English and Hebrew:
add a note to the customer, refund one line (with a confirmation stating the amount), open the
customer's page from the order. Screenshots go to test-artifacts/orders-*.png."""

from decimal import Decimal

import pytest

from catalog.tests.test_browser_dashboard import ARTIFACTS
from catalog.tests.test_browser_dashboard import KEYS
from catalog.tests.test_browser_dashboard import new_page
from catalog.tests.test_browser_dashboard import shop as shop  # a store on the sandbox below, pulled once
from catalog.tests.test_browser_dashboard import sign_in
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"note": "Your parcel left today", "confirm": "Refund", "customer": "Orders"},
    "he": {"note": "החבילה שלך יצאה היום", "confirm": "זיכוי", "customer": "הזמנות"},
}


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox(products=30, orders=30, seed=29, keys=[KEYS])


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"orders-{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "he"])
def test_note_refund_and_customer_page(browser, live_server, shop, sandbox, language):
    base, store = live_server.url, shop["store"]
    orders = Order.objects.filter(store=store, status__in=("processing", "completed")).exclude(customer_email=None)
    order = [o for o in orders.order_by("woo_id") if len(o.line_items) >= 2][1]  # not the first candidate
    line = order.line_items[-1]  # the last line, not the first
    page = new_page(browser, locale="he-IL" if language == "he" else "en-US")
    sign_in(page, base, "owner@example.com")
    if language == "he":
        with page.expect_navigation():
            page.click("button[name=language][value=he]")
        assert page.get_attribute("html", "dir") == "rtl"

    page.goto(f"{base}/stores/{store.pk}/orders/{order.pk}/")
    page.fill("#note-form textarea[name=note]", TEXTS[language]["note"])
    page.check("#note-form input[name=kind][value=customer]")
    with page.expect_navigation():
        page.click("#note-form button[type=submit]")
    assert TEXTS[language]["note"] in page.inner_text("#note-list")
    assert sandbox.data.customer_emails[-1] == {"order_id": order.woo_id, "note": TEXTS[language]["note"]}
    shot(page, f"{language}-1-note")

    page.click("#refund-link")
    page.fill(f"input[name=qty_{line['id']}]", "1")
    page.fill("input[name=reason]", "Damaged")
    with page.expect_navigation():
        page.click("#refund-review")
    unit = (Decimal(line["total"]) + Decimal(line["total_tax"])) / line["quantity"]
    confirm = page.inner_text("#refund-confirm")
    assert f"{unit.quantize(Decimal('0.01')):,.2f}" in confirm
    assert not sandbox.data.refunds.get(order.woo_id)
    shot(page, f"{language}-2-refund-confirm")
    with page.expect_navigation():
        page.click("#refund-confirm-button")
    (refund,) = sandbox.data.refunds[order.woo_id]
    assert Decimal(refund["amount"]) == unit.quantize(Decimal("0.01")) and refund["reason"] == "Damaged"
    assert "Damaged" in page.inner_text("#refund-list")
    shot(page, f"{language}-3-refunded")

    page.goto(f"{base}/stores/{store.pk}/orders/")
    tabs = page.inner_text("#status-tabs")
    assert "(" in tabs and page.locator("#pager-total").count() in (0, 1)
    shot(page, f"{language}-0-list")
    page.goto(f"{base}/stores/{store.pk}/orders/{order.pk}/")
    with page.expect_navigation():
        page.click("#view-customer")
    assert order.customer_email.lower() in page.inner_text("#customer-email")
    assert f"#{order.number}" in page.inner_text("#customer-orders")
    shot(page, f"{language}-4-customer")
    page.context.close()
