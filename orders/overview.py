"""What the store overview and the home page show beyond the store's own row: sales figures, a
chart, stock alerts, top products, sync and webhook health, and recent activity.

``store_overview_for`` feeds ``templates/stores/_overview_metrics.html`` and
``stores_health_for`` feeds ``templates/stores/_home_health.html``. Both cost a fixed number of
queries: the overview about ten, the home page two for any number of stores.
"""

from operator import itemgetter

from django.db.models import Count
from django.db.models import IntegerField
from django.db.models import OuterRef
from django.db.models import Subquery
from django.db.models import Value
from django.db.models.functions import Coalesce

from catalog.metrics import stock_counts_for
from catalog.models import Product
from config.pagination import estimated_rows
from orders.charts import build_chart
from orders.metrics import CHART_DAYS
from orders.metrics import daily_series_for
from orders.metrics import kpis_from_series
from orders.metrics import sales_columns
from orders.metrics import store_sales
from orders.models import Order
from orders.models import OrderStatus
from orders.models import OrderStatusLog
from orders.selectors import orders_list_for
from stores.access import CHANGE_CATALOG
from stores.access import RUN_SYNC
from stores.access import VIEW_ORDERS
from stores.access import VIEW_STORE
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser
from sync.dashboard_selectors import recent_pushes_for
from sync.dashboard_selectors import recent_runs_for
from sync.dashboard_selectors import store_health_for
from sync.models import PushEntity
from webhooks.models import Webhook

STATUS_LABELS = dict(OrderStatus.choices)
ROLE_LABELS = dict(StoreRole.choices)


def store_overview_for(access, store, user, now=None):
    """The overview's figures for one store (the caller has checked ``view_store``)."""
    store_id = store.pk
    can_orders = access.can(VIEW_ORDERS, store_id)
    overview = {
        "can_view_orders": can_orders,
        "can_run_sync": access.can(RUN_SYNC, store_id),
        "can_edit_catalog": access.can(CHANGE_CATALOG, store_id),
        "stock": stock_counts_for(access, store_id),
        "health": store_health_for(access, [store_id]).get(store_id),
    }
    activity = []
    if can_orders:
        # One query for the chart and the figures above it: the 30-day daily series.
        series = daily_series_for(access, store_id, 30, now=now)
        overview["kpis"] = kpis_from_series(series)
        overview["chart"] = build_chart(series, store.currency, 30)
        # Top products read every line item of 30 days of orders: loaded by the page afterwards
        # (orders:top_products), so the overview itself answers at once.
        for order in orders_list_for(access, store_id)[:5]:
            activity.append({"kind": "order", "when": order.woo_created_at or order.created_at, "order": order})
        overview["chart_days"] = CHART_DAYS
        logs = access.scope(OrderStatusLog.objects.filter(store_id=store_id), VIEW_ORDERS).order_by("-created_at")
        for log in logs[:5]:
            label = STATUS_LABELS.get(log.new_status, log.new_status)
            activity.append({"kind": "status", "when": log.created_at, "log": log, "status_label": label})
    pushes = recent_pushes_for(access, store_id)
    product_ids = [op.object_id for op in pushes if op.entity_type == PushEntity.PRODUCT and op.object_id]
    names = (
        dict(Product.objects.filter(store_id=store_id, pk__in=product_ids).values_list("pk", "name"))
        if product_ids
        else {}
    )
    for op in pushes:
        activity.append(
            {"kind": "push", "when": op.completed_at or op.created_at, "push": op, "name": names.get(op.object_id)}
        )
    for run in recent_runs_for(user, store_id, limit=4):
        activity.append({"kind": "run", "when": run.finished_at or run.started_at or run.created_at, "run": run})
    activity.sort(key=itemgetter("when"), reverse=True)
    overview["activity"] = activity[:10]
    return overview


def stores_health_for(access, stores):
    """``{store_id: {"health": StoreHealth, "sales": StoreSales | None}}`` for the home page."""
    ids = [store.pk for store in stores if access.can(VIEW_STORE, store.pk)]
    health = store_health_for(access, ids, **sales_columns(access))
    return {
        pk: {
            "health": health.get(pk),
            "sales": store_sales(access, pk, health[pk].extra) if pk in health else None,
            "role_label": ROLE_LABELS.get(access.role(pk)),
        }
        for pk in ids
    }


# Above this many rows (by the planner's estimate) a store's products or orders are counted
# approximately: an exact COUNT(*) of 500,000 orders costs tens of milliseconds on every visit.
EXACT_COUNT_BELOW = 20_000


def _count(queryset):
    """``(count, estimated)``: exact for small stores, the planner's estimate for big ones."""
    estimate = estimated_rows(queryset)
    if estimate < EXACT_COUNT_BELOW:
        return queryset.count(), False
    return estimate, True


def _small_count(model):
    rows = model.objects.filter(store=OuterRef("pk")).order_by().values("store").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def store_counts_for(access, store_id):
    """The overview's size figures: products and orders (estimated when large), members and
    webhooks (exact). Four or five queries whatever the store's size."""
    access.require(VIEW_STORE, store_id)
    products, products_estimated = _count(Product.objects.filter(store_id=store_id))
    orders, orders_estimated = _count(Order.objects.filter(store_id=store_id))
    small = (
        Store.objects.filter(pk=store_id)
        .annotate(member_count=_small_count(StoreUser), webhook_count=_small_count(Webhook))
        .values("member_count", "webhook_count")
        .get()
    )
    return {
        "product_count": products,
        "product_estimated": products_estimated,
        "order_count": orders,
        "order_estimated": orders_estimated,
        **small,
    }
