from django.db import models
from django.utils.translation import gettext_lazy as _

from config.db import TimestampedModel
from config.db import UUIDModel
from config.db import choices_check
from config.db import created_at
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
    # Additive (docs/schema-notes.md "## Webhooks"): rarely changing facts about the webhook.
    verified_at = models.DateTimeField(null=True, blank=True, help_text=_("When WooCommerce's ping reached us."))
    secret_updated_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the store's current secret was last set on this webhook.")
    )
    disabled_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When we noticed WooCommerce had disabled it.")
    )

    class Meta:
        db_table = "webhooks"
        ordering = ["topic"]
        indexes = [
            models.Index(fields=["store", "topic"], name="webhooks_store_topic_idx"),
            models.Index(fields=["status"], name="webhooks_status_idx"),
            models.Index(fields=["store", "woo_webhook_id"], name="webhooks_store_woo_idx"),
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


# --- Additive tables (docs/schema-notes.md "## Webhooks") -------------------------------------


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPLIED = "applied", _("Applied")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class WebhookDelivery(UUIDModel):
    """``webhook_deliveries``: the inbox. Every valid signed delivery is stored here, byte for
    byte, before it is answered; a Celery task applies it. A duplicate (same delivery id and body,
    or same topic, resource id, ``date_modified_gmt`` and body hash) never gets a second row."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="webhook_deliveries")
    woo_webhook_id = models.BigIntegerField(null=True, blank=True)
    delivery_id = models.TextField(null=True, blank=True, help_text=_("X-WC-Webhook-Delivery-ID"))
    topic = models.TextField()
    resource = models.TextField()
    event = models.TextField()
    resource_id = models.BigIntegerField(null=True, blank=True)
    date_modified_gmt = models.DateTimeField(null=True, blank=True)
    body_sha256 = models.TextField()
    body = models.BinaryField(default=bytes)
    status = models.TextField(
        choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_default=DeliveryStatus.PENDING
    )
    outcome = models.TextField(null=True, blank=True)
    attempts = models.IntegerField(default=0, db_default=0)
    last_error = models.TextField(null=True, blank=True)
    received_at = created_at()
    queued_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "webhook_deliveries"
        ordering = ["-received_at"]
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            choices_check("status", DeliveryStatus, table="webhook_deliveries"),
            # WooCommerce's delivery id is a hash of the webhook id and the current second, so two
            # different events of one webhook can share it: the body tells them apart.
            models.UniqueConstraint(
                fields=["store", "delivery_id", "body_sha256"],
                condition=models.Q(delivery_id__isnull=False),
                name="webhook_deliveries_delivery_key",
            ),
            # NULL dates (``*.deleted`` bodies) never collide: those dedupe by delivery id only.
            models.UniqueConstraint(
                fields=["store", "topic", "resource_id", "date_modified_gmt", "body_sha256"],
                name="webhook_deliveries_event_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["queued_at"], condition=models.Q(status="pending"), name="webhook_deliveries_pending_idx"
            ),
            models.Index(fields=["store", "-received_at"], name="webhook_deliveries_store_idx"),
            # Deliveries of one object: repeated deletions, same-second versions.
            models.Index(
                fields=["store", "resource", "resource_id", "received_at"], name="webhook_deliveries_object_idx"
            ),
            models.Index(fields=["received_at"], name="webhook_deliveries_recv_idx"),
        ]

    def __str__(self):
        return f"{self.topic} #{self.resource_id} ({self.status})"


class WebhookDeliveryStats(UUIDModel):
    """``webhook_delivery_stats``: per WooCommerce webhook, what the receiver saw last. Kept out
    of ``webhooks`` so that frequent updates do not write audit rows (``webhooks`` is audited)."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="webhook_stats")
    woo_webhook_id = models.BigIntegerField()
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.IntegerField(default=0, db_default=0)
    failure_count = models.IntegerField(default=0, db_default=0)
    last_error = models.TextField(null=True, blank=True)
    status_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = created_at()

    class Meta:
        db_table = "webhook_delivery_stats"
        verbose_name_plural = _("webhook delivery stats")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "woo_webhook_id"], name="webhook_delivery_stats_store_id_woo_webhook_id_key"
            )
        ]

    def __str__(self):
        return f"{self.store_id} #{self.woo_webhook_id}"


class WebhookApplyRequest(UUIDModel):
    """``webhook_apply_requests``: one row per store, set when an apply task for the store's inbox
    has been queued and not started yet. The receiver queues a task only when it sets it, so a
    burst of deliveries costs one broker message, not one per delivery."""

    store = models.OneToOneField(Store, on_delete=models.DB_CASCADE, related_name="webhook_apply_request")
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "webhook_apply_requests"

    def __str__(self):
        return f"{self.store_id}: {self.requested_at or 'idle'}"
