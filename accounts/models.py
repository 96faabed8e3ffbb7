from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.db import choices_check
from config.db import created_at
from config.db import updated_at
from config.db import uuid_pk
from stores.models import StoreRole


class AppRole(models.TextChoices):
    """The inventory's ``app_role`` enum. App admins are the Django-admin staff."""

    ADMIN = "admin", _("Admin")
    USER = "user", _("User")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        """``createsuperuser``: an app admin, i.e. a user with the ``admin`` role. The database
        derives ``is_staff`` and ``is_superuser`` from ``user_roles`` (see ``accounts.roles``)."""
        from django.db import transaction

        with transaction.atomic(using=self._db):
            user = self._create_user(email, password, **extra_fields)
            UserRole.objects.using(self._db).create(user=user, role=AppRole.ADMIN)
            user.refresh_from_db(fields=["is_staff", "is_superuser"])
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """The inventory's ``auth.users``: UUID key, login by email."""

    id = uuid_pk()
    email = models.EmailField(_("email address"), unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False,
        help_text=_("Follows the 'admin' app role (the database keeps it equal); grant or revoke the role instead."),
    )
    date_joined = created_at()
    # Additive (docs/schema-notes.md): GoTrue's ``email_confirmed_at``, kept by import_supabase.
    email_confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        db_table = "users"
        ordering = ["email"]

    def __str__(self):
        return self.email

    def clean(self):
        # Sign-in, invitations and resets find people by the lower-case address the manager
        # stores; an address typed in the admin is stored the same way (and so checked unique).
        super().clean()
        self.email = type(self).objects.normalize_email(self.email).lower()


class Profile(models.Model):
    """``profiles``: one per user, created with the user (the inventory's ``handle_new_user``)."""

    user = models.OneToOneField(
        User, primary_key=True, db_column="id", on_delete=models.DB_CASCADE, related_name="profile"
    )
    first_name = models.TextField(null=True, blank=True)
    last_name = models.TextField(null=True, blank=True)
    email = models.TextField(null=True, blank=True)
    phone = models.TextField(null=True, blank=True)
    avatar_url = models.TextField(null=True, blank=True)
    # Additive: the person's choices, used from the first request after sign-in. An empty
    # time zone is filled once with the browser's; an empty language follows the browser.
    language = models.TextField(null=True, blank=True)
    time_zone = models.TextField(null=True, blank=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        db_table = "profiles"

    def __str__(self):
        return self.full_name or self.email or str(self.pk)

    @property
    def full_name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class UserRole(models.Model):
    """``user_roles``: app-wide roles. ``admin`` makes a user staff and superuser (a database
    trigger keeps ``users.is_staff`` / ``is_superuser`` equal to having it)."""

    id = uuid_pk()
    user = models.ForeignKey(User, on_delete=models.DB_CASCADE, related_name="app_roles")
    role = models.TextField(choices=AppRole.choices)
    created_at = created_at()

    class Meta:
        db_table = "user_roles"
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="user_roles_user_id_role_key"),
            choices_check("role", AppRole, table="user_roles"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.role}"


class Invitation(models.Model):
    """``store_invitations`` (additive): an owner's invitation to join a store with a role, or to
    receive one explicit permission on it without a role (``permission``, e.g. ``stores.run_sync``).

    The link carries a random token; only its SHA-256 is stored, so the table cannot be used to
    accept an invitation. An invitation is used once, expires, and can be revoked. Nobody gets
    access to a store they did not accept.
    """

    id = uuid_pk()
    store = models.ForeignKey("stores.Store", on_delete=models.DB_CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.TextField(choices=StoreRole.choices, null=True, blank=True)
    permission = models.TextField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="invitations_sent"
    )
    created_at = created_at()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="invitations_accepted"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "store_invitations"
        ordering = ["-created_at"]
        constraints = [
            choices_check("role", StoreRole, table="store_invitations", nullable=True),
            models.CheckConstraint(
                condition=models.Q(permission__isnull=True, role__isnull=False)
                | models.Q(permission__isnull=False, role__isnull=True),
                name="store_invitations_role_or_permission",
            ),
            # At most one open role invitation per store and address (a new one revokes the old).
            # The service revokes an older open invitation to the same permission too; two left
            # open by a race would grant the same permission twice, which changes nothing.
            models.UniqueConstraint(
                fields=["store", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True, permission__isnull=True),
                name="store_invitations_one_open_per_email",
            ),
        ]
        indexes = [models.Index(fields=["store", "-created_at"], name="store_invitations_store_idx")]

    def __str__(self):
        return f"{self.email} → {self.store_id} ({self.role})"

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None

    def is_expired(self, now=None):
        from django.utils import timezone

        return (now or timezone.now()) >= self.expires_at
