"""Order pages: the list (filters, search by number, sorting), the order page (line items,
totals, addresses masked for viewers, status history, status change), and the overview chart.

Every order read goes through ``orders.selectors`` (masked through ``orders.masking`` for those
without ``stores.view_customer_data``); the status change goes through the sync app's
``order_change_status`` service, which records the log row and pushes the change.
"""

import contextlib
import time
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from audit.presenters import history_entries
from config.exports import export_download
from config.exports import stream_csv
from config.pagination import counted_page
from config.pagination import total_of
from config.pagination import window_page
from orders import services
from orders.charts import build_chart
from orders.forms import DESTRUCTIVE_STATUSES
from orders.forms import STATUS_LABELS
from orders.forms import OrderFilterForm
from orders.forms import OrderNoteForm
from orders.forms import OrderRefundForm
from orders.forms import OrderStatusForm
from orders.forms import allowed_transitions
from orders.metrics import CHART_DAYS
from orders.metrics import daily_series_for
from orders.metrics import top_products_for
from orders.presenters import customer_rows
from orders.presenters import order_currency
from orders.presenters import order_rows
from orders.selectors import CUSTOMER_SORTS
from orders.selectors import EXPORT_HEADER
from orders.selectors import can_see_customer_data
from orders.selectors import customer_get
from orders.selectors import customer_orders_for
from orders.selectors import customers_for
from orders.selectors import known_list_total
from orders.selectors import order_activity_for
from orders.selectors import order_activity_stale
from orders.selectors import order_export_get
from orders.selectors import order_export_rows_for
from orders.selectors import order_get
from orders.selectors import order_last_push_for
from orders.selectors import order_line_products_for
from orders.selectors import order_refunds_for
from orders.selectors import order_status_counts_map
from orders.selectors import order_status_logs_for
from orders.selectors import orders_list_for
from orders.selectors import status_tabs_for
from stores.access import CHANGE_ORDER_STATUS
from stores.access import VIEW_CUSTOMER_DATA
from stores.access import VIEW_ORDERS
from stores.pages import page_context
from stores.pages import render_list
from stores.pages import store_for

PER_PAGE = 50
CUSTOMER_SORT_LABELS = (
    ("last", _lazy("Last order")),
    ("spent", _lazy("Total spent")),
    ("orders", _lazy("Orders")),
    ("name", _lazy("Name")),
)


@login_required
def order_list(request, store_id):
    access, store = store_for(request, store_id, VIEW_ORDERS)
    customers = can_see_customer_data(access, store.pk)
    form = OrderFilterForm(request.GET or None, can_search_customers=customers)
    filters = form.to_filters()
    counts = order_status_counts_map(access, store.pk)
    all_count, tabs = status_tabs_for(counts)
    page = counted_page(
        orders_list_for(access, store.pk, filters),
        request.GET.get("page"),
        PER_PAGE,
        known_total=known_list_total(filters, counts),
    )
    order_rows(page.rows, store)
    context = page_context(
        store,
        access,
        "orders",
        _("Orders"),
        form=form,
        filters=filters,
        page=page,
        status_labels=STATUS_LABELS,
        status_tabs=tabs,
        all_count=all_count,
        tab_query=_tab_query(request),
        export_url=_export_url(request, store),
        can_see_customers=customers,
        txt_masked=_("Hidden: your role does not include customer data"),
    )
    return render_list(request, "orders/order_list.html", context, "order-results")


def _tab_query(request):
    """The list's query string without status and page, for the status tabs' links."""
    query = request.GET.copy()
    for key in ("status", "page"):
        query.pop(key, None)
    return query.urlencode()


def _list_query(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _export_url(request, store):
    url = reverse("orders:order_export", kwargs={"store_id": store.pk})
    query = _list_query(request)
    return f"{url}?{query}" if query else url


def wordpress_edit_url(store, order):
    """WooCommerce's own edit screen for the order. ``post.php`` works on every store: with the
    legacy post storage it is the edit screen, and with HPOS (custom order tables) WooCommerce
    redirects it to ``admin.php?page=wc-orders&action=edit&id=``."""
    base = (store.url or "").rstrip("/")
    if not base.startswith(("https://", "http://")):
        return None
    return f"{base}/wp-admin/post.php?{urlencode({'post': order.woo_id, 'action': 'edit'})}"


def _line_items(order, products):
    items, subtotal = [], 0
    for item in order.line_items if isinstance(order.line_items, list) else []:
        if not isinstance(item, dict):
            continue
        woo_id = item.get("product_id")
        product_id = products.get(woo_id) if isinstance(woo_id, int) else None
        meta = [
            meta
            for meta in item.get("meta_data") or []
            if isinstance(meta, dict) and not str(meta.get("key", "")).startswith("_")
        ]
        items.append({**item, "local_product_id": product_id, "meta": meta})
        with contextlib.suppress(TypeError, ValueError):
            subtotal += float(item.get("subtotal") or item.get("total") or 0)
    return items, subtotal


def _activity_context(access, store, order, note_form=None):
    """What the notes and refunds sections show (the order page, and the poll that refreshes them)."""
    can_change = access.can(CHANGE_ORDER_STATUS, store.pk)
    notes, refunds = order_activity_for(access, store.pk, order)
    return {
        "masked": getattr(order, "customer_data_masked", False),
        "notes": notes,
        "note_form": note_form or (OrderNoteForm() if can_change else None),
        "refunds": refunds,
        "refunded": sum((refund.amount for refund in refunds), Decimal(0)),
    }


def _activity_poll_url(store, order, since, tries):
    url = reverse("orders:order_activity", kwargs={"store_id": store.pk, "order_id": order.pk})
    return f"{url}?{urlencode({'since': f'{since:.3f}', 'try': tries})}"


def _order_page(store, access, order, title, **extra):
    """The context of a page about ``order``, in the orders section; ``title`` names it by
    ``%(number)s``."""
    return page_context(
        store,
        access,
        "orders",
        title % {"number": order.shown_number},
        order=order,
        currency=order_currency(order, store),
        **extra,
    )


def _order_context(request, access, store, order, form=None, note_form=None):
    products = order_line_products_for(access, store.pk, order)
    items, subtotal = _line_items(order, products)
    can_change = access.can(CHANGE_ORDER_STATUS, store.pk)
    return _order_page(
        store,
        access,
        order,
        _("Order #%(number)s"),
        items=items,
        subtotal=subtotal,
        logs=order_status_logs_for(access, store.pk, order),
        push=order_last_push_for(access, store.pk, order),
        status_labels=STATUS_LABELS,
        can_change_status=can_change,
        status_form=form or (OrderStatusForm(current=order.status) if can_change else None),
        transitions=allowed_transitions(order.status),
        destructive=DESTRUCTIVE_STATUSES,
        **_activity_context(access, store, order, note_form),
        can_refund=can_change and order.status not in ("refunded", "trash", "checkout-draft"),
        edit_in_wordpress=wordpress_edit_url(store, order),
        customer_id=getattr(order, "customer_page_id", None) if order.customer_email else None,
        # Masked for users without customer data, like the order itself.
        history=history_entries("orders", order.pk, access, store, limit=20),
    )


def _order_for(request, store_id, order_id, perm):
    """An order page's access, store and order: 404 outside the user's stores, 403 without ``perm``."""
    access, store = store_for(request, store_id, perm)
    return access, store, order_get(access, store.pk, order_id)


@login_required
def order_detail(request, store_id, order_id):
    access, store, order = _order_for(request, store_id, order_id, VIEW_ORDERS)
    context = _order_context(request, access, store, order)
    if order_activity_stale(order):
        # Shown as they are now; a worker reads them from WooCommerce and the page polls for them.
        services.order_activity_refresh_request(store.pk, order.woo_id)
        context["activity_poll"] = _activity_poll_url(store, order, time.time(), 0)
    return render(request, "orders/order_detail.html", context)


# The order page polls for its notes and refunds every 2 s, this many times at most.
ACTIVITY_POLLS = 15


@login_required
def order_activity(request, store_id, order_id):
    """The order's notes and refunds once the background read has brought them (htmx polls):
    the poll line again while they have not arrived, then both sections, swapped in place."""
    access, store, order = _order_for(request, store_id, order_id, VIEW_ORDERS)
    try:
        since = float(request.GET.get("since", ""))
        tries = int(request.GET.get("try", ""))
    except ValueError:
        since, tries = 0.0, ACTIVITY_POLLS
    arrived = order.activity_synced_at is not None and order.activity_synced_at.timestamp() >= since
    context = {
        "store": store,
        "order": order,
        "currency": order_currency(order, store),
        **_activity_context(access, store, order),
    }
    if not arrived and tries < ACTIVITY_POLLS:
        context["activity_poll"] = _activity_poll_url(store, order, since, tries + 1)
    else:
        context["activity_timed_out"] = not arrived
    return render(request, "orders/_activity.html", context)


@login_required
@require_POST
def order_status_change(request, store_id, order_id):
    access, store, order = _order_for(request, store_id, order_id, CHANGE_ORDER_STATUS)
    form = OrderStatusForm(request.POST, current=order.status)
    if form.is_valid():
        new_status = form.cleaned_data["status"]
        try:
            services.order_change_status(actor=request.user, order_id=order.pk, new_status=new_status)
        except ValidationError as error:
            form.add_error("status", error)
        else:
            messages.success(
                request,
                _("Order #%(number)s is now “%(status)s”. Sending it to WooCommerce…")
                % {"number": order.shown_number, "status": STATUS_LABELS.get(new_status, new_status)},
            )
            return redirect("orders:order_detail", store_id=store.pk, order_id=order.pk)
    if not allowed_transitions(order.status):
        # No form on a final status: say it where the user looks.
        messages.error(request, _("This order's status is final: it cannot be changed here."))
    context = _order_context(request, access, store, order, form=form)
    return render(request, "orders/order_detail.html", context, status=400)


@login_required
def order_push_status(request, store_id, order_id):
    """The status push panel of the order page, polled by htmx while the push is on its way."""
    access, store, order = _order_for(request, store_id, order_id, VIEW_ORDERS)
    context = {
        "store": store,
        "order": order,
        "push": order_last_push_for(access, store.pk, order),
        "status_labels": STATUS_LABELS,
    }
    return render(request, "orders/_push_status.html", context)


@login_required
def revenue_chart(request, store_id):
    """The overview's chart for 30 or 90 days (an htmx fragment, also a page of its own)."""
    access, store = store_for(request, store_id, VIEW_ORDERS)
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in CHART_DAYS else 30
    chart = build_chart(daily_series_for(access, store.pk, days), store.currency, days)
    context = page_context(store, access, "overview", _("Revenue and orders"), chart=chart, chart_days=CHART_DAYS)
    template = "orders/_revenue_chart.html" if request.htmx else "orders/revenue_chart.html"
    return render(request, template, context)


@login_required
def top_products(request, store_id):
    """The overview's best sellers of the last 30 days (an htmx fragment, also a page of its own)."""
    access, store = store_for(request, store_id, VIEW_ORDERS)
    context = page_context(
        store, access, "overview", _("Top products"), top_products=top_products_for(access, store.pk)
    )
    template = "orders/_top_products.html" if request.htmx else "orders/top_products.html"
    return render(request, template, context)


# --- notes and refunds --------------------------------------------------------------------------


@login_required
@require_POST
def order_note_add(request, store_id, order_id):
    access, store, order = _order_for(request, store_id, order_id, CHANGE_ORDER_STATUS)
    form = OrderNoteForm(request.POST)
    if form.is_valid():
        to_customer = form.cleaned_data["kind"] == "customer"
        try:
            services.order_note_add(order.pk, form.cleaned_data["note"], to_customer=to_customer, user=request.user)
        except ValidationError as error:
            form.add_error("note", error)
        else:
            text = _("Note sent to the customer.") if to_customer else _("Private note added.")
            messages.success(request, text)
            return redirect(
                reverse("orders:order_detail", kwargs={"store_id": store.pk, "order_id": order.pk}) + "#notes"
            )
    context = _order_context(request, access, store, order, note_form=form)
    return render(request, "orders/order_detail.html", context, status=400)


@login_required
def order_refund(request, store_id, order_id):
    """The refund form; a first POST states the amount and asks to confirm, the second refunds."""
    access, store, order = _order_for(request, store_id, order_id, CHANGE_ORDER_STATUS)
    refunds = order_refunds_for(access, store.pk, order)
    lines = services.refundable_lines(order, refunds)
    form = OrderRefundForm(request.POST or None, lines=lines)
    confirm_amount = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["confirmed"]:
                    refund = services.order_refund_create(
                        order.pk,
                        user=request.user,
                        quantities=form.quantities(),
                        amount=data["amount"],
                        reason=data["reason"],
                        api_refund=data["api_refund"],
                        restock=data["restock"],
                    )
                    messages.success(
                        request,
                        _("Refunded %(amount)s %(currency)s on order #%(number)s.")
                        % {
                            "amount": refund.amount,
                            "currency": order_currency(order, store),
                            "number": order.shown_number,
                        },
                    )
                    url = reverse("orders:order_detail", kwargs={"store_id": store.pk, "order_id": order.pk})
                    return redirect(url + "#refunds")
                _order, _lines, confirm_amount = services.order_refund_plan(
                    order.pk, user=request.user, quantities=form.quantities(), amount=data["amount"]
                )
                status = 200
            except ValidationError as error:
                form.add_error(None, error)
    left = order.total - max(order.refunded_total, sum((r.amount for r in refunds), Decimal(0)))
    context = _order_page(
        store,
        access,
        order,
        _("Refund order #%(number)s"),
        form=form,
        refunds=refunds,
        left=left,
        confirm_amount=confirm_amount,
    )
    return render(request, "orders/order_refund.html", context, status=status)


# --- export ----------------------------------------------------------------------------------------


@login_required
@require_POST
def order_export(request, store_id):
    """The filtered list (its filters in the query string) as CSV (masked for viewers, like the
    list): streamed row by row, or, beyond ``ORDER_EXPORT_STREAM_LIMIT`` orders, written by a
    worker behind a progress bar. A POST: it may start a job (see ``catalog.csv_views``)."""
    access, store = store_for(request, store_id, VIEW_ORDERS)
    form = OrderFilterForm(request.GET or None, can_search_customers=can_see_customer_data(access, store.pk))
    filters = form.to_filters()
    orders = orders_list_for(access, store.pk, filters)
    known = known_list_total(filters, order_status_counts_map(access, store.pk))
    total = known if known is not None else total_of(orders, settings.ORDER_EXPORT_STREAM_LIMIT)[0]
    if total > settings.ORDER_EXPORT_STREAM_LIMIT:
        export = services.order_export_start(request.user, store.pk, _list_query(request))
        return redirect("orders:order_export_status", store_id=store.pk, export_id=export.pk)
    return stream_csv(f"orders-{store.pk}.csv", EXPORT_HEADER, order_export_rows_for(access, store.pk, filters))


@login_required
def order_export_status(request, store_id, export_id):
    """A background export's progress (htmx polls the card) and, when done, its download link."""
    access, store = store_for(request, store_id, VIEW_ORDERS)
    export = order_export_get(access, request.user, store.pk, export_id)
    context = page_context(store, access, "orders", _("Export orders"), export=export)
    template = "orders/_export_progress.html" if request.htmx else "orders/order_export.html"
    return render(request, template, context)


@login_required
def order_export_download(request, store_id, export_id):
    access, store = store_for(request, store_id, VIEW_ORDERS)
    export = order_export_get(access, request.user, store.pk, export_id)
    if export.withheld:
        raise Http404("This export holds customer data you can no longer see.")
    return export_download(export, f"orders-{store.pk}.csv")


# --- customers ------------------------------------------------------------------------------------


@login_required
def customer_list(request, store_id):
    access, store = store_for(request, store_id, VIEW_CUSTOMER_DATA)
    q = (request.GET.get("q") or "").strip()[:100]
    sort = request.GET.get("sort") if request.GET.get("sort") in CUSTOMER_SORTS else "last"
    page = counted_page(customers_for(access, store.pk, search=q, sort=sort), request.GET.get("page"), PER_PAGE)
    customer_rows(page.rows, store)
    context = page_context(
        store,
        access,
        "customers",
        _("Customers"),
        page=page,
        q=q,
        sort=sort,
        sorts=CUSTOMER_SORT_LABELS,
        txt_guest=_("Guest"),
    )
    return render_list(request, "orders/customer_list.html", context, "customer-results")


@login_required
def customer_detail(request, store_id, customer_id):
    access, store = store_for(request, store_id, VIEW_CUSTOMER_DATA)
    customer = customer_get(access, store.pk, customer_id)
    page = window_page(customer_orders_for(access, store.pk, customer), request.GET.get("page"), PER_PAGE)
    order_rows(page.rows, store)
    context = page_context(store, access, "customers", customer.name or customer.email, customer=customer, page=page)
    return render(request, "orders/customer_detail.html", context)
