"""Display values of order list rows, computed once in Python (see catalog.presenters)."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import timezone

from catalog.presenters import DateFormatter
from catalog.presenters import money_html
from catalog.templatetags.dashboard import STATUS_TONES
from orders.forms import STATUS_LABELS


def order_currency(order, store):
    """The currency of an order's amounts: its own (a multi-currency shop sells in several, and
    WooCommerce refunds in the order's), else the store's."""
    return order.currency or store.currency


def order_rows(orders, store):
    base = reverse("orders:order_list", kwargs={"store_id": store.pk})
    dates = DateFormatter("SHORT_DATETIME_FORMAT")
    for order in orders:
        order.url = f"{base}{order.pk}/"
        order.status_label = STATUS_LABELS.get(order.status, order.status)
        order.status_tone = STATUS_TONES.get(order.status, "neutral")
        currency = order_currency(order, store)
        order.total_html = money_html(order.total, currency)
        refunded = getattr(order, "refunded_total", 0)
        order.refunded_html = money_html(refunded, currency) if refunded else None
        if order.woo_created_at:
            local = timezone.localtime(order.woo_created_at)
            order.created_iso = local.isoformat()
            order.created_short = dates(local, "SHORT_DATETIME_FORMAT")
        else:
            order.created_iso = order.created_short = None
    return orders


def customer_rows(customers, store):
    """Add ``url``, ``orders_text``, ``spent_html``, ``average_html`` and the two dates' text."""
    base = reverse("orders:customer_list", kwargs={"store_id": store.pk})
    dates = DateFormatter("SHORT_DATE_FORMAT")
    for customer in customers:
        customer.url = f"{base}{customer.pk}/"
        customer.orders_text = intcomma(customer.orders_count)
        customer.spent_html = money_html(customer.total_spent, store.currency)
        customer.average_html = money_html(customer.average_order, store.currency)
        for name in ("first_order_at", "last_order_at"):
            value = getattr(customer, name)
            text = dates(timezone.localtime(value), "SHORT_DATE_FORMAT") if value else "—"
            setattr(customer, name.replace("_at", "_text"), text)
    return customers
