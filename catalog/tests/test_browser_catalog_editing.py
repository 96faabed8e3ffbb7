"""Issue 19 in Chromium against the WooCommerce sandbox: upload two images, reorder them (drag and
keyboard), set alt text, generate variations for two attributes, edit one (with its image),
delete one, change a description's formatting, delete a tag; each checked in the shop (which
downloads the uploaded files from the live server, as WooCommerce does). Screenshots (English and
Hebrew) go to test-artifacts/catalog-editing-*.png.

Pushes run eagerly (on commit, in the request), so the sandbox holds the result when the page
has answered.
"""

import copy
import hashlib

import pytest
from PIL import Image

from catalog.models import Product
from catalog.models import ProductVariation
from catalog.models import StoreTag
from catalog.tests.test_browser_dashboard import ARTIFACTS
from catalog.tests.test_browser_dashboard import KEYS
from catalog.tests.test_browser_dashboard import new_page
from catalog.tests.test_browser_dashboard import shop as shop  # a store on the sandbox below, pulled once
from catalog.tests.test_browser_dashboard import sign_in
from sync.models import SyncRunKind
from sync.runs import run_pull
from sync.services import sync_run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox(products=30, orders=2, seed=19, keys=[KEYS])


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"catalog-editing-{name}.png"), full_page=True)


def remote_variations(sandbox, product_id):
    with sandbox.data.lock:
        return {
            vid: copy.deepcopy(sandbox.data.variations[vid])
            for vid in sandbox.data.children.get(product_id, [])
            if vid in sandbox.data.variations
        }


def image_files(tmp_path):
    """Two real images: a PNG and a JPEG, each a different colour."""
    files = []
    for name, fmt, colour in (("terrace.png", "PNG", (196, 120, 60)), ("olives.jpg", "JPEG", (90, 130, 60))):
        path = tmp_path / name
        Image.new("RGB", (120, 90), colour).save(path, format=fmt)
        files.append(path)
    return files


def remote_images(sandbox, product_id):
    return [(image["id"], image["alt"]) for image in sandbox.get_product(product_id)["images"]]


def confirm(page):
    """Answer the confirmation dialog of a destructive form with yes."""
    with page.expect_navigation():
        page.click("#confirm-dialog [data-confirm-ok]")


def test_images_variations_description_and_tag_journey(browser, live_server, shop, sandbox, settings, tmp_path):
    base, store = live_server.url, shop["store"]
    settings.SITE_URL = base  # the shop downloads uploaded images from here
    remote = sandbox.create_product(
        name="Linen shirt",
        type="variable",
        status="publish",
        attributes=[
            {"name": "Size", "options": ["S", "M"], "variation": True, "visible": True, "position": 0},
            {"name": "Colour", "options": ["Red", "Blue"], "variation": True, "visible": True, "position": 1},
        ],
    )
    run = sync_run_queue(store.pk, kind=SyncRunKind.INCREMENTAL, enqueue=False)
    assert run_pull(run.pk).status in ("success", "partial")
    product = Product.objects.get(store=store, woo_id=remote["id"])
    product_url = f"{base}/stores/{store.pk}/products/{product.pk}/"

    page = new_page(browser)
    sign_in(page, base, "owner@example.com")
    page.goto(product_url)

    # Upload two images: the shop downloads both from us and has exactly their bytes.
    files = image_files(tmp_path)
    assert page.locator("#upload-blocked").count() == 0
    page.set_input_files("#id_images", [str(path) for path in files])
    with page.expect_navigation():
        page.click("#image-upload-form button[type=submit]")
    assert [item["sha256"] for item in sandbox.data.sideloads] == [
        hashlib.sha256(path.read_bytes()).hexdigest() for path in files
    ]
    terrace, olives = (item["media_id"] for item in sandbox.data.sideloads)
    assert [media_id for media_id, _alt in remote_images(sandbox, remote["id"])] == [terrace, olives]
    assert "WooCommerce accepted the change." in page.inner_text("#push-status")
    items = page.locator(".image-manager .image-item")
    assert items.count() == 2
    shot(page, "images-uploaded-en")

    # Reorder by dragging the second image above the first: the olives become the featured image.
    with page.expect_navigation():
        page.drag_and_drop(
            ".image-manager .image-item:nth-child(2) .image-handle",
            ".image-manager .image-item:nth-child(1) .image-handle",
        )
    assert [media_id for media_id, _alt in remote_images(sandbox, remote["id"])] == [olives, terrace]
    assert page.locator(".image-manager .image-item").first.locator(".pill", has_text="Featured image").is_visible()

    # Alt text on the featured image.
    page.fill(".image-manager .image-item:nth-child(1) input[name=alt]", "Green olives in a bowl")
    with page.expect_navigation():
        page.click(".image-manager .image-item:nth-child(1) .image-alt-form button[type=submit]")
    assert remote_images(sandbox, remote["id"])[0] == (olives, "Green olives in a bowl")
    shot(page, "images-en")

    assert "4 combinations" in page.inner_text("#generate-variations-form")
    with page.expect_navigation():
        page.click("#generate-variations-form button[type=submit]")
    made = remote_variations(sandbox, remote["id"])
    assert sorted(tuple(sorted((a["name"], a["option"]) for a in v["attributes"])) for v in made.values()) == sorted(
        (("Colour", c), ("Size", s)) for s in ("S", "M") for c in ("Red", "Blue")
    )
    rows = page.locator(".variations-table tbody tr")
    assert rows.count() == 4
    shot(page, "generated-en")

    # Edit the second row's variation: every field a shop uses is on its page.
    second = ProductVariation.objects.get(pk=rows.nth(1).get_attribute("id").removeprefix("variation-"))
    with page.expect_navigation():
        rows.nth(1).get_by_role("link", name="Edit").click()
    page.fill("#id_sku", "SHIRT-2")
    page.fill("#id_regular_price", "50")
    page.fill("#id_sale_price", "40")
    page.fill("#id_date_on_sale_from", "2027-03-01")
    page.fill("#id_date_on_sale_to", "2027-03-31")
    page.select_option("#id_backorders", "notify")
    page.fill("#id_weight", "0.3")
    # The variation's image: one of the product's (the terrace, now the second image).
    page.locator(".variation-images label").nth(2).click()
    shot(page, "variation-edit-en")
    with page.expect_navigation():
        page.click("#variation-form button[type=submit]")
    edited = remote_variations(sandbox, remote["id"])[second.woo_id]
    assert (edited["sku"], edited["regular_price"], edited["sale_price"], edited["backorders"]) == (
        "SHIRT-2",
        "50",
        "40",
        "notify",
    )
    assert edited["date_on_sale_from"].startswith("2027-03-01") and edited["weight"] == "0.30"
    assert edited["image"]["id"] == terrace and len(sandbox.data.sideloads) == 2  # by id: nothing downloaded

    # Delete the third row's variation (after the confirmation).
    third = ProductVariation.objects.get(pk=rows.nth(2).get_attribute("id").removeprefix("variation-"))
    rows.nth(2).get_by_role("button", name="Delete").click()
    confirm(page)
    left = remote_variations(sandbox, remote["id"])
    assert third.woo_id not in left and len(left) == 3
    assert page.locator(".variations-table tbody tr").count() == 3

    # A description with formatting: sent to the shop as HTML, shown formatted.
    page.goto(f"{product_url}edit/")
    # The description's HTML itself, behind the editor's "Edit HTML" button.
    toolbar = page.get_by_role("toolbar", name="Formatting: Description", exact=True)
    toolbar.get_by_role("button", name="Edit HTML").click()
    page.fill("#id_description", "<p>Washed <strong>linen</strong></p><ul><li>Cold wash</li></ul>")
    with page.expect_navigation():
        page.click("#product-form button[type=submit]")
    description = sandbox.get_product(remote["id"])["description"]
    assert "<strong>linen</strong>" in description and "<li>Cold wash</li>" in description
    page.click("details.description summary")
    assert page.locator(".description strong", has_text="linen").is_visible()
    shot(page, "product-en")

    # Delete the tag on the second row of the tags list, after its confirmation page.
    page.goto(f"{base}/stores/{store.pk}/products/tags/")
    row = page.locator("table tbody tr").nth(1)
    name = row.locator("td").first.inner_text().strip()
    tag = StoreTag.objects.get(store=store, name=name)
    with page.expect_navigation():
        row.get_by_role("link", name="Delete").click()
    assert "use it" in page.inner_text("main")
    shot(page, "tag-delete-en")
    with page.expect_navigation():
        page.click("#term-delete-form button[type=submit]")
    with sandbox.data.lock:
        assert tag.woo_id not in sandbox.data.tags
    assert not StoreTag.objects.filter(pk=tag.pk).exists()

    # The same pages in Hebrew, right to left.
    he = new_page(browser, locale="he-IL")
    sign_in(he, base, "owner@example.com")
    he.goto(product_url)
    assert he.locator("html").get_attribute("dir") == "rtl"
    assert he.locator("#add-variations-title").is_visible()
    # The keyboard way: "Move down" on the featured image, then a Hebrew alt text.
    he.focus(".image-manager .image-item:nth-child(1) button[value=down]")
    with he.expect_navigation():
        he.keyboard.press("Enter")
    assert [media_id for media_id, _alt in remote_images(sandbox, remote["id"])] == [terrace, olives]
    he.fill(".image-manager .image-item:nth-child(1) input[name=alt]", "מרפסת בשקיעה")
    with he.expect_navigation():
        he.press(".image-manager .image-item:nth-child(1) input[name=alt]", "Enter")
    assert remote_images(sandbox, remote["id"])[0] == (terrace, "מרפסת בשקיעה")
    # Upload a third image in Hebrew, then remove it (after the confirmation).
    third = tmp_path / "jar.gif"
    Image.new("RGB", (60, 60), (220, 200, 80)).save(third, format="GIF")
    he.set_input_files("#id_images", str(third))
    he.fill("#id_upload_alt", "צנצנת זיתים")
    with he.expect_navigation():
        he.click("#image-upload-form button[type=submit]")
    jar = sandbox.data.sideloads[-1]["media_id"]
    assert remote_images(sandbox, remote["id"]) == [
        (terrace, "מרפסת בשקיעה"),
        (olives, "Green olives in a bowl"),
        (jar, "צנצנת זיתים"),
    ]
    shot(he, "images-he")
    he.locator(".image-manager .image-item:nth-child(3) [data-remove-image]").click()
    confirm(he)
    assert [media_id for media_id, _alt in remote_images(sandbox, remote["id"])] == [terrace, olives]
    shot(he, "product-he")
    he.goto(f"{base}/stores/{store.pk}/products/{product.pk}/variations/{second.pk}/edit/")
    shot(he, "variation-edit-he")
    other = StoreTag.objects.filter(store=store).order_by("name").first()
    he.goto(f"{base}/stores/{store.pk}/products/tags/{other.pk}/delete/")
    shot(he, "tag-delete-he")
    he.goto(f"{base}/stores/{store.pk}/products/{product.pk}/attributes/")
    shot(he, "attributes-he")
