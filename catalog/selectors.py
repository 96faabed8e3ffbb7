"""Reads of a store's catalog, always through the user's access scope.

Every function here costs a fixed number of queries whatever the size of the store: lists are
one query per page (``config.pagination.window_page``, no COUNT), detail pages one query per
related table, and nothing is loaded row by row.
"""

from dataclasses import dataclass
from dataclasses import field

from django.conf import settings
from django.db import connection
from django.db import models
from django.db.models import ExpressionWrapper
from django.db.models import F
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import Subquery
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.db.models.functions import Concat

from catalog.models import Product
from catalog.models import ProductAttribute
from catalog.models import ProductImage
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from catalog.models import StoreAttributeTerm
from catalog.models import StoreBrand
from catalog.models import StoreCategory
from catalog.models import StoreTag
from stores.access import VIEW_STORE
from stores.access import get_scoped_or_404
from sync.models import OPEN_PUSH_STATUSES
from sync.models import ConflictStatus
from sync.models import ProductConflict
from sync.models import PushAction
from sync.models import PushEntity
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncError

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


def _text_key(name):
    # ``name || ''`` sorts exactly like ``name`` but cannot be read from an index.
    return Concat(F(name), Value(""), output_field=models.TextField())


def _number_key(name):
    return ExpressionWrapper(F(name) + 0, output_field=models.DecimalField())


# The same orders, for selective searches and filters (see products_for).
SEARCH_SORTS = {
    "name": (_text_key("name").asc(), "id"),
    "-name": (_text_key("name").desc(), "-id"),
    "sku": (_text_key("sku").asc(nulls_last=True), "id"),
    "-sku": (_text_key("sku").desc(nulls_last=True), "-id"),
    "price": (_number_key("price").asc(nulls_last=True), "id"),
    "-price": (_number_key("price").desc(nulls_last=True), "-id"),
    "stock": (_number_key("stock_quantity").asc(nulls_last=True), "id"),
    "-stock": (_number_key("stock_quantity").desc(nulls_last=True), "-id"),
    "modified": (Coalesce(F("woo_modified_at"), F("woo_modified_at")).asc(nulls_last=True), "id"),
    "-modified": (Coalesce(F("woo_modified_at"), F("woo_modified_at")).desc(nulls_last=True), "-id"),
}
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
    "featured",
    "catalog_visibility",
    "categories",
    "brands",
    "woo_modified_at",
    "synced_at",
    "source",
    "featured_image_id",
]
PRODUCT_STATUSES = ("publish", "draft", "pending", "private", "trash")
PRODUCT_TYPES = ("simple", "variable", "grouped", "external")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
# A pseudo stock status for the filter: in stock, but at or below the low-stock threshold.
LOW_STOCK = "low"


def low_stock_threshold():
    """WooCommerce's default "low stock amount" is 2; ``LOW_STOCK_THRESHOLD`` overrides it."""
    return getattr(settings, "LOW_STOCK_THRESHOLD", 2)


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    status: str = ""
    type: str = ""
    category: int | None = None
    tag: int | None = None
    brand: int | None = None
    stock_status: str = ""
    visibility: str = ""
    on_sale: bool = False
    featured: bool = False
    sort: str = DEFAULT_PRODUCT_SORT

    @property
    def active(self):
        """How many filters (not search, not sort) are set."""
        values = (
            self.status,
            self.type,
            self.category,
            self.tag,
            self.brand,
            self.stock_status,
            self.visibility,
            self.on_sale,
            self.featured,
        )
        return sum(1 for value in values if value not in ("", None, False))


def _open_push_status():
    """The status of the product's open push (pending, running, conflict), if any."""
    ops = PushOperation.objects.filter(
        object_id=OuterRef("pk"), entity_type=PushEntity.PRODUCT, status__in=OPEN_PUSH_STATUSES
    ).order_by("-created_at")
    return Subquery(ops.values("status")[:1])


def _variation_price_range():
    """The lowest and highest variation price, for variable products' price column."""
    variations = ProductVariation.objects.filter(product_id=OuterRef("pk"), price__isnull=False).order_by()
    return {
        "min_price": Subquery(variations.order_by("price").values("price")[:1]),
        "max_price": Subquery(variations.order_by("-price").values("price")[:1]),
    }


def products_for(access, store_id, filters=ProductFilters()):
    """A store's products filtered and sorted for the product list (no row-by-row queries).

    Each row carries ``push_status``: the status of its open push, if a local change is on its
    way to WooCommerce (an index lookup per row inside the same query).
    """
    return (
        filtered_products(access, store_id, filters)
        .select_related("featured_image")
        .only(*PRODUCT_LIST_COLUMNS, "featured_image__original_url", "featured_image__storage_url")
        .annotate(push_status=_open_push_status(), **_variation_price_range())
    )


def filtered_products(access, store_id, filters=ProductFilters()):
    """The products of the list's filters, search and sort, without the list's extra columns
    (the product list and its CSV export)."""
    products = access.scope(Product.objects.all(), VIEW_STORE).filter(store_id=store_id)
    if filters.q:
        products = products.filter(Q(name__icontains=filters.q) | Q(sku__icontains=filters.q))
    if filters.status:
        products = products.filter(status=filters.status)
    else:
        products = products.exclude(status="trash")
    if filters.type:
        products = products.filter(type=filters.type)
    if filters.stock_status == LOW_STOCK:
        products = products.filter(stock_status="instock", stock_quantity__lte=low_stock_threshold())
    elif filters.stock_status:
        products = products.filter(stock_status=filters.stock_status)
    for name, woo_id in (("categories", filters.category), ("tags", filters.tag), ("brands", filters.brand)):
        if woo_id is not None:
            products = products.filter(**{f"{name}__contains": [{"id": woo_id}]})
    if filters.visibility:
        products = products.filter(catalog_visibility=filters.visibility)
    if filters.on_sale:
        products = products.filter(sale_price__isnull=False)
    if filters.featured:
        products = products.filter(featured=True)
    ordering = PRODUCT_SORTS.get(filters.sort, PRODUCT_SORTS[DEFAULT_PRODUCT_SORT])
    if len(filters.q) >= 3 or filters.category is not None or filters.tag is not None or filters.brand is not None:
        # A search (trigram indexes) or a taxonomy (GIN) finds its rows directly; walking the sort
        # index instead and filtering as it goes is a gamble PostgreSQL's LIMIT estimate often loses
        # (matches bunched at the far end: "Linen ..." under L scans every A-K row first).
        ordering = SEARCH_SORTS.get(filters.sort, SEARCH_SORTS[DEFAULT_PRODUCT_SORT])
    return products.order_by(*ordering)


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


# --- filter and form choices ------------------------------------------------------------------


@dataclass
class TermChoices:
    """``(woo_id, label)`` pairs per taxonomy; categories are indented by depth."""

    categories: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    brands: list = field(default_factory=list)

    def names(self, kind):
        return dict(getattr(self, kind))


def _category_tree(rows):
    """Rows ``(id, woo_id, name, parent_id)`` -> depth-first ``[(row, depth)]``; orphans at the root."""
    ids = {row[0] for row in rows}
    children = {}
    for row in rows:
        parent = row[3] if row[3] in ids else None
        children.setdefault(parent, []).append(row)
    ordered, stack = [], [(row, 0) for row in reversed(children.get(None, []))]
    seen = set()
    while stack:
        row, depth = stack.pop()
        if row[0] in seen:
            continue
        seen.add(row[0])
        ordered.append((row, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(row[0], [])))
    return ordered


# Fixed SQL rather than the ORM: building this union cost about 1.5 ms of CPU on every product list
# and product form, several times running it. By name first, so that names equal but for case keep
# the database's order in the sorts below.
_TERMS = """
    SELECT 'category', id, woo_id, name, parent_id, menu_order FROM store_categories
    WHERE store_id = %(store)s AND woo_id IS NOT NULL
    UNION ALL
    SELECT 'tag', id, woo_id, name, NULL, count FROM store_tags WHERE store_id = %(store)s AND woo_id IS NOT NULL
    UNION ALL
    SELECT 'brand', id, woo_id, name, NULL, count FROM store_brands WHERE store_id = %(store)s AND woo_id IS NOT NULL
    ORDER BY 4
"""


def term_choices_for(access, store_id):
    """Categories, tags and brands of a store for filters and forms: one query (UNION ALL)."""
    access.require(VIEW_STORE, store_id)
    with connection.cursor() as cursor:
        cursor.execute(_TERMS, {"store": store_id})
        union = cursor.fetchall()
    categories, choices = [], TermChoices()
    for kind, pk, woo_id, name, parent_id, order in union:
        if kind == "category":
            categories.append((pk, woo_id, name, parent_id, order or 0))
        elif kind == "tag":
            choices.tags.append((woo_id, name))
        else:
            choices.brands.append((woo_id, name))
    categories.sort(key=lambda row: (row[4], row[2].lower()))
    choices.categories = [(row[1], "\u2003" * depth + row[2]) for row, depth in _category_tree(categories)]
    choices.tags.sort(key=lambda pair: pair[1].lower())
    choices.brands.sort(key=lambda pair: pair[1].lower())
    return choices


# --- the product page -------------------------------------------------------------------------


@dataclass
class ProductDetail:
    product: Product
    images: list
    variations: list
    attributes: list
    conflicts: list
    pushes: list
    errors: list

    @property
    def open_push(self):
        return next((op for op in self.pushes if op.status in OPEN_PUSH_STATUSES), None)

    @property
    def last_push(self):
        return self.pushes[0] if self.pushes else None

    @property
    def price_range(self):
        prices = [v.price for v in self.variations if v.price is not None]
        return (min(prices), max(prices)) if prices else None


def product_pushes_for(access, store_id, product_id, limit=5):
    """The latest pushes of one product (newest first): one query."""
    access.require(VIEW_STORE, store_id)
    return list(
        PushOperation.objects.filter(store_id=store_id, entity_type=PushEntity.PRODUCT, object_id=product_id)
        .select_related("requested_by")
        .only(
            "id",
            "status",
            "action",
            "fields",
            "payload",
            "object_id",
            "entity_type",
            "attempts",
            "last_error",
            "created_at",
            "completed_at",
            "store_id",
            "requested_by__id",
            "requested_by__email",
        )
        .order_by("-created_at")[:limit]
    )


def product_detail_for(access, store_id, product_id):
    """Everything the product page shows: seven queries whatever the product's size."""
    product = product_get(access, store_id, product_id)
    images = list(
        ProductImage.objects.filter(product=product).exclude(type="variation").order_by("display_order", "id")
    )
    variations = list(
        ProductVariation.objects.filter(product=product)
        .select_related("image")
        .order_by(F("woo_id").asc(nulls_last=True), "created_at")
    )
    attributes = list(ProductAttribute.objects.filter(product=product).order_by("position", "name"))
    conflicts = list(
        ProductConflict.objects.filter(product=product, status=ConflictStatus.OPEN)
        .select_related("push")
        .order_by("-created_at")
    )
    pushes = product_pushes_for(access, store_id, product.pk)
    errors = []
    if product.woo_id:
        errors = list(
            SyncError.objects.filter(
                store_id=store_id, resolved=False, entity_type__in=("product", "variation"), woo_id=product.woo_id
            ).order_by("-created_at")[:10]
        )
    detail = ProductDetail(product, images, variations, attributes, conflicts, pushes, errors)
    # A variation edit travels with its product's push: mark the variations it carries.
    open_push = detail.open_push
    pending_ids = set((open_push.payload or {}).get("variation_ids", [])) if open_push else set()
    for variation in variations:
        variation.push_pending = str(variation.pk) in pending_ids
    return detail


def product_conflict_get(access, store_id, product_id, conflict_id):
    """An open conflict of one product: 404 if it is not this product's or not open."""
    queryset = ProductConflict.objects.filter(store_id=store_id, product_id=product_id, status=ConflictStatus.OPEN)
    return get_scoped_or_404(queryset, access, VIEW_STORE, pk=conflict_id)


def variation_get(access, store_id, product_id, variation_id):
    queryset = ProductVariation.objects.filter(store_id=store_id, product_id=product_id).select_related("image")
    return get_scoped_or_404(queryset, access, VIEW_STORE, pk=variation_id)


def push_get(access, store_id, push_id):
    return get_scoped_or_404(PushOperation.objects.all(), access, VIEW_STORE, pk=push_id, store_id=store_id)


# --- taxonomies -------------------------------------------------------------------------------

TAXONOMY_KINDS = ("category", "tag", "brand")
TAXONOMY_MODELS = {"category": StoreCategory, "tag": StoreTag, "brand": StoreBrand}
TAXONOMY_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "count": (F("count").asc(nulls_first=True), "name", "id"),
    "-count": (F("count").desc(nulls_last=True), "name", "id"),
}


def _pending_creations(store_id, entity_type, attribute_id=None):
    """Terms created or deleted here and not yet confirmed by WooCommerce (open pushes)."""
    ops = PushOperation.objects.filter(
        store_id=store_id, entity_type=entity_type, action__in=(PushAction.CREATE, PushAction.DELETE)
    ).exclude(status__in=(PushStatus.DONE, PushStatus.CANCELLED))
    if attribute_id is not None:
        ops = ops.filter(payload__attribute_id=str(attribute_id))
    return ops.only("id", "status", "payload", "last_error", "created_at", "store_id").order_by("-created_at")[:20]


def categories_tree_for(access, store_id):
    """Every category of the store as a depth-first tree ``[(category, depth)]``: one query.

    Stores have hundreds of categories, not hundreds of thousands; the tree needs them all.
    """
    access.require(VIEW_STORE, store_id)
    rows = list(
        StoreCategory.objects.filter(store_id=store_id).only(
            "id", "woo_id", "name", "slug", "count", "parent_id", "menu_order", "sync_status", "sync_error", "store_id"
        )
    )
    rows.sort(key=lambda c: (c.menu_order or 0, c.name.lower()))
    by_id = {c.pk: c for c in rows}
    flat = [(c.pk, c.woo_id, c.name, c.parent_id) for c in rows]
    return [(by_id[row[0]], depth) for row, depth in _category_tree(flat)]


def terms_for(access, store_id, kind, *, q="", sort="name"):
    """Tags or brands of a store (search, sort), for a windowed page: one query per page."""
    access.require(VIEW_STORE, store_id)
    model = TAXONOMY_MODELS[kind]
    queryset = model.objects.filter(store_id=store_id)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    return queryset.order_by(*TAXONOMY_SORTS.get(sort, TAXONOMY_SORTS["name"]))


def pending_term_creations_for(access, store_id, kind):
    access.require(VIEW_STORE, store_id)
    return list(_pending_creations(store_id, kind))


def products_using_term(access, store_id, kind, term):
    """How many of the store's products (trash included: WooCommerce changes those too) use a
    category, tag, brand (``kind``), a global attribute or one of its terms."""
    access.require(VIEW_STORE, store_id)
    products = Product.objects.filter(store_id=store_id)
    if kind in TAXONOMY_MODELS:
        column = {"category": "categories", "tag": "tags", "brand": "brands"}[kind]
        return products.filter(**{f"{column}__contains": [{"id": term.woo_id}]}).count()
    uses = ProductAttribute.objects.filter(store_id=store_id)
    if kind == "attribute":
        uses = uses.filter(woo_id=term.woo_id)
    else:
        uses = uses.filter(woo_id=term.attribute.woo_id, options__contains=[term.name])
    return uses.values("product_id").distinct().count()


def term_get(access, store_id, kind, term_id):
    model = TAXONOMY_MODELS[kind]
    return get_scoped_or_404(model.objects.filter(store_id=store_id), access, VIEW_STORE, pk=term_id)


def attributes_for(access, store_id):
    """The store's global attributes with a few of their terms: two queries."""
    access.require(VIEW_STORE, store_id)
    attributes = list(StoreAttribute.objects.filter(store_id=store_id).order_by("name", "id"))
    terms = (
        StoreAttributeTerm.objects.filter(attribute__in=[a.pk for a in attributes])
        .only("id", "attribute_id", "name", "menu_order")
        .order_by("attribute_id", "menu_order", "name")
    )
    grouped = {}
    for term in terms:
        grouped.setdefault(term.attribute_id, []).append(term)
    for attribute in attributes:
        attribute.term_list = grouped.get(attribute.pk, [])
    return attributes


def attribute_get(access, store_id, attribute_id):
    return get_scoped_or_404(StoreAttribute.objects.filter(store_id=store_id), access, VIEW_STORE, pk=attribute_id)


def attribute_terms_for(access, store_id, attribute_id, *, q=""):
    access.require(VIEW_STORE, store_id)
    queryset = StoreAttributeTerm.objects.filter(store_id=store_id, attribute_id=attribute_id)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    return queryset.order_by("menu_order", "name", "id")


def attribute_term_get(access, store_id, attribute_id, term_id):
    queryset = StoreAttributeTerm.objects.filter(store_id=store_id, attribute_id=attribute_id)
    return get_scoped_or_404(queryset, access, VIEW_STORE, pk=term_id)


def pending_attribute_creations_for(access, store_id, attribute_id=None):
    access.require(VIEW_STORE, store_id)
    kind = PushEntity.ATTRIBUTE_TERM if attribute_id is not None else PushEntity.ATTRIBUTE
    return list(_pending_creations(store_id, kind, attribute_id))


def variation_attributes_of(product):
    """The product's attributes marked "used for variations", in their order."""
    return list(ProductAttribute.objects.filter(product=product, variation=True).order_by("position", "name"))


def sku_taken(store_id, sku, exclude_id=None):
    """Whether another product or variation of the store already uses ``sku``: one query."""
    if not sku:
        return False
    products = Product.objects.filter(store_id=store_id, sku=sku).exclude(status="trash")
    if exclude_id is not None:
        products = products.exclude(pk=exclude_id)
    variations = ProductVariation.objects.filter(store_id=store_id, sku=sku)
    return products.values("id").union(variations.values("id")).exists()
