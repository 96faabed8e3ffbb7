from django.contrib import admin

from config.admin import ReadOnlyModelAdmin
from sync.models import ProductConflict
from sync.models import PushOperation
from sync.models import SyncError
from sync.models import SyncLog
from sync.models import SyncRun
from sync.models import SyncState
from sync.models import TaxonomySyncLog


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


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyModelAdmin):
    list_display = ["kind", "status", "store", "rows_written", "requests_made", "errors_count", "created_at"]
    list_select_related = ["store"]
    list_filter = ["status", "kind", "store"]
    show_full_result_count = False


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyModelAdmin):
    list_display = ["entity", "store", "watermark", "last_pulled_at", "last_full_at", "last_reconciled_at"]
    list_select_related = ["store"]
    list_filter = ["entity", "store"]


@admin.register(PushOperation)
class PushOperationAdmin(ReadOnlyModelAdmin):
    list_display = ["entity_type", "action", "status", "store", "woo_id", "attempts", "created_at"]
    list_select_related = ["store"]
    list_filter = ["status", "entity_type", "action", "store"]
    search_fields = ["=woo_id", "=object_id"]
    show_full_result_count = False


@admin.register(ProductConflict)
class ProductConflictAdmin(ReadOnlyModelAdmin):
    list_display = ["product", "status", "store", "choice", "created_at", "resolved_at"]
    list_select_related = ["product", "store"]
    list_filter = ["status", "store"]
