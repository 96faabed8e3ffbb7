"""No click may destroy what the person did not touch (issue 12), in Chromium against the
WooCommerce sandbox: every test asserts what the shop holds afterwards.

Pushes run eagerly (on commit, in the request), so the sandbox holds the result when the page
has answered. Screenshots go to test-artifacts/edits-*.png.
"""

import copy
import re

import pytest

from catalog.models import Product
from catalog.models import ProductVariation
from catalog.models import StoreCategory
from catalog.models import StoreTag
from catalog.tests.test_browser_dashboard import ARTIFACTS
from catalog.tests.test_browser_dashboard import KEYS
from catalog.tests.test_browser_dashboard import new_page
from catalog.tests.test_browser_dashboard import shop as shop  # a store on the sandbox below, pulled once
from catalog.tests.test_browser_dashboard import sign_in
from config.tests.browser_pages import settle
from sync.models import SyncRunKind
from sync.runs import run_pull
from sync.services import sync_run_queue
from sync.woo import client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VARIATIONS = 22


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox(products=60, orders=4, seed=23, keys=[KEYS])


def pull(store):
    """A pull: the same writer that applies webhook deliveries brings the shop's state in."""
    run = sync_run_queue(store.pk, kind=SyncRunKind.FULL, enqueue=False)
    assert run_pull(run.pk).status in ("success", "partial")


@pytest.fixture
def store(shop):
    """The dashboard journeys' store, connected to this module's sandbox and pulled once."""
    return shop["store"]


def open_tabs(browser, live_server, url, count):
    """``count`` tabs of one person on ``url``, loaded one after the other."""
    tabs = []
    for _ in range(count):
        tab = new_page(browser)
        sign_in(tab, live_server.url, "owner@example.com")
        tab.goto(url)
        tabs.append(tab)
    return tabs


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"edits-{name}.png"), full_page=True)


def in_shop(sandbox, kind, woo_id):
    with sandbox.data.lock:
        return copy.deepcopy(getattr(sandbox.data, kind)[woo_id])


def simple_product(store, **filters):
    return (
        Product.objects.filter(store=store, type="simple", woo_id__isnull=False, **filters)
        .exclude(status="trash")
        .order_by("woo_id")
        .first()
    )


def submit(page, form_id):
    """Press the form's submit button and wait for the page it leads to (saved, or refused)."""
    with page.expect_navigation():
        page.click(f"#{form_id} button[type=submit]")


# --- variation rows -----------------------------------------------------------------------------


def test_saving_untouched_variation_rows_changes_nothing_and_row_3_changes_only_itself(
    browser, live_server, store, sandbox
):
    parent = sandbox.create_product(
        name="Linen shirt",
        type="variable",
        attributes=[{"name": "Size", "options": [f"S{n}" for n in range(VARIATIONS)], "variation": True}],
    )
    for n in range(VARIATIONS):
        sandbox.create_variation(
            parent["id"],
            regular_price=f"{100 + n}.90",
            sale_price=f"{90 + n}.50" if n % 3 == 0 else "",
            manage_stock=True,
            stock_quantity=20 + n,
            attributes=[{"name": "Size", "option": f"S{n}"}],
        )
    pull(store)
    product = Product.objects.get(store=store, woo_id=parent["id"])
    ids = list(ProductVariation.objects.filter(product=product).values_list("pk", flat=True))
    assert len(ids) == VARIATIONS
    # Pulled in one run: time-ordered ids whose leading 32 bits (8 hex digits) are shared.
    assert len({pk.int >> 96 for pk in ids}) < VARIATIONS
    before = {vid: in_shop(sandbox, "variations", vid) for vid in sandbox.data.children[parent["id"]]}

    page = new_page(browser)
    sign_in(page, live_server.url, "owner@example.com")
    page.goto(f"{live_server.url}/stores/{store.pk}/products/{product.pk}/")
    rows = page.locator(".variations-table tbody tr")
    assert rows.count() == VARIATIONS
    row_ids = [rows.nth(n).get_attribute("id").removeprefix("variation-") for n in range(3)]
    woo_ids = {str(v.pk): v.woo_id for v in ProductVariation.objects.filter(pk__in=row_ids)}

    # Row 3: a new regular price, saved (htmx swaps the row).
    row3 = page.locator(f"#variation-{row_ids[2]}")
    row3.locator("input[name$='-regular_price']").fill("249.00")
    row3.get_by_role("button", name="Save").click()
    page.wait_for_selector(f"#variation-{row_ids[2]}.row-flash")
    # Rows 2 and 1: Save without touching anything.
    for row_id in (row_ids[1], row_ids[0]):
        page.locator(f"#variation-{row_id}").get_by_role("button", name="Save").click()
        page.wait_for_selector(f"#variation-{row_id}.row-flash")
    settle(page)
    shot(page, "01-variation-rows")

    after = {vid: in_shop(sandbox, "variations", vid) for vid in before}
    edited = woo_ids[row_ids[2]]
    assert after[edited]["regular_price"] == "249.00"
    for key in ("sale_price", "stock_quantity", "manage_stock"):
        assert after[edited][key] == before[edited][key], key
    assert {vid: rec for vid, rec in after.items() if vid != edited} == {
        vid: rec for vid, rec in before.items() if vid != edited
    }


# --- two tabs, stale forms, a sale in the shop ----------------------------------------------------


def test_two_tabs_on_one_product_the_older_save_never_overwrites(browser, live_server, store, sandbox):
    product = simple_product(store, stock_quantity__isnull=False, price__isnull=False, sale_price__isnull=True)
    edit_url = f"{live_server.url}/stores/{store.pk}/products/{product.pk}/edit/"
    a, b, c = open_tabs(browser, live_server, edit_url, 3)

    # B changes price and stock and saves.
    b.fill("#id_price", "311.00")
    b.fill("#id_stock_quantity", "77")
    submit(b, "product-form")
    assert in_shop(sandbox, "products", product.woo_id)["regular_price"] == "311.00"

    # A (older) changes only the name: merged, B's price and stock stay.
    a.fill("#id_name", "Renamed in tab A")
    submit(a, "product-form")
    shop_product = in_shop(sandbox, "products", product.woo_id)
    assert shop_product["name"] == "Renamed in tab A"
    assert shop_product["regular_price"] == "311.00" and shop_product["stock_quantity"] == 77

    # C (older) changes the price too: refused, both values shown, the shop keeps B's price.
    c.fill("#id_price", "12.00")
    submit(c, "product-form")
    shot(c, "02-product-conflict")
    text = c.inner_text("#product-form")
    assert "Not saved" in text and "311.00" in text and "12.00" in text
    assert in_shop(sandbox, "products", product.woo_id)["regular_price"] == "311.00"
    # Saving again after seeing both values is the person's decision.
    submit(c, "product-form")
    assert in_shop(sandbox, "products", product.woo_id)["regular_price"] == "12.00"
    assert in_shop(sandbox, "products", product.woo_id)["name"] == "Renamed in tab A"


def test_a_sale_in_the_shop_while_the_form_is_open_survives_its_save(browser, live_server, store, sandbox):
    product = simple_product(store, stock_quantity__gte=10)
    stock = product.stock_quantity
    edit_url = f"{live_server.url}/stores/{store.pk}/products/{product.pk}/edit/"
    page = new_page(browser)
    sign_in(page, live_server.url, "owner@example.com")

    # The sale has not reached us yet: only the name is sent.
    page.goto(edit_url)
    sandbox.update_product(product.woo_id, stock_quantity=stock - 6)
    page.fill("#id_name", "Name after the first sale")
    submit(page, "product-form")
    shop_product = in_shop(sandbox, "products", product.woo_id)
    assert shop_product["name"] == "Name after the first sale" and shop_product["stock_quantity"] == stock - 6

    # The next sale arrives here (as a webhook delivery would) while the form is open.
    page.goto(edit_url)
    sandbox.update_product(product.woo_id, stock_quantity=stock - 9)
    pull(store)
    assert Product.objects.get(pk=product.pk).stock_quantity == stock - 9
    page.fill("#id_name", "Name after the second sale")
    submit(page, "product-form")
    shop_product = in_shop(sandbox, "products", product.woo_id)
    assert shop_product["name"] == "Name after the second sale" and shop_product["stock_quantity"] == stock - 9


def test_two_tabs_on_one_category_the_older_save_never_overwrites_and_the_image_stays(
    browser, live_server, store, sandbox
):
    client = client_for(store)
    created = client.post(
        "products/categories",
        {"name": "Aprons", "description": "Cotton and linen.", "image": {"src": f"{sandbox.url}/media/apron.png"}},
    ).data
    image_id = created["image"]["id"]
    pull(store)
    category = StoreCategory.objects.get(store=store, woo_id=created["id"])
    edit_url = f"{live_server.url}/stores/{store.pk}/products/categories/{category.pk}/edit/"
    a, b, c = open_tabs(browser, live_server, edit_url, 3)
    media_before = len(sandbox.data.media)

    b.fill("#id_description", "Heavy cotton, washed linen.")
    submit(b, "term-form")
    a.fill("#id_name", "Kitchen aprons")
    submit(a, "term-form")
    in_woo = in_shop(sandbox, "categories", created["id"])
    assert in_woo["name"] == "Kitchen aprons" and in_woo["description"] == "Heavy cotton, washed linen."

    c.fill("#id_description", "")
    submit(c, "term-form")
    shot(c, "03-category-conflict")
    assert "Not saved" in c.inner_text("#term-form")
    in_woo = in_shop(sandbox, "categories", created["id"])
    assert in_woo["description"] == "Heavy cotton, washed linen."
    # No save uploaded the image again: same media item, no new one.
    assert in_woo["image"]["id"] == image_id and len(sandbox.data.media) == media_before


# --- statuses the form does not offer ------------------------------------------------------------


@pytest.mark.parametrize("status", ["trash", "future"])
def test_save_on_a_trashed_or_scheduled_product_changes_nothing(browser, live_server, store, sandbox, status):
    product = simple_product(store, status="publish")
    if status == "trash":
        sandbox.trash_product(product.woo_id)
    else:
        sandbox.update_product(product.woo_id, status="future", date_created="2031-01-01T10:00:00")
    pull(store)
    product.refresh_from_db()
    assert product.status == status
    before = in_shop(sandbox, "products", product.woo_id)

    page = new_page(browser)
    sign_in(page, live_server.url, "owner@example.com")
    page.goto(f"{live_server.url}/stores/{store.pk}/products/{product.pk}/edit/")
    assert page.locator("#id_status").input_value() == status
    submit(page, "product-form")
    shot(page, f"04-save-{status}")
    assert in_shop(sandbox, "products", product.woo_id) == before
    product.refresh_from_db()
    assert product.status == status


# --- bulk actions on page 2 ---------------------------------------------------------------------


def test_bulk_on_page_2_changes_only_the_ticked_rows_of_page_2(browser, live_server, store, sandbox):
    before = {woo_id: in_shop(sandbox, "products", woo_id)["status"] for woo_id in sandbox.data.products}
    page = new_page(browser)
    sign_in(page, live_server.url, "owner@example.com")
    page.goto(f"{live_server.url}/stores/{store.pk}/products/?page=2")
    rows = page.locator("#products tbody tr")
    assert rows.count() >= 4
    ticked = [rows.nth(n).get_attribute("data-product") for n in (1, 3)]
    for product_id in ticked:
        page.check(f"tr[data-product='{product_id}'] input[name=ids]")
    page.wait_for_timeout(800)  # a reload of the list would have happened by now
    assert "page=2" in page.url
    for product_id in ticked:
        assert page.is_checked(f"tr[data-product='{product_id}'] input[name=ids]")
    page.select_option("#bulk-action", "status")
    page.select_option("#bulk_status", "private")
    shot(page, "05-bulk-page-2")
    page.click("#bulk-form button[type=submit]:has-text('Apply to selected')")
    with page.expect_navigation():
        page.click("#confirm-dialog button[value=confirm]")
    assert re.search(r"page=2", page.url)

    ticked_woo = set(Product.objects.filter(pk__in=ticked).values_list("woo_id", flat=True))
    after = {woo_id: in_shop(sandbox, "products", woo_id)["status"] for woo_id in before}
    assert {woo_id for woo_id in before if after[woo_id] != before[woo_id]} == {
        woo_id for woo_id in ticked_woo if before[woo_id] != "private"
    }
    assert all(after[woo_id] == "private" for woo_id in ticked_woo)


# --- exact text, Hebrew slugs --------------------------------------------------------------------


def test_an_untouched_description_and_name_stay_byte_identical(browser, live_server, store, sandbox):
    product = simple_product(store, price__isnull=False, sale_price__isnull=True)
    text = "<p>Line one</p>\r\n<p>Line two  </p>\n\n"
    sandbox.update_product(product.woo_id, name="Olive soap  ", description=text, short_description="\n Soft\r\n")
    pull(store)
    page = new_page(browser)
    sign_in(page, live_server.url, "owner@example.com")
    page.goto(f"{live_server.url}/stores/{store.pk}/products/{product.pk}/edit/")
    page.fill("#id_price", "64.00")
    submit(page, "product-form")
    simple_product_in_shop = in_shop(sandbox, "products", product.woo_id)
    assert simple_product_in_shop["regular_price"] == "64.00"
    assert simple_product_in_shop["description"] == text
    assert simple_product_in_shop["short_description"] == "\n Soft\r\n"
    assert simple_product_in_shop["name"] == "Olive soap  "


def test_a_term_with_a_hebrew_slug_can_be_renamed(browser, live_server, store, sandbox):
    created = client_for(store).post("products/tags", {"name": "שלום"}).data
    assert created["slug"].startswith("%d7%")  # WooCommerce stores it percent-encoded
    pull(store)
    tag = StoreTag.objects.get(store=store, woo_id=created["id"])
    page = new_page(browser)
    sign_in(page, live_server.url, "owner@example.com")
    page.goto(f"{live_server.url}/stores/{store.pk}/products/tags/{tag.pk}/edit/")
    page.fill("#id_name", "שלום עולם")
    submit(page, "term-form")
    shot(page, "06-hebrew-slug")
    in_woo = in_shop(sandbox, "tags", created["id"])
    assert in_woo["name"] == "שלום עולם" and in_woo["slug"] == created["slug"]
