from django.db import models
from django.utils.translation import gettext_lazy as _

from config.db import TimestampedModel, UUIDModel, created_at
from stores.models import Store


class OrderStatus(models.TextChoices):
    """WooCommerce's order statuses (FACTS.md §8). The column stays free text, as in the
    inventory, because plugins register statuses of their own."""

    PENDING = "pending", _("Pending payment")
    PROCESSING = "processing", _("Processing")
    ON_HOLD = "on-hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    FAILED = "failed", _("Failed")
    CHECKOUT_DRAFT = "checkout-draft", _("Draft")
    TRASH = "trash", _("Trash")


class Order(TimestampedModel):
    """``orders``. Customer columns are personal data: viewers only ever get them masked."""

    # Indexed by (store_id, woo_id) and the other (store_id, ...) indexes.
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="orders", db_index=False)
    woo_id = models.BigIntegerField()
    status = models.TextField()
    total = models.DecimalField(max_digits=10, decimal_places=2)
    customer_name = models.TextField()
    customer_email = models.TextField(null=True, blank=True)
    # Additive (docs/schema-notes.md): what an order page needs.
    number = models.TextField(null=True, blank=True)
    currency = models.TextField(null=True, blank=True)
    customer_phone = models.TextField(null=True, blank=True)
    billing = models.JSONField(default=dict, db_default={})
    shipping = models.JSONField(default=dict, db_default={})
    line_items = models.JSONField(default=list, db_default=[])
    payment_method = models.TextField(null=True, blank=True)
    payment_method_title = models.TextField(null=True, blank=True)
    discount_total = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    shipping_total = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    total_tax = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    customer_note = models.TextField(null=True, blank=True)
    woo_created_at = models.DateTimeField(null=True, blank=True)
    woo_modified_at = models.DateTimeField(null=True, blank=True)
    date_paid = models.DateTimeField(null=True, blank=True)
    date_completed = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders"
        ordering = ["-woo_created_at"]
        constraints = [models.UniqueConstraint(fields=["store", "woo_id"], name="orders_store_id_woo_id_key")]
        indexes = [
            models.Index(fields=["store", "status", "-woo_created_at"], name="orders_store_status_idx"),
            models.Index(fields=["store", "number"], name="orders_store_number_idx"),
            models.Index(fields=["store", "total"], name="orders_store_total_idx"),
            models.Index(fields=["store", "-woo_modified_at"], name="orders_store_modified_idx"),
            # The overview's daily figures (dates, statuses, totals) read from the index alone;
            # lists by date use it too.
            models.Index(
                fields=["store", "-woo_created_at"], include=["status", "total"], name="orders_store_sales_idx"
            ),
        ]

    def __str__(self):
        return f"#{self.number or self.woo_id}"


class OrderStatusLog(UUIDModel):
    """``order_status_logs``. ``order_id`` is WooCommerce's order id, not a foreign key."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="order_status_logs")
    order_woo_id = models.BigIntegerField(db_column="order_id")
    old_status = models.TextField()
    new_status = models.TextField()
    changed_by = models.TextField()
    created_at = created_at()

    class Meta:
        db_table = "order_status_logs"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["store", "order_woo_id", "-created_at"], name="order_status_logs_order_idx"),
            models.Index(fields=["created_at"], name="order_status_logs_created_idx"),
        ]

    def __str__(self):
        return f"{self.order_woo_id}: {self.old_status} -> {self.new_status}"
