from django.contrib import admin

from audit.models import AnomalyResponseAction, AuditLog, CredentialAccessLog
from config.admin import ReadOnlyModelAdmin


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "action", "table_name", "record_id", "user_email", "ip_address"]
    list_filter = ["action", "table_name"]
    search_fields = ["=record_id", "user_email"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(CredentialAccessLog)
class CredentialAccessLogAdmin(ReadOnlyModelAdmin):
    list_display = ["accessed_at", "store", "user", "ip_address", "user_agent"]
    list_select_related = ["store", "user"]
    list_filter = ["store"]
    search_fields = ["user__email", "store__name", "ip_address"]


@admin.register(AnomalyResponseAction)
class AnomalyResponseActionAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "anomaly_id", "action_type", "severity", "status", "target_email"]
    list_select_related = ["target_user"]
    list_filter = ["action_type", "severity", "status"]
    search_fields = ["anomaly_id", "target_email"]
