"""The product list as CSV (export, streamed or in the background) and the price and stock import
(upload, preview, confirm, progress of the push). Exports are for everyone who sees the store
(products hold no customer data); imports for managers and owners (``stores.change_catalog``).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from catalog import exports
from catalog import imports
from catalog.forms import ProductFilterForm
from catalog.pages import query_without
from catalog.selectors import term_choices_for
from config.exports import export_download
from config.exports import stream_csv
from stores.access import CHANGE_CATALOG
from stores.access import VIEW_STORE
from stores.pages import page_context
from stores.pages import store_for

PREVIEW_PER_PAGE = 200
COLUMN_LABELS = {
    "regular_price": _lazy("Regular price"),
    "sale_price": _lazy("Sale price"),
    "stock_quantity": _lazy("Stock quantity"),
    "stock_status": _lazy("Stock status"),
}


# --- export ----------------------------------------------------------------------------------------


@login_required
@require_POST
def product_export(request, store_id):
    """The filtered, sorted product list (its filters in the query string) as CSV: streamed, or
    beyond ``PRODUCT_EXPORT_STREAM_LIMIT`` rows written by a worker behind a progress bar. A POST:
    it may start a job, and a GET could come from an address a shop put in its content."""
    access, store = store_for(request, store_id, VIEW_STORE)
    filters = ProductFilterForm(request.GET or None, terms=term_choices_for(access, store.pk)).to_filters()
    limit = settings.PRODUCT_EXPORT_STREAM_LIMIT
    if exports.product_export_size(access, store.pk, filters, limit) > limit:
        export = exports.product_export_start(request.user, store.pk, query_without(request, "page"))
        return redirect("catalog:product_export_status", store_id=store.pk, product_export_id=export.pk)
    rows = exports.product_export_rows_for(access, store.pk, filters)
    return stream_csv(f"products-{store.pk}.csv", exports.EXPORT_HEADER, rows)


@login_required
def product_export_status(request, store_id, product_export_id):
    """A background export's progress (htmx polls the card) and, when done, its download link."""
    access, store = store_for(request, store_id, VIEW_STORE)
    export = exports.product_export_get(access, request.user, store.pk, product_export_id)
    context = page_context(store, access, "products", _("Export products"), export=export, catalog_section="products")
    template = "catalog/_export_progress.html" if request.htmx else "catalog/product_export.html"
    return render(request, template, context)


@login_required
def product_export_download(request, store_id, product_export_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    export = exports.product_export_get(access, request.user, store.pk, product_export_id)
    return export_download(export, f"products-{store.pk}.csv")


# --- import ----------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": _lazy("Choose a CSV file."), "empty": _lazy("The file is empty.")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_import(request, store_id):
    """Upload a CSV of price and stock changes: checked, then previewed (nothing changes yet)."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            product_import = imports.import_create(
                actor=request.user, store_id=store.pk, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            problems = error.messages
        else:
            return redirect("catalog:product_import_preview", store_id=store.pk, import_id=product_import.pk)
    context = page_context(
        store,
        access,
        "products",
        _("Import prices and stock"),
        form=form,
        problems=problems,
        columns=imports.IMPORT_COLUMNS,
        max_rows=imports.MAX_ROWS,
        catalog_section="products",
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/product_import.html", context, status=status)


def _preview_rows(changes, page_number):
    try:
        page_number = max(1, int(page_number or 1))
    except ValueError:
        page_number = 1
    start = (page_number - 1) * PREVIEW_PER_PAGE
    rows = []
    for change in changes[start : start + PREVIEW_PER_PAGE]:
        fields = [
            (COLUMN_LABELS.get(column, column), old, new, column) for column, (old, new) in change["fields"].items()
        ]
        rows.append({**change, "field_list": fields})
    return rows, page_number, start + PREVIEW_PER_PAGE < len(changes)


@login_required
@require_http_methods(["GET", "POST"])
def product_import_preview(request, store_id, import_id):
    """What the import changes (old → new), and its confirmation; once applied, the push's progress."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product_import = imports.import_get(access, request.user, store.pk, import_id)
    status, stale_problems = 200, []
    if request.method == "POST" and product_import.status == "applied":
        return redirect("catalog:product_import_preview", store_id=store.pk, import_id=product_import.pk)
    if request.method == "POST":
        try:
            product_import = imports.import_apply(
                actor=request.user, store_id=store.pk, import_id=product_import.pk, token=request.POST.get("token")
            )
        except imports.StalePreview as stale:
            product_import, stale_problems, status = stale.product_import, stale.errors, 409
            messages.warning(
                request,
                _("The catalog changed since this preview: nothing was saved. Here is what the file changes now."),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("catalog:product_import", store_id=store.pk)
        else:
            if product_import.push_ids:
                messages.success(request, _("Saved. Sending the changes to WooCommerce in batches…"))
            return redirect("catalog:product_import_preview", store_id=store.pk, import_id=product_import.pk)
    rows, page_number, has_next = _preview_rows(product_import.changes, request.GET.get("page"))
    context = page_context(
        store,
        access,
        "products",
        _("Import prices and stock"),
        product_import=product_import,
        rows=rows,
        page_number=page_number,
        has_next=has_next,
        token=imports.preview_token(product_import),
        stale_problems=stale_problems,
        progress=imports.import_progress(product_import) if product_import.status == "applied" else None,
        catalog_section="products",
    )
    return render(request, "catalog/product_import_preview.html", context, status=status)


@login_required
def product_import_progress(request, store_id, import_id):
    """The applied import's push progress (htmx polls it until every push has an answer)."""
    access, store = store_for(request, store_id, CHANGE_CATALOG)
    product_import = imports.import_get(access, request.user, store.pk, import_id)
    if product_import.status != "applied":
        return redirect("catalog:product_import_preview", store_id=store.pk, import_id=product_import.pk)
    context = {"store": store, "product_import": product_import, "progress": imports.import_progress(product_import)}
    context["products_url"] = reverse("catalog:product_list", kwargs={"store_id": store.pk})
    return render(request, "catalog/_import_progress.html", context)
