"""Issue 19, a product's images and a variation's image, through the dashboard's pages and
against the sandbox, which downloads every new image from our public address as WooCommerce
does: each test asserts what the shop ended up with (its images' ids, order, alt texts, the
bytes it fetched), not only our database."""

import hashlib
import io
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.models import Product
from catalog.models import ProductImage
from catalog.models import ProductVariation
from catalog.tests.test_catalog_pages import page_form
from stores.models import StoreRole
from stores.models import StoreUser
from sync.models import ProductConflict
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncRunKind
from sync.models import SyncRunStatus
from sync.push import execute_push
from sync.runs import run_pull
from sync.services import sync_run_queue
from sync.tests.test_catalog_editing import editor as editor  # a manager of ``synced``, signed in
from sync.tests.test_catalog_editing import pushed
from sync.tests.test_catalog_editing import url

pytestmark = pytest.mark.django_db(transaction=True)


def picture(fmt="PNG", colour=(200, 40, 40), size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def sha(content):
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def sandbox(start_sandbox, shop_clock):
    return start_sandbox(products=16, orders=0, seed=19, clock=shop_clock)


@pytest.fixture
def synced(make_store, sandbox, settings, tmp_path, live_server):
    """A store on the sandbox, pulled; our uploads served at the live server's address."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SYNC_FETCH_IMAGES = False
    settings.SITE_URL = live_server.url
    store = make_store(url=sandbox.url, name="Sandbox shop")
    run = sync_run_queue(store.pk, kind=SyncRunKind.FULL, enqueue=False)
    assert run_pull(run.pk).status == SyncRunStatus.SUCCESS
    return store


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def loaded(client, store, product):
    return page_form(client, url("product_detail", store, product_id=product.pk), "image-upload-form")["loaded"]


def remote_images(sandbox, woo_id):
    return [(image["id"], image["alt"]) for image in sandbox.get_product(woo_id)["images"]]


def with_images(sandbox, synced, pull_count=3):
    """A simple product that has ``pull_count`` images in the shop, pulled here."""
    remote = sandbox.create_product(
        name="Olive bowl",
        type="simple",
        status="publish",
        regular_price="30",
        images=[{"src": f"{sandbox.url}/media/bowl-{n}.png", "alt": f"Bowl {n}"} for n in range(pull_count)],
    )
    run = sync_run_queue(synced.pk, kind=SyncRunKind.INCREMENTAL, enqueue=False)
    assert run_pull(run.pk).status == SyncRunStatus.SUCCESS
    return remote, Product.objects.get(store=synced, woo_id=remote["id"])


def test_uploaded_images_are_downloaded_by_woocommerce_and_keep_their_rows(client, synced, editor, sandbox):
    remote, product = with_images(sandbox, synced, pull_count=1)
    (kept,) = remote_images(sandbox, remote["id"])
    png, jpeg = picture("PNG"), picture("JPEG", colour=(20, 90, 200))
    response = client.post(
        url("images_upload", synced, product_id=product.pk),
        {
            "loaded": loaded(client, synced, product),
            "alt": "Olive bowl from above",
            # Names and declared types lie: the bytes decide (and name the stored file).
            "images": [upload("top.jpg", png, "image/jpeg"), upload("side.png", jpeg, "image/png")],
        },
    )
    assert response.status_code == 302 and "Images uploaded" in " ".join(said(response))
    (op,) = pushed(synced)
    assert op.fields == ["images"]

    # The shop downloaded both files from our public address and has exactly their bytes.
    loads = sandbox.data.sideloads
    assert [item["sha256"] for item in loads] == [sha(png), sha(jpeg)]
    assert all(item["src"].startswith(f"{synced_site(client)}/uploads/product-images/{synced.pk}/") for item in loads)
    assert [item["src"].rsplit(".", 1)[1] for item in loads] == ["png", "jpg"]
    images = sandbox.get_product(remote["id"])["images"]
    assert images[0]["id"] == kept[0]  # the existing image kept its id (sent as {"id"})
    # Each named after the file the person chose (its title in the media library).
    assert [(image["alt"], image["name"], image["src"].rsplit(".", 1)[1]) for image in images[1:]] == [
        ("Olive bowl from above", "top", "png"),
        ("Olive bowl from above", "side", "jpg"),
    ]
    with sandbox.data.lock:
        assert sandbox.data.media_files[images[1]["id"]][0] == png

    # Our rows took the shop's ids and addresses, and kept our stored copy.
    rows = list(ProductImage.objects.filter(product=product).order_by("display_order"))
    assert [row.woo_id for row in rows] == [image["id"] for image in images]
    assert [row.original_url for row in rows] == [image["src"] for image in images]
    assert rows[1].storage_source == "upload" and rows[1].storage_url.startswith("/uploads/product-images/")
    served = client.get(rows[1].storage_url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == png
    assert served["X-Content-Type-Options"] == "nosniff" and served["Content-Security-Policy"] == "sandbox"

    # The pull that brings our own change back changes nothing.
    before = {row.pk: row.updated_at for row in rows}
    run = sync_run_queue(synced.pk, kind=SyncRunKind.INCREMENTAL, enqueue=False)
    run_pull(run.pk)
    assert {row.pk: row.updated_at for row in ProductImage.objects.filter(product=product)} == before
    assert not ProductConflict.objects.filter(product=product).exists()


def synced_site(client):
    from django.conf import settings

    return settings.SITE_URL


def test_reorder_featured_alt_text_and_remove_are_sent_by_id(client, synced, editor, sandbox):
    remote, product = with_images(sandbox, synced, pull_count=3)
    first, second, third = (woo_id for woo_id, _alt in remote_images(sandbox, remote["id"]))
    media_before = len(sandbox.data.media)
    rows = {row.woo_id: row for row in ProductImage.objects.filter(product=product)}

    def act(image_woo_id, **data):
        change = url("image_change", synced, product_id=product.pk, image_id=rows[image_woo_id].pk)
        response = client.post(change, {"loaded": loaded(client, synced, product), **data})
        assert response.status_code == 302, response.content[:500]
        pushed(synced)
        return response

    act(first, action="down")  # the keyboard's "Move down"
    assert [i for i, _ in remote_images(sandbox, remote["id"])] == [second, first, third]
    act(third, action="first")  # "Make featured"
    assert [i for i, _ in remote_images(sandbox, remote["id"])] == [third, second, first]
    assert Product.objects.get(pk=product.pk).featured_image_id == rows[third].pk

    # A drag posts the whole order.
    response = client.post(
        url("images_order", synced, product_id=product.pk),
        {"loaded": loaded(client, synced, product), "order": [str(rows[w].pk) for w in (first, third, second)]},
    )
    assert response.status_code == 302
    pushed(synced)
    assert [i for i, _ in remote_images(sandbox, remote["id"])] == [first, third, second]

    act(third, action="alt", alt="A bowl of green olives")
    assert dict(remote_images(sandbox, remote["id"]))[third] == "A bowl of green olives"

    act(second, action="remove")
    assert [i for i, _ in remote_images(sandbox, remote["id"])] == [first, third]
    assert not ProductImage.objects.filter(pk=rows[second].pk).exists()
    # Every change named the shop's existing images by id: nothing was downloaded or added.
    assert len(sandbox.data.media) == media_before and sandbox.data.sideloads == []


def test_a_change_over_a_page_that_is_out_of_date_is_refused(client, synced, editor, sandbox):
    remote, product = with_images(sandbox, synced, pull_count=2)
    rows = list(ProductImage.objects.filter(product=product).order_by("display_order"))
    stale = loaded(client, synced, product)
    change = url("image_change", synced, product_id=product.pk, image_id=rows[0].pk)
    assert client.post(change, {"loaded": stale, "action": "alt", "alt": "Mine first"}).status_code == 302
    pushed(synced)
    # A second tab, loaded before that change, moves an image: refused, nothing sent.
    response = client.post(change, {"loaded": stale, "action": "down"})
    assert "changed since you opened this page" in " ".join(said(response))
    assert not PushOperation.objects.filter(store=synced, status=PushStatus.PENDING).exists()
    assert remote_images(sandbox, remote["id"])[0] == (rows[0].woo_id, "Mine first")
    # A forged or missing token is refused the same way.
    response = client.post(change, {"loaded": "forged", "action": "down"})
    assert "reload the page" in " ".join(said(response))


def test_images_changed_in_the_shop_meanwhile_open_a_conflict_instead_of_being_overwritten(
    client, synced, editor, sandbox, shop_clock
):
    remote, product = with_images(sandbox, synced, pull_count=2)
    rows = list(ProductImage.objects.filter(product=product).order_by("display_order"))
    token = loaded(client, synced, product)
    # The shop owner changes an alt text in WordPress a second later (WooCommerce's dates have
    # one-second steps); no pull has brought it here yet.
    shop_clock.advance(1)
    images = sandbox.get_product(remote["id"])["images"]
    sandbox.update_product(remote["id"], images=[{"id": images[0]["id"], "alt": "Shop's alt"}, {"id": images[1]["id"]}])
    change = url("image_change", synced, product_id=product.pk, image_id=rows[1].pk)
    client.post(change, {"loaded": token, "action": "first"})
    op = PushOperation.objects.get(store=synced, status=PushStatus.PENDING)
    assert execute_push(op.pk).status == PushStatus.CONFLICT
    conflict = ProductConflict.objects.get(product=product)
    assert [item["field"] for item in conflict.fields] == ["images"]
    # Nothing was sent: the shop keeps its order and its alt text.
    assert remote_images(sandbox, remote["id"]) == [(images[0]["id"], "Shop's alt"), (images[1]["id"], "Bowl 1")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"<!doctype html><script>alert(1)</script>", "is not a JPEG, PNG, WebP or GIF image"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "is not a JPEG"),
        ("photo.avif", b"", "is empty"),
        ("big.png", picture("PNG", size=(600, 600)) + b"\0" * 4096, "is too large: at most"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_is_kept(
    client, synced, editor, sandbox, settings, name, content, message
):
    settings.PRODUCT_IMAGE_UPLOAD_MAX_BYTES = 4000
    remote, product = with_images(sandbox, synced, pull_count=1)
    response = client.post(
        url("images_upload", synced, product_id=product.pk),
        {"loaded": loaded(client, synced, product), "images": [upload(name, content, "image/jpeg")]},
    )
    assert response.status_code == 302
    assert any(message in text and name in text for text in said(response)), said(response)
    assert ProductImage.objects.filter(product=product).count() == 1
    assert not PushOperation.objects.filter(store=synced, status=PushStatus.PENDING).exists()
    uploads = Path(settings.MEDIA_ROOT) / "product-uploads"
    assert not uploads.exists() or not any(uploads.rglob("*.*"))
    assert len(remote_images(sandbox, remote["id"])) == 1 and sandbox.data.sideloads == []


def test_uploads_are_turned_off_before_upload_when_the_shop_could_not_download_them(
    client, make_store, editor, settings, synced
):
    from config.testing import make_product

    settings.SITE_URL = "http://127.0.0.1:8000"
    # A shop on the internet (a public address; never contacted here) cannot reach 127.0.0.1.
    remote_shop = make_store(url="https://93.184.215.14", name="Remote shop")
    StoreUser.objects.create(store=remote_shop, user=editor, role=StoreRole.MANAGER)
    product = make_product(remote_shop)
    page = client.get(url("product_detail", remote_shop, product_id=product.pk)).content.decode()
    assert "Uploading is off" in page and "127.0.0.1" in page
    assert '<fieldset class="field-row" disabled' in page
    response = client.post(
        url("images_upload", remote_shop, product_id=product.pk),
        {"loaded": loaded(client, remote_shop, product), "images": [upload("a.png", picture())]},
    )
    assert "Uploading is off" in " ".join(said(response))
    assert not ProductImage.objects.filter(product=product).exists()

    # Files on a public address (S3, a CDN) can be downloaded: uploads are on.
    settings.MEDIA_URL = "https://93.184.215.15/media/"
    page = client.get(url("product_detail", remote_shop, product_id=product.pk)).content.decode()
    assert 'id="upload-blocked"' not in page and '<fieldset class="field-row">' in page
    # A shop on this machine (the sandbox) reaches 127.0.0.1.
    settings.MEDIA_URL = "/media/"
    local = Product.objects.filter(store=synced).first()
    assert 'id="upload-blocked"' not in client.get(url("product_detail", synced, product_id=local.pk)).content.decode()


def test_a_variations_image_chosen_uploaded_and_taken_off_reaches_woocommerce(client, synced, editor, sandbox):
    parent = Product.objects.filter(store=synced, type="variable", variations__woo_id__isnull=False).first()
    gallery = list(ProductImage.objects.filter(product=parent).exclude(type="variation").order_by("display_order"))
    if not gallery:
        sandbox.update_product(parent.woo_id, images=[{"src": f"{sandbox.url}/media/jar.png", "alt": "Jar"}])
        run_pull(sync_run_queue(synced.pk, kind=SyncRunKind.INCREMENTAL, enqueue=False).pk)
        gallery = list(ProductImage.objects.filter(product=parent).exclude(type="variation"))
    variation = ProductVariation.objects.filter(product=parent, woo_id__isnull=False).order_by("woo_id").first()
    edit = url("variation_edit", synced, product_id=parent.pk, variation_id=variation.pk)

    def remote_image():
        with sandbox.data.lock:
            return sandbox.data.variations[variation.woo_id]["image"]

    response = client.post(edit, page_form(client, edit, "variation-form", image_id=str(gallery[0].pk)))
    assert response.status_code == 302, response.content.decode()[:3000]
    pushed(synced)
    assert remote_image()["id"] == gallery[0].woo_id
    assert sandbox.data.sideloads == []

    jpeg = picture("JPEG", colour=(10, 160, 60))
    data = page_form(client, edit, "variation-form")
    data["image_file"] = upload("green.jpg", jpeg)
    response = client.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    pushed(synced)
    (fetched,) = sandbox.data.sideloads
    assert fetched["sha256"] == sha(jpeg) and remote_image()["id"] == fetched["media_id"]
    variation.refresh_from_db()
    assert variation.image.woo_id == fetched["media_id"] and variation.image.storage_source == "upload"
    # Not added to the product's gallery, here or in the shop.
    assert fetched["media_id"] not in [image["id"] for image in sandbox.get_product(parent.woo_id)["images"]]

    response = client.post(edit, page_form(client, edit, "variation-form", image_id=""))
    assert response.status_code == 302
    pushed(synced)
    assert remote_image() is None
    assert ProductVariation.objects.get(pk=variation.pk).image_id is None


def test_a_bad_variation_image_upload_is_refused_on_the_form(client, synced, editor, sandbox):
    variation = ProductVariation.objects.filter(store=synced, woo_id__isnull=False).first()
    edit = url("variation_edit", synced, product_id=variation.product_id, variation_id=variation.pk)
    data = page_form(client, edit, "variation-form")
    data["image_file"] = upload("fake.jpg", b"GIF89a<script>alert(1)</script>", "image/jpeg")
    response = client.post(edit, data)
    assert response.status_code == 400
    assert "is not a JPEG, PNG, WebP or GIF image" in response.content.decode()
    assert not PushOperation.objects.filter(store=synced, status=PushStatus.PENDING).exists()


def test_only_stored_uploads_are_served(client, synced):
    missing = reverse("uploaded_image", kwargs={"store_id": synced.pk, "name": "0" * 32 + ".png"})
    assert client.get(missing).status_code == 404
    other = reverse("uploaded_image", kwargs={"store_id": synced.pk, "name": "..%2F..%2Fsettings.py"})
    assert client.get(other).status_code == 404
