from django.contrib import admin

from config.admin import ReadOnlyModelAdmin
from orders.models import Order, OrderStatusLog


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "store", "status", "total", "currency", "customer_name", "woo_created_at"]
    list_select_related = ["store"]
    list_filter = ["store", "status"]
    search_fields = ["=woo_id", "number", "customer_name", "customer_email"]
    date_hierarchy = "woo_created_at"
    autocomplete_fields = ["store"]
    readonly_fields = ["created_at", "updated_at", "synced_at", "woo_created_at", "woo_modified_at"]
    show_full_result_count = False


@admin.register(OrderStatusLog)
class OrderStatusLogAdmin(ReadOnlyModelAdmin):
    list_display = ["order_woo_id", "store", "old_status", "new_status", "changed_by", "created_at"]
    list_select_related = ["store"]
    list_filter = ["store", "new_status"]
    search_fields = ["=order_woo_id", "changed_by"]
