from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.models import Permission
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase
from guardian.models import UserObjectPermissionBase

from config.db import TimestampedModel
from config.db import choices_check


class StoreRole(models.TextChoices):
    """The inventory's ``store_role`` enum. Ranked in ``stores.access``, never in the column."""

    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


# Row-level security (config/rls.py): the web role has no SELECT on these columns, so every
# ``stores`` read leaves them out unless it asks for them (workers do, through the service role).
CREDENTIAL_FIELDS = ("api_key", "api_secret", "webhook_secret", "previous_webhook_secret")


def without_credentials(queryset, path="store"):
    """Defer the credential columns of a ``select_related(path)`` store."""
    return queryset.defer(*(f"{path}__{name}" for name in CREDENTIAL_FIELDS))


class StoreManager(models.Manager):
    """Loads stores without their credential columns; reading one loads it on first access."""

    def get_queryset(self):
        return super().get_queryset().defer(*CREDENTIAL_FIELDS)


class Store(TimestampedModel):
    """``stores``. ``api_key``, ``api_secret`` and ``webhook_secret`` hold MultiFernet tokens
    (``stores.credentials``), never plaintext; nothing outside that module reads them."""

    name = models.TextField()
    url = models.TextField()
    api_key = models.TextField()
    api_secret = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DB_CASCADE,
        related_name="created_stores",
        help_text=_("The user who connected the store."),
    )
    currency = models.TextField(default="ILS", db_default="ILS")
    webhook_secret = models.TextField(null=True, blank=True)
    # Additive (docs/schema-notes.md "## Webhooks"): after a rotation, deliveries signed with the
    # previous secret (a MultiFernet token too) are accepted for WEBHOOK_SECRET_GRACE_SECONDS.
    previous_webhook_secret = models.TextField(null=True, blank=True)
    webhook_secret_rotated_at = models.DateTimeField(null=True, blank=True)
    # Additive: the store came over from another app without credentials we could read
    # (``import_supabase --skip-credentials``); an owner types them again to clear it.
    credentials_reconnect_needed = models.BooleanField(
        _("reconnect needed"),
        default=False,
        db_default=False,
        help_text=_("The API credentials must be entered again before the store can sync."),
    )
    # Additive (docs/schema-notes.md "## Sync"): what the pull learnt of the store's WooCommerce:
    # its version (``system_status``), and whether it lists every variation at ``GET
    # /variations`` (10.3+; None = not checked yet). Checked once, again on every reconciliation.
    woocommerce_version = models.TextField(null=True, blank=True)
    variations_listing = models.BooleanField(null=True, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(
        default=15,
        db_default=15,
        help_text=_("How often beat queues an incremental pull of this store (0 = never)."),
    )

    objects = StoreManager()

    class Meta:
        db_table = "stores"
        ordering = ["name"]
        base_manager_name = "objects"
        # Store capabilities beyond view/change/delete; roles map onto them in stores.access.
        permissions = [
            ("view_orders", "Can see the store's orders (customer data masked)"),
            ("view_customer_data", "Can see customer names, emails, phones and addresses"),
            ("change_catalog", "Can create and edit products and taxonomies"),
            ("run_sync", "Can run a sync with WooCommerce"),
            ("change_order_status", "Can change an order's status"),
            ("manage_credentials", "Can set and reveal the API credentials"),
            ("manage_webhooks", "Can register and manage webhooks"),
            ("manage_members", "Can invite, change roles and remove members"),
        ]
        indexes = [models.Index(fields=["name"], name="stores_name_idx")]

    def __str__(self):
        return self.name

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        # The default manager defers the credentials (and ``only()`` cannot undo a ``defer()``):
        # reload from a plain queryset, every field this instance holds or the ones asked for.
        if from_queryset is None:
            from_queryset = models.QuerySet(type(self))
            if fields is None:
                deferred = self.get_deferred_fields()
                fields = [f.attname for f in self._meta.concrete_fields if f.attname not in deferred]
        return super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class StoreUser(TimestampedModel):
    """``store_users``: a membership with a store role; the source of truth for store access."""

    store = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DB_CASCADE, related_name="store_memberships")
    role = models.TextField(choices=StoreRole.choices, default=StoreRole.VIEWER, db_default=StoreRole.VIEWER)

    class Meta:
        db_table = "store_users"
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="store_users_store_id_user_id_key"),
            choices_check("role", StoreRole, table="store_users"),
        ]
        indexes = [models.Index(fields=["user", "store"], name="store_users_user_store_idx")]

    def __str__(self):
        return f"{self.user_id} @ {self.store_id}: {self.role}"


class StoreUserObjectPermission(UserObjectPermissionBase):
    """Explicit per-store grants that are not roles (django-guardian, direct foreign key)."""

    # Store and user references cascade in the database. Django forbids mixing database- and
    # Python-level deletes on one model and Permission uses Python-level ones, so the permission
    # reference is DO_NOTHING (permissions are only ever deleted with their model).
    content_object = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="user_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DB_CASCADE, related_name="store_grants")
    # A real related name: guardian's ObjectPermissionChecker filters Permission through it.
    permission = models.ForeignKey(Permission, on_delete=models.DO_NOTHING, related_name="store_user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        db_table = "store_user_object_permissions"


class StoreGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Store, on_delete=models.DB_CASCADE, related_name="group_grants")
    group = models.ForeignKey(Group, on_delete=models.DB_CASCADE, related_name="store_grants")
    permission = models.ForeignKey(Permission, on_delete=models.DO_NOTHING, related_name="store_group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        db_table = "store_group_object_permissions"
