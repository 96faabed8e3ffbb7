"""A product's images: upload, order (drag or the move buttons), featured, alt text, removal;
and the public address WooCommerce downloads an uploaded file from."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_POST

from catalog import images
from catalog import selectors
from catalog.pages import refusals_as_messages
from config.media import MEDIA_HEADERS
from stores.access import CHANGE_CATALOG
from stores.pages import store_for

OUT_OF_DATE = "out-of-date"


def _back(store, product):
    url = reverse("catalog:product_detail", kwargs={"store_id": store.pk, "product_id": product.pk})
    return redirect(f"{url}#images")


def _apply(request, store_id, product_id, change, done):
    """Run one image change for the page's form (its ``loaded`` state as the base) and say how it went."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product = selectors.product_get(access, store.pk, product_id)
    conflict_message = _(
        "Not saved: the images of this product changed since you opened this page. They are shown "
        "as they are now; make your change again."
    )
    with refusals_as_messages(request, conflict_message):
        push = change(store=store, product=product, base=images.unsign_state(request.POST.get("loaded", "")))
        if push is None:
            messages.info(request, _("Nothing changed."))
        else:
            messages.success(request, done)
    return _back(store, product)


@login_required
@require_POST
def images_upload(request, store_id, product_id):
    def change(store, product, base):
        return images.images_upload(
            actor=request.user,
            store_id=store.pk,
            product_id=product.pk,
            files=request.FILES.getlist("images"),
            alt=request.POST.get("alt", ""),
            base=base,
        )

    return _apply(request, store_id, product_id, change, _("Images uploaded. Sending them to WooCommerce…"))


@login_required
@require_POST
def images_order(request, store_id, product_id):
    """The order a drag left the images in (every image's id, in order)."""

    def change(store, product, base):
        order = request.POST.getlist("order")
        return images.images_reorder(
            actor=request.user, store_id=store.pk, product_id=product.pk, order=order, base=base
        )

    return _apply(request, store_id, product_id, change, _("New order saved. Sending it to WooCommerce…"))


@login_required
@require_POST
def image_change(request, store_id, product_id, image_id):
    """One image's buttons: move up, move down, make featured, save the alt text, remove."""
    action = request.POST.get("action", "")
    kwargs = {"actor": request.user, "image_id": image_id}
    if action in ("up", "down", "first"):
        service, done = images.image_move, _("New order saved. Sending it to WooCommerce…")
        kwargs["to"] = action
        if action == "first":
            done = _("Featured image chosen. Sending it to WooCommerce…")
    elif action == "alt":
        service, done = images.image_set_alt, _("Alternative text saved. Sending it to WooCommerce…")
        kwargs["alt"] = request.POST.get("alt", "")
    elif action == "remove":
        service, done = images.image_remove, _("Image removed. Sending the change to WooCommerce…")
    else:
        raise Http404("No such image action.")

    def change(store, product, base):
        return service(store_id=store.pk, product_id=product.pk, base=base, **kwargs)

    return _apply(request, store_id, product_id, change, done)


UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|gif|webp)$")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


@require_GET
def uploaded_image(request, store_id, name):
    """An uploaded product image, for anyone (the shop downloads it from here): only files this
    app stored under its own names, with the media headers (no sniffing, no scripts)."""
    match = UPLOAD_NAME.match(name)
    path = f"{images.UPLOAD_DIR}/{store_id}/{name}"
    if match is None or not default_storage.exists(path):
        raise Http404("No such file.")
    response = FileResponse(default_storage.open(path, "rb"), content_type=CONTENT_TYPES[match.group(1)])
    for header, value in MEDIA_HEADERS.items():
        response.headers[header] = value
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
