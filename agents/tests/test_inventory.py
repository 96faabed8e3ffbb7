"""The inventory agent on a crafted catalog: each cause fires with its severity and evidence,
a second run updates instead of duplicating, and a fixed cause resolves its insight."""

from decimal import Decimal

import pytest

from agents.models import AgentInsight
from agents.models import AgentStoreSettings
from agents.models import ExecutionStatus
from agents.models import InsightStatus
from agents.tests.conftest import live
from agents.tests.conftest import out_of_stock_share
from catalog.models import Product
from catalog.models import ProductImage
from config.testing import make_product

pytestmark = pytest.mark.django_db


def with_image(product):
    image = ProductImage.objects.create(
        store=product.store, product=product, original_url=f"https://shop.example.com/{product.pk}.jpg", source="woo"
    )
    product.featured_image = image
    product.save(update_fields=["featured_image"])
    return product


@pytest.fixture
def catalog(store):
    """20 healthy published products and one of each problem."""
    healthy = [with_image(make_product(store, name=f"Healthy {i:02d}", stock_quantity=50)) for i in range(20)]
    problems = {
        "out": with_image(make_product(store, name="Linen apron", stock_status="outofstock", stock_quantity=0)),
        "low": with_image(make_product(store, name="Olive soap", stock_quantity=2)),
        "negative": with_image(make_product(store, name="Clay mug", stock_quantity=-3)),
        "sale": with_image(make_product(store, name="Tea towel", price=Decimal("40.00"), sale_price=Decimal("55.00"))),
        "no_price": with_image(make_product(store, name="Gift card", price=None)),
        "no_image": make_product(store, name="Bread board"),
        "no_category": with_image(make_product(store, name="Wooden spoon", categories=[])),
        # Drafts are nobody's problem yet: no out-of-stock, image or category finding for them.
        "draft": make_product(store, name="Draft thing", status="draft", stock_status="outofstock", categories=[]),
    }
    return healthy, problems


def test_each_cause_fires_with_its_severity_and_evidence(store, catalog, run):
    _healthy, problems = catalog
    log = run("inventory")

    assert log.status == ExecutionStatus.COMPLETED
    insights = live("inventory", store)
    assert set(insights) == {
        "out_of_stock",
        "low_stock",
        "negative_stock",
        "sale_above_regular",
        "missing_price",
        "missing_image",
        "missing_category",
    }
    severities = {cause: insight.severity for cause, insight in insights.items()}
    assert severities == {
        "out_of_stock": "medium",  # 1 of 27 published
        "low_stock": "low",
        "negative_stock": "high",
        "sale_above_regular": "medium",
        "missing_price": "high",
        "missing_image": "low",
        "missing_category": "low",
    }
    out = insights["out_of_stock"]
    assert out.analysis.startswith("1 of the 27 published products")
    evidence = out.metadata["i18n"]["en"]
    assert [item["name"] for item in evidence["items"]] == ["Linen apron"]
    assert evidence["items"][0]["id"] == str(problems["out"].pk)
    assert {"label": "Published products", "value": "27"} in evidence["figures"]
    assert out.recommendations and all(isinstance(r, str) for r in out.recommendations)
    assert out.metadata["i18n"]["en"]["title"] == "1 published product is out of stock"
    assert [i["name"] for i in insights["sale_above_regular"].metadata["i18n"]["en"]["items"]] == ["Tea towel"]
    assert [i["name"] for i in insights["missing_image"].metadata["i18n"]["en"]["items"]] == ["Bread board"]
    assert [i["name"] for i in insights["low_stock"].metadata["i18n"]["en"]["items"]] == ["Olive soap"]
    # High ones raised an alert each, linked to the insight and the store.
    alerts = {a.insight.cause for a in out.__class__.objects.get(pk=insights["negative_stock"].pk).alerts.all()}
    assert alerts == {"negative_stock"}
    assert insights["missing_price"].alerts.get().store_id == store.pk
    assert not insights["low_stock"].alerts.exists()
    assert log.insights_generated == 7 and log.alerts_generated == 2


def test_second_run_updates_and_a_fixed_cause_resolves(store, catalog, run):
    _healthy, problems = catalog
    run("inventory")
    first = live("inventory", store)

    Product.objects.filter(pk=problems["low"].pk).update(stock_quantity=1)
    again = run("inventory")
    assert again.insights_generated == 0 and again.alerts_generated == 0
    assert again.metadata["updated"] == 7 and again.metadata["resolved"] == 0
    assert AgentInsight.objects.filter(agent_type="inventory").count() == 7
    assert live("inventory", store)["low_stock"].pk == first["low_stock"].pk

    # Restocked and priced: those two causes clear.
    Product.objects.filter(pk=problems["out"].pk).update(stock_status="instock", stock_quantity=30)
    Product.objects.filter(pk=problems["no_price"].pk).update(price=Decimal("25.00"))
    cleared = run("inventory")
    assert cleared.metadata["resolved"] == 2
    for cause in ("out_of_stock", "missing_price"):
        insight = AgentInsight.objects.get(pk=first[cause].pk)
        assert insight.status == InsightStatus.RESOLVED and insight.resolved_at is not None
        assert insight.metadata["history"][-1]["event"] == "cleared"
    assert set(live("inventory", store)) == {
        "low_stock",
        "negative_stock",
        "sale_above_regular",
        "missing_image",
        "missing_category",
    }

    # The cause comes back: a new insight, the resolved one stays as it was.
    Product.objects.filter(pk=problems["out"].pk).update(stock_status="outofstock", stock_quantity=0)
    run("inventory")
    reopened = live("inventory", store)["out_of_stock"]
    assert reopened.pk != first["out_of_stock"].pk
    assert AgentInsight.objects.filter(agent_type="inventory", cause="out_of_stock").count() == 2


def test_the_store_threshold_decides_what_is_low(store, other_store, run):
    make_product(store, name="Two left", stock_quantity=2)
    make_product(other_store, name="Two left elsewhere", stock_quantity=2)
    AgentStoreSettings.objects.create(store=store, low_stock_threshold=1, sales_band_percent=30)
    run("inventory")
    assert "low_stock" not in live("inventory", store)
    assert "low_stock" in live("inventory", other_store)  # the default threshold, 2
    assert "Two left elsewhere" in str(live("inventory", other_store)["low_stock"].metadata)


def test_a_run_over_one_store_leaves_the_others_alone(store, other_store, run):
    make_product(store, name="Minus", stock_quantity=-1)
    make_product(other_store, name="Minus too", stock_quantity=-1)
    run("inventory")
    Product.objects.filter(store=other_store).update(stock_quantity=4)
    log = run("inventory", store_id=store.pk)
    assert log.metadata["store_id"] == str(store.pk)
    # The other store's insight is not resolved by a run that did not look at it.
    assert "negative_stock" in live("inventory", other_store)
    assert "negative_stock" in live("inventory", store)


def test_many_out_of_stock_products_are_high(store, run):
    out_of_stock_share(store, out=4, of=10)
    run("inventory")
    insight = live("inventory", store)["out_of_stock"]
    assert insight.severity == "high"  # 40% of the published catalog
    assert insight.analysis.startswith("4 of the 10 published products (40%)")
