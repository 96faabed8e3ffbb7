"""Variations pulled through ``GET /variations`` (WooCommerce 10.3+) in parallel pages, and per
product from a store without it: full, incremental, deleted variations, and a store that gains
the endpoint when it upgrades. Against the sandbox, over real HTTP."""

import pytest

from catalog.models import ProductVariation
from stores.models import Store
from sync.models import SyncRunStatus
from sync.tests.mirror import mirror_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_image_files")]

PER_PRODUCT = "GET products/{product_id}/variations"


def _variable(sandbox):
    """A live variable product with at least two variations, and its variations' ids."""
    for product in sandbox.data.products.values():
        children = sandbox.data.children.get(product["id"], [])
        if product["type"] == "variable" and product["status"] == "publish" and len(children) >= 2:
            return product["id"], list(children)
    raise AssertionError("no variable product")


def _routes(sandbox):
    return sandbox.stats()["by_route"]


def test_a_full_pull_lists_every_variation_in_pages(shop, sandbox, pull, settings):
    settings.SYNC_PAGE_SIZE = 10  # several pages, fetched in parallel
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert mirror_problems(shop, sandbox) == []
    variations = len(sandbox.data.variations)
    routes = _routes(sandbox)
    assert PER_PRODUCT not in routes
    # Live and trashed listings, each a page more than its items fill, and the one-item probe.
    assert routes["GET variations"] <= variations // 10 + 4
    assert run.stats["entities"]["variations"]["listing"] == "store-wide"
    shop.refresh_from_db()
    assert (shop.woocommerce_version, shop.variations_listing) == ("10.3.1", True)


def test_an_older_woocommerce_is_asked_per_product_and_remembered(shop, sandbox, pull):
    sandbox.set_woocommerce_version("9.9.0")
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert mirror_problems(shop, sandbox) == []
    assert run.stats["entities"]["variations"]["listing"] == "per-product"
    assert _routes(sandbox)["GET unmatched"] == 1  # the check, answered 404 rest_no_route
    assert _routes(sandbox)[PER_PRODUCT] > 10
    shop.refresh_from_db()
    assert (shop.woocommerce_version, shop.variations_listing) == ("9.9.0", False)
    sandbox.reset_stats()
    pull(shop)
    assert "GET variations" not in _routes(sandbox)  # remembered: not asked again


def test_an_incremental_pull_asks_for_the_variations_modified_since(shop, sandbox, pull):
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    product_id, (first, second, *_) = _variable(sandbox)
    # Edited on its own: its product's date_modified stays, only /variations?modified_after sees it.
    sandbox.update_variation(product_id, first, regular_price="77.00")
    sandbox.reset_stats()
    run = pull(shop)
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert str(ProductVariation.objects.get(product__store=shop, woo_id=first).price) == "77.00"
    assert mirror_problems(shop, sandbox) == []
    assert _routes(sandbox)["GET variations"] == 2  # live and trashed, one page each
    # The edited one, and at most the few others within the watermark's overlap.
    assert run.stats["entities"]["variations"]["fetched"] < 5
    assert PER_PRODUCT not in _routes(sandbox)


def test_deleted_variations_are_removed_by_a_full_pull_and_by_reconciliation(shop, sandbox, pull):
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    product_id, (first, second, *_) = _variable(sandbox)
    sandbox.delete_variation(product_id, first, force=True)
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    assert not ProductVariation.objects.filter(product__store=shop, woo_id=first).exists()

    sandbox.delete_variation(product_id, second, force=True)
    sandbox.reset_stats()
    run = pull(shop, reconcile=True)
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert not ProductVariation.objects.filter(product__store=shop, woo_id=second).exists()
    assert run.stats["entities"]["variations"]["gone_upstream"] == 1
    assert mirror_problems(shop, sandbox) == []
    routes = _routes(sandbox)
    # The check, the ids (live: 3 pages, trashed), the changed and the unlisted ones by id (live,
    # trashed): not one per parent.
    assert PER_PRODUCT not in routes and routes["GET variations"] <= 7


def test_a_store_that_upgrades_gains_the_listing_at_the_next_reconciliation(shop, sandbox, pull):
    sandbox.set_woocommerce_version("9.9.0")
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    sandbox.set_woocommerce_version("10.3.0")
    product_id, (first, *_) = _variable(sandbox)
    sandbox.update_variation(product_id, first, regular_price="55.00")
    sandbox.reset_stats()
    run = pull(shop, reconcile=True)
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert run.stats["entities"]["variations"]["listing"] == "store-wide"
    assert PER_PRODUCT not in _routes(sandbox)
    assert str(ProductVariation.objects.get(product__store=shop, woo_id=first).price) == "55.00"
    assert Store.objects.filter(pk=shop.pk, woocommerce_version="10.3.0", variations_listing=True).exists()
    assert mirror_problems(shop, sandbox) == []
    # From now on incremental pulls use it too.
    sandbox.update_variation(product_id, first, regular_price="56.00")
    sandbox.reset_stats()
    assert pull(shop).stats["entities"]["variations"]["listing"] == "store-wide"
    assert str(ProductVariation.objects.get(product__store=shop, woo_id=first).price) == "56.00"
    assert PER_PRODUCT not in _routes(sandbox)


def test_the_store_page_says_which_woocommerce_and_how_variations_are_pulled(shop, sandbox, pull, client, owner):
    client.force_login(owner)
    page = client.get(f"/stores/{shop.pk}/").content.decode()
    assert "not checked yet" in page
    sandbox.set_woocommerce_version("9.9.0")
    pull(shop, full=True)
    page = client.get(f"/stores/{shop.pk}/").content.decode()
    assert "9.9.0" in page and "one request per variable product" in page
    sandbox.set_woocommerce_version("10.3.1")
    pull(shop, reconcile=True)
    page = client.get(f"/stores/{shop.pk}/").content.decode()
    assert "10.3.1" in page and "in pages, every variation of the store at once" in page


def test_errors_left_by_the_per_product_way_are_settled_by_a_complete_listing(shop, sandbox, pull):
    from sync.models import SyncError
    from sync.records import ItemError
    from sync.records import record_errors

    sandbox.set_woocommerce_version("9.9.0")
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    product_id, _ = _variable(sandbox)
    # What a per-product listing that failed leaves: an error naming the product.
    record_errors(shop.pk, [ItemError("variation", "HTTP 500", woo_id=product_id, metadata={"parent": product_id})])
    sandbox.set_woocommerce_version("10.3.0")
    assert pull(shop, reconcile=True).status == SyncRunStatus.SUCCESS
    assert not SyncError.objects.filter(store=shop, resolved=False).exists()
