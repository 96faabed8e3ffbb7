"""Catalog pages: the product list (search, filters, sorting, bulk actions), the product page
(images, variations with inline edits, attributes, taxonomy, sync state, conflicts, history),
product create/edit, and the category, tag, brand and attribute pages.

Each view resolves access (``stores.pages.store_for``), calls one selector or service, and
renders. Writes need ``stores.change_catalog``; viewers get the same pages without controls.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from audit.presenters import history_entries
from catalog import selectors, services
from catalog.edits import EditConflict
from catalog.forms import (
    BULK_ACTION_CHOICES,
    CATALOG_VISIBILITY_LABELS,
    PRODUCT_STATUS_LABELS,
    PRODUCT_TYPE_LABELS,
    STOCK_STATUS_LABELS,
    BulkActionForm,
    ProductAttributeForm,
    ProductFilterForm,
    ProductForm,
    TermForm,
    VariationCreateForm,
    VariationEditForm,
    VariationForm,
)
from catalog.pages import htmx_target, safe_next
from catalog.presenters import product_links_out, product_rows
from config.pagination import counted_page, window_page
from stores.access import CHANGE_CATALOG, VIEW_STORE
from stores.pages import page_context, store_for
from sync import services as sync_services
from sync.models import ConflictChoice, PushEntity, PushStatus

PER_PAGE = 50


def _labels():
    return {
        "status_labels": PRODUCT_STATUS_LABELS,
        "type_labels": PRODUCT_TYPE_LABELS,
        "stock_labels": STOCK_STATUS_LABELS,
        "visibility_labels": CATALOG_VISIBILITY_LABELS,
    }


def _errors_to_messages(request, error):
    for message in error.messages:
        messages.error(request, message)


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
        **_labels(),
    )
    template = "catalog/product_list.html"
    if htmx_target(request, "product-results"):
        template += "#results"
    return render(request, template, context)


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
        _errors_to_messages(request, error)
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


def _product_context(request, access, store, detail, **extra):
    product = detail.product
    can_edit = access.can(CHANGE_CATALOG, store.pk)
    variation_forms = []
    for variation in detail.variations:
        variation_forms.append((variation, VariationForm(variation=variation)))
    view_in_shop_url, edit_in_wordpress_url = product_links_out(product, store)
    varying = [attribute for attribute in detail.attributes if attribute.variation]
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
        history=history_entries("products", product.pk, access, store.pk, limit=20),
        can_edit=can_edit,
        conflict_choices=ConflictChoice,
        catalog_section="products",
        **_labels(),
        **extra,
    )


@login_required
def product_detail(request, store_id, product_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    detail = selectors.product_detail_for(access, store.pk, product_id)
    return render(request, "catalog/product_detail.html", _product_context(request, access, store, detail))


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
            _apply_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was saved. Creating it in WooCommerce…") % {"name": product.name})
            return redirect("catalog:product_detail", store_id=store.pk, product_id=product.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "catalog/product_form.html", _product_form_context(request, access, store, form), status=status
    )


def _apply_errors(form, error):
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, store_id, product_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product = selectors.product_get(access, store.pk, product_id)
    terms = selectors.term_choices_for(access, store.pk)
    form = ProductForm(request.POST or None, terms=terms, product=product)
    if request.method == "POST" and form.is_valid():
        values = form.product_values()
        try:
            product, push = services.product_update(
                actor=request.user, store_id=store.pk, product_id=product.pk, base=form.loaded_of(values), **values
            )
        except EditConflict as conflict:
            form.show_conflict(conflict, ProductForm.values_of(conflict.current))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if push is None:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("Saved. Sending the change to WooCommerce…"))
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
    sync_services.product_push(product_id=product.pk, actor=request.user)
    messages.success(request, _("Sending “%(name)s” to WooCommerce again…") % {"name": product.name})
    return redirect("catalog:product_detail", store_id=store.pk, product_id=product.pk)


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
            saved, push = services.variation_update(
                actor=request.user,
                store_id=store.pk,
                product_id=variation.product_id,
                variation_id=variation.pk,
                base=form.loaded_of(values),
                **values,
            )
        except EditConflict as conflict:
            variation = conflict.current
            form.show_conflict(conflict, VariationForm.values_of(variation))
        except ValidationError as error:
            _apply_errors(form, error)
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
            **_labels(),
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
def conflict_resolve(request, store_id, product_id, conflict_id):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product = selectors.product_get(access, store.pk, product_id)
    conflict = selectors.product_conflict_get(access, store.pk, product.pk, conflict_id)
    choice = request.POST.get("choice", "")
    fields = None
    if choice == ConflictChoice.MERGE:
        fields = {item["field"]: request.POST.get(f"field_{item['field']}", "theirs") for item in conflict.fields}
    try:
        sync_services.product_conflict_resolve(
            conflict_id=conflict.pk, choice=choice, actor=request.user, fields=fields
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Conflict resolved."))
    return redirect("catalog:product_detail", store_id=store.pk, product_id=product.pk)


# --- taxonomies -------------------------------------------------------------------------------

KIND_LABELS = {
    "category": (gettext_lazy("Categories"), gettext_lazy("category")),
    "tag": (gettext_lazy("Tags"), gettext_lazy("tag")),
    "brand": (gettext_lazy("Brands"), gettext_lazy("brand")),
    "attribute": (gettext_lazy("Attributes"), gettext_lazy("attribute")),
    "attribute_term": (gettext_lazy("Terms"), gettext_lazy("term")),
}
SECTION = {"category": "categories", "tag": "tags", "brand": "brands"}


def _taxonomy_context(store, access, kind, title, **extra):
    return page_context(
        store,
        access,
        "products",
        title,
        kind=kind,
        create_name=f"catalog:{kind}_create",
        kind_plural=KIND_LABELS[kind][0],
        kind_singular=KIND_LABELS[kind][1],
        can_edit=access.can(CHANGE_CATALOG, store.pk),
        catalog_section=SECTION.get(kind, "attributes"),
        **extra,
    )


def taxonomy_list(request, store_id, kind):
    access, store = store_for(request, store_id, VIEW_STORE)
    pending = selectors.pending_term_creations_for(access, store.pk, kind)
    if kind == "category":
        tree = selectors.categories_tree_for(access, store.pk)
        context = _taxonomy_context(store, access, kind, _("Categories"), tree=tree, pending=pending)
        return render(request, "catalog/category_list.html", context)
    q = (request.GET.get("q") or "").strip()[:200]
    sort = request.GET.get("sort") or "name"
    page = window_page(selectors.terms_for(access, store.pk, kind, q=q, sort=sort), request.GET.get("page"), PER_PAGE)
    context = _taxonomy_context(store, access, kind, KIND_LABELS[kind][0], page=page, q=q, sort=sort, pending=pending)
    template = "catalog/term_list.html"
    if htmx_target(request, "term-results"):
        template += "#results"
    return render(request, template, context)


def _term_save(request, store, kind, form, **ids):
    """Save the form's changes; False when they were refused (the form shows why)."""
    values = form.values()
    base = {name: form.loaded_values.get(form.FIELD_OF.get(name, name)) for name in values}
    try:
        op = services.taxonomy_save(
            actor=request.user, kind=kind, store_id=store.pk, **ids, base=base if form.instance else None, **values
        )
    except EditConflict as conflict:
        form.show_conflict(conflict, TermForm.values_of(form.kind, conflict.current))
        return False
    except ValidationError as error:
        _apply_errors(form, error)
        return False
    if op is None:
        messages.info(request, _("Nothing changed."))
    elif form.instance is not None:
        messages.success(request, _("Saved. Sending the change to WooCommerce…"))
    else:
        messages.success(
            request,
            _("“%(name)s” is being created in WooCommerce; it appears here when WooCommerce confirms it.")
            % {"name": form.cleaned_data["name"]},
        )
    return True


def taxonomy_form(request, store_id, kind, term_id=None):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    instance = selectors.term_get(access, store.pk, kind, term_id) if term_id else None
    parents = selectors.term_choices_for(access, store.pk).categories if kind == "category" else ()
    form = TermForm(request.POST or None, kind=kind, instance=instance, parent_choices=parents)
    if request.method == "POST" and form.is_valid() and _term_save(request, store, kind, form, term_id=term_id):
        return redirect(f"catalog:{kind}_list", store_id=store.pk)
    singular = KIND_LABELS[kind][1]
    title = (
        _("Edit %(kind)s “%(name)s”") % {"kind": singular, "name": instance.name}
        if instance
        else _("New %(kind)s") % {"kind": singular}
    )
    context = _taxonomy_context(store, access, kind, title, form=form, instance=instance)
    context["cancel_url"] = reverse(f"catalog:{kind}_list", kwargs={"store_id": store.pk})
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/term_form.html", context, status=status)


def taxonomy_delete(request, store_id, kind, term_id, attribute_id=None):
    """Confirm (GET: the term and how many products use it), then delete (POST) in WooCommerce."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    if kind == PushEntity.ATTRIBUTE:
        term = selectors.attribute_get(access, store.pk, term_id)
        back = reverse("catalog:attribute_list", kwargs={"store_id": store.pk})
        cancel = reverse("catalog:attribute_detail", kwargs={"store_id": store.pk, "attribute_id": term.pk})
    elif kind == PushEntity.ATTRIBUTE_TERM:
        term = selectors.attribute_term_get(access, store.pk, attribute_id, term_id)
        back = cancel = reverse("catalog:attribute_detail", kwargs={"store_id": store.pk, "attribute_id": attribute_id})
    else:
        term = selectors.term_get(access, store.pk, kind, term_id)
        back = cancel = reverse(f"catalog:{kind}_list", kwargs={"store_id": store.pk})
    if request.method == "POST":
        op = services.taxonomy_delete(actor=request.user, kind=kind, term_id=term.pk, store_id=store.pk)
        if op is None:
            messages.success(request, _("“%(name)s” is deleted.") % {"name": term.name})
        else:
            messages.success(
                request,
                _("“%(name)s” is being deleted in WooCommerce; it disappears from here when WooCommerce confirms.")
                % {"name": term.name},
            )
        return redirect(back)
    singular = KIND_LABELS[kind][1]
    title = _("Delete %(kind)s “%(name)s”?") % {"kind": singular, "name": term.name}
    context = _taxonomy_context(
        store,
        access,
        kind,
        title,
        term=term,
        used_by=selectors.products_using_term(access, store.pk, kind, term),
        cancel_url=cancel,
    )
    return render(request, "catalog/term_delete.html", context)


def _kind_views(kind):
    @login_required
    def list_view(request, store_id):
        return taxonomy_list(request, store_id, kind)

    @login_required
    @require_http_methods(["GET", "POST"])
    def create_view(request, store_id):
        return taxonomy_form(request, store_id, kind)

    @login_required
    @require_http_methods(["GET", "POST"])
    def edit_view(request, store_id, **kwargs):
        return taxonomy_form(request, store_id, kind, kwargs[f"{kind}_id"])

    @login_required
    @require_http_methods(["GET", "POST"])
    def delete_view(request, store_id, **kwargs):
        return taxonomy_delete(request, store_id, kind, kwargs[f"{kind}_id"])

    views = ((list_view, "list"), (create_view, "create"), (edit_view, "edit"), (delete_view, "delete"))
    for view, action in views:
        view.__name__ = f"{kind}_{action}"
        view.__qualname__ = view.__name__
    return list_view, create_view, edit_view, delete_view


category_list, category_create, category_edit, category_delete = _kind_views("category")
tag_list, tag_create, tag_edit, tag_delete = _kind_views("tag")
brand_list, brand_create, brand_edit, brand_delete = _kind_views("brand")


@login_required
def attribute_list(request, store_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    attributes = selectors.attributes_for(access, store.pk)
    pending = selectors.pending_attribute_creations_for(access, store.pk)
    context = _taxonomy_context(store, access, "attribute", _("Attributes"), attributes=attributes, pending=pending)
    return render(request, "catalog/attribute_list.html", context)


@login_required
def attribute_detail(request, store_id, attribute_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    attribute = selectors.attribute_get(access, store.pk, attribute_id)
    q = (request.GET.get("q") or "").strip()[:200]
    terms = selectors.attribute_terms_for(access, store.pk, attribute.pk, q=q)
    page = window_page(terms, request.GET.get("page"), PER_PAGE)
    pending = selectors.pending_attribute_creations_for(access, store.pk, attribute.pk)
    context = _taxonomy_context(
        store, access, "attribute_term", attribute.name, attribute=attribute, page=page, q=q, pending=pending
    )
    return render(request, "catalog/attribute_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def attribute_form(request, store_id, attribute_id=None):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    instance = selectors.attribute_get(access, store.pk, attribute_id) if attribute_id else None
    form = TermForm(request.POST or None, kind="attribute", instance=instance)
    if (
        request.method == "POST"
        and form.is_valid()
        and _term_save(request, store, PushEntity.ATTRIBUTE, form, term_id=attribute_id)
    ):
        if instance is None:
            return redirect("catalog:attribute_list", store_id=store.pk)
        return redirect("catalog:attribute_detail", store_id=store.pk, attribute_id=instance.pk)
    title = _("Edit attribute “%(name)s”") % {"name": instance.name} if instance else _("New attribute")
    context = _taxonomy_context(store, access, "attribute", title, form=form, instance=instance)
    context["cancel_url"] = (
        reverse("catalog:attribute_detail", kwargs={"store_id": store.pk, "attribute_id": instance.pk})
        if instance
        else reverse("catalog:attribute_list", kwargs={"store_id": store.pk})
    )
    return render(request, "catalog/term_form.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def attribute_term_form(request, store_id, attribute_id, term_id=None):
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    attribute = selectors.attribute_get(access, store.pk, attribute_id)
    instance = selectors.attribute_term_get(access, store.pk, attribute.pk, term_id) if term_id else None
    form = TermForm(request.POST or None, kind="attribute_term", instance=instance)
    if (
        request.method == "POST"
        and form.is_valid()
        and _term_save(request, store, PushEntity.ATTRIBUTE_TERM, form, term_id=term_id, attribute_id=attribute.pk)
    ):
        return redirect("catalog:attribute_detail", store_id=store.pk, attribute_id=attribute.pk)
    title = (
        _("Edit term “%(name)s”") % {"name": instance.name}
        if instance
        else _("New term of “%(attribute)s”") % {"attribute": attribute.name}
    )
    context = _taxonomy_context(
        store, access, "attribute_term", title, form=form, instance=instance, attribute=attribute
    )
    context["cancel_url"] = reverse(
        "catalog:attribute_detail", kwargs={"store_id": store.pk, "attribute_id": attribute.pk}
    )
    return render(request, "catalog/term_form.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def attribute_delete(request, store_id, attribute_id):
    return taxonomy_delete(request, store_id, PushEntity.ATTRIBUTE, attribute_id)


@login_required
@require_http_methods(["GET", "POST"])
def attribute_term_delete(request, store_id, attribute_id, term_id):
    return taxonomy_delete(request, store_id, PushEntity.ATTRIBUTE_TERM, term_id, attribute_id=attribute_id)


def _back_to_product(store, product_id):
    return redirect("catalog:product_detail", store_id=store.pk, product_id=product_id)


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
            _apply_errors(form, error)
        else:
            messages.success(request, _("Variation created. Sending it to WooCommerce…"))
            return _back_to_product(store, detail.product.pk)
    context = _product_context(request, access, store, detail, variation_create_form=form)
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
        _errors_to_messages(request, error)
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
    form = VariationEditForm(request.POST or None, variation=variation)
    if request.method == "POST" and form.is_valid():
        values = form.variation_values()
        try:
            _saved, push = services.variation_update(
                actor=request.user,
                store_id=store.pk,
                product_id=variation.product_id,
                variation_id=variation.pk,
                base=form.loaded_of(values),
                **values,
            )
        except EditConflict as conflict:
            form.show_conflict(conflict, VariationEditForm.values_of(conflict.current))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if push is None:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("Variation saved. Sending it to WooCommerce…"))
            return _back_to_product(store, variation.product_id)
    options = ", ".join(ref.get("option") or _("any") for ref in variation.attributes or [])
    title = _("Variation %(options)s") % {"options": options or f"#{variation.woo_id or ''}"}
    context = page_context(
        store,
        access,
        "products",
        title,
        form=form,
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
        try:
            if request.POST.get("remove"):
                base = signing.loads(request.POST.get("row-loaded", ""), salt=ProductAttributeForm.SALT)
                services.product_attribute_remove(
                    actor=request.user, store_id=store.pk, product_id=product.pk, name=request.POST["remove"], base=base
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
        except signing.BadSignature:
            messages.error(
                request, _("This form is out of date or incomplete: reload the page and make your change again.")
            )
        except EditConflict:
            messages.error(
                request,
                _(
                    "Not saved: the attributes of this product changed since you opened this page. They are "
                    "shown as they are now; make your change again."
                ),
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
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
