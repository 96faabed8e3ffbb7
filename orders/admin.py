from django.contrib import admin

from config.admin import ReadOnlyModelAdmin
from orders.models import Customer
from orders.models import Order
from orders.models import OrderExport
from orders.models import OrderNote
from orders.models import OrderRefund
from orders.models import OrderStatusCount
from orders.models import OrderStatusLog


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


@admin.register(OrderNote)
class OrderNoteAdmin(ReadOnlyModelAdmin):
    list_display = ["order_woo_id", "store", "customer_note", "author", "woo_created_at"]
    list_select_related = ["store"]
    list_filter = ["store", "customer_note"]
    search_fields = ["=order_woo_id"]


@admin.register(OrderRefund)
class OrderRefundAdmin(ReadOnlyModelAdmin):
    list_display = ["order_woo_id", "store", "amount", "refunded_payment", "refunded_by", "woo_created_at"]
    list_select_related = ["store"]
    list_filter = ["store", "refunded_payment"]
    search_fields = ["=order_woo_id", "refunded_by"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyModelAdmin):
    list_display = ["email", "store", "name", "orders_count", "total_spent", "last_order_at"]
    list_select_related = ["store"]
    list_filter = ["store"]
    search_fields = ["email", "name"]
    show_full_result_count = False


@admin.register(OrderStatusCount)
class OrderStatusCountAdmin(ReadOnlyModelAdmin):
    list_display = ["store", "status", "count"]
    list_select_related = ["store"]
    list_filter = ["store"]


@admin.register(OrderExport)
class OrderExportAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "store", "requested_by", "status", "rows_done", "rows_total", "created_at"]
    list_select_related = ["store", "requested_by"]
    list_filter = ["store", "status"]
