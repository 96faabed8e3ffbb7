from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models.functions import Coalesce
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from config.db import TimestampedModel
from config.db import UUIDModel
from config.db import created_at
from config.db import trigram_index
from config.exports import ExportJob
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


class CustomerEmailKey(models.Func):
    """An order's e-mail as the customers summary keys it: without surrounding whitespace and
    lower-cased (WooCommerce keeps the billing e-mail as typed). The one definition: the summary's
    SQL (``orders.customers``), the lookups of a customer's orders and their index use it."""

    template = "lower(btrim(%(expressions)s, E' \\t\\n\\r\\f'))"
    output_field = models.TextField()


class CustomerSearchText(models.Func):
    """``upper(name ␟ e-mail ␟ phone)`` of an order: what the order list's customer search reads,
    through one trigram index (``orders_customer_search_trgm``) instead of three. The separator
    is a control character, which ``config.input`` strips from every query value, so a search
    term never spans two fields: ``LIKE '%term%'`` here is the OR of the three ``icontains``."""

    arg_joiner = " || chr(31) || "
    template = "upper(%(expressions)s)"
    output_field = models.TextField()

    def __init__(self):
        columns = ("customer_name", "customer_email", "customer_phone")
        super().__init__(*(Coalesce(models.F(name), models.Value("")) for name in columns))


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
    # What has been refunded (the payload's ``refunds[].total`` summed, positive) and WooCommerce's
    # customer id (0 for guests): both mapped from the order payload, so pulls and webhooks keep them.
    refunded_total = models.DecimalField(max_digits=10, decimal_places=2, default=0, db_default=0)
    customer_woo_id = models.BigIntegerField(default=0, db_default=0)
    synced_at = models.DateTimeField(null=True, blank=True)
    # When the order's notes and refunds were last read from WooCommerce (None: never). The order
    # page reads them again in the background when this is older than the order's modified time.
    activity_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders"
        ordering = ["-woo_created_at"]
        constraints = [models.UniqueConstraint(fields=["store", "woo_id"], name="orders_store_id_woo_id_key")]
        indexes = [
            models.Index(fields=["store", "status", "-woo_created_at"], name="orders_store_status_idx"),
            models.Index(fields=["store", "number"], name="orders_store_number_idx"),
            # The list's search by order number (case-insensitive) and by customer.
            models.Index(models.F("store"), Upper("number"), name="orders_store_number_upper_idx"),
            GinIndex(OpClass(CustomerSearchText(), name="gin_trgm_ops"), name="orders_customer_search_trgm"),
            models.Index(fields=["store", "total"], name="orders_store_total_idx"),
            models.Index(fields=["store", "-woo_modified_at"], name="orders_store_modified_idx"),
            # A customer's orders and the customers summary's recompute, by their e-mail key.
            models.Index(
                models.F("store"),
                CustomerEmailKey("customer_email"),
                models.F("woo_created_at").desc(),
                name="orders_store_email_idx",
            ),
            # The overview's daily figures (dates, statuses, totals) read from the index alone;
            # lists by date use it too.
            models.Index(
                fields=["store", "-woo_created_at"],
                include=["status", "total", "refunded_total"],
                name="orders_store_sales_idx",
            ),
        ]

    def __str__(self):
        return f"#{self.shown_number}"

    @property
    def shown_number(self):
        """The number the shop shows: WooCommerce's order number, else the order's id."""
        return self.number or self.woo_id


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


class OrderStatusCount(models.Model):
    """Orders per store and status, kept exact by statement-level triggers on ``orders`` (orders
    migration 0006), so ORM saves, bulk upserts and raw SQL all count: the status tabs read a
    handful of rows instead of counting 500,000 orders."""

    id = models.BigAutoField(primary_key=True)
    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="+", db_index=False)
    status = models.TextField()
    count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "order_status_counts"
        constraints = [models.UniqueConstraint(fields=["store", "status"], name="order_status_counts_key")]

    def __str__(self):
        return f"{self.status}: {self.count}"


class OrderNote(UUIDModel):
    """A WooCommerce order note (private, to the customer, or the system's), keyed (store, woo_id)."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="order_notes", db_index=False)
    order_woo_id = models.BigIntegerField()
    woo_id = models.BigIntegerField()
    note = models.TextField()
    customer_note = models.BooleanField(default=False)
    author = models.TextField(blank=True, default="")
    woo_created_at = models.DateTimeField(null=True, blank=True)
    synced_at = created_at()

    class Meta:
        db_table = "order_notes"
        constraints = [models.UniqueConstraint(fields=["store", "woo_id"], name="order_notes_store_woo_id_key")]
        indexes = [models.Index(fields=["store", "order_woo_id"], name="order_notes_order_idx")]

    def __str__(self):
        return f"note {self.woo_id} on #{self.order_woo_id}"


class OrderRefund(UUIDModel):
    """A WooCommerce refund of an order, keyed (store, woo_id); amounts are positive."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="order_refunds", db_index=False)
    order_woo_id = models.BigIntegerField()
    woo_id = models.BigIntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.TextField(blank=True, default="")
    line_items = models.JSONField(default=list, db_default=[])
    refunded_payment = models.BooleanField(default=False)
    # Who asked for it here (empty for refunds made in WooCommerce's own admin).
    refunded_by = models.TextField(blank=True, default="")
    woo_created_at = models.DateTimeField(null=True, blank=True)
    synced_at = created_at()

    class Meta:
        db_table = "order_refunds"
        constraints = [models.UniqueConstraint(fields=["store", "woo_id"], name="order_refunds_store_woo_id_key")]
        indexes = [models.Index(fields=["store", "order_woo_id"], name="order_refunds_order_idx")]

    def __str__(self):
        return f"refund {self.woo_id} of #{self.order_woo_id}"


class Customer(UUIDModel):
    """A store's customer as its orders show them (guests and registered alike, by billing e-mail).

    A summary kept set-based by ``orders.customers.customers_refresh`` after every orders upsert,
    so the customers pages never aggregate orders per view. Personal data: viewers never see it.
    """

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="customers", db_index=False)
    email = models.TextField()  # the billing e-mail's key (CustomerEmailKey)
    name = models.TextField(blank=True, default="")
    country = models.TextField(blank=True, default="")
    customer_woo_id = models.BigIntegerField(default=0)  # 0: only guest orders
    orders_count = models.IntegerField(default=0)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    updated_at = created_at()

    class Meta:
        db_table = "customers"
        constraints = [models.UniqueConstraint(fields=["store", "email"], name="customers_store_email_key")]
        indexes = [
            models.Index(fields=["store", "-last_order_at"], name="customers_store_last_idx"),
            models.Index(fields=["store", "-total_spent"], name="customers_store_spent_idx"),
            models.Index(fields=["store", "-orders_count"], name="customers_store_count_idx"),
            models.Index(fields=["store", "name"], name="customers_store_name_idx"),
            # Search by any part of a name or e-mail (``icontains``).
            trigram_index("name", "customers"),
            trigram_index("email", "customers"),
        ]

    def __str__(self):
        return self.email

    @property
    def average_order(self):
        return self.total_spent / self.orders_count if self.orders_count else 0


class OrderExport(ExportJob):
    """A large CSV export of an order list, written by a worker for the person who asked
    (masked for them as the list is); the file lives in ``EXPORTS_DIR`` (``config.exports``)."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="order_exports")
    # Written unmasked (its requester could see customer data then): downloaded only while they still can.
    customer_data = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "order_exports"
