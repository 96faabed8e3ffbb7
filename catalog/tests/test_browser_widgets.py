"""The product form's rich-text description and searchable multi-selects in Chromium, against
the WooCommerce sandbox, in English and Hebrew: what the shop received is asserted, and the page
the person sees. Screenshots go to test-artifacts/widgets-*.png.

Everything is done as a person would: clicks on the toolbar, typing, the keyboard in the
multi-selects. The pages run under the product's real Content-Security-Policy (not bypassed), and
any CSP report or script error fails the test.
"""

import copy

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from catalog.models import StoreCategory
from catalog.models import StoreTag
from catalog.tests.test_browser_catalog_editing import sandbox as sandbox  # 30 products, pulled by `shop`
from catalog.tests.test_browser_dashboard import ARTIFACTS
from catalog.tests.test_browser_dashboard import new_page
from catalog.tests.test_browser_dashboard import shop as shop  # a store on the sandbox below, pulled once
from catalog.tests.test_browser_dashboard import sign_in
from sync.models import SyncRunKind
from sync.runs import run_pull
from sync.services import sync_run_queue
from sync.woo import client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_shop(sandbox, woo_id):
    with sandbox.data.lock:
        return copy.deepcopy(sandbox.data.products[woo_id])


def watched_page(browser, locale="en-US"):
    """A page whose script errors and CSP refusals are collected in ``page.problems``."""
    page = new_page(browser, locale=locale)
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"error: {error}"))
    page.on(
        "console",
        lambda message: (
            page.problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def a_simple_product(store):
    return Product.objects.filter(store=store, type="simple", woo_id__isnull=False).order_by("woo_id").first()


def open_editor(page, base, store, product):
    page.goto(f"{base}/stores/{store.pk}/products/{product.pk}/edit/")
    page.wait_for_selector("#id_description-editor")
    page.wait_for_selector("#id_categories-ts-control")


def clear_choices(page, field):
    """Focus a multi-select from its label and remove every chosen term with Backspace, one at a
    time. Tom Select drops a key that arrives while it is still opening its dropdown after the
    focus (seen under load), so a Backspace that removed nothing is pressed again, up to 3 times."""
    page.click(f"label[for='id_{field}-ts-control']")
    expect(page.locator(f"#id_{field}-ts-control")).to_be_focused()
    items = chosen(page, field)
    for remaining in range(items.count() - 1, -1, -1):
        for attempt in range(3):
            page.keyboard.press("Backspace")
            try:
                expect(items).to_have_count(remaining, timeout=2000)
                break
            except AssertionError:
                if attempt == 2:
                    raise


def pick(page, field, typed):
    """Type into a multi-select, then Enter on the highlighted match."""
    control = page.locator(f"#id_{field}-ts-control")
    control.focus()
    page.keyboard.type(typed, delay=20)
    page.locator(f"#id_{field}-ts-dropdown .option.active", has_text=typed).wait_for()
    page.keyboard.press("Enter")


def chosen(page, field):
    return page.locator(f"#id_{field}-ts-control").locator("xpath=..").locator(".item")


def chosen_names(page, field):
    return [text.replace("×", "").strip() for text in chosen(page, field).all_inner_texts()]


def test_a_description_formatted_with_the_editor_reaches_the_shop_and_shows(browser, live_server, shop, sandbox):
    base, store = live_server.url, shop["store"]
    product = a_simple_product(store)
    page = watched_page(browser)
    sign_in(page, base, "owner@example.com")
    open_editor(page, base, store, product)
    # The textarea is replaced by the editor; the no-JS hint about Ctrl-click is gone.
    assert page.locator("#id_description").is_hidden()
    assert "Type to search" in page.inner_text("[data-select-hint]")

    editor = page.locator("#id_description-editor")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for line in ("Washed linen", "Cold wash", "Line dry"):
        page.keyboard.type(line)
        page.keyboard.press("Enter")
    page.keyboard.press("Backspace")
    toolbar = page.get_by_role("toolbar", name="Formatting: Description", exact=True)
    # "linen" selected with the keyboard, made bold from the toolbar.
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")
    for _ in range(len("linen")):
        page.keyboard.press("Shift+ArrowLeft")
    bold = toolbar.get_by_role("button", name="Bold")
    bold.click()
    assert bold.get_attribute("aria-pressed") == "true"
    # The last two lines selected, made a bulleted list.
    page.keyboard.press("Control+End")
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Shift+Home")
    toolbar.get_by_role("button", name="Bulleted list").click()
    assert toolbar.get_by_role("button", name="Bulleted list").get_attribute("aria-pressed") == "true"
    # "Washed" made a link: its address typed in the link bar, Enter applies (and does not save).
    page.keyboard.press("Control+Home")
    page.keyboard.press("Shift+Control+ArrowRight")
    toolbar.get_by_role("button", name="Link").click()
    page.locator("#id_description-link").fill("example.com/care")
    page.screenshot(path=str(ARTIFACTS / "widgets-en-editor.png"), full_page=True)
    page.locator("#id_description-link").press("Enter")
    assert "/edit/" in page.url and page.locator("#id_description-link").is_hidden()
    # A last line after the list (Enter on an empty item leaves it), made a heading.
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Made in Portugal")
    toolbar.get_by_role("button", name="Heading", exact=True).click()
    with page.expect_navigation():
        page.click("#product-form button[type=submit]")

    expected = (
        '<p><a href="https://example.com/care" rel="noopener noreferrer nofollow">Washed</a> <b>linen</b></p>'
        "<ul><li>Cold wash</li><li>Line dry</li></ul><h2>Made in Portugal</h2>"
    )
    assert in_shop(sandbox, product.woo_id)["description"] == expected
    page.click("details.description summary")
    assert page.locator(".description b", has_text="linen").is_visible()
    assert page.locator(".description a", has_text="Washed").get_attribute("href") == "https://example.com/care"
    assert page.locator(".description ul li").all_inner_texts() == ["Cold wash", "Line dry"]
    assert page.locator(".description h2").inner_text() == "Made in Portugal"
    page.screenshot(path=str(ARTIFACTS / "widgets-en-product.png"), full_page=True)

    # Opened again, the description is in the editor as saved; Edit HTML shows its source.
    page.goto(f"{base}/stores/{store.pk}/products/{product.pk}/edit/")
    page.wait_for_selector("#id_description-editor b")
    toolbar = page.get_by_role("toolbar", name="Formatting: Description", exact=True)
    toolbar.get_by_role("button", name="Edit HTML").click()
    assert page.locator("#id_description").is_visible()
    assert page.input_value("#id_description") == expected
    assert page.problems == []


def test_categories_and_a_tag_picked_with_the_keyboard(browser, live_server, shop, sandbox):
    base, store = live_server.url, shop["store"]
    product = a_simple_product(store)
    names = sorted(
        StoreCategory.objects.filter(store=store).exclude(name="Uncategorized").values_list("name", flat=True)
    )
    # Two categories whose names are no other's part, so the typed name is the first match.
    unique = [name for name in names if sum(name.lower() in other.lower() for other in names) == 1][:2]
    tag = StoreTag.objects.filter(store=store).order_by("name").first()
    page = watched_page(browser)
    sign_in(page, base, "owner@example.com")
    open_editor(page, base, store, product)

    clear_choices(page, "categories")
    assert chosen(page, "categories").count() == 0
    pick(page, "categories", unique[0][:-1])  # the name less its last letter: found by searching
    pick(page, "categories", unique[1])
    page.keyboard.press("Escape")
    assert chosen_names(page, "categories") == unique
    clear_choices(page, "tags")
    pick(page, "tags", tag.name)
    page.keyboard.press("Escape")
    page.screenshot(path=str(ARTIFACTS / "widgets-en-selects.png"), full_page=True)
    with page.expect_navigation():
        page.click("#product-form button[type=submit]")

    remote = in_shop(sandbox, product.woo_id)
    by_name = dict(StoreCategory.objects.filter(store=store).values_list("name", "woo_id"))
    assert sorted(ref["id"] for ref in remote["categories"]) == sorted(by_name[name] for name in unique[:2])
    assert [ref["id"] for ref in remote["tags"]] == [tag.woo_id]
    assert page.problems == []


def test_hebrew_right_to_left_selects_and_editor(browser, live_server, shop, sandbox):
    base, store = live_server.url, shop["store"]
    client = client_for(store)
    hebrew = ["כלי מטבח", "טקסטיל לבית", "מבצע קיץ"]
    created = [client.post("products/categories", {"name": name}).data["id"] for name in hebrew[:2]]
    tag_id = client.post("products/tags", {"name": hebrew[2]}).data["id"]
    run = sync_run_queue(store.pk, kind=SyncRunKind.FULL, enqueue=False)
    assert run_pull(run.pk).status in ("success", "partial")
    product = a_simple_product(store)

    page = watched_page(browser, locale="he-IL")
    sign_in(page, base, "owner@example.com")
    with page.expect_navigation():
        page.click("button[name=language][value=he]")
    open_editor(page, base, store, product)
    assert page.get_attribute("html", "dir") == "rtl"
    wrapper = page.locator("#id_categories-ts-control").locator("xpath=../..")
    assert "rtl" in wrapper.get_attribute("class")

    clear_choices(page, "categories")
    pick(page, "categories", "כלי מטב")
    pick(page, "categories", "טקסטיל ל")
    page.keyboard.press("Escape")
    clear_choices(page, "tags")
    pick(page, "tags", "מבצע ק")
    page.keyboard.press("Escape")
    # Right to left: the first chosen term is on the right, the one after it on its left.
    first, second = (box.bounding_box() for box in chosen(page, "categories").all())
    assert first["x"] > second["x"]
    # The editor's toolbar starts on the right too, with its Hebrew names.
    toolbar = page.get_by_role("toolbar", name="עיצוב: תיאור", exact=True)
    bold, italic = toolbar.get_by_role("button", name="מודגש"), toolbar.get_by_role("button", name="נטוי")
    assert bold.bounding_box()["x"] > italic.bounding_box()["x"]
    editor = page.locator("#id_description-editor")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("מגבת ")
    bold.click()
    page.keyboard.type("כותנה")
    bold.click()
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="רשימה ממוספרת").click()
    page.keyboard.type("כביסה קרה")
    assert chosen_names(page, "tags") == ["מבצע קיץ"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "widgets-he-form.png"), full_page=True)
    with page.expect_navigation():
        page.click("#product-form button[type=submit]")

    remote = in_shop(sandbox, product.woo_id)
    assert sorted(ref["id"] for ref in remote["categories"]) == sorted(created)
    assert [ref["id"] for ref in remote["tags"]] == [tag_id]
    assert remote["description"] == "<p>מגבת <b>כותנה</b></p><ol><li>כביסה קרה</li></ol>"
    page.click("details.description summary")
    page.screenshot(path=str(ARTIFACTS / "widgets-he-product.png"), full_page=True)
    assert page.locator(".description ol li").all_inner_texts() == ["כביסה קרה"]
    assert page.problems == []


def test_the_bulk_bars_term_is_searched_with_the_keyboard(browser, live_server, shop, sandbox):
    base, store = live_server.url, shop["store"]
    tag = StoreTag.objects.filter(store=store).order_by("-name").first()
    page = watched_page(browser)
    sign_in(page, base, "owner@example.com")
    page.goto(f"{base}/stores/{store.pk}/products/")
    rows = page.locator("#products tbody tr")
    ticked = [rows.nth(n).get_attribute("data-product") for n in (0, 2)]
    for product_id in ticked:
        page.check(f"tr[data-product='{product_id}'] input[name=ids]")
    page.select_option("#bulk-action", "term_add")
    page.locator("#bulk_term-ts-control").focus()
    page.keyboard.type(tag.name, delay=20)
    page.locator("#bulk_term-ts-dropdown .option.active", has_text=tag.name).wait_for()
    # The bar sticks to the bottom of the screen: the list opens above it, inside the window.
    dropdown = page.locator("#bulk_term-ts-dropdown").bounding_box()
    control = page.locator("#bulk_term-ts-control").locator("xpath=..").bounding_box()
    assert dropdown["y"] + dropdown["height"] <= control["y"] + 1 and dropdown["y"] >= 0
    page.screenshot(path=str(ARTIFACTS / "widgets-en-bulk-term.png"))
    page.keyboard.press("Enter")
    assert page.input_value("#bulk_term") == f"tag:{tag.woo_id}"
    page.click("#bulk-form button[type=submit]:has-text('Apply to selected')")
    with page.expect_navigation():
        page.click("#confirm-dialog button[value=confirm]")

    for woo_id in Product.objects.filter(pk__in=ticked).values_list("woo_id", flat=True):
        assert tag.woo_id in [ref["id"] for ref in in_shop(sandbox, woo_id)["tags"]]
    assert page.problems == []


def test_without_scripts_the_plain_textarea_and_multi_select_still_save(browser, live_server, shop, sandbox):
    base, store = live_server.url, shop["store"]
    product = a_simple_product(store)
    category = StoreCategory.objects.filter(store=store).exclude(name="Uncategorized").order_by("woo_id").first()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, "owner@example.com")
    page.goto(f"{base}/stores/{store.pk}/products/{product.pk}/edit/")
    assert page.locator("#id_description").is_visible() and page.locator(".richtext").count() == 0
    assert "Hold Ctrl" in page.inner_text("[data-select-hint]")
    page.fill("#id_description", "<p>Plain <em>HTML</em></p>")
    page.select_option("#id_categories", [str(category.woo_id)])
    with page.expect_navigation():
        page.click("#product-form button[type=submit]")
    remote = in_shop(sandbox, product.woo_id)
    assert remote["description"] == "<p>Plain <em>HTML</em></p>"
    assert [ref["id"] for ref in remote["categories"]] == [category.woo_id]
    context.close()
