"""Order pages and figures: filters in the user's time zone, sensible status changes pushed to
WooCommerce, viewers masked, and the overview's numbers."""

import re
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import profile_set_preferences
from config.testing import make_order
from config.testing import make_product
from config.testing import store_url
from orders.customers import customers_refresh
from orders.forms import ALLOWED_TRANSITIONS
from orders.metrics import daily_series_for
from orders.metrics import order_kpis_for
from orders.metrics import top_products_for
from orders.models import Customer
from orders.models import Order
from orders.models import OrderNote
from orders.models import OrderRefund
from orders.models import OrderStatus
from orders.models import OrderStatusLog
from stores.access import access_for
from sync.models import PushEntity
from sync.models import PushOperation

pytestmark = pytest.mark.django_db
JERUSALEM = ZoneInfo("Asia/Jerusalem")


url = partial(store_url, "orders")


def test_manager_changes_a_status_along_an_allowed_transition(
    client, store, manager, django_capture_on_commit_callbacks
):
    order = make_order(store, status="processing")
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url("order_status_change", store, order_id=order.pk), {"status": "completed"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "completed"
    log = OrderStatusLog.objects.get(order_woo_id=order.woo_id)
    assert (log.old_status, log.new_status, log.changed_by) == ("processing", "completed", "manager@example.com")
    push = PushOperation.objects.get(entity_type=PushEntity.ORDER, object_id=order.pk)
    assert push.payload["status"] == "completed" and len(callbacks) == 1
    page = client.get(response["Location"]).content.decode()
    assert "Sending “Completed” to WooCommerce" in page and 'id="status-history"' in page


def test_an_unusual_transition_is_refused_with_a_message(client, store, manager):
    order = make_order(store, status="refunded")
    client.force_login(manager)
    response = client.post(url("order_status_change", store, order_id=order.pk), {"status": "processing"})
    assert response.status_code == 400
    assert "This order&#x27;s status is final" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "refunded" and not PushOperation.objects.exists()


def test_every_status_has_sensible_next_steps():
    for status in OrderStatus.values:
        assert status in ALLOWED_TRANSITIONS
        assert status not in ALLOWED_TRANSITIONS[status]
        assert OrderStatus.TRASH not in ALLOWED_TRANSITIONS[status]


def test_the_detail_page_offers_only_allowed_statuses(client, store, manager):
    order = make_order(store, status="completed")
    client.force_login(manager)
    html = client.get(url("order_detail", store, order_id=order.pk)).content.decode()
    form = html.split('id="status-form"')[1].split("</form>")[0]
    assert 'value="refunded"' in form and 'value="processing"' in form
    assert 'value="pending"' not in form and 'value="cancelled"' not in form


def test_viewer_sees_a_masked_order_and_no_status_control(client, store, viewer):
    order = make_order(store)
    client.force_login(viewer)
    html = client.get(url("order_detail", store, order_id=order.pk)).content.decode()
    for secret in ("Dana", "Levi", "dana.levi", "555-0143", "Herzl"):
        assert secret not in html
    assert "XXXX" in html and 'id="masked-note"' in html
    assert 'id="status-form"' not in html and 'id="status-read-only"' in html
    listing = client.get(url("order_list", store)).content.decode()
    assert order.number in listing and "Dana" not in listing
    assert client.post(url("order_status_change", store, order_id=order.pk), {"status": "completed"}).status_code == 403


def test_viewer_search_matches_numbers_only_manager_also_customers(client, store, viewer, manager):
    order = make_order(store)
    client.force_login(viewer)
    assert order.number in client.get(url("order_list", store) + f"?q={order.number}").content.decode()
    assert "data-order=" not in client.get(url("order_list", store) + "?q=Dana").content.decode()
    client.force_login(manager)
    assert "data-order=" in client.get(url("order_list", store) + "?q=Dana").content.decode()


def test_search_by_number_ignores_case_and_short_terms_search_numbers_only(client, store, manager):
    """Numbers match whatever their case; customer fields need three characters (a trigram index
    serves them), so "51" finds order 51, not every customer whose phone contains 51."""
    prefixed = make_order(store, number="WC-7731", customer_name="Noa Cohen", customer_phone="050-5100000")
    other = make_order(store, number="51", customer_name="Yossi Azulay", customer_phone="052-0000000")
    client.force_login(manager)

    def found(term):
        html = client.get(url("order_list", store), {"q": term}).content.decode()
        return {pk for pk in (prefixed.pk, other.pk) if f'data-order="{pk}"' in html}

    assert found("wc-7731") == {prefixed.pk}
    assert found("51") == {other.pk}
    assert found("#51") == {other.pk}
    assert found("510") == {prefixed.pk}  # three digits: the phone matches
    assert found("a co") == {prefixed.pk} and found("COHEN") == {prefixed.pk}


def test_date_filters_use_the_users_days(client, store, manager):
    late_evening = datetime(2026, 3, 1, 23, 30, tzinfo=JERUSALEM)  # 21:30 UTC the same day
    after_midnight = datetime(2026, 3, 2, 0, 30, tzinfo=JERUSALEM)  # still March 1st in UTC
    first = make_order(store, woo_created_at=late_evening)
    second = make_order(store, woo_created_at=after_midnight)
    client.force_login(manager)
    client.cookies["storedesk_tz"] = "Asia/Jerusalem"
    html = client.get(url("order_list", store) + "?date_from=2026-03-02&date_to=2026-03-02").content.decode()
    assert f'data-order="{second.pk}"' in html and f'data-order="{first.pk}"' not in html
    # The browser's zone was recorded once; the person then chooses UTC on their profile.
    profile_set_preferences(user=manager, time_zone="UTC")
    html = client.get(url("order_list", store) + "?date_from=2026-03-01&date_to=2026-03-01").content.decode()
    assert f'data-order="{second.pk}"' in html and f'data-order="{first.pk}"' in html
    # Dates are shown in the user's zone too.
    assert "1 Mar 2026" in client.get(url("order_detail", store, order_id=second.pk)).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "?date_from=yesterday",
        "?date_from=2026-02-30",
        "?total_min=-5",
        "?total_min=abc",
        "?date_from=2026-03-05&date_to=2026-03-01",
        "?page=x",
        "?sort=customer_email",
    ],
)
def test_bad_filters_are_explained_not_fatal(client, store, viewer, query):
    make_order(store)
    client.force_login(viewer)
    response = client.get(url("order_list", store) + query)
    assert response.status_code == 200
    if "total_min" in query or "date" in query:
        assert 'class="form-errors"' in response.content.decode()


def test_total_range(client, store, manager):
    cheap = make_order(store, total=Decimal("10.00"))
    dear = make_order(store, total=Decimal("500.00"))
    client.force_login(manager)
    html = client.get(url("order_list", store) + "?total_min=100").content.decode()
    assert f'data-order="{dear.pk}"' in html and f'data-order="{cheap.pk}"' not in html


def test_a_filtered_list_counts_its_total_on_every_page(client, store, manager):
    """A page with more after it takes its exact total from the count in its own query."""
    for index in range(130):
        make_order(store, total=Decimal("10.00") if index % 13 == 0 else Decimal("500.00"))
    client.force_login(manager)
    for page, shown, rows in ((1, "1–50", 50), (2, "51–100", 50), (3, "101–120", 20)):
        html = client.get(url("order_list", store), {"total_min": "100", "page": page}).content.decode()
        assert f"{shown} of 120" in html and html.count("<tr data-order=") == rows


def test_the_order_page_reads_its_notes_and_refunds_in_one_query(client, store, manager, viewer):
    order = make_order(store, activity_synced_at=timezone.now())
    hour = timedelta(hours=1)
    for woo_id, ago in ((801, 3), (802, 1)):
        OrderNote.objects.create(
            store=store,
            order_woo_id=order.woo_id,
            woo_id=woo_id,
            note=f"Note {woo_id}",
            author="Dana",
            woo_created_at=timezone.now() - ago * hour,
        )
        OrderRefund.objects.create(
            store=store,
            order_woo_id=order.woo_id,
            woo_id=woo_id + 100,
            amount=Decimal(woo_id - 795),
            reason=f"Reason {woo_id}",
            line_items=[{"name": "Linen apron", "quantity": -1}],
            woo_created_at=timezone.now() - ago * hour,
        )
    client.force_login(manager)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url("order_detail", store, order_id=order.pk)).content.decode()
    reads = [q["sql"] for q in captured if "order_notes" in q["sql"] or "order_refunds" in q["sql"]]
    assert len(reads) == 1 and "UNION ALL" in reads[0]
    # Newest first in each list, every field shown.
    assert page.index('data-note="802"') < page.index('data-note="801"') and "Note 801" in page
    assert page.index('data-refund="902"') < page.index('data-refund="901"')
    assert "Reason 801" in page and "Linen apron × 1" in page and "7.00" in page
    client.force_login(viewer)
    masked = client.get(url("order_detail", store, order_id=order.pk)).content.decode()
    assert 'data-refund="901"' in masked and "Reason 801" not in masked and 'data-note="801"' not in masked


def test_the_order_page_links_its_customer_from_the_order_query(client, store, manager):
    order = make_order(store, customer_email="Dana.Levi@Example.com")
    customers_refresh(store.pk)
    customer = Customer.objects.get(store=store, email="dana.levi@example.com")
    client.force_login(manager)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url("order_detail", store, order_id=order.pk)).content.decode()
    assert url("customer_detail", store, customer_id=customer.pk) in page
    assert not [q for q in captured if q["sql"].startswith('SELECT "customers"')]


# --- figures ----------------------------------------------------------------------------------


def test_kpis_count_sales_of_the_users_days(store, owner, settings):
    now = datetime(2026, 6, 10, 12, 0, tzinfo=JERUSALEM)
    timezone.activate(JERUSALEM)
    try:
        make_order(store, status="completed", total=Decimal("100"), woo_created_at=now - timedelta(hours=1))
        make_order(
            store, status="processing", total=Decimal("50"), woo_created_at=now - timedelta(hours=11, minutes=30)
        )
        make_order(store, status="on-hold", total=Decimal("20"), woo_created_at=now - timedelta(hours=12, minutes=30))
        make_order(store, status="cancelled", total=Decimal("999"), woo_created_at=now - timedelta(hours=2))
        make_order(store, status="completed", total=Decimal("30"), woo_created_at=now - timedelta(days=10))
        make_order(store, status="completed", total=Decimal("40"), woo_created_at=now - timedelta(days=40))
        kpis = order_kpis_for(access_for(owner), store.pk, now=now)
    finally:
        timezone.deactivate()
    assert (kpis.orders_today, kpis.revenue_today) == (2, Decimal("150"))  # 00:30 and 11:00 today
    assert (kpis.orders_7, kpis.revenue_7) == (3, Decimal("170"))
    assert (kpis.orders_30, kpis.revenue_30) == (4, Decimal("200"))
    assert kpis.revenue_prev_7 == Decimal("30") and kpis.trend_7 == 467
    assert kpis.average_30 == Decimal("50.00")


def test_daily_series_has_every_day(store, owner):
    make_order(store, status="completed", total=Decimal("12.50"), woo_created_at=timezone.now())
    access = access_for(owner)
    series = daily_series_for(access, store.pk, 30)
    assert len(series) == 30 and series[-1].day == timezone.localdate()
    assert series[-1].orders == 1 and series[-1].revenue == Decimal("12.50")
    assert len(daily_series_for(access, store.pk, 90)) == 90
    assert len(daily_series_for(access, store.pk, 7)) == 30  # only 30 or 90


def test_top_products_from_line_items_link_to_the_catalog(store, viewer):
    product = make_product(store, woo_id=501)
    items = [
        {"product_id": 501, "name": "Apron", "quantity": 2, "total": "60.00"},
        {"product_id": 502, "name": "Mitt", "quantity": 1, "total": "10.00"},
    ]
    make_order(store, status="completed", line_items=items)
    make_order(store, status="completed", line_items=items[:1])
    make_order(store, status="failed", line_items=[{"product_id": 502, "name": "Mitt", "quantity": 50, "total": "500"}])
    top = top_products_for(access_for(viewer), store.pk)
    assert [(t.name, t.quantity, t.revenue, t.product_id) for t in top] == [
        ("Apron", 4, Decimal("120.00"), product.pk),
        ("Mitt", 1, Decimal("10.00"), None),
    ]


def test_chart_fragment_switches_between_30_and_90_days(client, store, viewer):
    make_order(store, status="completed")
    client.force_login(viewer)
    html = client.get(url("revenue_chart", store) + "?days=90", HTTP_HX_REQUEST="true").content.decode()
    assert html.startswith('<div class="chart-panel" id="revenue-chart">')
    assert html.count('class="chart-bar"') == 90 and "<svg" in html
    assert client.get(url("revenue_chart", store) + "?days=abc").status_code == 200


def test_top_products_fragment(client, store, viewer):
    make_order(store, status="completed", line_items=[{"product_id": 9, "name": "Apron", "quantity": 3, "total": "30"}])
    client.force_login(viewer)
    html = client.get(url("top_products", store), HTTP_HX_REQUEST="true").content.decode()
    assert html.startswith('<div id="top-products">') and "Apron" in html and "3 sold" in html
    assert client.get(url("top_products", store)).status_code == 200


def test_overview_and_home_show_the_figures(client, store, owner):
    make_order(store, status="completed", total=Decimal("250.00"))
    make_product(store, stock_quantity=0, stock_status="outofstock")
    client.force_login(owner)
    html = client.get(reverse("stores:detail", kwargs={"store_id": store.pk})).content.decode()
    assert "₪250.00" in html and "Out of stock" in html and "Never synced" in html
    home = client.get(reverse("home")).content.decode()
    assert 'id="store-health"' in home and "₪250.00" in home


def test_the_home_pages_week_of_sales_rides_in_the_health_query(client, store, owner):
    make_order(store, status="completed", total=Decimal("250.00"))
    make_order(store, status="processing", total=Decimal("40.00"), woo_created_at=timezone.now() - timedelta(days=2))
    make_order(store, status="completed", total=Decimal("900.00"), woo_created_at=timezone.now() - timedelta(days=9))
    make_order(store, status="cancelled", total=Decimal("70.00"))
    client.force_login(owner)
    with CaptureQueriesContext(connection) as captured:
        home = client.get(reverse("home")).content.decode()
    # Today's completed order, and the 7 days' net revenue: not the cancelled one, nor nine days ago.
    assert re.findall(r'<div class="figure">([^<]+)</div>', home) == ["1"]
    assert "₪290.00" in home and "₪1,190.00" not in home
    reads = [q["sql"] for q in captured if '"orders' in q["sql"]]
    assert len(reads) == 1 and reads[0].startswith('SELECT "stores"."id" AS "pk"')


def test_overview_in_hebrew_puts_the_currency_after_the_amount(client, store, owner):
    make_order(store, status="completed", total=Decimal("1234.50"))
    client.force_login(owner)
    html = client.get(
        reverse("stores:detail", kwargs={"store_id": store.pk}), HTTP_ACCEPT_LANGUAGE="he"
    ).content.decode()
    assert 'dir="rtl"' in html and "1,234.50\u00a0₪" in html


def test_order_of_another_store_is_404(client, store, other_store, manager):
    foreign = make_order(other_store)
    client.force_login(manager)
    assert client.get(url("order_detail", store, order_id=foreign.pk)).status_code == 404
    assert (
        client.post(url("order_status_change", store, order_id=foreign.pk), {"status": "completed"}).status_code == 404
    )
    assert Order.objects.get(pk=foreign.pk).status == "processing"


def test_odd_line_items_from_the_shop_leave_the_order_and_refund_pages_working(client, store, manager):
    """Line items are stored as WooCommerce (or a plugin) sent them: a quantity in words, amounts
    that are not numbers ("NaN", "Infinity") or too large. The pages show what can be read and a
    dash for the rest; such a line cannot be refunded by quantity (by amount it can)."""
    order = make_order(
        store,
        status="completed",
        line_items=[
            {"id": 1, "name": "Readable", "product_id": 1, "quantity": 2, "total": "80.00", "total_tax": "0"},
            {"id": 2, "name": "In words", "quantity": "two", "price": "NaN", "total": "Infinity"},
            {"id": 3, "name": "Huge", "quantity": 10**30, "price": 1e308, "total": "1e308", "subtotal": "NaN"},
            {"id": 4, "name": "Odd taxes", "quantity": 1, "total": "20.00", "taxes": [{"id": 1, "total": "x"}]},
        ],
    )
    client.force_login(manager)

    detail = client.get(url("order_detail", store, order_id=order.pk))
    assert detail.status_code == 200 and "In words" in detail.content.decode()
    refund_page = client.get(url("order_refund", store, order_id=order.pk))
    assert refund_page.status_code == 200
    assert re.findall(r'name="qty_(\d+)"', refund_page.content.decode()) == ["1"]
    confirm = client.post(url("order_refund", store, order_id=order.pk), {"qty_2": "1", "amount": ""})
    assert confirm.status_code == 400


def test_an_order_paid_in_another_currency_is_shown_and_refunded_in_its_own(client, store, manager):
    """A multi-currency shop (store in ILS) sells in dollars: the order's amounts, and the amount
    a refund asks to confirm, are in the order's currency, which is what WooCommerce refunds."""
    order = make_order(store, status="completed", currency="USD", total=Decimal("100.00"))
    client.force_login(manager)

    detail = client.get(url("order_detail", store, order_id=order.pk)).content.decode()
    assert "$100.00" in detail and "₪100.00" not in detail
    listing = client.get(url("order_list", store)).content.decode()
    assert "$100.00" in listing and "₪100.00" not in listing
    confirm = client.post(url("order_refund", store, order_id=order.pk), {"amount": "30"}).content.decode()
    assert 'Refund <bdi class="money" dir="ltr">$30.00</bdi>?' in confirm and "₪" not in confirm
