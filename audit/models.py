from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.db import UUIDModel
from config.db import choices_check
from config.db import created_at
from stores.models import Store


class AuditAction(models.TextChoices):
    INSERT = "INSERT", _("Insert")
    UPDATE = "UPDATE", _("Update")
    DELETE = "DELETE", _("Delete")


class AnomalyActionType(models.TextChoices):
    EMAIL_SENT = "email_sent", _("Email sent")
    USER_SUSPENDED = "user_suspended", _("User suspended")
    LOG_CREATED = "log_created", _("Log created")
    NOTIFICATION_SENT = "notification_sent", _("Notification sent")


class AnomalySeverity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class AnomalyActionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class CredentialAccessLog(UUIDModel):
    """``credential_access_logs``: every reveal of a store's API credentials."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="credential_access_logs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DB_CASCADE, related_name="credential_access_logs"
    )
    accessed_at = created_at()
    ip_address = models.TextField(null=True, blank=True)
    user_agent = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "credential_access_logs"
        ordering = ["-accessed_at"]
        indexes = [
            models.Index(fields=["store", "-accessed_at"], name="credential_access_store_idx"),
            models.Index(fields=["user", "-accessed_at"], name="credential_access_user_idx"),
            models.Index(fields=["accessed_at"], name="credential_access_at_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} read {self.store_id} at {self.accessed_at:%Y-%m-%d %H:%M}"


class AuditLog(UUIDModel):
    """``audit_logs``: written by database triggers only; append-only."""

    table_name = models.TextField()
    record_id = models.UUIDField()
    action = models.TextField(choices=AuditAction.choices)
    old_data = models.JSONField(null=True, blank=True)
    new_data = models.JSONField(null=True, blank=True)
    changed_fields = ArrayField(models.TextField(), null=True, blank=True)
    # The inventory declares this reference without ON DELETE, i.e. NO ACTION. Indexed by
    # (user_id, created_at): every audited write maintains each index of this table.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="audit_logs",
        db_index=False,
    )
    user_email = models.TextField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(null=True, blank=True)
    created_at = created_at()

    class Meta:
        db_table = "audit_logs"
        ordering = ["-created_at"]
        constraints = [choices_check("action", AuditAction, table="audit_logs")]
        indexes = [
            models.Index(fields=["table_name", "record_id", "-created_at"], name="audit_logs_record_idx"),
            # Rows written by workers (the sync above all) have no user and no query looks for
            # them by user or as INSERTs: leaving them out of these two indexes spares every such
            # row two index insertions. ``user_id = %s`` (the foreign key's lookups included)
            # and ``action IN ('UPDATE', 'DELETE')`` still use them.
            models.Index(fields=["user", "-created_at"], name="audit_logs_user_idx", condition=Q(user__isnull=False)),
            models.Index(fields=["created_at"], name="audit_logs_created_idx"),
            models.Index(
                fields=["action", "-created_at"],
                name="audit_logs_action_idx",
                condition=~Q(action=AuditAction.INSERT),
            ),
        ]

    def __str__(self):
        return f"{self.action} {self.table_name} {self.record_id}"


class AnomalyResponseAction(UUIDModel):
    anomaly_id = models.TextField()
    action_type = models.TextField(choices=AnomalyActionType.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="anomaly_actions"
    )
    target_email = models.TextField(null=True, blank=True)
    severity = models.TextField(choices=AnomalySeverity.choices)
    metadata = models.JSONField(default=dict, db_default={}, null=True, blank=True)
    status = models.TextField(
        choices=AnomalyActionStatus.choices, default=AnomalyActionStatus.PENDING, db_default=AnomalyActionStatus.PENDING
    )
    error_message = models.TextField(null=True, blank=True)
    created_at = created_at()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "anomaly_response_actions"
        ordering = ["-created_at"]
        constraints = [
            choices_check("action_type", AnomalyActionType, table="anomaly_response_actions"),
            choices_check("severity", AnomalySeverity, table="anomaly_response_actions"),
            choices_check("status", AnomalyActionStatus, table="anomaly_response_actions"),
        ]
        indexes = [
            models.Index(fields=["anomaly_id"], name="anomaly_actions_anomaly_idx"),
            models.Index(fields=["status", "-created_at"], name="anomaly_actions_status_idx"),
        ]

    def __str__(self):
        return f"{self.action_type} ({self.status})"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")


class ScheduledJob(UUIDModel):
    """``scheduled_jobs``: one row per job in ``settings.SCHEDULED_JOBS`` (kept in step by the
    dispatcher). Staff change ``interval_seconds`` and ``enabled``; the rest is bookkeeping."""

    name = models.TextField(unique=True)
    task = models.TextField()
    queue = models.TextField(default="maintenance", db_default="maintenance")
    default_interval_seconds = models.PositiveIntegerField(
        default=0, db_default=0, editable=False, help_text=_("From settings.SCHEDULED_JOBS.")
    )
    interval_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Override of the interval from settings, in seconds. Empty = the settings' default."),
    )
    enabled = models.BooleanField(default=True, db_default=True)
    last_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_status = models.TextField(choices=JobStatus.choices, null=True, blank=True, editable=False)
    last_message = models.TextField(default="", db_default="", blank=True, editable=False)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "scheduled_jobs"
        ordering = ["name"]
        constraints = [
            choices_check("last_status", JobStatus, table="scheduled_jobs", nullable=True),
            models.CheckConstraint(
                condition=models.Q(interval_seconds__isnull=True) | models.Q(interval_seconds__gte=60),
                name="scheduled_jobs_interval_min_check",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def effective_interval_seconds(self):
        return self.interval_seconds if self.interval_seconds is not None else self.default_interval_seconds
