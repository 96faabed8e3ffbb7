from django.contrib import admin

from catalog.models import Product
from catalog.models import ProductAttribute
from catalog.models import ProductExport
from catalog.models import ProductImage
from catalog.models import ProductImport
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from catalog.models import StoreAttributeTerm
from catalog.models import StoreBrand
from catalog.models import StoreCategory
from catalog.models import StoreTag
from config.admin import ReadOnlyModelAdmin


class StoreScopedAdmin(admin.ModelAdmin):
    list_select_related = ["store"]
    list_filter = ["store"]
    autocomplete_fields = ["store"]
    readonly_fields = ["created_at", "updated_at"]


class ProductVariationInline(admin.TabularInline):
    model = ProductVariation
    extra = 0
    fields = ["woo_id", "sku", "regular_price", "sale_price", "stock_quantity", "stock_status", "status"]
    show_change_link = True


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    fk_name = "product"
    extra = 0
    fields = ["original_url", "storage_url", "type", "display_order", "alt_text"]


@admin.register(Product)
class ProductAdmin(StoreScopedAdmin):
    list_display = ["name", "store", "sku", "type", "status", "price", "sale_price", "stock_quantity", "source"]
    list_filter = ["store", "status", "type", "stock_status", "source"]
    search_fields = ["name", "sku", "=woo_id"]
    readonly_fields = ["created_at", "updated_at", "synced_at", "woo_created_at", "woo_modified_at"]
    raw_id_fields = ["featured_image"]
    inlines = [ProductVariationInline, ProductImageInline]


@admin.register(ProductVariation)
class ProductVariationAdmin(StoreScopedAdmin):
    list_display = ["__str__", "product", "store", "regular_price", "sale_price", "stock_quantity", "status"]
    list_select_related = ["store", "product"]
    list_filter = ["store", "status", "stock_status"]
    search_fields = ["sku", "=woo_id", "product__name"]
    raw_id_fields = ["product", "image"]


@admin.register(ProductImage)
class ProductImageAdmin(StoreScopedAdmin):
    list_display = ["original_url", "product", "store", "type", "storage_source", "display_order"]
    list_select_related = ["store", "product"]
    list_filter = ["store", "type", "storage_source"]
    search_fields = ["original_url", "product__name"]
    raw_id_fields = ["product"]


@admin.register(ProductAttribute)
class ProductAttributeAdmin(StoreScopedAdmin):
    list_display = ["name", "product", "store", "variation", "visible", "position"]
    list_select_related = ["store", "product"]
    search_fields = ["name", "product__name"]
    raw_id_fields = ["product", "global_attribute"]


class StoreAttributeTermInline(admin.TabularInline):
    model = StoreAttributeTerm
    extra = 0
    fields = ["woo_id", "name", "slug", "menu_order", "count"]


@admin.register(StoreAttribute)
class StoreAttributeAdmin(StoreScopedAdmin):
    list_display = ["name", "slug", "store", "type", "woo_id"]
    search_fields = ["name", "slug"]
    inlines = [StoreAttributeTermInline]


@admin.register(StoreAttributeTerm)
class StoreAttributeTermAdmin(StoreScopedAdmin):
    list_display = ["name", "slug", "attribute", "store", "count"]
    list_select_related = ["store", "attribute"]
    search_fields = ["name", "slug", "attribute__name"]
    raw_id_fields = ["attribute"]


class TaxonomyAdmin(StoreScopedAdmin):
    list_display = ["name", "slug", "store", "count", "sync_status", "last_synced_at"]
    list_filter = ["store", "sync_status"]
    search_fields = ["name", "slug", "=woo_id"]


@admin.register(StoreCategory)
class StoreCategoryAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "parent", "store", "count", "sync_status", "last_synced_at"]
    list_select_related = ["store", "parent"]
    raw_id_fields = ["parent"]


@admin.register(StoreTag)
class StoreTagAdmin(TaxonomyAdmin):
    pass


@admin.register(StoreBrand)
class StoreBrandAdmin(TaxonomyAdmin):
    pass


@admin.register(ProductExport)
class ProductExportAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "store", "requested_by", "status", "rows_done", "rows_total", "created_at"]
    list_select_related = ["store", "requested_by"]
    list_filter = ["store", "status"]


@admin.register(ProductImport)
class ProductImportAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "store", "requested_by", "file_name", "status", "unchanged", "created_at"]
    list_select_related = ["store", "requested_by"]
    list_filter = ["store", "status"]
