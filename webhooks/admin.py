from django.contrib import admin

from config.admin import ReadOnlyModelAdmin
from webhooks.models import Webhook
from webhooks.models import WebhookApplyRequest
from webhooks.models import WebhookDelivery
from webhooks.models import WebhookDeliveryStats
from webhooks.models import WebhookLog
from webhooks.models import WebhookLogRateLimit


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["topic", "store", "status", "woo_webhook_id", "delivery_url", "updated_at"]
    list_select_related = ["store"]
    list_filter = ["store", "status", "topic"]
    search_fields = ["topic", "delivery_url", "store__name"]
    autocomplete_fields = ["store"]


@admin.register(WebhookLog)
class WebhookLogAdmin(ReadOnlyModelAdmin):
    list_display = ["topic", "store", "status", "error_message", "received_at"]
    list_select_related = ["store"]
    list_filter = ["status", "store"]
    search_fields = ["topic", "error_message"]
    show_full_result_count = False


@admin.register(WebhookLogRateLimit)
class WebhookLogRateLimitAdmin(ReadOnlyModelAdmin):
    list_display = ["store", "hour_bucket", "log_count"]
    list_select_related = ["store"]
    list_filter = ["store"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ["topic", "resource_id", "store", "status", "outcome", "attempts", "received_at", "applied_at"]
    list_select_related = ["store"]
    list_filter = ["status", "topic", "store"]
    search_fields = ["delivery_id", "=resource_id", "last_error"]
    exclude = ["body"]
    show_full_result_count = False


@admin.register(WebhookDeliveryStats)
class WebhookDeliveryStatsAdmin(ReadOnlyModelAdmin):
    list_display = ["store", "woo_webhook_id", "last_delivery_at", "consecutive_failures", "failure_count"]
    list_select_related = ["store"]
    list_filter = ["store"]


@admin.register(WebhookApplyRequest)
class WebhookApplyRequestAdmin(ReadOnlyModelAdmin):
    list_display = ["store", "requested_at"]
    list_select_related = ["store"]
