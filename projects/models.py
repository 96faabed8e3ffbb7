from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.db import CurrentDate
from config.db import Severity
from config.db import TimestampedModel
from config.db import UUIDModel
from config.db import choices_check
from config.db import created_at
from config.db import today
from config.db import user_reference


class SprintStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class TaskType(models.TextChoices):
    FEATURE = "feature", _("Feature")
    BUG = "bug", _("Bug")
    IMPROVEMENT = "improvement", _("Improvement")
    REFACTOR = "refactor", _("Refactor")
    DOCUMENTATION = "documentation", _("Documentation")


class TaskStatus(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    REVIEW = "review", _("Review")
    TESTING = "testing", _("Testing")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")


class AlertType(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    BUDGET_EXCEEDED = "budget_exceeded", _("Budget exceeded")
    SPRINT_DELAY = "sprint_delay", _("Sprint delay")
    BUG_CRITICAL = "bug_critical", _("Critical bug")
    DEPLOYMENT_FAILED = "deployment_failed", _("Deployment failed")


class LogLevel(models.TextChoices):
    DEBUG = "debug", _("Debug")
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    ERROR = "error", _("Error")
    CRITICAL = "critical", _("Critical")


class BugSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")
    BLOCKER = "blocker", _("Blocker")


class BugStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WONT_FIX = "wont_fix", _("Won't fix")


class Environment(models.TextChoices):
    DEVELOPMENT = "development", _("Development")
    STAGING = "staging", _("Staging")
    PRODUCTION = "production", _("Production")


class DeploymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_PROGRESS = "in_progress", _("In progress")
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")
    ROLLED_BACK = "rolled_back", _("Rolled back")


def _profile_fk(related_name, column):
    return models.ForeignKey(
        "accounts.Profile",
        null=True,
        blank=True,
        on_delete=models.DB_SET_NULL,
        related_name=related_name,
        db_column=column,
    )


class Sprint(TimestampedModel):
    name = models.TextField()
    description = models.TextField(null=True, blank=True)
    start_date = models.DateTimeField()
    end_date = models.DateTimeField()
    status = models.TextField(
        choices=SprintStatus.choices, default=SprintStatus.PLANNED, db_default=SprintStatus.PLANNED
    )
    created_by = _profile_fk("sprints_created", "created_by")

    class Meta:
        db_table = "sprints"
        ordering = ["-start_date"]
        constraints = [choices_check("status", SprintStatus, table="sprints")]
        indexes = [models.Index(fields=["status", "end_date"], name="sprints_status_end_idx")]

    def __str__(self):
        return self.name


class Task(TimestampedModel):
    sprint = models.ForeignKey(Sprint, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="tasks")
    title = models.TextField()
    description = models.TextField(null=True, blank=True)
    type = models.TextField(choices=TaskType.choices, default=TaskType.FEATURE, db_default=TaskType.FEATURE)
    status = models.TextField(choices=TaskStatus.choices, default=TaskStatus.TODO, db_default=TaskStatus.TODO)
    priority = models.TextField(choices=Severity.choices, default=Severity.MEDIUM, db_default=Severity.MEDIUM)
    estimated_hours = models.DecimalField(null=True, blank=True)
    actual_hours = models.DecimalField(default=0, db_default=0, null=True, blank=True)
    assigned_to = user_reference("assigned_tasks", "assigned_to")
    created_by = _profile_fk("tasks_created", "created_by")
    related_files = ArrayField(models.TextField(), null=True, blank=True)
    tags = ArrayField(models.TextField(), null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "tasks"
        ordering = ["-created_at"]
        constraints = [
            choices_check("type", TaskType, table="tasks"),
            choices_check("status", TaskStatus, table="tasks"),
            choices_check("priority", Severity, table="tasks"),
        ]
        indexes = [models.Index(fields=["status", "priority"], name="tasks_status_priority_idx")]

    def __str__(self):
        return self.title


class WorkLog(UUIDModel):
    task = models.ForeignKey(Task, on_delete=models.DB_CASCADE, related_name="work_logs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DB_CASCADE, related_name="work_logs")
    hours = models.DecimalField()
    description = models.TextField(null=True, blank=True)
    work_date = models.DateField(default=today, db_default=CurrentDate())
    created_at = created_at()

    class Meta:
        db_table = "work_logs"
        ordering = ["-work_date"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="work_logs_hours_check")]

    def __str__(self):
        return f"{self.hours} h on {self.work_date}"


class TaskComment(TimestampedModel):
    task = models.ForeignKey(Task, on_delete=models.DB_CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DB_CASCADE, related_name="task_comments")
    comment = models.TextField()

    class Meta:
        db_table = "task_comments"
        ordering = ["created_at"]

    def __str__(self):
        return self.comment[:60]


class ProjectAlert(UUIDModel):
    """An alert the rules raise (``projects/alerts.py``). ``cause_key`` names what it is about
    (``task:<id>``, ``sprint:<id>``, ``bug:<id>``, ``environment:<name>``): one open alert per
    type and cause, updated while the cause lasts and closed (``closed_at``) when it clears.
    ``cause_key``, ``closed_at``, ``updated_at``, ``bug_report`` and ``deployment`` are additive."""

    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.DB_CASCADE, related_name="alerts")
    sprint = models.ForeignKey(Sprint, null=True, blank=True, on_delete=models.DB_CASCADE, related_name="alerts")
    bug_report = models.ForeignKey(
        "BugReport", null=True, blank=True, on_delete=models.DB_CASCADE, related_name="alerts"
    )
    deployment = models.ForeignKey(
        "Deployment", null=True, blank=True, on_delete=models.DB_CASCADE, related_name="alerts"
    )
    type = models.TextField(choices=AlertType.choices)
    severity = models.TextField(choices=Severity.choices, default=Severity.MEDIUM, db_default=Severity.MEDIUM)
    message = models.TextField()
    is_read = models.BooleanField(default=False, db_default=False)
    cause_key = models.TextField(null=True, blank=True)
    created_at = created_at()
    updated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "project_alerts"
        ordering = ["-created_at"]
        constraints = [
            choices_check("type", AlertType, table="project_alerts"),
            choices_check("severity", Severity, table="project_alerts"),
            # The rules upsert on this (ON CONFLICT ... WHERE closed_at IS NULL): never two open
            # alerts for one cause, whatever runs at once (the job and an event).
            models.UniqueConstraint(
                fields=["type", "cause_key"],
                condition=models.Q(closed_at__isnull=True),
                name="project_alerts_one_open_per_cause",
            ),
        ]
        indexes = [models.Index(fields=["is_read", "-created_at"], name="project_alerts_unread_idx")]

    def __str__(self):
        return self.message[:60]


class TaskLog(UUIDModel):
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.DB_CASCADE, related_name="logs")
    level = models.TextField(choices=LogLevel.choices)
    message = models.TextField()
    stack_trace = models.TextField(null=True, blank=True)
    context = models.JSONField(default=dict, db_default={}, null=True, blank=True)
    file_path = models.TextField(null=True, blank=True)
    line_number = models.IntegerField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="task_logs"
    )
    created_at = created_at()

    class Meta:
        db_table = "task_logs"
        ordering = ["-created_at"]
        constraints = [choices_check("level", LogLevel, table="task_logs")]
        indexes = [models.Index(fields=["created_at"], name="task_logs_created_idx")]

    def __str__(self):
        return f"{self.level}: {self.message[:60]}"


class BugReport(TimestampedModel):
    title = models.TextField()
    description = models.TextField()
    severity = models.TextField(choices=BugSeverity.choices)
    status = models.TextField(choices=BugStatus.choices, default=BugStatus.OPEN, db_default=BugStatus.OPEN)
    introduced_by_task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="bugs_introduced"
    )
    resolved_by_task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="bugs_resolved"
    )
    affected_files = ArrayField(models.TextField(), null=True, blank=True)
    steps_to_reproduce = models.TextField(null=True, blank=True)
    root_cause = models.TextField(null=True, blank=True)
    resolution_notes = models.TextField(null=True, blank=True)
    reporter = models.ForeignKey(
        "accounts.Profile", null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="bug_reports"
    )
    assigned_to = user_reference("assigned_bugs", "assigned_to")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "bug_reports"
        ordering = ["-created_at"]
        constraints = [
            choices_check("severity", BugSeverity, table="bug_reports"),
            choices_check("status", BugStatus, table="bug_reports"),
        ]
        indexes = [models.Index(fields=["status", "severity"], name="bug_reports_status_sev_idx")]

    def __str__(self):
        return self.title


class Deployment(UUIDModel):
    sprint = models.ForeignKey(Sprint, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="deployments")
    version = models.TextField()
    environment = models.TextField(choices=Environment.choices)
    status = models.TextField(
        choices=DeploymentStatus.choices, default=DeploymentStatus.PENDING, db_default=DeploymentStatus.PENDING
    )
    deployed_tasks = ArrayField(models.UUIDField(), null=True, blank=True)
    git_commit_hash = models.TextField(null=True, blank=True)
    deployed_by = _profile_fk("deployments", "deployed_by")
    notes = models.TextField(null=True, blank=True)
    error_log = models.TextField(null=True, blank=True)
    created_at = created_at()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "deployments"
        ordering = ["-created_at"]
        constraints = [
            choices_check("environment", Environment, table="deployments"),
            choices_check("status", DeploymentStatus, table="deployments"),
        ]
        indexes = [models.Index(fields=["environment", "status"], name="deployments_env_status_idx")]

    def __str__(self):
        return f"{self.version} ({self.environment})"
