"""Field and model building blocks shared by every app.

The inventory was written for PostgreSQL directly: UUID keys with ``gen_random_uuid()``,
``DEFAULT NOW()`` timestamps and text enums. Fields here set both a Python default (so the ORM
knows the value before saving) and a database default (so raw SQL and bulk upserts get the same
values the inventory promised).
"""

import os
import time
import uuid

from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CurrentDate(models.Func):
    """SQL ``CURRENT_DATE`` (the inventory's default for ``work_logs.work_date``)."""

    template = "CURRENT_DATE"
    output_field = models.DateField()


def today():
    return timezone.localdate()


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7: Unix milliseconds, then random bits), as the
    database's ``uuid_v7()`` makes (``audit/migrations/0008``). Rows created in bulk with such
    ids land next to each other in every index keyed by them, instead of on random pages."""
    milliseconds = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10))
    rand_a, rand_b = random_bits >> 68, random_bits & ((1 << 62) - 1)
    return uuid.UUID(int=(milliseconds << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


def uuid_pk():
    return models.UUIDField(primary_key=True, default=uuid.uuid4, db_default=RandomUUID(), editable=False)


def created_at(null=False):
    return models.DateTimeField(default=timezone.now, db_default=Now(), null=null, editable=False)


def updated_at(null=False):
    return models.DateTimeField(auto_now=True, db_default=Now(), null=null)


def user_reference(related_name, column, on_delete=models.DB_SET_NULL):
    """An optional reference to a user, in the inventory's column ``column`` (``assigned_to``,
    ``read_by``...: named for the role, not ``<name>_id``)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=on_delete,
        related_name=related_name,
        db_column=column,
    )


def choices_check(field_name, choices, *, table, nullable=False):
    """CHECK constraint that keeps a text column inside its enum, as the inventory's CHECKs do."""
    condition = models.Q(**{f"{field_name}__in": list(choices.values)})
    if nullable:
        condition |= models.Q(**{f"{field_name}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"{table}_{field_name}_check")


class DataSource(models.TextChoices):
    """The inventory's ``data_source`` enum: where a row came from."""

    WOO = "woo", _("WooCommerce")
    LOCAL = "local", _("Local")


class SyncStatus(models.TextChoices):
    SYNCED = "synced", _("Synced")
    PENDING = "pending", _("Pending")
    ERROR = "error", _("Error")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class UUIDModel(models.Model):
    id = uuid_pk()

    class Meta:
        abstract = True


class TimestampedModel(UUIDModel):
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        abstract = True


class SyncedFields(models.Model):
    """Columns every row mirrored from WooCommerce carries (``source``, ``synced_at``)."""

    source = models.TextField(
        choices=DataSource.choices, default=DataSource.LOCAL, db_default=DataSource.LOCAL, null=True, blank=True
    )
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


def trigram_index(column, table):
    """GIN trigram index on UPPER(column): Django's ``icontains`` compiles to ``UPPER(col) LIKE``."""
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.indexes import OpClass
    from django.db.models.functions import Upper

    return GinIndex(OpClass(Upper(column), name="gin_trgm_ops"), name=f"{table}_{column}_trgm")
