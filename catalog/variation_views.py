"""A product's variations (inline row edit, create, generate, edit, delete) and attributes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from catalog import images
from catalog import selectors
from catalog import services
from catalog.edits import EditConflict
from catalog.pages import apply_errors
from catalog.pages import errors_to_messages
from catalog.pages import refusals_as_messages
from catalog.pages import save_or_show_refusal
from catalog.pages import status_labels
from catalog.variation_forms import ProductAttributeForm
from catalog.variation_forms import VariationCreateForm
from catalog.variation_forms import VariationEditForm
from catalog.variation_forms import VariationForm
from catalog.views import product_context
from stores.access import CHANGE_CATALOG
from stores.pages import page_context
from stores.pages import store_for


def _back_to_product(store, product_id):
    return redirect("catalog:product_detail", store_id=store.pk, product_id=product_id)


def _variation_update(request, store, variation, form, values):
    """Save ``values`` of a variation form over what the form showed; ``(variation, push)``."""
    return services.variation_update(
        actor=request.user,
        store_id=store.pk,
        product_id=variation.product_id,
        variation_id=variation.pk,
        base=form.loaded_of(values),
        **values,
    )


@login_required
@require_POST
def variation_update(request, store_id, product_id, variation_id):
    """Inline price/stock edit; htmx swaps the variation's row, a plain POST redirects."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    variation = selectors.variation_get(access, store.pk, product_id, variation_id)
    form = VariationForm(request.POST, variation=variation)
    saved = push = None
    if form.is_valid():
        values = form.variation_values()
        try:
            saved, push = _variation_update(request, store, variation, form, values)
        except EditConflict as conflict:
            variation = conflict.current
            form.show_conflict(conflict, VariationForm.values_of(variation))
        except ValidationError as error:
            apply_errors(form, error)
    if request.htmx:
        status = 200 if saved is not None or (form.is_valid() and not form.errors) else 422
        row = saved or variation
        row.push_pending = push is not None
        if saved is not None:
            form = VariationForm(variation=saved)
        context = {
            "store": store,
            "variation": row,
            "form": form,
            "can_edit": True,
            "saved": saved is not None,
            "pushed": push is not None,
            **status_labels(),
        }
        return render(request, "catalog/_variation_row.html", context, status=status)
    if saved is not None:
        messages.success(request, _("Variation saved. Sending it to WooCommerce…"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("catalog:product_detail", store_id=store.pk, product_id=variation.product_id)


@login_required
@require_POST
def variation_create(request, store_id, product_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    detail = selectors.product_detail_for(access, store.pk, product_id)
    varying = [attribute for attribute in detail.attributes if attribute.variation]
    form = VariationCreateForm(request.POST, attributes=varying)
    if form.is_valid():
        try:
            services.variation_create(
                actor=request.user, store_id=store.pk, product_id=detail.product.pk, **form.service_kwargs()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Variation created. Sending it to WooCommerce…"))
            return _back_to_product(store, detail.product.pk)
    context = product_context(request, access, store, detail, variation_create_form=form)
    return render(request, "catalog/product_detail.html", context, status=400)


@login_required
@require_POST
def variations_generate(request, store_id, product_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    try:
        created, _push = services.variations_generate(
            actor=request.user, store_id=store.pk, product_id=product_id, confirmed=bool(request.POST.get("confirmed"))
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d variation created. Sending it to WooCommerce…",
                "%(n)d variations created. Sending them to WooCommerce in batches…",
                len(created),
            )
            % {"n": len(created)},
        )
    return _back_to_product(store, product_id)


@login_required
@require_POST
def variation_delete(request, store_id, product_id, variation_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    services.variation_delete(actor=request.user, store_id=store.pk, product_id=product_id, variation_id=variation_id)
    messages.success(request, _("Variation deleted. Deleting it in WooCommerce…"))
    return _back_to_product(store, product_id)


@login_required
@require_http_methods(["GET", "POST"])
def variation_edit(request, store_id, product_id, variation_id):
    """Every field of one variation; saving pushes the changed ones with its product."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    variation = selectors.variation_get(access, store.pk, product_id, variation_id)
    gallery = images.gallery_of(variation.product)
    form = VariationEditForm(request.POST or None, request.FILES or None, variation=variation, images=gallery)
    if request.method == "POST" and form.is_valid():
        values = form.variation_values()
        upload = form.cleaned_data.get("image_file")
        if upload:
            values.pop("image_id", None)  # the uploaded file is the variation's image

        def save():
            with transaction.atomic():  # the fields and the uploaded image: one change, one push
                _variation, push = _variation_update(request, store, variation, form, values)
                if upload:
                    _variation, push = images.variation_image_upload(
                        actor=request.user,
                        store_id=store.pk,
                        product_id=variation.product_id,
                        variation_id=variation.pk,
                        upload=upload,
                        base=form.loaded_of(["image_id"]),
                    )
            return push

        saved_message = _("Variation saved. Sending it to WooCommerce…")
        if save_or_show_refusal(
            request, form, save, values_of=VariationEditForm.values_of, saved_message=saved_message
        ):
            return _back_to_product(store, variation.product_id)
    options = ", ".join(ref.get("option") or _("any") for ref in variation.attributes or [])
    title = _("Variation %(options)s") % {"options": options or f"#{variation.woo_id or ''}"}
    context = page_context(
        store,
        access,
        "products",
        title,
        form=form,
        upload_blocker=images.upload_blocker(store),
        variation=variation,
        product=variation.product,
        catalog_section="products",
    )
    return render(request, "catalog/variation_form.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def product_attributes(request, store_id, product_id):
    """A product's attributes: add a global or custom one, change its values and flags, remove it."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product = selectors.product_get(access, store.pk, product_id)
    globals_ = list(selectors.attributes_for(access, store.pk))
    rows = list(product.product_attributes.order_by("position", "name"))
    state = services.product_attributes_state(product)
    add_form = ProductAttributeForm(attributes=globals_, state=state, prefix="add")
    if request.method == "POST":
        conflict_message = _(
            "Not saved: the attributes of this product changed since you opened this page. They are "
            "shown as they are now; make your change again."
        )
        with refusals_as_messages(request, conflict_message):
            if request.POST.get("remove"):
                base = signing.loads(request.POST.get("row-loaded", ""), salt=ProductAttributeForm.SALT)
                services.product_attribute_remove(
                    actor=request.user,
                    store_id=store.pk,
                    product_id=product.pk,
                    attribute_id=request.POST["remove"],
                    base=base,
                )
                messages.success(request, _("Attribute removed. Sending the change to WooCommerce…"))
                return redirect("catalog:product_attributes", store_id=store.pk, product_id=product.pk)
            prefix = "add" if "add-options" in request.POST else "row"
            loaded = ProductAttributeForm(request.POST, attributes=globals_, state=state, prefix=prefix)
            if prefix == "add":
                add_form = loaded
            if loaded.is_valid():
                services.product_attribute_set(
                    actor=request.user, store_id=store.pk, product_id=product.pk, **loaded.service_kwargs()
                )
                messages.success(request, _("Attributes saved. Sending them to WooCommerce…"))
                return redirect("catalog:product_attributes", store_id=store.pk, product_id=product.pk)
            for errors in loaded.errors.values():
                for error in errors:
                    messages.error(request, error)
        state = services.product_attributes_state(product)
        rows = list(product.product_attributes.order_by("position", "name"))
    row_forms = [
        (
            row,
            ProductAttributeForm(
                attributes=globals_,
                state=state,
                prefix="row",
                auto_id=f"id_row{index}_%s",
                initial={
                    "global_attribute": str(row.global_attribute_id or ""),
                    "name": row.name,
                    "options": " | ".join(row.options or []),
                    "visible": row.visible,
                    "variation": row.variation,
                },
            ),
        )
        for index, row in enumerate(rows)
    ]
    context = page_context(
        store,
        access,
        "products",
        _("Attributes of “%(name)s”") % {"name": product.name},
        product=product,
        row_forms=row_forms,
        add_form=add_form,
        catalog_section="products",
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/product_attributes.html", context, status=status)
