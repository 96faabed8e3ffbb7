from django.contrib import admin

from agents.models import AgentAlert
from agents.models import AgentExecutionLog
from agents.models import AgentInsight
from agents.models import AgentStoreSettings
from config.admin import ReadOnlyModelAdmin


@admin.register(AgentInsight)
class AgentInsightAdmin(admin.ModelAdmin):
    list_display = ["agent_type", "cause", "store", "severity", "status", "acknowledged_by", "updated_at"]
    list_select_related = ["acknowledged_by", "store"]
    list_filter = ["agent_type", "severity", "status"]
    search_fields = ["analysis", "cause"]
    raw_id_fields = ["acknowledged_by", "store"]


@admin.register(AgentAlert)
class AgentAlertAdmin(admin.ModelAdmin):
    list_display = ["title", "agent_type", "store", "severity", "is_read", "insight", "created_at"]
    list_select_related = ["insight", "store"]
    list_filter = ["agent_type", "severity", "is_read"]
    search_fields = ["title", "message"]
    raw_id_fields = ["insight", "read_by", "store"]


@admin.register(AgentExecutionLog)
class AgentExecutionLogAdmin(ReadOnlyModelAdmin):
    list_display = ["agent_type", "execution_type", "status", "duration_ms", "insights_generated", "started_at"]
    list_filter = ["agent_type", "execution_type", "status"]
    search_fields = ["error_message"]


@admin.register(AgentStoreSettings)
class AgentStoreSettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "low_stock_threshold", "sales_band_percent", "updated_at"]
    list_select_related = ["store"]
    raw_id_fields = ["store"]
