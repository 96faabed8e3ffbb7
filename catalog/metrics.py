"""Catalog figures for the store overview: stock alerts. One query, whatever the catalog size."""

from dataclasses import dataclass

from django.db.models import Count
from django.db.models import IntegerField
from django.db.models import OuterRef
from django.db.models import Subquery
from django.db.models import Value
from django.db.models.functions import Coalesce

from catalog.models import Product
from catalog.selectors import low_stock_threshold
from stores.access import VIEW_STORE
from stores.models import Store


@dataclass(frozen=True)
class StockCounts:
    low_stock: int
    out_of_stock: int
    threshold: int


def _count(queryset):
    rows = queryset.order_by().values("store_id").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def stock_counts_for(access, store_id):
    """Products (not trashed) out of stock, and in stock at or below the low-stock threshold.

    One query of two counts, each a range of ``products_stock_count_idx`` read without touching
    the table (a single scan over both conditions would walk every in-stock product).
    """
    access.require(VIEW_STORE, store_id)
    threshold = low_stock_threshold()
    products = access.scope(Product.objects.filter(store_id=OuterRef("pk")), VIEW_STORE).exclude(status="trash")
    row = (
        Store.objects.filter(pk=store_id)
        .annotate(
            low_stock=_count(products.filter(stock_status="instock", stock_quantity__lte=threshold)),
            out_of_stock=_count(products.filter(stock_status="outofstock")),
        )
        .values("low_stock", "out_of_stock")
        .get()
    )
    return StockCounts(row["low_stock"], row["out_of_stock"], threshold)
