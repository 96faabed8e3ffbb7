"""The shop changes while a pull or a reconciliation reads it: what WooCommerce's offset paging
does to a listing then (an item moved out of a listing shifts the later pages by one) must never
cost a row that still exists in the shop."""

import pytest

from catalog.models import Product
from sync.models import SyncRunStatus
from sync.tests.mirror import mirror_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_first_page(monkeypatch):
    """after_first_page(endpoint, status, action): ``action(items)`` runs once, right after page 1
    of the ``endpoint`` listing with ``status`` is read (the later pages are read after it)."""
    from sync.woo import WooClient

    real = WooClient._get_page

    def install(endpoint, status, action):
        done = []

        def get_page(self, endpoint_, params, number, per_page, **kw):
            page = real(self, endpoint_, params, number, per_page, **kw)
            if endpoint_ == endpoint and params.get("status") == status and number == 1 and not done:
                done.append(True)
                action(page.items)
            return page

        monkeypatch.setattr(WooClient, "_get_page", get_page)
        return done

    return install


def _mirror_problems_but_term_counts(shop, sandbox):
    """The terms' product counts were read before the products step changed them."""
    return [problem for problem in mirror_problems(shop, sandbox) if ".count:" not in problem]


@pytest.fixture
def small_pages(settings):
    settings.SYNC_FETCH_IMAGES = False
    settings.SYNC_PAGE_SIZE = 10


TRASH = {"products": "trash_product", "orders": "trash_order"}


@pytest.mark.parametrize("kind", ["full", "reconcile"])
@pytest.mark.parametrize("listing", ["products", "orders"])
def test_an_item_trashed_during_the_listing_costs_no_other_row(
    shop, sandbox, pull, small_pages, after_first_page, kind, listing
):
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS

    def trash_first(items):
        getattr(sandbox, TRASH[listing])(items[0]["id"])

    done = after_first_page(listing, "any", trash_first)
    run = pull(shop, full=kind == "full", reconcile=kind == "reconcile")
    assert done and run.status == SyncRunStatus.SUCCESS, run.stats
    # The item that moved up into page 1 was never listed: it is still here all the same.
    rows = Product.objects.filter(store=shop) if listing == "products" else shop.orders.all()
    assert set(rows.values_list("woo_id", flat=True)) == set(getattr(sandbox.data, listing))
    assert run.stats["entities"][listing]["deleted"] == 0


@pytest.mark.parametrize("listing", ["products", "orders"])
def test_an_item_trashed_after_its_page_was_read_ends_up_trashed(
    shop, sandbox, pull, small_pages, after_first_page, listing
):
    """Listed live first, then again in the trash listing: the later, newer copy is the one kept."""
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    trashed = []

    def trash_last(items):
        trashed.append(items[-1]["id"])
        getattr(sandbox, TRASH[listing])(items[-1]["id"])

    after_first_page(listing, "any", trash_last)
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    rows = Product.objects.filter(store=shop) if listing == "products" else shop.orders.all()
    assert rows.get(woo_id=trashed[0]).status == "trash"
    assert _mirror_problems_but_term_counts(shop, sandbox) == []


@pytest.mark.parametrize("kind", ["full", "reconcile"])
def test_a_variation_deleted_during_the_store_wide_listing_costs_no_other_variation(
    shop, sandbox, pull, small_pages, after_first_page, kind
):
    from catalog.models import ProductVariation

    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS

    def delete_first(items):
        variation = items[0]
        sandbox.delete_variation(sandbox.data.variation_parent[variation["id"]], variation["id"])

    done = after_first_page("variations", "any", delete_first)
    run = pull(shop, full=kind == "full", reconcile=kind == "reconcile")
    assert done and run.status == SyncRunStatus.SUCCESS, run.stats
    # The deleted one was listed before it went (the next run removes it); none other is lost.
    assert set(sandbox.data.variations) <= set(
        ProductVariation.objects.filter(store=shop).values_list("woo_id", flat=True)
    )


@pytest.mark.parametrize("taxonomy", ["categories", "tags"])
def test_a_term_deleted_during_the_listing_costs_no_other_term(
    shop, sandbox, pull, small_pages, after_first_page, taxonomy
):
    from woo_sandbox.taxonomy import CATEGORIES
    from woo_sandbox.taxonomy import TAGS

    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    kind = {"categories": CATEGORIES, "tags": TAGS}[taxonomy]
    assert len(sandbox.taxonomies.table(kind)) > 10  # more than one page

    def delete_first(items):
        sandbox.taxonomies.delete_term(kind, items[0]["id"], force=True)

    done = after_first_page(f"products/{taxonomy}", None, delete_first)
    run = pull(shop, entities=[taxonomy])
    assert done and run.status == SyncRunStatus.SUCCESS, run.stats
    local = getattr(shop, taxonomy).values_list("woo_id", flat=True)
    assert set(sandbox.taxonomies.table(kind)) <= set(local)


def test_an_edit_made_behind_a_long_pull_reaches_the_next_incremental_pull(
    shop, sandbox, pull, small_pages, after_first_page, shop_clock
):
    """A pull of a large shop takes minutes: an item edited after its page was read must still
    be newer than the watermark the pull leaves, however new the items on its later pages."""
    edited = []

    def edit_first_then_last(items):
        edited.append(items[0]["id"])
        sandbox.update_product(items[0]["id"], name="Edited behind the pull")
        shop_clock.advance(20 * 60)  # the rest of a long pull
        sandbox.update_product(max(sandbox.data.products), name="Edited near the end")

    after_first_page("products", "any", edit_first_then_last)
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    assert Product.objects.get(store=shop, woo_id=max(sandbox.data.products)).name == "Edited near the end"

    assert pull(shop).status == SyncRunStatus.SUCCESS  # the next incremental pull
    assert Product.objects.get(store=shop, woo_id=edited[0]).name == "Edited behind the pull"


def test_a_listing_answered_empty_by_a_stale_page_cache_removes_nothing(shop, sandbox, pull, small_pages, monkeypatch):
    """A page cache in front of the shop answers the live listing with an empty page (200, `[]`,
    its headers too): the full pull still removes only what is gone when asked for by id."""
    from sync.woo import WooClient
    from sync.woo.responses import Page

    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    before = set(Product.objects.filter(store=shop).values_list("woo_id", flat=True))
    real = WooClient._get_page

    def cached_empty(self, endpoint, params, number, per_page, **kw):
        if endpoint == "products" and "include" not in params:
            return Page(number, [], total=0, total_pages=0)
        return real(self, endpoint, params, number, per_page, **kw)

    monkeypatch.setattr(WooClient, "_get_page", cached_empty)
    pull(shop, full=True, entities=["products"])
    assert set(Product.objects.filter(store=shop).values_list("woo_id", flat=True)) == before


def test_a_product_restored_from_the_trash_during_the_listing_is_kept_and_live(
    shop, sandbox, pull, small_pages, after_first_page
):
    """Restored after the live listing passed its place and before the trash listing was read,
    it is in neither."""
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    restored = []

    def restore_one(items):
        trashed = sorted(pid for pid, p in sandbox.data.products.items() if p["status"] == "trash")
        assert trashed[0] < items[-1]["id"]
        restored.append(trashed[0])
        sandbox.restore_product(trashed[0])

    after_first_page("products", "any", restore_one)
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    product = Product.objects.get(store=shop, woo_id=restored[0])
    assert product.status == sandbox.data.products[restored[0]]["status"] != "trash"
    assert _mirror_problems_but_term_counts(shop, sandbox) == []


def test_a_product_dated_in_the_future_does_not_blind_the_incremental_pulls(shop, sandbox, pull, settings):
    """A product whose modified date lies years ahead (an import, a shop clock set wrong once)
    must not carry the watermark there: later edits would all fall before it."""
    settings.SYNC_FETCH_IMAGES = False
    first, second = sorted(pid for pid, p in sandbox.data.products.items() if p["status"] == "publish")[:2]
    with sandbox.data.lock:
        record = sandbox.data.products[first]
        sandbox.data.products[first] = {
            **record,
            "date_modified": "2031-01-01T00:00:00",
            "date_modified_gmt": "2031-01-01T00:00:00",
        }
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    sandbox.update_product(second, name="Edited after the pull")
    assert pull(shop).status == SyncRunStatus.SUCCESS
    assert Product.objects.get(store=shop, woo_id=second).name == "Edited after the pull"


def test_an_attribute_term_deleted_during_the_listing_costs_no_other_term(
    shop, sandbox, pull, small_pages, after_first_page
):
    from catalog.models import StoreAttributeTerm

    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS
    attribute_id = 2
    assert sum(1 for owner in sandbox.data.term_attribute.values() if owner == attribute_id) > 10

    def delete_first(items):
        sandbox.taxonomies.delete_attribute_term(attribute_id, items[0]["id"], force=True)

    done = after_first_page(f"products/attributes/{attribute_id}/terms", None, delete_first)
    run = pull(shop, entities=["attributes"])
    assert done and run.status == SyncRunStatus.SUCCESS, run.stats
    local = StoreAttributeTerm.objects.filter(store=shop, attribute__woo_id=attribute_id)
    expected = {term for term, owner in sandbox.data.term_attribute.items() if owner == attribute_id}
    assert expected <= set(local.values_list("woo_id", flat=True))
