from django.contrib import admin

from projects.models import BugReport
from projects.models import Deployment
from projects.models import ProjectAlert
from projects.models import Sprint
from projects.models import Task
from projects.models import TaskComment
from projects.models import TaskLog
from projects.models import WorkLog


@admin.register(Sprint)
class SprintAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "start_date", "end_date", "created_by"]
    list_select_related = ["created_by"]
    list_filter = ["status"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]


class WorkLogInline(admin.TabularInline):
    model = WorkLog
    extra = 0
    raw_id_fields = ["user"]


class TaskCommentInline(admin.TabularInline):
    model = TaskComment
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "sprint", "type", "status", "priority", "assigned_to", "estimated_hours", "actual_hours"]
    list_select_related = ["sprint", "assigned_to"]
    list_filter = ["status", "priority", "type", "sprint"]
    search_fields = ["title", "description"]
    raw_id_fields = ["sprint", "assigned_to", "created_by"]
    inlines = [WorkLogInline, TaskCommentInline]


@admin.register(WorkLog)
class WorkLogAdmin(admin.ModelAdmin):
    list_display = ["task", "user", "hours", "work_date"]
    list_select_related = ["task", "user"]
    list_filter = ["work_date"]
    search_fields = ["task__title", "user__email", "description"]
    raw_id_fields = ["task", "user"]


@admin.register(TaskComment)
class TaskCommentAdmin(admin.ModelAdmin):
    list_display = ["task", "user", "created_at"]
    list_select_related = ["task", "user"]
    search_fields = ["comment", "task__title"]
    raw_id_fields = ["task", "user"]


@admin.register(ProjectAlert)
class ProjectAlertAdmin(admin.ModelAdmin):
    list_display = ["type", "severity", "message", "task", "sprint", "is_read", "created_at"]
    list_select_related = ["task", "sprint"]
    list_filter = ["type", "severity", "is_read"]
    search_fields = ["message"]
    raw_id_fields = ["task", "sprint"]


@admin.register(TaskLog)
class TaskLogAdmin(admin.ModelAdmin):
    list_display = ["level", "message", "task", "user", "file_path", "created_at"]
    list_select_related = ["task", "user"]
    list_filter = ["level"]
    search_fields = ["message", "file_path"]
    raw_id_fields = ["task", "user"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BugReport)
class BugReportAdmin(admin.ModelAdmin):
    list_display = ["title", "severity", "status", "assigned_to", "reporter", "created_at"]
    list_select_related = ["assigned_to", "reporter"]
    list_filter = ["severity", "status"]
    search_fields = ["title", "description"]
    raw_id_fields = ["introduced_by_task", "resolved_by_task", "reporter", "assigned_to"]


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["version", "environment", "status", "sprint", "deployed_by", "created_at", "completed_at"]
    list_select_related = ["sprint", "deployed_by"]
    list_filter = ["environment", "status"]
    search_fields = ["version", "git_commit_hash", "notes"]
    raw_id_fields = ["sprint", "deployed_by"]
