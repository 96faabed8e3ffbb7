from django.contrib import admin

from agents.models import AgentAlert, AgentExecutionLog, AgentInsight
from config.admin import ReadOnlyModelAdmin


@admin.register(AgentInsight)
class AgentInsightAdmin(admin.ModelAdmin):
    list_display = ["agent_type", "severity", "status", "analysis", "acknowledged_by", "created_at"]
    list_select_related = ["acknowledged_by"]
    list_filter = ["agent_type", "severity", "status"]
    search_fields = ["analysis"]
    raw_id_fields = ["acknowledged_by"]


@admin.register(AgentAlert)
class AgentAlertAdmin(admin.ModelAdmin):
    list_display = ["title", "agent_type", "severity", "is_read", "insight", "created_at"]
    list_select_related = ["insight"]
    list_filter = ["agent_type", "severity", "is_read"]
    search_fields = ["title", "message"]
    raw_id_fields = ["insight", "read_by"]


@admin.register(AgentExecutionLog)
class AgentExecutionLogAdmin(ReadOnlyModelAdmin):
    list_display = ["agent_type", "execution_type", "status", "duration_ms", "insights_generated", "started_at"]
    list_filter = ["agent_type", "execution_type", "status"]
    search_fields = ["error_message"]
