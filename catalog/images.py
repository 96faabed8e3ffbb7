"""A product's images: upload, order (the first is the featured one, as in WooCommerce), alt
text, removal, and a variation's image; each change pushed with the product's ``images``.

WooCommerce takes a new image by URL (``{"src"}``) and downloads it itself, so an uploaded file
is stored under our own name and served at a public address (``SITE_URL`` or S3):
:func:`upload_blocker` says, before anything is uploaded, when a shop on the internet could not
reach that address. An upload is an image by its bytes (Pillow, ``sync.images``), never by its
name or declared type.

Every change carries the signed state of the images the page showed (``loaded``): if they changed
meanwhile (a teammate, or the shop through a webhook or a pull), :class:`catalog.edits.EditConflict`
and nothing is saved.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog import services
from catalog.edits import EditConflict
from catalog.models import Product
from catalog.models import ProductImage
from catalog.models import ProductVariation
from catalog.push import product_push
from config.db import DataSource
from stores.access import CHANGE_CATALOG
from stores.access import access_for
from stores.access import get_scoped_or_404
from sync.egress import address_kind
from sync.images import NotAnImage
from sync.images import image_kind

UPLOAD_DIR = "product-uploads"
# What WooCommerce accepts as product images (wc_rest_allowed_image_mime_types) and we check.
UPLOAD_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
SALT = "catalog.edit.images"
MAX_FILES = 10


# --- where uploads are served, and whether the shop can reach it --------------------------------


def upload_url(name: str, *, absolute: bool) -> str:
    """The address of a stored upload: the storage's own when it is absolute (S3, a CDN), else
    our public view of it (under ``SITE_URL`` when ``absolute``)."""
    url = default_storage.url(name)
    if url.startswith(("http://", "https://")):
        return url
    store_id, file_name = PurePosixPath(name).parts[-2:]
    path = reverse("uploaded_image", kwargs={"store_id": store_id, "name": file_name})
    return settings.SITE_URL + path if absolute else path


def upload_blocker(store) -> str | None:
    """Why the shop could not download an uploaded image (None when it can). A shop on the
    internet cannot reach a file served from this machine or a private network; a shop on the
    same machine or network can."""
    probe = upload_url(f"{UPLOAD_DIR}/{store.pk}/{'0' * 32}.jpg", absolute=True)
    files_host = urlsplit(probe).hostname or ""
    if address_kind(files_host) is None:
        return None
    shop_kind = address_kind(urlsplit(store.url).hostname or "")
    if shop_kind is not None and shop_kind != "unresolvable":
        return None  # the shop is on this machine or network too
    return _(
        "Uploading is off: WooCommerce downloads every new image from its address, and uploaded files "
        "would be served from %(host)s, a private address (this machine or its network) that the shop "
        "at %(shop)s cannot reach. Set SITE_URL to this Storedesk's public address, or keep the files "
        "on S3 (STORAGE_BACKEND=s3)."
    ) % {"host": files_host, "shop": urlsplit(store.url).hostname or store.url}


def read_upload(upload) -> tuple[bytes, str]:
    """The bytes of an uploaded file and the extension of the image format they really are;
    :class:`ValidationError` with a message the person understands otherwise."""
    name = getattr(upload, "name", "") or _("The file")
    limit = settings.PRODUCT_IMAGE_UPLOAD_MAX_BYTES
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is too large: at most %(max)s MB.") % {"name": name, "max": f"{limit / 1048576:g}"}
        )
    content = upload.read(limit + 1)
    try:
        kind = image_kind(content, url=name)
    except NotAnImage:
        kind = None
    if kind is None or kind.format not in UPLOAD_FORMATS:
        raise ValidationError(
            _("“%(name)s” is not a JPEG, PNG, WebP or GIF image (its content was checked, not its name).")
            % {"name": name}
        )
    return content, kind.extension


def _store_upload(store_id, content: bytes, extension: str) -> tuple[str, str]:
    """Save the file under our own name: ``(public URL for the shop, URL for our pages)``."""
    name = default_storage.save(f"{UPLOAD_DIR}/{store_id}/{uuid.uuid4().hex}{extension}", ContentFile(content))
    return upload_url(name, absolute=True), upload_url(name, absolute=False)


# --- the state a page showed --------------------------------------------------------------------


def gallery_of(product) -> list[ProductImage]:
    """The product's images in their order (the first is featured); a variation's own image is not."""
    return list(ProductImage.objects.filter(product=product).exclude(type="variation").order_by("display_order", "id"))


def images_state(rows) -> list[list]:
    return [[str(row.pk), row.woo_id, row.alt_text or ""] for row in rows]


def sign_state(rows) -> str:
    return signing.dumps(images_state(rows), salt=SALT, compress=True)


def unsign_state(token: str):
    """The state a page showed; :class:`signing.BadSignature` when the token is not ours."""
    return signing.loads(token or "", salt=SALT)


def _locked_product(actor, store_id, product_id):
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    return get_scoped_or_404(
        Product.objects.select_for_update().filter(store_id=store_id), access, CHANGE_CATALOG, pk=product_id
    )


def _checked_rows(product, base):
    rows = gallery_of(product)
    if base is not None and images_state(rows) != base:
        raise EditConflict({"images": {"mine": base, "current": images_state(rows)}}, current=rows)
    return rows


def _save_order(product, rows, *, actor, before):
    """Number the images in order (the first is the featured one) and push them."""
    for position, row in enumerate(rows):
        row.display_order, row.type = position, "featured" if position == 0 else "gallery"
    ProductImage.objects.bulk_update(rows, ["display_order", "type"])
    featured = rows[0].pk if rows else None
    if product.featured_image_id != featured:
        product.featured_image_id = featured
        product.save(update_fields=["featured_image", "updated_at"])
    # What we last knew of the shop's images: the push refuses to overwrite a change made there.
    known = [[row.woo_id, row.alt_text or ""] for row in before if row.woo_id]
    return product_push(product_id=product.pk, actor=actor, fields=["images"], base={"images": known})


# --- the changes --------------------------------------------------------------------------------


def images_upload(*, actor, store_id, product_id, files, alt="", base=None):
    """Add uploaded files at the end of the product's images (the first image of a product
    without any becomes its featured image). Returns the push."""
    files = list(files)
    if not files:
        raise ValidationError(_("Choose at least one image file."))
    if len(files) > MAX_FILES:
        raise ValidationError(_("Upload at most %(n)d images at a time.") % {"n": MAX_FILES})
    checked = [(upload, *read_upload(upload)) for upload in files]
    with transaction.atomic():
        product = _locked_product(actor, store_id, product_id)
        if (reason := upload_blocker(product.store)) is not None:
            raise ValidationError(reason)
        rows = _checked_rows(product, base)
        before = list(rows)
        for upload, content, extension in checked:
            public, local = _store_upload(store_id, content, extension)
            rows.append(
                ProductImage.objects.create(
                    store_id=store_id,
                    product=product,
                    original_url=public,
                    storage_url=local,
                    storage_source="upload",
                    alt_text=(alt or "").strip() or None,
                    description=PurePosixPath(upload.name or "").stem[:200] or None,
                    display_order=len(rows),
                    source=DataSource.LOCAL,
                )
            )
        return _save_order(product, rows, actor=actor, before=before)


def images_reorder(*, actor, store_id, product_id, order, base=None):
    """Put the images in ``order`` (every image id once): the first is the featured image."""
    with transaction.atomic():
        product = _locked_product(actor, store_id, product_id)
        rows = _checked_rows(product, base)
        by_id = {str(row.pk): row for row in rows}
        order = [str(image_id) for image_id in order]
        if sorted(order) != sorted(by_id):
            raise ValidationError(_("The images changed since this page was loaded: reload it and try again."))
        if order == list(by_id):
            return None
        return _save_order(product, [by_id[image_id] for image_id in order], actor=actor, before=rows)


def image_move(*, actor, store_id, product_id, image_id, to, base=None):
    """Move one image ``up``, ``down`` or ``first`` (= make it the featured image)."""
    with transaction.atomic():
        product = _locked_product(actor, store_id, product_id)
        rows = _checked_rows(product, base)
        order = [str(row.pk) for row in rows]
        if str(image_id) not in order:
            raise ValidationError(_("This image is no longer part of the product: reload the page."))
        index = order.index(str(image_id))
        target = {"up": index - 1, "down": index + 1, "first": 0}.get(to)
        if target is None:
            raise ValidationError(f"Unknown move {to!r}.")
        order.insert(max(0, min(len(order) - 1, target)), order.pop(index))
        return images_reorder(actor=actor, store_id=store_id, product_id=product.pk, order=order, base=base)


def _gallery_row(rows, image_id):
    row = next((row for row in rows if str(row.pk) == str(image_id)), None)
    if row is None:
        raise ValidationError(_("This image is no longer part of the product: reload the page."))
    return row


def image_set_alt(*, actor, store_id, product_id, image_id, alt, base=None):
    """Change an image's alternative text (what screen readers and search engines read)."""
    alt = (alt or "").strip()
    if len(alt) > 500:
        raise ValidationError(_("Keep the alternative text under 500 characters."))
    with transaction.atomic():
        product = _locked_product(actor, store_id, product_id)
        rows = _checked_rows(product, base)
        row = _gallery_row(rows, image_id)
        if (row.alt_text or "") == alt:
            return None
        before = [ProductImage(pk=r.pk, woo_id=r.woo_id, alt_text=r.alt_text) for r in rows]
        row.alt_text = alt or None
        row.save(update_fields=["alt_text", "updated_at"])
        return _save_order(product, rows, actor=actor, before=before)


def image_remove(*, actor, store_id, product_id, image_id, base=None):
    """Take an image off the product (WooCommerce keeps the file in its media library)."""
    with transaction.atomic():
        product = _locked_product(actor, store_id, product_id)
        rows = _checked_rows(product, base)
        row = _gallery_row(rows, image_id)
        if ProductVariation.objects.filter(product=product, image=row).exists():
            # The variation keeps showing it: the row stays, as the variation's own image.
            ProductImage.objects.filter(pk=row.pk).update(type="variation")
        else:
            row.delete()
        return _save_order(product, [r for r in rows if r.pk != row.pk], actor=actor, before=rows)


def variation_image_upload(*, actor, store_id, product_id, variation_id, upload, base=None):
    """A variation's own image, uploaded: stored, then set on the variation and pushed with it."""
    content, extension = read_upload(upload)
    with transaction.atomic():
        product = _locked_product(actor, store_id, product_id)
        if (reason := upload_blocker(product.store)) is not None:
            raise ValidationError(reason)
        public, local = _store_upload(store_id, content, extension)
        row = ProductImage.objects.create(
            store_id=store_id,
            product=product,
            original_url=public,
            storage_url=local,
            storage_source="upload",
            type="variation",
            description=PurePosixPath(upload.name or "").stem[:200] or None,
            source=DataSource.LOCAL,
        )
        return services.variation_update(
            actor=actor, store_id=store_id, product_id=product.pk, variation_id=variation_id, base=base, image_id=row.pk
        )
