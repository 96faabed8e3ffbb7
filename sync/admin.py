from django.contrib import admin

from config.admin import ReadOnlyModelAdmin
from sync.models import SyncError, SyncLog, TaxonomySyncLog


@admin.register(SyncLog)
class SyncLogAdmin(ReadOnlyModelAdmin):
    list_display = ["entity_type", "action", "status", "store", "woo_id", "duration_ms", "created_at"]
    list_select_related = ["store"]
    list_filter = ["status", "entity_type", "action", "store"]
    search_fields = ["=woo_id", "entity_id"]
    show_full_result_count = False


@admin.register(TaxonomySyncLog)
class TaxonomySyncLogAdmin(ReadOnlyModelAdmin):
    list_display = ["taxonomy_type", "action", "store", "items_synced", "items_failed", "duration_ms", "created_at"]
    list_select_related = ["store"]
    list_filter = ["taxonomy_type", "action", "store"]


@admin.register(SyncError)
class SyncErrorAdmin(ReadOnlyModelAdmin):
    list_display = ["entity_type", "woo_id", "store", "error_code", "retry_count", "resolved", "created_at"]
    list_select_related = ["store"]
    list_filter = ["resolved", "entity_type", "store"]
    search_fields = ["=woo_id", "error_message", "error_code"]
