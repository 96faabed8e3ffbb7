from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.db import UUIDModel
from config.db import choices_check
from config.db import created_at
from config.db import updated_at
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
    # Led by store_id, taxonomy_sync_log_store_idx serves the foreign key: no index of its own.
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="taxonomy_sync_logs", db_index=False)
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
    # Led by store_id, the composite indexes serve the foreign key; one more index would only
    # slow the inserts (a row per entity a push or a webhook delivery writes).
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="sync_logs", db_index=False)
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
            # Additive: the next run looks up the open errors of a store's entity.
            models.Index(
                fields=["store", "entity_type", "woo_id"],
                condition=models.Q(resolved=False),
                name="sync_errors_open_item_idx",
            ),
        ]

    def __str__(self):
        return f"{self.entity_type} {self.woo_id}: {self.error_message[:60]}"


# --- Sync runs, watermarks, pushes and conflicts (additive: docs/schema-notes.md "## Sync") ----


class SyncRunKind(models.TextChoices):
    FULL = "full", _("Full pull")
    INCREMENTAL = "incremental", _("Incremental pull")
    RECONCILE = "reconcile", _("Reconciliation")


class SyncRunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Success")
    PARTIAL = "partial", _("Finished with errors")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


ACTIVE_RUN_STATUSES = (SyncRunStatus.PENDING, SyncRunStatus.RUNNING)


class SyncRun(UUIDModel):
    """One pull or reconciliation of one store. ``progress`` maps each entity to
    ``{"done": n, "total": m or null, "status": ...}`` for the dashboard's progress bar."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="sync_runs")
    kind = models.TextField(choices=SyncRunKind.choices)
    status = models.TextField(
        choices=SyncRunStatus.choices, default=SyncRunStatus.PENDING, db_default=SyncRunStatus.PENDING
    )
    entities = models.JSONField(default=list, db_default=[])
    progress = models.JSONField(default=dict, db_default={})
    stats = models.JSONField(default=dict, db_default={})
    rows_written = models.IntegerField(default=0, db_default=0)
    requests_made = models.IntegerField(default=0, db_default=0)
    errors_count = models.IntegerField(default=0, db_default=0)
    error_message = models.TextField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="+"
    )
    created_at = created_at()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sync_runs"
        ordering = ["-created_at"]
        constraints = [
            choices_check("kind", SyncRunKind, table="sync_runs"),
            choices_check("status", SyncRunStatus, table="sync_runs"),
            # One queued or running pull per store: "sync now" twice returns the same run.
            models.UniqueConstraint(
                fields=["store"],
                condition=models.Q(status__in=ACTIVE_RUN_STATUSES),
                name="sync_runs_one_active_per_store",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="sync_runs_store_created_idx"),
            models.Index(fields=["store", "kind", "-finished_at"], name="sync_runs_store_kind_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.status}"

    @property
    def is_active(self):
        return self.status in ACTIVE_RUN_STATUSES


class SyncState(UUIDModel):
    """Per store and entity: the incremental-pull watermark (the largest ``date_modified_gmt``
    committed, never past a failed item) and when the entity was last pulled."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="sync_states")
    entity = models.TextField()
    watermark = models.DateTimeField(null=True, blank=True)
    last_full_at = models.DateTimeField(null=True, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_reconciled_at = models.DateTimeField(null=True, blank=True)
    updated_at = updated_at()

    class Meta:
        db_table = "sync_state"
        ordering = ["entity"]
        constraints = [models.UniqueConstraint(fields=["store", "entity"], name="sync_state_store_id_entity_key")]

    def __str__(self):
        return f"{self.entity} @ {self.watermark}"


def _choices_from(name, base, *, without=(), extra=()):
    """A ``TextChoices`` called ``name`` with ``base``'s members but ``without`` (same values and
    labels), then ``extra`` ``(NAME, value, label)`` members."""
    members = [(member.name, (member.value, member.label)) for member in base if member not in without]
    members += [(member, (value, label)) for member, value, label in extra]
    return models.TextChoices(name, members, module=__name__)


# What a push carries: the synced entities, but variations (pushed with their product), and
# attribute terms.
PushEntity = _choices_from(
    "PushEntity",
    EntityType,
    without=(EntityType.VARIATION,),
    extra=[("ATTRIBUTE_TERM", "attribute_term", _("Attribute term"))],
)
# What a push does: a sync's actions but the sync itself.
PushAction = _choices_from("PushAction", SyncAction, without=(SyncAction.SYNC,))


class PushStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    CONFLICT = "conflict", _("Conflict")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A push is open while it waits, runs or sits in a conflict: a pull leaves its object alone.
OPEN_PUSH_STATUSES = (PushStatus.PENDING, PushStatus.RUNNING, PushStatus.CONFLICT)


def open_push_guard(alias: str) -> str:
    """The same rule in SQL: true when the row ``alias`` (a table with a uuid ``id``) has no open
    push operation. ``alias`` is a code constant, never input."""
    statuses = ", ".join(f"'{status}'" for status in OPEN_PUSH_STATUSES)
    return (
        "NOT EXISTS (SELECT 1 FROM sync_push_operations o "  # noqa: S608 - constants only
        f"WHERE o.object_id = {alias}.id AND o.status IN ({statuses}))"
    )


def open_variation_push_guard(alias: str) -> str:
    """True when no open push of its product carries a local edit of the variation ``alias``: a
    variation's edit goes out with its product's push (named in ``payload.variation_ids``)."""
    statuses = ", ".join(f"'{status}'" for status in OPEN_PUSH_STATUSES)
    return (
        "NOT EXISTS (SELECT 1 FROM sync_push_operations o "  # noqa: S608 - constants only
        f"WHERE o.object_id = {alias}.product_id AND o.status IN ({statuses}) "
        f"AND o.payload->'variation_ids' ? {alias}.id::text)"
    )


class PushOperation(UUIDModel):
    """A local change on its way to WooCommerce (an outbox row, processed by a task).

    While a row is open (pending, running or in conflict) pulls leave the local object alone,
    so an unpushed edit is never overwritten; ``attempts`` > 0 on a create means a request may
    already have reached the store, so the task looks for the object (SKU or marker) first.
    """

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="push_operations")
    entity_type = models.TextField(choices=PushEntity.choices)
    action = models.TextField(choices=PushAction.choices)
    object_id = models.UUIDField(null=True, blank=True, help_text=_("The local row's id."))
    woo_id = models.BigIntegerField(null=True, blank=True)
    fields = models.JSONField(null=True, blank=True, help_text=_("Changed fields; empty means all."))
    payload = models.JSONField(default=dict, db_default={})
    status = models.TextField(choices=PushStatus.choices, default=PushStatus.PENDING, db_default=PushStatus.PENDING)
    attempts = models.IntegerField(default=0, db_default=0)
    last_error = models.TextField(null=True, blank=True)
    remote_modified_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="+"
    )
    created_at = created_at()
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sync_push_operations"
        ordering = ["-created_at"]
        constraints = [
            choices_check("entity_type", PushEntity, table="sync_push_operations"),
            choices_check("action", PushAction, table="sync_push_operations"),
            choices_check("status", PushStatus, table="sync_push_operations"),
        ]
        indexes = [
            models.Index(fields=["store", "status", "-created_at"], name="sync_push_store_status_idx"),
            models.Index(
                fields=["object_id"],
                condition=models.Q(status__in=OPEN_PUSH_STATUSES),
                name="sync_push_open_object_idx",
            ),
        ]

    def __str__(self):
        return f"{self.action} {self.entity_type} {self.object_id or self.woo_id}: {self.status}"


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class ConflictChoice(models.TextChoices):
    OURS = "ours", _("Keep ours (push it)")
    THEIRS = "theirs", _("Take theirs (WooCommerce)")
    MERGE = "merge", _("Field by field")


class ProductConflict(UUIDModel):
    """A product changed both here and in WooCommerce since the last sync. ``fields`` lists
    ``{"field", "ours", "theirs"}`` for every field that differs; a manager chooses."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="product_conflicts")
    product = models.ForeignKey("catalog.Product", on_delete=models.DB_CASCADE, related_name="sync_conflicts")
    push = models.ForeignKey(
        PushOperation, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="conflicts"
    )
    status = models.TextField(
        choices=ConflictStatus.choices, default=ConflictStatus.OPEN, db_default=ConflictStatus.OPEN
    )
    fields = models.JSONField(default=list, db_default=[])
    theirs_payload = models.JSONField(default=dict, db_default={})
    base_modified_at = models.DateTimeField(null=True, blank=True)
    remote_modified_at = models.DateTimeField(null=True, blank=True)
    choice = models.TextField(choices=ConflictChoice.choices, null=True, blank=True)
    resolution = models.JSONField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="+"
    )
    created_at = created_at()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sync_product_conflicts"
        ordering = ["-created_at"]
        constraints = [
            choices_check("status", ConflictStatus, table="sync_product_conflicts"),
            choices_check("choice", ConflictChoice, table="sync_product_conflicts", nullable=True),
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status=ConflictStatus.OPEN),
                name="sync_product_conflicts_one_open",
            ),
        ]
        indexes = [models.Index(fields=["store", "status", "-created_at"], name="sync_conflicts_store_idx")]

    def __str__(self):
        return f"conflict on {self.product_id}: {self.status}"
