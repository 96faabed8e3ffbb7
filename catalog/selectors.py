"""Reads of a store's catalog, always through the user's access scope."""

from dataclasses import dataclass

from django.db.models import F, Q

from catalog.models import Product, ProductVariation, StoreAttribute, StoreBrand, StoreCategory, StoreTag
from stores.access import VIEW_STORE, get_scoped_or_404

# Column key in the URL -> ORDER BY; ties broken by id so pages never skip or repeat rows.
PRODUCT_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "sku": ("sku", "id"),
    "-sku": ("-sku", "-id"),
    "price": (F("price").asc(nulls_last=True), "id"),
    "-price": (F("price").desc(nulls_last=True), "-id"),
    "stock": (F("stock_quantity").asc(nulls_last=True), "id"),
    "-stock": (F("stock_quantity").desc(nulls_last=True), "-id"),
    "modified": (F("woo_modified_at").asc(nulls_last=True), "id"),
    "-modified": (F("woo_modified_at").desc(nulls_last=True), "-id"),
}
DEFAULT_PRODUCT_SORT = "name"
PRODUCT_LIST_COLUMNS = [
    "id",
    "store_id",
    "woo_id",
    "name",
    "sku",
    "type",
    "status",
    "price",
    "sale_price",
    "stock_quantity",
    "stock_status",
    "categories",
    "brands",
    "woo_modified_at",
    "synced_at",
    "source",
    "featured_image_id",
]


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    status: str = ""
    type: str = ""
    category: int | None = None
    tag: int | None = None
    brand: int | None = None
    stock_status: str = ""
    on_sale: bool = False
    sort: str = DEFAULT_PRODUCT_SORT


def products_for(access, store_id, filters=ProductFilters()):
    """A store's products filtered and sorted for the product list (no row-by-row queries)."""
    products = access.scope(Product.objects.all(), VIEW_STORE).filter(store_id=store_id)
    if filters.q:
        products = products.filter(Q(name__icontains=filters.q) | Q(sku__icontains=filters.q))
    if filters.status:
        products = products.filter(status=filters.status)
    else:
        products = products.exclude(status="trash")
    if filters.type:
        products = products.filter(type=filters.type)
    if filters.stock_status:
        products = products.filter(stock_status=filters.stock_status)
    for field, woo_id in (("categories", filters.category), ("tags", filters.tag), ("brands", filters.brand)):
        if woo_id is not None:
            products = products.filter(**{f"{field}__contains": [{"id": woo_id}]})
    if filters.on_sale:
        products = products.filter(sale_price__isnull=False)
    ordering = PRODUCT_SORTS.get(filters.sort, PRODUCT_SORTS[DEFAULT_PRODUCT_SORT])
    return (
        products.select_related("featured_image")
        .only(*PRODUCT_LIST_COLUMNS, "featured_image__original_url", "featured_image__storage_url")
        .order_by(*ordering)
    )


def product_get(access, store_id, product_id):
    queryset = Product.objects.filter(store_id=store_id).select_related("featured_image")
    return get_scoped_or_404(queryset, access, VIEW_STORE, pk=product_id)


def product_variations_for(access, product):
    return access.scope(ProductVariation.objects.all(), VIEW_STORE).filter(product=product).select_related("image")


def taxonomies_for(access, store_id):
    """Every category, tag, brand and global attribute of a store, for filters and forms."""

    def scoped(model):
        return access.scope(model.objects.all(), VIEW_STORE).filter(store_id=store_id)

    return {
        "categories": list(scoped(StoreCategory).only("id", "woo_id", "name", "parent_id", "count")),
        "tags": list(scoped(StoreTag).only("id", "woo_id", "name", "count")),
        "brands": list(scoped(StoreBrand).only("id", "woo_id", "name", "count")),
        "attributes": list(scoped(StoreAttribute).prefetch_related("terms")),
    }
