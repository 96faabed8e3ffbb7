"""Pulls from stores that answer in hostile but common ways: a firewall's web page instead of
data, PHP notices printed ahead of the JSON."""

import pytest

from sync.models import SyncError
from sync.models import SyncRunStatus
from sync.tests.mirror import mirror_problems
from sync.woo import WEB_PAGE_MESSAGE

pytestmark = pytest.mark.django_db


def test_a_firewall_page_is_retried_and_then_recorded_in_words(shop, sandbox, pull, settings):
    settings.SYNC_FETCH_IMAGES = False
    sandbox.set_faults(queue=["html"])  # one challenge, passed on the next attempt
    run = pull(shop, full=True, max_retries=2)
    assert run.status == SyncRunStatus.SUCCESS and run.stats["client"]["retries"] == 1
    assert mirror_problems(shop, sandbox) == []

    sandbox.set_faults(rate_html=1.0)  # the firewall now challenges every request
    run = pull(shop, max_retries=2)
    assert run.status == SyncRunStatus.PARTIAL
    error = SyncError.objects.filter(store=shop, resolved=False, error_code="html_page").first()
    assert error is not None and WEB_PAGE_MESSAGE in error.error_message


def test_a_store_printing_php_notices_is_pulled_whole_with_one_warning(shop, sandbox, pull, settings, caplog):
    settings.SYNC_FETCH_IMAGES = False
    sandbox.set_faults(rate_php_notice=1.0)
    with caplog.at_level("WARNING", logger="sync.woo"):
        run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS
    assert mirror_problems(shop, sandbox) == []
    assert run.stats["client"]["warnings"]["php_notices"] == run.requests_made
    assert len([r for r in caplog.records if "PHP notices" in r.message]) == 1


def test_a_character_postgresql_cannot_store_costs_the_item_nothing_but_the_character(shop, sandbox, pull, settings):
    """PostgreSQL cannot store U+0000 in text or jsonb; WordPress (MySQL) can, and its JSON
    carries it as \\u0000. The product and the order are stored without it, not refused."""
    from catalog.models import Product

    settings.SYNC_FETCH_IMAGES = False
    product = sandbox.create_product(name="Mug\u0000 large", sku="MUG\u0000-1", description="<p>a\u0000b</p>")
    # A lone surrogate half: a \ud800 escape the JSON decoder reads and UTF-8 cannot encode.
    odd = sandbox.create_product(name="Cup")
    with sandbox.data.lock:
        sandbox.data.products[odd["id"]] = {**sandbox.data.products[odd["id"]], "name": "Cup\ud800"}
    order_id = sorted(sandbox.data.orders)[0]
    sandbox.update_order(order_id, billing={"first_name": "Dana\u0000", "email": "dana@example.com"})
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    row = Product.objects.get(store=shop, woo_id=product["id"])
    assert (row.name, row.sku, row.description) == ("Mug large", "MUG-1", "<p>ab</p>")
    assert Product.objects.get(store=shop, woo_id=odd["id"]).name == "Cup\ufffd"
    assert shop.orders.get(woo_id=order_id).billing["first_name"] == "Dana"
    assert not SyncError.objects.filter(store=shop).exists()
    assert pull(shop, full=True).rows_written == 0  # and the next pull sees nothing changed
