from django.db import models
from django.utils.translation import gettext_lazy as _

from config.db import Severity
from config.db import UUIDModel
from config.db import choices_check
from config.db import created_at
from config.db import updated_at
from config.db import user_reference


class InsightStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class ExecutionType(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    MANUAL = "manual", _("Manual")
    TRIGGERED = "triggered", _("Triggered")


class ExecutionStatus(models.TextChoices):
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class AgentInsight(UUIDModel):
    agent_type = models.TextField()
    analysis = models.TextField()
    severity = models.TextField(choices=Severity.choices)
    metadata = models.JSONField(default=dict, db_default={}, null=True, blank=True)
    recommendations = models.JSONField(default=list, db_default=[], null=True, blank=True)
    status = models.TextField(
        choices=InsightStatus.choices, default=InsightStatus.NEW, db_default=InsightStatus.NEW, null=True, blank=True
    )
    # The inventory declares these references without ON DELETE, i.e. NO ACTION.
    acknowledged_by = user_reference("acknowledged_insights", "acknowledged_by", on_delete=models.DO_NOTHING)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = created_at(null=True)
    updated_at = updated_at(null=True)
    # Additive (docs/schema-notes.md "## Agents"): the store an insight is about (NULL: app-wide,
    # seen by app admins only) and the agent's name for its cause ("out_of_stock", ...). An agent
    # keeps one live insight per cause and store: updated while the cause lasts, resolved when it
    # clears (``resolved_at`` set), a new one the next time it appears.
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.DB_CASCADE, related_name="agent_insights"
    )
    cause = models.TextField(default="", db_default="", blank=True)

    class Meta:
        db_table = "agent_insights"
        ordering = ["-created_at"]
        constraints = [
            choices_check("severity", Severity, table="agent_insights"),
            choices_check("status", InsightStatus, table="agent_insights", nullable=True),
            models.UniqueConstraint(
                fields=["agent_type", "cause", "store"],
                condition=models.Q(resolved_at__isnull=True),
                nulls_distinct=False,
                name="agent_insights_one_live_per_cause",
            ),
        ]
        indexes = [
            models.Index(fields=["agent_type", "-created_at"], name="agent_insights_type_idx"),
            models.Index(fields=["status", "severity"], name="agent_insights_status_idx"),
        ]

    def __str__(self):
        return f"{self.agent_type}: {self.analysis[:60]}"


class AgentAlert(UUIDModel):
    agent_type = models.TextField()
    title = models.TextField()
    message = models.TextField()
    severity = models.TextField(choices=Severity.choices)
    insight = models.ForeignKey(AgentInsight, null=True, blank=True, on_delete=models.DB_CASCADE, related_name="alerts")
    metadata = models.JSONField(default=dict, db_default={}, null=True, blank=True)
    is_read = models.BooleanField(default=False, db_default=False, null=True, blank=True)
    read_by = user_reference("read_agent_alerts", "read_by", on_delete=models.DO_NOTHING)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = created_at(null=True)
    # Additive: the store the alert is about (NULL: app-wide, app admins only), so the alerts
    # centre scopes alerts with one indexed filter (webhook alerts kept it in ``metadata`` before).
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.DB_CASCADE, related_name="agent_alerts"
    )

    class Meta:
        db_table = "agent_alerts"
        ordering = ["-created_at"]
        constraints = [choices_check("severity", Severity, table="agent_alerts")]
        indexes = [models.Index(fields=["is_read", "-created_at"], name="agent_alerts_unread_idx")]

    def __str__(self):
        return self.title


class AgentExecutionLog(UUIDModel):
    agent_type = models.TextField()
    execution_type = models.TextField(choices=ExecutionType.choices)
    status = models.TextField(choices=ExecutionStatus.choices)
    duration_ms = models.IntegerField(null=True, blank=True)
    insights_generated = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    alerts_generated = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict, db_default={}, null=True, blank=True)
    started_at = created_at(null=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "agent_execution_log"
        ordering = ["-started_at"]
        constraints = [
            choices_check("execution_type", ExecutionType, table="agent_execution_log"),
            choices_check("status", ExecutionStatus, table="agent_execution_log"),
        ]
        indexes = [
            models.Index(fields=["agent_type", "-started_at"], name="agent_exec_type_idx"),
            models.Index(fields=["started_at"], name="agent_exec_started_idx"),
        ]

    def __str__(self):
        return f"{self.agent_type} {self.status}"


class AgentStoreSettings(models.Model):
    """Additive: a store's own thresholds for its agents (owners edit them on the insights page);
    a store without a row uses the ``AGENTS_*`` defaults."""

    store = models.OneToOneField(
        "stores.Store", primary_key=True, on_delete=models.DB_CASCADE, related_name="agent_settings"
    )
    low_stock_threshold = models.PositiveIntegerField(
        help_text=_("A published product with this many items or fewer in stock is low on stock.")
    )
    sales_band_percent = models.PositiveIntegerField(
        help_text=_("Revenue or orders this many percent above or below the usual level are reported.")
    )
    updated_at = updated_at(null=True)

    class Meta:
        db_table = "agent_store_settings"

    def __str__(self):
        return f"{self.store_id}"
