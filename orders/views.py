"""Order pages: the list (filters, search by number, sorting), the order page (line items,
totals, addresses masked for viewers, status history, status change), and the overview chart.

Every order read goes through ``orders.selectors`` (masked through ``orders.masking`` for those
without ``stores.view_customer_data``); the status change goes through the sync app's
``order_change_status`` service, which records the log row and pushes the change.
"""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.presenters import history_entries
from catalog.pages import htmx_target
from config.pagination import window_page
from orders import services
from orders.charts import build_chart
from orders.forms import DESTRUCTIVE_STATUSES, STATUS_LABELS, OrderFilterForm, OrderStatusForm, allowed_transitions
from orders.metrics import CHART_DAYS, daily_series_for, top_products_for
from orders.presenters import order_rows
from orders.selectors import (
    can_see_customer_data,
    order_get,
    order_last_push_for,
    order_line_products_for,
    order_status_logs_for,
    orders_list_for,
)
from stores.access import CHANGE_ORDER_STATUS, VIEW_ORDERS
from stores.pages import page_context, store_for

PER_PAGE = 50


@login_required
def order_list(request, store_id):
    access, store = store_for(request, store_id, VIEW_ORDERS)
    customers = can_see_customer_data(access, store.pk)
    form = OrderFilterForm(request.GET or None, can_search_customers=customers)
    filters = form.to_filters()
    page = window_page(orders_list_for(access, store.pk, filters), request.GET.get("page"), PER_PAGE)
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
        can_see_customers=customers,
        txt_masked=_("Hidden: your role does not include customer data"),
    )
    template = "orders/order_list.html"
    if htmx_target(request, "order-results"):
        template += "#results"
    return render(request, template, context)


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


def _order_context(request, access, store, order, form=None):
    products = order_line_products_for(access, store.pk, order)
    items, subtotal = _line_items(order, products)
    can_change = access.can(CHANGE_ORDER_STATUS, store.pk)
    return page_context(
        store,
        access,
        "orders",
        _("Order #%(number)s") % {"number": order.number or order.woo_id},
        order=order,
        items=items,
        subtotal=subtotal,
        logs=order_status_logs_for(access, store.pk, order),
        push=order_last_push_for(access, store.pk, order),
        status_labels=STATUS_LABELS,
        can_change_status=can_change,
        status_form=form or (OrderStatusForm(current=order.status) if can_change else None),
        transitions=allowed_transitions(order.status),
        destructive=DESTRUCTIVE_STATUSES,
        masked=getattr(order, "customer_data_masked", False),
        # Masked for users without customer data, like the order itself.
        history=history_entries("orders", order.pk, access, store.pk, limit=20),
    )


@login_required
def order_detail(request, store_id, order_id):
    access, store = store_for(request, store_id, VIEW_ORDERS)
    order = order_get(access, store.pk, order_id)
    return render(request, "orders/order_detail.html", _order_context(request, access, store, order))


@login_required
@require_POST
def order_status_change(request, store_id, order_id):
    access, store = store_for(request, store_id, CHANGE_ORDER_STATUS)
    order = order_get(access, store.pk, order_id)
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
                % {"number": order.number or order.woo_id, "status": STATUS_LABELS.get(new_status, new_status)},
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
    access, store = store_for(request, store_id, VIEW_ORDERS)
    order = order_get(access, store.pk, order_id)
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
