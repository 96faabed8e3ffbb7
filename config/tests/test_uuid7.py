"""Time-ordered UUIDs (RFC 9562 version 7), made in Python (``config.db.uuid7``) and in the
database (``uuid_v7()``, which the audit trigger and the sync use for new rows)."""

import time
import uuid

import pytest
from django.db import connection

from accounts.services import user_create
from audit.models import AuditLog
from config.db import uuid7


def _milliseconds(value: uuid.UUID) -> int:
    return value.int >> 80


def _assert_version_7_of_now(value: uuid.UUID, before_ms: int, after_ms: int):
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before_ms <= _milliseconds(value) <= after_ms


def test_python_uuid7_is_version_7_and_sorts_by_creation_time():
    before = time.time_ns() // 1_000_000
    first = uuid7()
    time.sleep(0.002)
    second = uuid7()
    after = time.time_ns() // 1_000_000
    _assert_version_7_of_now(first, before, after)
    _assert_version_7_of_now(second, before, after)
    assert first < second
    assert len({uuid7() for _ in range(10_000)}) == 10_000


@pytest.mark.django_db
def test_database_uuid_v7_is_version_7_and_sorts_by_creation_time():
    with connection.cursor() as cursor:
        before = time.time_ns() // 1_000_000
        cursor.execute("SELECT uuid_v7()")
        (first,) = cursor.fetchone()
        cursor.execute("SELECT pg_sleep(0.002), uuid_v7()")
        (_, second) = cursor.fetchone()
        after = time.time_ns() // 1_000_000
        cursor.execute("SELECT count(DISTINCT uuid_v7()) FROM generate_series(1, 10000)")
        (distinct,) = cursor.fetchone()
    _assert_version_7_of_now(first, before, after)
    _assert_version_7_of_now(second, before, after)
    assert first < second
    assert distinct == 10_000


@pytest.mark.django_db
def test_audit_rows_get_time_ordered_ids():
    user = user_create(email="audited@example.com", password=None)
    ids = list(AuditLog.objects.filter(record_id=user.pk).values_list("id", flat=True))
    assert ids and {value.version for value in ids} == {7}
