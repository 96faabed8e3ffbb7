from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.richtext import web_url
from config.db import DataSource
from config.db import SyncedFields
from config.db import SyncStatus
from config.db import TimestampedModel
from config.db import UUIDModel
from config.db import choices_check
from config.db import created_at
from config.db import trigram_index
from config.db import updated_at
from config.exports import ExportJob
from stores.models import Store


def _source_check(table):
    return choices_check("source", DataSource, table=table, nullable=True)


TERM_COLUMNS = ("categories", "tags", "brands")


def term_refs_without(column, woo_id):
    """An UPDATE value: the product's ``column`` references (categories, tags or brands) without
    the term ``woo_id``."""
    if column not in TERM_COLUMNS:
        raise ValueError(f"not a term column: {column!r}")
    return RawSQL(  # noqa: S611 - the column is one of TERM_COLUMNS, the id a parameter
        f"COALESCE((SELECT jsonb_agg(e) FROM jsonb_array_elements(COALESCE({column}, '[]'::jsonb)) e "  # noqa: S608
        "WHERE (e->>'id')::bigint IS DISTINCT FROM %s), '[]'::jsonb)",
        [woo_id],
    )


class Product(TimestampedModel, SyncedFields):
    """``products``. ``price`` is WooCommerce's ``regular_price``; ``sale_price`` its sale price."""

    # Indexed by (store_id, woo_id) and the other (store_id, ...) indexes: a single-column index
    # would only slow the sync's writes (every index is maintained on every insert).
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="products", db_index=False)
    woo_id = models.BigIntegerField(null=True, blank=True)
    name = models.TextField()
    description = models.TextField(null=True, blank=True)
    short_description = models.TextField(null=True, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    sale_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    stock_quantity = models.IntegerField(null=True, blank=True)
    status = models.TextField(default="draft", db_default="draft")
    type = models.TextField(default="simple", db_default="simple")
    sku = models.TextField(null=True, blank=True)
    weight = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    length = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    width = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    height = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    categories = models.JSONField(null=True, blank=True)
    tags = models.JSONField(default=list, db_default=[], null=True, blank=True)
    brands = models.JSONField(default=list, db_default=[])
    featured_image = models.ForeignKey(
        "ProductImage",
        null=True,
        blank=True,
        on_delete=models.DB_SET_NULL,
        related_name="+",
    )
    # Additive (docs/schema-notes.md): what the catalog pages filter on and what sync compares.
    stock_status = models.TextField(default="instock", db_default="instock")
    # Additive: WooCommerce's "featured" flag and where the product shows (shop and search,
    # shop only, search only, hidden).
    featured = models.BooleanField(default=False, db_default=False)
    catalog_visibility = models.TextField(default="visible", db_default="visible")
    # Additive: the product's page in the shop, as WooCommerce reports it (read-only here).
    permalink = models.TextField(null=True, blank=True)
    woo_created_at = models.DateTimeField(null=True, blank=True)
    woo_modified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "products"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "woo_id"], name="products_store_id_woo_id_key"),
            _source_check("products"),
        ]
        indexes = [
            models.Index(fields=["store", "name"], name="products_store_name_idx"),
            models.Index(fields=["store", "status"], name="products_store_status_idx"),
            models.Index(fields=["store", "sku"], name="products_store_sku_idx"),
            models.Index(fields=["store", "-woo_modified_at"], name="products_store_modified_idx"),
            # The product list's sortable columns, in both directions, empty values last
            # (docs/schema-notes.md: additive indexes of the dashboard).
            models.Index(F("store"), F("price").asc(nulls_last=True), F("id").asc(), name="products_store_price_idx"),
            models.Index(
                F("store"), F("price").desc(nulls_last=True), F("id").desc(), name="products_store_price_desc_idx"
            ),
            models.Index(
                F("store"), F("stock_quantity").asc(nulls_last=True), F("id").asc(), name="products_store_qty_idx"
            ),
            models.Index(
                F("store"),
                F("stock_quantity").desc(nulls_last=True),
                F("id").desc(),
                name="products_store_qty_desc_idx",
            ),
            # Low-stock and out-of-stock counts of the overview, from the index alone.
            models.Index(
                fields=["store", "stock_status", "stock_quantity"], include=["status"], name="products_stock_count_idx"
            ),
            GinIndex(fields=["categories"], name="products_categories_gin"),
            GinIndex(fields=["tags"], name="products_tags_gin"),
            GinIndex(fields=["brands"], name="products_brands_gin"),
            trigram_index("name", "products"),
            trigram_index("sku", "products"),
        ]

    def __str__(self):
        return self.name


class ProductImage(TimestampedModel, SyncedFields):
    # Indexed by (store_id, woo_id) and (product_id, original_url).
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="product_images", db_index=False)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.DB_CASCADE, related_name="images", db_index=False
    )
    original_url = models.TextField()
    storage_url = models.TextField(null=True, blank=True)
    storage_source = models.TextField(default="woocommerce", db_default="woocommerce")
    type = models.TextField(default="gallery", db_default="gallery")
    alt_text = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    display_order = models.IntegerField(default=0, db_default=0)
    versions = models.JSONField(null=True, blank=True)
    # Additive: WooCommerce's media id, so an image keeps its identity across pulls.
    woo_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        db_table = "product_images"
        ordering = ["display_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "original_url"], name="product_images_product_id_original_url_key"
            ),
            _source_check("product_images"),
        ]
        indexes = [models.Index(fields=["store", "woo_id"], name="product_images_store_woo_idx")]

    def __str__(self):
        return self.original_url

    @property
    def display_url(self):
        """What a page shows: our copy, else the shop's address when it is an absolute http(s)
        one (a relative address from the shop would make the viewer's browser call our site)."""
        return self.storage_url or web_url(self.original_url)


class ProductVariation(TimestampedModel, SyncedFields):
    product = models.ForeignKey(Product, on_delete=models.DB_CASCADE, related_name="variations")
    # Indexed by (store_id, woo_id).
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="product_variations", db_index=False)
    woo_id = models.BigIntegerField(null=True, blank=True)
    sku = models.TextField(null=True, blank=True)
    price = models.DecimalField(null=True, blank=True)
    regular_price = models.DecimalField(null=True, blank=True)
    sale_price = models.DecimalField(null=True, blank=True)
    stock_quantity = models.IntegerField(null=True, blank=True)
    stock_status = models.TextField(default="instock", db_default="instock", null=True, blank=True)
    attributes = models.JSONField(default=list, db_default=[], null=True, blank=True)
    image = models.ForeignKey(ProductImage, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="+")
    # Additive: lifecycle and the remote modified time used by sync and conflict detection.
    status = models.TextField(default="publish", db_default="publish")
    woo_modified_at = models.DateTimeField(null=True, blank=True)
    # Additive: the rest of what a shop edits on a variation (docs/schema-notes.md).
    description = models.TextField(null=True, blank=True)
    weight = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    length = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    width = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    height = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    backorders = models.TextField(default="no", db_default="no")
    date_on_sale_from = models.DateField(null=True, blank=True)
    date_on_sale_to = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "product_variations"
        ordering = ["woo_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "woo_id"], name="product_variations_store_id_woo_id_key"),
            _source_check("product_variations"),
        ]
        indexes = [trigram_index("sku", "product_variations")]

    def __str__(self):
        return self.sku or f"#{self.woo_id}"


class StoreAttribute(TimestampedModel, SyncedFields):
    """``store_attributes``: global attributes (Color, Size) shared by a store's products."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="attributes")
    woo_id = models.IntegerField()
    name = models.TextField()
    slug = models.TextField()
    type = models.TextField(default="select", db_default="select", null=True, blank=True)
    order_by = models.TextField(default="menu_order", db_default="menu_order", null=True, blank=True)
    has_archives = models.BooleanField(default=False, db_default=False, null=True, blank=True)

    class Meta:
        db_table = "store_attributes"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "woo_id"], name="store_attributes_store_id_woo_id_key"),
            _source_check("store_attributes"),
        ]

    def __str__(self):
        return self.name


class ProductAttribute(TimestampedModel, SyncedFields):
    """``product_attributes``. ``woo_id`` is the global attribute's id (0 for a custom one).

    Unique by (product, woo_id, name), not by (product, name) as in the inventory: WooCommerce lets
    a product have a global attribute and a custom one of the same name, and both are kept."""

    # Indexed by (product_id, woo_id, name).
    product = models.ForeignKey(Product, on_delete=models.DB_CASCADE, related_name="product_attributes", db_index=False)
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="product_attributes")
    name = models.TextField()
    options = models.JSONField(default=list, db_default=[])
    variation = models.BooleanField(default=True, db_default=True)
    visible = models.BooleanField(default=True, db_default=True)
    position = models.IntegerField(default=0, db_default=0)
    woo_id = models.BigIntegerField(null=True, blank=True)
    global_attribute = models.ForeignKey(
        StoreAttribute, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="product_attributes"
    )

    class Meta:
        db_table = "product_attributes"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "woo_id", "name"],
                name="product_attributes_product_id_woo_id_name_key",
                nulls_distinct=False,
            ),
            _source_check("product_attributes"),
        ]

    def __str__(self):
        return self.name


class StoreAttributeTerm(TimestampedModel, SyncedFields):
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="attribute_terms")
    attribute = models.ForeignKey(StoreAttribute, on_delete=models.DB_CASCADE, related_name="terms")
    woo_id = models.IntegerField()
    name = models.TextField()
    slug = models.TextField()
    description = models.TextField(null=True, blank=True)
    count = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    menu_order = models.IntegerField(default=0, db_default=0, null=True, blank=True)

    class Meta:
        db_table = "store_attribute_terms"
        ordering = ["menu_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "attribute", "woo_id"], name="store_attribute_terms_store_id_attribute_id_woo_id_key"
            ),
            _source_check("store_attribute_terms"),
        ]

    def __str__(self):
        return self.name


class TaxonomyFields(UUIDModel):
    """Columns the inventory repeats in ``store_categories``, ``store_tags`` and ``store_brands``."""

    woo_id = models.BigIntegerField()
    name = models.TextField()
    slug = models.TextField()
    description = models.TextField(null=True, blank=True)
    count = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    sync_status = models.TextField(
        choices=SyncStatus.choices, default=SyncStatus.SYNCED, db_default=SyncStatus.SYNCED, null=True, blank=True
    )
    last_synced_at = models.DateTimeField(default=timezone.now, db_default=Now(), null=True, blank=True)
    sync_error = models.TextField(null=True, blank=True)
    created_at = created_at(null=True)
    updated_at = updated_at(null=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


def _taxonomy_constraints(table):
    return [
        models.UniqueConstraint(fields=["store", "woo_id"], name=f"{table}_store_id_woo_id_key"),
        models.UniqueConstraint(fields=["store", "slug"], name=f"{table}_store_id_slug_key"),
        choices_check("sync_status", SyncStatus, table=table, nullable=True),
    ]


class StoreCategory(TaxonomyFields, SyncedFields):
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="categories")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="children")
    parent_woo_id = models.BigIntegerField(null=True, blank=True)
    image_url = models.TextField(null=True, blank=True)
    display = models.TextField(default="default", db_default="default", null=True, blank=True)
    menu_order = models.IntegerField(default=0, db_default=0, null=True, blank=True)

    class Meta:
        db_table = "store_categories"
        ordering = ["menu_order", "name"]
        verbose_name_plural = _("store categories")
        constraints = [*_taxonomy_constraints("store_categories"), _source_check("store_categories")]


class StoreTag(TaxonomyFields, SyncedFields):
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="tags")

    class Meta:
        db_table = "store_tags"
        ordering = ["name"]
        constraints = [*_taxonomy_constraints("store_tags"), _source_check("store_tags")]


class StoreBrand(TaxonomyFields):
    """``store_brands``: the inventory gives brands no ``source``/``synced_at`` columns."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="brands")
    logo_url = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "store_brands"
        ordering = ["name"]
        constraints = _taxonomy_constraints("store_brands")


class ProductExport(ExportJob):
    """A large CSV export of a product list (``catalog.exports``), for the person who asked."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="product_exports")

    class Meta:
        db_table = "product_exports"


class ProductImport(UUIDModel):
    """A CSV of price and stock changes by SKU (``catalog.imports``): checked, previewed to the
    person who uploaded it (``rows`` as read, ``changes`` what they would change), then applied
    once and pushed (``push_ids``: the push operations, for the progress page)."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="product_imports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DB_CASCADE, related_name="+")
    file_name = models.TextField(blank=True, default="")
    status = models.TextField(default="preview")  # preview, applied
    rows = models.JSONField(default=list)  # [[line, sku, {column: text}], ...]
    changes = models.JSONField(default=list)  # [{kind, id, product_id, sku, name, fields: {f: [old, new]}}]
    unchanged = models.IntegerField(default=0)
    without_sku = models.IntegerField(default=0)  # rows left out: no SKU to find them by
    push_ids = models.JSONField(default=list)
    created_at = created_at()
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "product_imports"

    def __str__(self):
        return f"import {self.pk} ({self.status})"
