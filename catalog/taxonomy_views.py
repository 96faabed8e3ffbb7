"""The category, tag, brand and attribute pages: lists, forms, deletes."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from catalog import selectors
from catalog import services
from catalog.pages import PER_PAGE
from catalog.pages import save_or_show_refusal
from catalog.taxonomy_forms import TermForm
from config.pagination import window_page
from stores.access import CHANGE_CATALOG
from stores.access import VIEW_STORE
from stores.pages import page_context
from stores.pages import render_list
from stores.pages import store_for
from sync.models import PushEntity

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
    return render_list(request, "catalog/term_list.html", context, "term-results")


def _term_save(request, store, kind, form, **ids):
    """Save the form's changes; False when they were refused (the form shows why)."""
    values = form.values()
    base = {name: form.loaded_values.get(form.FIELD_OF.get(name, name)) for name in values}
    if form.instance is not None:
        saved_message = _("Saved. Sending the change to WooCommerce…")
    else:
        saved_message = _(
            "“%(name)s” is being created in WooCommerce; it appears here when WooCommerce confirms it."
        ) % {"name": form.cleaned_data["name"]}
    save = partial(
        services.taxonomy_save,
        actor=request.user,
        kind=kind,
        store_id=store.pk,
        **ids,
        base=base if form.instance else None,
        **values,
    )
    values_of = partial(TermForm.values_of, form.kind)
    return save_or_show_refusal(request, form, save, values_of=values_of, saved_message=saved_message)


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
