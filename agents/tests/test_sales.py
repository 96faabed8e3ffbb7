"""The sales agent on crafted orders: the last 24 hours against the same hours of previous weeks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.models import AgentInsight
from agents.models import AgentStoreSettings
from agents.models import InsightStatus
from agents.tests.conftest import live
from config.testing import make_order
from config.testing import make_product
from orders.models import Order

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def orders(store, count, *, weeks_ago=0, hours_ago=2, status="processing", total="100.00", items=None):
    created = NOW - timedelta(weeks=weeks_ago, hours=hours_ago)
    rows = []
    for _ in range(count):
        extra = {"line_items": items} if items is not None else {}
        rows.append(make_order(store, status=status, total=Decimal(total), woo_created_at=created, **extra))
    return rows


@pytest.fixture
def usual_weeks(store):
    """Four previous weeks with 10 paid orders of 100 in the same hours, and noise outside them."""
    for week in range(1, 5):
        orders(store, 10, weeks_ago=week)
        orders(store, 7, weeks_ago=week, hours_ago=30)  # outside the compared 24 hours


def test_a_drop_beyond_the_band_is_reported_with_its_figures(store, usual_weeks, run):
    orders(store, 3)
    # Drafts and trashed orders never count, whatever their totals.
    orders(store, 20, status="checkout-draft", total="500.00")
    orders(store, 20, status="trash", total="500.00")
    run("sales", now=NOW)

    insight = live("sales", store)["sales_drop"]
    assert insight.severity == "high"  # -70%, more than twice the 30% band
    facts = insight.metadata["facts"]
    assert facts["revenue_last_24h"] == 300.0
    assert facts["usual_revenue"] == 1000.0
    assert facts["paid_orders_last_24h"] == 3
    assert facts["change_percent"] == -70.0
    figures = {f["label"]: f["value"] for f in insight.metadata["i18n"]["en"]["figures"]}
    assert figures["Revenue, last 24 hours"] == "300.00 ILS"
    assert figures["Usual revenue for these hours"] == "1,000.00 ILS"
    assert figures["Change"] == "-70%"
    assert "300.00 ILS from 3 paid orders" in insight.analysis
    assert insight.alerts.count() == 1


def test_within_the_band_nothing_and_a_spike_is_low(store, usual_weeks, run):
    orders(store, 12)  # +20%: inside the band
    run("sales", now=NOW)
    assert not {"sales_drop", "sales_spike"} & set(live("sales", store))

    AgentStoreSettings.objects.create(store=store, low_stock_threshold=5, sales_band_percent=10)
    run("sales", now=NOW)
    spike = live("sales", store)["sales_spike"]
    assert spike.severity == "low" and spike.metadata["facts"]["change_percent"] == 20.0
    assert not spike.alerts.exists()


def test_no_duplicate_and_resolved_when_sales_recover(store, usual_weeks, run):
    orders(store, 4)
    run("sales", now=NOW)
    first = live("sales", store)["sales_drop"]
    second = run("sales", now=NOW)
    assert second.insights_generated == 0
    assert AgentInsight.objects.filter(agent_type="sales", cause="sales_drop").count() == 1

    orders(store, 6)  # back to 10 orders: the usual level
    run("sales", now=NOW)
    first.refresh_from_db()
    assert first.status == InsightStatus.RESOLVED and first.resolved_at is not None
    assert "sales_drop" not in live("sales", store)


def test_too_little_history_says_nothing_about_revenue(store, run):
    orders(store, 2, weeks_ago=1)
    orders(store, 0)
    run("sales", now=NOW)
    assert "sales_drop" not in live("sales", store)


def test_a_surge_of_failed_orders_is_high(store, usual_weeks, run):
    orders(store, 10)
    orders(store, 6, status="failed")
    orders(store, 1, weeks_ago=1, status="failed")
    orders(store, 2, status="cancelled")  # under 3: not a surge
    run("sales", now=NOW)
    insights = live("sales", store)
    assert insights["failed_surge"].severity == "high"
    assert insights["failed_surge"].metadata["facts"]["orders_last_24h"] == 6
    assert "cancelled_surge" not in insights


def test_top_movers_name_the_products_and_link_them(store, run):
    apron = make_product(store, name="Linen apron", woo_id=501)
    make_product(store, name="Clay mug", woo_id=502)
    rising = [{"product_id": 501, "name": "Linen apron", "quantity": 3, "total": "90.00"}]
    falling = [{"product_id": 502, "name": "Clay mug", "quantity": 4, "total": "80.00"}]
    orders(store, 4, hours_ago=24 * 2, items=rising)  # 12 units this week
    orders(store, 1, hours_ago=24 * 9, items=rising)  # 3 the week before
    orders(store, 3, hours_ago=24 * 10, items=falling)  # 12 units the week before, none now
    run("sales", now=NOW)
    movers = live("sales", store)["top_movers"]
    items = movers.metadata["i18n"]["en"]["items"]
    assert [(i["name"], i["detail"]) for i in items] == [
        ("Linen apron", "+9 units (3 → 12)"),
        ("Clay mug", "-12 units (12 → 0)"),
    ]
    assert items[0]["id"] == str(apron.pk)
    assert movers.severity == "low"


def test_only_the_store_of_the_run_is_read(store, other_store, usual_weeks, run):
    orders(store, 2)
    run("sales", store_id=other_store.pk, now=NOW)
    assert not live("sales", store)
    assert Order.objects.filter(store=store).exists()
