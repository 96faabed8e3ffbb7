"""Reads of orders, scoped through ``stores.access`` and masked through ``orders.masking``.

Whoever lacks ``stores.view_customer_data`` on a store (viewers) gets every order of that store
through ``orders_summary``: lists, detail, search, exports, htmx fragments and charts alike.
Search and sorting on customer columns are offered only to those who may see them.
"""

import json
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count
from django.db.models import F
from django.db.models import Func
from django.db.models import IntegerField
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import Subquery
from django.db.models import Sum
from django.db.models import Value
from django.db.models.functions import Upper
from django.utils import timezone

from catalog.models import Product
from orders.masking import mask_value
from orders.masking import orders_summary
from orders.models import Customer
from orders.models import CustomerEmailKey
from orders.models import CustomerSearchText
from orders.models import Order
from orders.models import OrderNote
from orders.models import OrderRefund
from orders.models import OrderStatusLog
from stores.access import VIEW_CUSTOMER_DATA
from stores.access import VIEW_ORDERS
from stores.access import get_scoped_or_404
from sync.models import PushEntity
from sync.models import PushOperation

# What a list page sorts by; customer columns only for those who may see customer data.
ORDERINGS = ("-woo_created_at", "woo_created_at", "-total", "total", "status", "-status", "number", "-number")
CUSTOMER_ORDERINGS = ("customer_name", "-customer_name", "customer_email", "-customer_email")
# Shorter terms search order numbers only: a trigram index cannot serve them, and "51" would
# match every customer whose phone or e-mail contains it.
CUSTOMER_SEARCH_MIN = 3


def can_see_customer_data(access, store_id):
    return access.can(VIEW_CUSTOMER_DATA, store_id)


def _masked_for(queryset, access, store_id):
    return queryset if can_see_customer_data(access, store_id) else orders_summary(queryset, access)


def orders_for(access, store_id, *, search="", status=None, ordering="-woo_created_at"):
    """A store's orders for a list, an export or an htmx fragment: one query per page.

    ``search`` matches the order number or WooCommerce id for everyone, and the customer's name,
    email and phone only for those who may see them (terms of three characters or more).
    """
    access.require(VIEW_ORDERS, store_id)
    queryset = access.scope(Order.objects.filter(store_id=store_id), VIEW_ORDERS)
    if status:
        queryset = queryset.filter(status=status)
    term = (search or "").strip()
    if term:
        number = term.lstrip("#")
        # Each branch is an index: (store, upper(number)), (store, woo_id), the customer trigrams.
        queryset = queryset.alias(number_key=Upper("number"))
        condition = Q(number_key=Upper(Value(number)))
        if number.isdigit() and len(number) < 19:
            condition |= Q(woo_id=int(number))
        if can_see_customer_data(access, store_id) and len(term) >= CUSTOMER_SEARCH_MIN:
            # Name, e-mail or phone containing the term (case-insensitive), on one trigram index.
            queryset = queryset.alias(customer_text=CustomerSearchText())
            condition |= Q(customer_text__contains=Upper(Value(term)))
        queryset = queryset.filter(condition)
    allowed = ORDERINGS + (CUSTOMER_ORDERINGS if can_see_customer_data(access, store_id) else ())
    if ordering not in allowed:
        ordering = "-woo_created_at"
    queryset = queryset.order_by(ordering, "-pk")
    return _masked_for(queryset, access, store_id)


def order_get(access, store_id, order_id):
    """One order for its pages (masked for viewers); 404 outside the user's scope. For those who
    may see customer data it carries ``customer_page_id``: its customer's row in the customers
    summary (keyed by the e-mail's ``CustomerEmailKey``), None if there is none."""
    access.require(VIEW_ORDERS, store_id)
    queryset = Order.objects.filter(store_id=store_id)
    if can_see_customer_data(access, store_id):
        customer = Customer.objects.filter(store_id=store_id, email=CustomerEmailKey(OuterRef("customer_email")))
        queryset = queryset.annotate(customer_page_id=Subquery(customer.values("pk")[:1]))
    else:
        queryset = orders_summary(queryset, access)
    return get_scoped_or_404(queryset, access, VIEW_ORDERS, pk=order_id)


def order_status_counts_for(access, store_id):
    """Orders and revenue per status, for charts: one query, no customer columns."""
    access.require(VIEW_ORDERS, store_id)
    queryset = orders_for(access, store_id).order_by()
    return list(queryset.values("status").annotate(count=Count("pk"), revenue=Sum("total")).order_by("status"))


EXPORT_HEADER = (
    "number",
    "woo_id",
    "status",
    "total",
    "refunded",
    "currency",
    "customer_name",
    "customer_email",
    "customer_phone",
    "created_at",
)
EXPORT_COLUMNS = (
    "number",
    "woo_id",
    "status",
    "total",
    "refunded_total",
    "currency",
    "customer_name",
    "customer_email",
    "customer_phone",
    "woo_created_at",
)


def order_export_rows_for(access, store_id, filters=None):
    """Rows of the filtered order list for a CSV export (masked for viewers), read in chunks."""
    for order in orders_list_for(access, store_id, filters or OrderFilters()).iterator(chunk_size=500):
        yield [getattr(order, column) for column in EXPORT_COLUMNS]


# --- The dashboard's order pages (appended by the dashboard engineer) ------------------------


class _ItemCount(Func):
    """Line items of an order (0 when the JSON is not a list); not a personal column."""

    template = "(CASE WHEN jsonb_typeof(%(expressions)s) = 'array' THEN jsonb_array_length(%(expressions)s) ELSE 0 END)"
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return sql, (*params, *params)


@dataclass(frozen=True)
class OrderFilters:
    q: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    sort: str = "-woo_created_at"

    @property
    def active(self):
        values = (self.status, self.date_from, self.date_to, self.total_min, self.total_max)
        return sum(1 for value in values if value not in ("", None))


# Wide JSON a list does not show (the addresses stay masked for viewers either way).
ORDER_LIST_DEFERRED = ("line_items", "billing", "shipping", "customer_note")


# Outside "All", as in WooCommerce: trashed orders and unfinished checkouts have tabs of their own.
OUTSIDE_ALL_STATUSES = ("trash", "checkout-draft")
# The tabs of the order list, in WooCommerce's order.
STATUS_TABS = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash")


def orders_list_for(access, store_id, filters=OrderFilters()):
    """The order list: ``orders_for`` (masked for viewers) plus dates in the user's time zone and
    a total range; "All" leaves out trash and drafts. One query per page; ``item_count`` comes
    from the same row."""
    queryset = orders_for(access, store_id, search=filters.q, status=filters.status or None, ordering=filters.sort)
    if not filters.status:
        queryset = queryset.exclude(status__in=OUTSIDE_ALL_STATUSES)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        queryset = queryset.filter(woo_created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
        queryset = queryset.filter(woo_created_at__lt=end)
    if filters.total_min is not None:
        queryset = queryset.filter(total__gte=filters.total_min)
    if filters.total_max is not None:
        queryset = queryset.filter(total__lte=filters.total_max)
    return queryset.defer(*ORDER_LIST_DEFERRED).annotate(item_count=_ItemCount(F("line_items")))


def order_status_logs_for(access, store_id, order):
    """The order's status history from ``order_status_logs``, newest first: one query."""
    access.require(VIEW_ORDERS, store_id)
    logs = access.scope(OrderStatusLog.objects.filter(store_id=store_id, order_woo_id=order.woo_id), VIEW_ORDERS)
    return list(logs.order_by("-created_at")[:100])


def order_line_products_for(access, store_id, order):
    """``{woo product id: local product id}`` for the order's line items: one query."""
    woo_ids = set()
    for item in order.line_items if isinstance(order.line_items, list) else []:
        if isinstance(item, dict):
            for key in ("variation_id", "product_id"):
                if isinstance(item.get(key), int) and item[key] > 0:
                    woo_ids.add(item[key])
    if not woo_ids:
        return {}
    products = access.scope(Product.objects.filter(store_id=store_id, woo_id__in=woo_ids), VIEW_ORDERS)
    return dict(products.values_list("woo_id", "id"))


def order_last_push_for(access, store_id, order):
    """The latest status push of the order (to show it going out and its result): one query."""
    access.require(VIEW_ORDERS, store_id)
    return (
        PushOperation.objects.filter(store_id=store_id, entity_type=PushEntity.ORDER, object_id=order.pk)
        .exclude(status="cancelled")
        .select_related("requested_by")
        .only(
            "id",
            "store_id",
            "status",
            "payload",
            "attempts",
            "last_error",
            "created_at",
            "completed_at",
            "requested_by__id",
            "requested_by__email",
        )
        .order_by("-created_at")
        .first()
    )


# --- status tabs, notes, refunds, customers ----------------------------------------------------


def order_status_counts_map(access, store_id):
    """``{status: orders}`` from the kept ``order_status_counts`` (one query on a few rows)."""
    from orders.models import OrderStatusCount

    access.require(VIEW_ORDERS, store_id)
    rows = OrderStatusCount.objects.filter(store_id=store_id, count__gt=0).values_list("status", "count")
    return dict(rows)


def status_tabs_for(counts):
    """``(all orders, [(status, count)])`` for the tabs; "All" leaves out trash and drafts."""
    every = sum(count for status, count in counts.items() if status not in OUTSIDE_ALL_STATUSES)
    return every, [(status, counts.get(status, 0)) for status in STATUS_TABS]


def known_list_total(filters, counts):
    """The exact total of a list filtered by status alone (or not at all), from the kept
    counts; None when other filters apply and the list has to be counted."""
    if filters.q or filters.active - (1 if filters.status else 0):
        return None
    if filters.status:
        return counts.get(filters.status, 0)
    return status_tabs_for(counts)[0]


# Notes can be added in WooCommerce without changing the order's modified date: read them again
# when the last read is older than this, even if the order did not change.
ACTIVITY_MAX_AGE = timedelta(minutes=15)


def order_activity_stale(order, now=None):
    """Whether the order's notes and refunds should be read again from WooCommerce: never read,
    the order changed since (``woo_modified_at`` after the read), or read too long ago."""
    synced = order.activity_synced_at
    if synced is None:
        return True
    if order.woo_modified_at is not None and order.woo_modified_at > synced:
        return True
    return synced < (now or timezone.now()) - ACTIVITY_MAX_AGE


NOTES_SHOWN = 200
# The order page's notes and refunds in one statement, each kind's rows with the other kind's
# columns NULL. Fixed SQL: built with the ORM (two annotated querysets and a union) it cost
# about 2 ms of CPU per page, as fixed SQL 0.25 ms.
_ACTIVITY = """
    SELECT 'refund', id, woo_id, woo_created_at, amount, reason, line_items, refunded_payment, refunded_by,
           NULL, NULL, NULL
    FROM order_refunds WHERE store_id = %(store)s AND order_woo_id = %(order)s
    UNION ALL
    (SELECT 'note', id, woo_id, woo_created_at, NULL, NULL, NULL, NULL, NULL, note, customer_note, author
     FROM order_notes WHERE store_id = %(store)s AND order_woo_id = %(order)s
     ORDER BY woo_created_at DESC, woo_id DESC LIMIT %(notes)s)
    ORDER BY 4 DESC, 3 DESC
"""


def _newest_first(queryset):
    return queryset.order_by("-woo_created_at", "-woo_id")


def _shown_refunds(access, store_id, refunds):
    """Each refund's lines as the page lists them; reasons hidden from those without customer data."""
    masked = not can_see_customer_data(access, store_id)
    for refund in refunds:
        refund.lines = [
            {"name": line.get("name", ""), "quantity": abs(int(line.get("quantity") or 0))}
            for line in refund.line_items or []
            if isinstance(line, dict) and line.get("quantity")
        ]
        if masked:
            refund.reason = mask_value(refund.reason)
            refund.refunded_by = mask_value(refund.refunded_by)
    return refunds


def order_refunds_for(access, store_id, order):
    """The order's refunds, newest first (reasons hidden from those without customer data)."""
    access.require(VIEW_ORDERS, store_id)
    refunds = OrderRefund.objects.filter(store_id=store_id, order_woo_id=order.woo_id)
    return _shown_refunds(access, store_id, list(_newest_first(refunds)))


def order_activity_for(access, store_id, order):
    """``(notes, refunds)`` of the order page, newest first, in one query (notes, customer data,
    only for those who may see it: the refunds alone otherwise)."""
    access.require(VIEW_ORDERS, store_id)
    if not can_see_customer_data(access, store_id):
        return [], order_refunds_for(access, store_id, order)
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVITY, {"store": store_id, "order": order.woo_id, "notes": NOTES_SHOWN})
        rows = cursor.fetchall()
    found = {"note": [], "refund": []}
    for kind, pk, woo_id, created, amount, reason, lines, payment, refunded_by, note, to_customer, author in rows:
        known = {
            "id": pk,
            "store_id": store_id,
            "order_woo_id": order.woo_id,
            "woo_id": woo_id,
            "woo_created_at": created,
        }
        if kind == "note":
            found["note"].append(OrderNote(**known, note=note, customer_note=to_customer, author=author))
        else:
            refund = OrderRefund(
                **known,
                amount=amount,
                reason=reason,
                # The driver leaves JSON to Django's fields: decoded here as ``JSONField`` would.
                line_items=json.loads(lines) if isinstance(lines, str) else lines,
                refunded_payment=payment,
                refunded_by=refunded_by,
            )
            found["refund"].append(refund)
    return found["note"], _shown_refunds(access, store_id, found["refund"])


CUSTOMER_SORTS = {
    "last": ("-last_order_at", "-pk"),
    "spent": ("-total_spent", "-pk"),
    "orders": ("-orders_count", "-pk"),
    "name": ("name", "pk"),
}


def customers_for(access, store_id, *, search="", sort="last"):
    """A store's customers from the kept summary: only for those who may see customer data."""
    access.require(VIEW_CUSTOMER_DATA, store_id)
    queryset = access.scope(Customer.objects.filter(store_id=store_id), VIEW_CUSTOMER_DATA)
    term = (search or "").strip()
    if term:
        queryset = queryset.filter(Q(name__icontains=term) | Q(email__icontains=term))
    return queryset.order_by(*CUSTOMER_SORTS.get(sort, CUSTOMER_SORTS["last"]))


def customer_get(access, store_id, customer_id):
    access.require(VIEW_CUSTOMER_DATA, store_id)
    return get_scoped_or_404(Customer.objects.filter(store_id=store_id), access, VIEW_CUSTOMER_DATA, pk=customer_id)


def customer_orders_for(access, store_id, customer):
    """The customer's orders, newest first (on the store's e-mail key index)."""
    access.require(VIEW_CUSTOMER_DATA, store_id)
    queryset = access.scope(Order.objects.filter(store_id=store_id), VIEW_CUSTOMER_DATA)
    return (
        queryset.annotate(email_key=CustomerEmailKey("customer_email"))
        .filter(email_key=customer.email)
        .defer(*ORDER_LIST_DEFERRED)
        .annotate(item_count=_ItemCount(F("line_items")))
        .order_by(F("woo_created_at").desc(nulls_last=True), "-pk")
    )


def order_export_get(access, user, store_id, export_id):
    """An export of this store requested by ``user`` (anyone else's is a 404)."""
    from orders.models import OrderExport

    access.require(VIEW_ORDERS, store_id)
    export = get_scoped_or_404(
        OrderExport.objects.filter(store_id=store_id, requested_by_id=user.pk), access, VIEW_ORDERS, pk=export_id
    )
    # A file written with customer data is not the requester's any more once they see it masked.
    export.withheld = export.customer_data and not can_see_customer_data(access, store_id)
    return export
