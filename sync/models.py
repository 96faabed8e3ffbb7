from django.db import models
from django.utils.translation import gettext_lazy as _

from config.db import UUIDModel, choices_check, created_at
from stores.models import Store


class TaxonomyType(models.TextChoices):
    CATEGORY = "category", _("Category")
    TAG = "tag", _("Tag")
    BRAND = "brand", _("Brand")
    ALL = "all", _("All")


class TaxonomySyncAction(models.TextChoices):
    INITIAL_SYNC = "initial_sync", _("Initial sync")
    INCREMENTAL_SYNC = "incremental_sync", _("Incremental sync")
    WEBHOOK_UPDATE = "webhook_update", _("Webhook update")


class EntityType(models.TextChoices):
    PRODUCT = "product", _("Product")
    ORDER = "order", _("Order")
    CATEGORY = "category", _("Category")
    TAG = "tag", _("Tag")
    BRAND = "brand", _("Brand")
    ATTRIBUTE = "attribute", _("Attribute")
    VARIATION = "variation", _("Variation")


class SyncAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    SYNC = "sync", _("Sync")


class SyncLogStatus(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")
    PENDING = "pending", _("Pending")


class TaxonomySyncLog(UUIDModel):
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="taxonomy_sync_logs")
    taxonomy_type = models.TextField(choices=TaxonomyType.choices)
    action = models.TextField(choices=TaxonomySyncAction.choices)
    items_synced = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    items_created = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    items_updated = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    items_failed = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    duration_ms = models.IntegerField(null=True, blank=True)
    error_details = models.JSONField(null=True, blank=True)
    created_at = created_at(null=True)

    class Meta:
        db_table = "taxonomy_sync_log"
        ordering = ["-created_at"]
        constraints = [
            choices_check("taxonomy_type", TaxonomyType, table="taxonomy_sync_log"),
            choices_check("action", TaxonomySyncAction, table="taxonomy_sync_log"),
        ]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="taxonomy_sync_log_store_idx"),
            models.Index(fields=["created_at"], name="taxonomy_sync_log_created_idx"),
        ]

    def __str__(self):
        return f"{self.taxonomy_type} {self.action}"


class SyncLog(UUIDModel):
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="sync_logs")
    entity_type = models.TextField(choices=EntityType.choices)
    entity_id = models.TextField(null=True, blank=True)
    woo_id = models.BigIntegerField(null=True, blank=True)
    action = models.TextField(choices=SyncAction.choices)
    status = models.TextField(
        choices=SyncLogStatus.choices, default=SyncLogStatus.PENDING, db_default=SyncLogStatus.PENDING
    )
    duration_ms = models.IntegerField(null=True, blank=True)
    metadata = models.JSONField(default=dict, db_default={}, null=True, blank=True)
    created_at = created_at(null=True)

    class Meta:
        db_table = "sync_logs"
        ordering = ["-created_at"]
        constraints = [
            choices_check("entity_type", EntityType, table="sync_logs"),
            choices_check("action", SyncAction, table="sync_logs"),
            choices_check("status", SyncLogStatus, table="sync_logs"),
        ]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="sync_logs_store_created_idx"),
            models.Index(fields=["store", "entity_type", "status"], name="sync_logs_store_entity_idx"),
            models.Index(fields=["created_at"], name="sync_logs_created_idx"),
        ]

    def __str__(self):
        return f"{self.entity_type} {self.action} {self.status}"


class SyncError(UUIDModel):
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="sync_errors")
    entity_type = models.TextField()
    entity_id = models.TextField(null=True, blank=True)
    woo_id = models.BigIntegerField(null=True, blank=True)
    error_message = models.TextField()
    error_code = models.TextField(null=True, blank=True)
    stack_trace = models.TextField(null=True, blank=True)
    retry_count = models.IntegerField(default=0, db_default=0, null=True, blank=True)
    last_retry_at = models.DateTimeField(null=True, blank=True)
    resolved = models.BooleanField(default=False, db_default=False, null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, db_default={}, null=True, blank=True)
    created_at = created_at(null=True)

    class Meta:
        db_table = "sync_errors"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["store", "resolved", "-created_at"], name="sync_errors_store_open_idx"),
            models.Index(fields=["resolved", "resolved_at"], name="sync_errors_resolved_idx"),
        ]

    def __str__(self):
        return f"{self.entity_type} {self.woo_id}: {self.error_message[:60]}"
