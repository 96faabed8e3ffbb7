from django.contrib import admin
from django.contrib import messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.jobs import run_job_now
from audit.models import AnomalyResponseAction
from audit.models import AuditLog
from audit.models import CredentialAccessLog
from audit.models import ScheduledJob
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


# What staff change on a scheduled job; the rest of its row is the dispatcher's.
SCHEDULED_JOB_EDITABLE = ["enabled", "interval_seconds"]


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    """Jobs come from settings.SCHEDULED_JOBS (the dispatcher adds their rows); staff change the
    interval and switch jobs on and off here, and see how each last ran."""

    list_display = [
        "name",
        "enabled",
        "interval_seconds",
        "effective_interval",
        "last_status",
        "last_finished_at",
        "last_duration_ms",
        "short_message",
    ]
    list_editable = SCHEDULED_JOB_EDITABLE
    list_filter = ["enabled", "last_status", "queue"]
    search_fields = ["name", "task"]
    actions = ["run_now"]
    fields = [
        "name",
        "task",
        "queue",
        "default_interval_seconds",
        "interval_seconds",
        "enabled",
        "last_queued_at",
        "last_started_at",
        "last_finished_at",
        "last_status",
        "last_duration_ms",
        "last_message",
    ]
    readonly_fields = [name for name in fields if name not in SCHEDULED_JOB_EDITABLE]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Interval in use (s)"))
    def effective_interval(self, obj):
        return obj.effective_interval_seconds

    @admin.display(description=_("Last message"))
    def short_message(self, obj):
        message = obj.last_message or ""
        return message if len(message) <= 120 else message[:119] + "…"

    @admin.action(description=_("Run now"))
    def run_now(self, request, queryset):
        queued = [job.name for job in queryset if run_job_now(job.name)]
        self.message_user(
            request,
            ngettext("Queued %(names)s.", "Queued %(count)d jobs: %(names)s.", len(queued))
            % {"count": len(queued), "names": ", ".join(queued)},
            messages.SUCCESS if queued else messages.WARNING,
        )
