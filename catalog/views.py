"""Catalog pages: the product list (search, filters, sorting, bulk actions), the product page
(images, variations with inline edits, attributes, taxonomy, sync state, conflicts, history),
product create/edit, and the category, tag, brand and attribute pages.

Each view resolves access (``stores.pages.store_for``), calls one selector or service, and
renders. Writes need ``stores.change_catalog``; viewers get the same pages without controls.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from audit.presenters import history_entries
from catalog import images
from catalog import selectors
from catalog import services
from catalog.forms import BULK_ACTION_CHOICES
from catalog.forms import BulkActionForm
from catalog.forms import ProductFilterForm
from catalog.forms import ProductForm
from catalog.pages import PER_PAGE
from catalog.pages import apply_errors
from catalog.pages import errors_to_messages
from catalog.pages import query_without
from catalog.pages import save_or_show_refusal
from catalog.pages import status_labels
from catalog.presenters import product_links_out
from catalog.presenters import product_rows
from catalog.push import product_conflict_resolve
from catalog.push import product_push
from catalog.variation_forms import VariationCreateForm
from catalog.variation_forms import VariationForm
from config.input import safe_next
from config.pagination import counted_page
from stores.access import CHANGE_CATALOG
from stores.access import VIEW_STORE
from stores.pages import page_context
from stores.pages import render_list
from stores.pages import store_for
from sync.models import ConflictChoice
from sync.models import PushStatus

# --- product list -----------------------------------------------------------------------------


@login_required
def product_list(request, store_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    terms = selectors.term_choices_for(access, store.pk)
    form = ProductFilterForm(request.GET or None, terms=terms)
    filters = form.to_filters()
    page = counted_page(selectors.products_for(access, store.pk, filters), request.GET.get("page"), PER_PAGE)
    product_rows(page.rows, store)
    context = page_context(
        store,
        access,
        "products",
        _("Products"),
        txt_conflict=_("Conflict"),
        txt_sending=_("Sending…"),
        txt_local=_("Not in WooCommerce yet"),
        txt_featured=_("Featured"),
        form=form,
        filters=filters,
        page=page,
        can_edit=access.can(CHANGE_CATALOG, store.pk),
        bulk_actions=BULK_ACTION_CHOICES,
        bulk_form=BulkActionForm(terms=terms),
        catalog_section="products",
        export_url=_export_url(request, store),
        **status_labels(),
    )
    return render_list(request, "catalog/product_list.html", context, "product-results")


def _export_url(request, store):
    url = reverse("catalog:product_export", kwargs={"store_id": store.pk})
    query = query_without(request, "page")
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def product_bulk(request, store_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    back = safe_next(request, reverse("catalog:product_list", kwargs={"store_id": store.pk}))
    form = BulkActionForm(request.POST, terms=selectors.term_choices_for(access, store.pk))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        result = services.products_bulk_update(actor=request.user, store_id=store.pk, **form.service_kwargs())
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect(back)
    if result.updated:
        messages.success(
            request,
            ngettext(
                "%(n)d product updated; it is being sent to WooCommerce.",
                "%(n)d products updated; they are being sent to WooCommerce in batches.",
                result.updated,
            )
            % {"n": result.updated},
        )
    if result.skipped:
        messages.warning(
            request,
            ngettext(
                "%(n)d selected product was left as it was (the change does not apply to it).",
                "%(n)d selected products were left as they were (the change does not apply to them).",
                result.skipped,
            )
            % {"n": result.skipped},
        )
    return redirect(back)


# --- product page -----------------------------------------------------------------------------


def product_context(request, access, store, detail, **extra):
    product = detail.product
    can_edit = access.can(CHANGE_CATALOG, store.pk)
    # Only editors see the variations' inline forms; the others' rows show the values.
    variation_forms = [
        (variation, VariationForm(variation=variation) if can_edit else None) for variation in detail.variations
    ]
    view_in_shop_url, edit_in_wordpress_url = product_links_out(product, store)
    varying = [attribute for attribute in detail.attributes if attribute.variation]
    if can_edit:
        extra.update(
            images_loaded=images.sign_state(detail.images),
            upload_blocker=images.upload_blocker(store),
            upload_accept=images.ACCEPT,
            upload_max_mb=f"{settings.PRODUCT_IMAGE_UPLOAD_MAX_BYTES / 1048576:g}",
        )
    if product.type == "variable" and can_edit:
        extra.setdefault("variation_create_form", VariationCreateForm(attributes=varying))
        extra["missing_variations"] = len(services.missing_combinations(varying, detail.variations))
        extra["generate_confirm_above"] = services.GENERATE_CONFIRM_ABOVE
    return page_context(
        store,
        access,
        "products",
        product.name,
        detail=detail,
        product=product,
        variation_forms=variation_forms,
        view_in_shop_url=view_in_shop_url,
        edit_in_wordpress_url=edit_in_wordpress_url,
        history=history_entries("products", product.pk, access, store, limit=20),
        can_edit=can_edit,
        conflict_choices=ConflictChoice,
        catalog_section="products",
        **status_labels(),
        **extra,
    )


@login_required
def product_detail(request, store_id, product_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    detail = selectors.product_detail_for(access, store.pk, product_id)
    return render(request, "catalog/product_detail.html", product_context(request, access, store, detail))


@login_required
def product_push_status(request, store_id, product_id):
    """The push panel of the product page, polled by htmx while a push is on its way."""
    access, store = store_for(request, store_id, VIEW_STORE)
    product = selectors.product_get(access, store.pk, product_id)
    pushes = selectors.product_pushes_for(access, store.pk, product.pk, limit=1)
    context = {
        "store": store,
        "product": product,
        "push": pushes[0] if pushes else None,
        "can_edit": access.can(CHANGE_CATALOG, store.pk),
    }
    response = render(request, "catalog/_push_status.html", context)
    push = context["push"]
    if (
        push is not None
        and push.status in (PushStatus.DONE, PushStatus.CONFLICT)
        and request.GET.get("was")
        in (
            PushStatus.PENDING,
            PushStatus.RUNNING,
        )
    ):
        # The push has just finished: refresh the page so every panel shows WooCommerce's answer.
        response["HX-Refresh"] = "true"
    return response


def _product_form_context(request, access, store, form, product=None):
    title = _("Edit “%(name)s”") % {"name": product.name} if product else _("New product")
    return page_context(store, access, "products", title, form=form, product=product, catalog_section="products")


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request, store_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    terms = selectors.term_choices_for(access, store.pk)
    form = ProductForm(request.POST or None, terms=terms)
    if request.method == "POST" and form.is_valid():
        try:
            product, _push = services.product_create(actor=request.user, store_id=store.pk, **form.product_values())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was saved. Creating it in WooCommerce…") % {"name": product.name})
            return redirect("catalog:product_detail", store_id=store.pk, product_id=product.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "catalog/product_form.html", _product_form_context(request, access, store, form), status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, store_id, product_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product = selectors.product_get(access, store.pk, product_id)
    terms = selectors.term_choices_for(access, store.pk)
    form = ProductForm(request.POST or None, terms=terms, product=product)
    if request.method == "POST" and form.is_valid():
        values = form.product_values()

        def save():
            _product, push = services.product_update(
                actor=request.user, store_id=store.pk, product_id=product.pk, base=form.loaded_of(values), **values
            )
            return push

        saved_message = _("Saved. Sending the change to WooCommerce…")
        if save_or_show_refusal(request, form, save, values_of=ProductForm.values_of, saved_message=saved_message):
            return redirect("catalog:product_detail", store_id=store.pk, product_id=product.pk)
    status = 400 if request.method == "POST" else 200
    context = _product_form_context(request, access, store, form, product)
    return render(request, "catalog/product_form.html", context, status=status)


@login_required
@require_POST
def product_trash(request, store_id, product_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product, push = services.product_trash(actor=request.user, store_id=store.pk, product_id=product_id)
    if push is None:
        messages.success(request, _("“%(name)s” was moved to the trash.") % {"name": product.name})
    else:
        messages.success(request, _("“%(name)s” is being moved to WooCommerce's trash.") % {"name": product.name})
    return redirect("catalog:product_list", store_id=store.pk)


@login_required
@require_POST
def product_repush(request, store_id, product_id):
    """Send the whole product again (after a failed push)."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product = selectors.product_get(access, store.pk, product_id)
    product_push(product_id=product.pk, actor=request.user)
    messages.success(request, _("Sending “%(name)s” to WooCommerce again…") % {"name": product.name})
    return redirect("catalog:product_detail", store_id=store.pk, product_id=product.pk)


@login_required
@require_POST
def conflict_resolve(request, store_id, product_id, conflict_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product = selectors.product_get(access, store.pk, product_id)
    conflict = selectors.product_conflict_get(access, store.pk, product.pk, conflict_id)
    choice = request.POST.get("choice", "")
    fields = None
    if choice == ConflictChoice.MERGE:
        fields = {item["field"]: request.POST.get(f"field_{item['field']}", "theirs") for item in conflict.fields}
    try:
        product_conflict_resolve(conflict_id=conflict.pk, choice=choice, actor=request.user, fields=fields)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("Conflict resolved."))
    return redirect("catalog:product_detail", store_id=store.pk, product_id=product.pk)
