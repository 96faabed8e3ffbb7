"""The insights pages: per store (owners and managers), app-wide (app admins), the store
overview's open insights, each insight's evidence, recommendations and history, in en and he."""

import pytest
from django.utils import translation

from agents.models import AgentStoreSettings
from agents.models import InsightStatus
from agents.tests.conftest import live
from config.testing import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(store, run):
    make_product(store, name="Clay <mug>", stock_quantity=-3)
    run("inventory")
    return live("inventory", store)


def test_store_insights_page_lists_and_links(client, store, manager, found):
    client.force_login(manager)
    html = client.get(f"/stores/{store.pk}/insights/").content.decode()
    insight = found["negative_stock"]
    assert f'href="/stores/{store.pk}/insights/{insight.pk}/"' in html
    assert "1 product has negative stock" in html
    assert 'id="run-agents"' not in html  # managers do not run agents by hand
    assert 'id="agent-settings"' not in html
    # Most severe first.
    assert html.index('data-cause="negative_stock"') < html.index('data-cause="missing_image"')
    # The store tab is there for managers.
    assert f'href="/stores/{store.pk}/insights/" class="store-tab is-active"' in html


def test_viewer_gets_no_insights(client, store, viewer, found):
    client.force_login(viewer)
    assert client.get(f"/stores/{store.pk}/insights/").status_code == 403
    overview = client.get(f"/stores/{store.pk}/").content.decode()
    assert 'id="overview-insights"' not in overview
    assert "/insights/" not in overview


def test_overview_shows_open_insights(client, store, owner, found):
    client.force_login(owner)
    html = client.get(f"/stores/{store.pk}/").content.decode()
    assert 'id="overview-insights"' in html
    assert f'href="/stores/{store.pk}/insights/{found["negative_stock"].pk}/"' in html


def test_insight_page_shows_evidence_recommendations_history_and_moves(client, store, owner, found):
    insight = found["negative_stock"]
    client.force_login(owner)
    url = f"/stores/{store.pk}/insights/{insight.pk}/"
    html = client.get(url).content.decode()
    product = found["negative_stock"].metadata["i18n"]["en"]["items"][0]
    assert f'href="/stores/{store.pk}/products/{product["id"]}/"' in html
    assert "Clay &lt;mug&gt;" in html and "Clay <mug>" not in html  # store content is escaped
    assert "Count the real stock of these products" in html
    assert "Found by the agent" in html
    assert 'data-status="acknowledged"' in html

    response = client.post(url + "status/", {"status": "acknowledged"})
    assert response.status_code == 302
    insight.refresh_from_db()
    assert insight.status == InsightStatus.ACKNOWLEDGED and insight.acknowledged_by == owner
    html = client.get(url).content.decode()
    assert "owner@example.com" in html

    # An illegal move is a message, not a 500.
    client.post(url + "status/", {"status": "resolved"})
    response = client.post(url + "status/", {"status": "in_progress"}, follow=True)
    assert response.status_code == 200 and "cannot become" in response.content.decode()
    assert client.post(url + "status/", {"status": "bogus"}).status_code == 302


def test_insight_of_another_store_is_404(client, store, other_store, owner, found):
    client.force_login(owner)
    insight = found["negative_stock"]
    assert client.get(f"/stores/{other_store.pk}/insights/{insight.pk}/").status_code == 404
    assert client.get(f"/insights/{insight.pk}/").status_code == 404


def test_hebrew_page_reads_right_to_left(client, store, owner, found):
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "he", "next": "/"})
    html = client.get(f"/stores/{store.pk}/insights/").content.decode()
    assert 'dir="rtl"' in html
    with translation.override("he"):
        title = found["negative_stock"].metadata["i18n"]["he"]["title"]
    assert title in html and title != found["negative_stock"].metadata["i18n"]["en"]["title"]


def test_owner_runs_agents_and_saves_thresholds(client, store, owner, manager, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/stores/{store.pk}/insights/run/")
    assert response.status_code == 302 and len(callbacks) == 1  # queued on the agents queue
    response = client.post(
        f"/stores/{store.pk}/insights/settings/", {"low_stock_threshold": "2", "sales_band_percent": "15"}
    )
    assert response.status_code == 302
    row = AgentStoreSettings.objects.get(store=store)
    assert (row.low_stock_threshold, row.sales_band_percent) == (2, 15)
    response = client.post(
        f"/stores/{store.pk}/insights/settings/", {"low_stock_threshold": "-1", "sales_band_percent": "0"}, follow=True
    )
    assert "Low stock at or below" in response.content.decode()
    assert AgentStoreSettings.objects.get(store=store).low_stock_threshold == 2

    client.force_login(manager)
    assert client.post(f"/stores/{store.pk}/insights/run/").status_code == 403


def test_app_insights_for_admins_only(client, admin, owner, run):
    run("security")  # the admin fixture made a new app admin
    client.force_login(admin)
    html = client.get("/insights/").content.decode()
    insight = live("security")["new_app_admins"]
    assert f'href="/insights/{insight.pk}/"' in html
    assert client.get(f"/insights/{insight.pk}/").status_code == 200
    client.force_login(owner)
    assert client.get("/insights/").status_code == 404
    assert client.get(f"/insights/{insight.pk}/").status_code == 404


def test_filters_and_htmx(client, store, owner, found):
    client.force_login(owner)
    url = f"/stores/{store.pk}/insights/"
    html = client.get(url, {"severity": "high"}).content.decode()
    assert 'data-cause="negative_stock"' in html and 'data-cause="missing_image"' not in html
    partial = client.get(url, {"status": "all"}, headers={"HX-Request": "true", "HX-Target": "insight-results"})
    assert b"<html" not in partial.content and b'data-cause="missing_image"' in partial.content
    assert client.get(url, {"status": "weird", "agent": "nope"}).status_code == 200
