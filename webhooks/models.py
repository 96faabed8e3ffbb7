from django.db import models
from django.utils.translation import gettext_lazy as _

from config.db import TimestampedModel, UUIDModel, choices_check, created_at
from stores.models import Store


class WebhookStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    DISABLED = "disabled", _("Disabled")


class WebhookLogStatus(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")


class Webhook(TimestampedModel):
    """``webhooks``: a webhook registered on the store's WooCommerce side."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="webhooks")
    woo_webhook_id = models.BigIntegerField(null=True, blank=True)
    topic = models.TextField()
    delivery_url = models.TextField()
    status = models.TextField(default=WebhookStatus.ACTIVE, db_default=WebhookStatus.ACTIVE)

    class Meta:
        db_table = "webhooks"
        ordering = ["topic"]
        indexes = [
            models.Index(fields=["store", "topic"], name="webhooks_store_topic_idx"),
            models.Index(fields=["status"], name="webhooks_status_idx"),
        ]

    def __str__(self):
        return self.topic


class WebhookLog(UUIDModel):
    """``webhook_logs``: one row per received delivery (capped per store and hour)."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="webhook_logs")
    topic = models.TextField()
    status = models.TextField(choices=WebhookLogStatus.choices)
    error_message = models.TextField(null=True, blank=True)
    received_at = created_at()
    created_at = created_at()

    class Meta:
        db_table = "webhook_logs"
        ordering = ["-received_at"]
        constraints = [choices_check("status", WebhookLogStatus, table="webhook_logs")]
        indexes = [
            models.Index(fields=["store", "-received_at"], name="webhook_logs_store_recv_idx"),
            models.Index(fields=["created_at"], name="webhook_logs_created_idx"),
        ]

    def __str__(self):
        return f"{self.topic} {self.status}"


class WebhookLogRateLimit(UUIDModel):
    """``webhook_log_rate_limit``: how many log rows a store wrote in an hour bucket."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="webhook_log_buckets")
    hour_bucket = models.DateTimeField()
    log_count = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    created_at = created_at()

    class Meta:
        db_table = "webhook_log_rate_limit"
        ordering = ["-hour_bucket"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "hour_bucket"], name="webhook_log_rate_limit_store_id_hour_bucket_key"
            )
        ]
        indexes = [models.Index(fields=["hour_bucket"], name="webhook_rate_limit_hour_idx")]

    def __str__(self):
        return f"{self.store_id} {self.hour_bucket:%Y-%m-%d %H}:00 = {self.log_count}"
