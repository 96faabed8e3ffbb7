"""Order figures for the store overview and the home page: counts, revenue, average order
value, a daily series for the chart, and top products.

Every read goes through ``orders.selectors.orders_for`` / ``orders.masking.orders_summary``, so a
viewer's figures come from the masked view like everything else (they never touch a personal
column, so they are the same numbers). Days are the user's days: "today" starts at midnight in
the active time zone. Each function is one query whatever the number of orders.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count
from django.db.models import F
from django.db.models import OuterRef
from django.db.models import Subquery
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from orders.masking import orders_summary
from orders.models import Order
from orders.models import OrderStatus
from orders.selectors import orders_for
from stores.access import VIEW_ORDERS

# What counts as a sale (WooCommerce Analytics' default "actionable" and paid statuses).
REVENUE_STATUSES = (OrderStatus.PROCESSING, OrderStatus.COMPLETED, OrderStatus.ON_HOLD)
CHART_DAYS = (30, 90)
# Revenue is net of refunds, as WooCommerce's reports count it.
NET_TOTAL = F("total") - F("refunded_total")


def local_midnight(days_ago=0, now=None):
    """The start of the user's day ``days_ago`` days ago, as an aware datetime."""
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now or timezone.now(), tz).date()
    return datetime.combine(today - timedelta(days=days_ago), time.min, tzinfo=tz)


@dataclass(frozen=True)
class OrderKpis:
    orders_today: int
    revenue_today: Decimal
    orders_7: int
    revenue_7: Decimal
    orders_30: int
    revenue_30: Decimal
    revenue_prev_7: Decimal

    @property
    def average_30(self):
        return (self.revenue_30 / self.orders_30).quantize(Decimal("0.01")) if self.orders_30 else None

    @property
    def trend_7(self):
        """Revenue of the last 7 days against the 7 before, in percent (None without a base)."""
        if not self.revenue_prev_7:
            return None
        return round((self.revenue_7 - self.revenue_prev_7) * 100 / self.revenue_prev_7)


def _sales(access, store_id):
    return orders_for(access, store_id).order_by().filter(status__in=REVENUE_STATUSES)


def order_kpis_for(access, store_id, now=None):
    """Orders and revenue today, over 7 and 30 days (and the 7 before, for a trend): one query."""
    return kpis_from_series(daily_series_for(access, store_id, 30, now=now))


def kpis_from_series(points):
    """The figures of :class:`OrderKpis` from a 30-day daily series (no query)."""
    zero = Decimal("0")

    def total(selection):
        return sum((p.orders for p in selection), 0), sum((p.revenue for p in selection), zero)

    orders_today, revenue_today = total(points[-1:])
    orders_7, revenue_7 = total(points[-7:])
    _orders, revenue_prev_7 = total(points[-14:-7])
    orders_30, revenue_30 = total(points[-30:])
    return OrderKpis(orders_today, revenue_today, orders_7, revenue_7, orders_30, revenue_30, revenue_prev_7)


@dataclass(frozen=True)
class DayPoint:
    day: object
    orders: int
    revenue: Decimal


def daily_series_for(access, store_id, days=30, now=None):
    """One point per day of the last ``days`` days (empty days included): one query."""
    days = days if days in CHART_DAYS else CHART_DAYS[0]
    start = local_midnight(days - 1, now)
    rows = (
        _sales(access, store_id)
        .filter(woo_created_at__gte=start)
        .annotate(day=TruncDate("woo_created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        # COUNT(*), not COUNT(id): the covering index (orders_store_sales_idx) then answers alone.
        .annotate(orders=Count("*"), revenue=Sum(NET_TOTAL))
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    first = start.date()
    points = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day)
        points.append(DayPoint(day, row["orders"] if row else 0, row["revenue"] if row else Decimal("0")))
    return points


@dataclass(frozen=True)
class TopProduct:
    woo_id: int | None
    name: str
    quantity: int
    revenue: Decimal
    product_id: object  # the local product's id, when it is in the catalog


def top_products_for(access, store_id, days=30, limit=5, now=None):
    """Best sellers by revenue over the last ``days`` days, from the orders' line items: one query.

    The line items are read through the same (masked) order queryset as every other order read.
    """
    start = local_midnight(days - 1, now)
    source = _sales(access, store_id).filter(woo_created_at__gte=start).values("line_items")
    inner_sql, inner_params = source.query.sql_with_params()
    sql = f"""
        WITH items AS (
            SELECT NULLIF(item->>'product_id', '')::bigint AS woo_id,
                   item->>'name' AS name,
                   COALESCE(NULLIF(item->>'quantity', '')::numeric, 0) AS quantity,
                   COALESCE(NULLIF(item->>'total', '')::numeric, 0) AS revenue
            FROM ({inner_sql}) AS o, jsonb_array_elements(
                CASE WHEN jsonb_typeof(o.line_items) = 'array' THEN o.line_items ELSE '[]'::jsonb END
            ) AS item
        ), top AS (
            SELECT woo_id, MAX(name) AS name, SUM(quantity) AS quantity, SUM(revenue) AS revenue
            FROM items GROUP BY woo_id ORDER BY SUM(revenue) DESC, woo_id LIMIT %s
        )
        SELECT top.woo_id, top.name, top.quantity, top.revenue, p.id
        FROM top LEFT JOIN products p ON p.store_id = %s AND p.woo_id = top.woo_id AND top.woo_id > 0
        ORDER BY top.revenue DESC, top.woo_id
    """  # noqa: S608 - the inner query is Django's own compiled SQL with its parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, limit, store_id])
        rows = cursor.fetchall()
    return [
        TopProduct(woo_id, name or "—", int(quantity or 0), revenue or Decimal("0"), pk)
        for woo_id, name, quantity, revenue, pk in rows
    ]


@dataclass(frozen=True)
class StoreSales:
    orders_today: int = 0
    revenue_7: Decimal = Decimal("0")


def sales_columns(access, now=None):
    """The home page's figures of each store as columns of a query over stores (``OuterRef("pk")``):
    today's orders and the 7 days' net revenue, NULL where the user may not see orders or there
    were none (``store_sales`` reads them)."""
    today, start_7 = local_midnight(0, now), local_midnight(6, now)
    orders = access.scope(Order.objects.filter(store_id=OuterRef("pk")), VIEW_ORDERS)
    week = (
        orders_summary(orders, access)
        .order_by()
        .filter(woo_created_at__gte=start_7, status__in=REVENUE_STATUSES)
        .values("store_id")
    )
    return {
        "orders_today": Subquery(week.filter(woo_created_at__gte=today).annotate(n=Count("*")).values("n")),
        "revenue_7": Subquery(week.annotate(revenue=Sum(NET_TOTAL)).values("revenue")),
    }


def store_sales(access, store_id, columns):
    """``StoreSales`` from the values of ``sales_columns``; None if the user may not see orders."""
    if not access.can(VIEW_ORDERS, store_id):
        return None
    return StoreSales(columns["orders_today"] or 0, columns["revenue_7"] or Decimal("0"))
