"""Retention jobs: rows on both sides of each cut-off, batching, dry runs, the command, the registry."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agents.models import AgentExecutionLog
from audit import cleanup
from audit.models import AuditLog
from audit.models import CredentialAccessLog
from audit.models import JobStatus
from audit.models import ScheduledJob
from config.testing import make
from projects.models import ProjectAlert
from projects.models import TaskLog
from sync.models import SyncError
from sync.models import SyncLog
from sync.models import TaxonomySyncLog
from webhooks.models import WebhookLog
from webhooks.models import WebhookLogRateLimit

pytestmark = pytest.mark.django_db

NOW = timezone.now()

# job name, model, timestamp field, retention days (the settings' defaults), extra fields
CASES = [
    ("taxonomy_sync_log", TaxonomySyncLog, "created_at", 30, {}),
    ("sync_logs", SyncLog, "created_at", 30, {}),
    ("audit_logs", AuditLog, "created_at", 365, {}),
    ("webhook_logs", WebhookLog, "created_at", 30, {}),
    ("webhook_log_rate_limit", WebhookLogRateLimit, "hour_bucket", 2, {}),
    ("sync_errors_resolved", SyncError, "resolved_at", 30, {"resolved": True}),
    ("task_logs", TaskLog, "created_at", 90, {}),
    ("agent_execution_log", AgentExecutionLog, "started_at", 90, {}),
    ("credential_access_logs", CredentialAccessLog, "accessed_at", 365, {}),
]


def _rows(model, field, at, count, extra):
    if model is AuditLog:
        import uuid

        return [
            AuditLog.objects.create(table_name="products", record_id=uuid.uuid4(), action="INSERT", created_at=at)
            for _ in range(count)
        ]
    return [make(model, **{field: at, **extra}) for _ in range(count)]


def test_every_inventory_log_table_has_a_job():
    assert {name for name, *_ in CASES} <= set(cleanup.cleanup_jobs())


@pytest.mark.parametrize(("name", "model", "field", "days", "extra"), CASES, ids=[case[0] for case in CASES])
def test_job_removes_only_rows_older_than_its_window(name, model, field, days, extra):
    cutoff = NOW - timedelta(days=days)
    # Five expired rows with the same timestamp: batches of 2 must walk past ties.
    expired = _rows(model, field, cutoff - timedelta(hours=1), 5, extra)
    expired += _rows(model, field, cutoff - timedelta(days=400), 1, extra)
    kept = _rows(model, field, cutoff + timedelta(hours=1), 2, extra)

    dry = cleanup.cleanup_one(cleanup.cleanup_jobs()[name], now=NOW, dry_run=True)
    assert dry.removed == 6 and model.objects.filter(pk__in=[r.pk for r in expired]).count() == 6

    result = cleanup.cleanup_one(cleanup.cleanup_jobs()[name], now=NOW, batch_size=2)
    assert result.removed == 6 and result.batches == 4
    remaining = set(model.objects.filter(pk__in=[r.pk for r in expired + kept]).values_list("pk", flat=True))
    assert remaining == {r.pk for r in kept}


def test_unresolved_sync_errors_are_kept_however_old():
    old = NOW - timedelta(days=365)
    unresolved = make(SyncError, resolved=False, resolved_at=None, created_at=old)
    resolved_recently = make(SyncError, resolved=True, resolved_at=NOW - timedelta(days=1), created_at=old)
    result = cleanup.cleanup_one(cleanup.cleanup_jobs()["sync_errors_resolved"], now=NOW)
    assert result.removed == 0
    assert SyncError.objects.filter(pk__in=[unresolved.pk, resolved_recently.pk]).count() == 2


def test_retention_windows_come_from_settings(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "sync_logs": 7}
    old = make(SyncLog, created_at=NOW - timedelta(days=8))
    young = make(SyncLog, created_at=NOW - timedelta(days=6))
    cleanup.run_cleanup(["sync_logs"], now=NOW)
    assert list(SyncLog.objects.filter(pk__in=[old.pk, young.pk]).values_list("pk", flat=True)) == [young.pk]


def test_other_apps_register_their_own_tables(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "project_alerts": 10}
    job = cleanup.register_cleanup(
        cleanup.CleanupJob("project_alerts", "project_alerts", "created_at", "project_alerts", where="is_read")
    )
    try:
        read = make(ProjectAlert, is_read=True, created_at=NOW - timedelta(days=11))
        unread = make(ProjectAlert, is_read=False, created_at=NOW - timedelta(days=11))
        (result,) = cleanup.run_cleanup(["project_alerts"], now=NOW)
    finally:
        cleanup.unregister_cleanup(job.name)
    assert result.removed == 1
    assert list(ProjectAlert.objects.filter(pk__in=[read.pk, unread.pk]).values_list("pk", flat=True)) == [unread.pk]


def test_runs_log_what_they_removed(caplog):
    make(SyncLog, created_at=NOW - timedelta(days=31))
    with caplog.at_level(logging.INFO, logger="audit.cleanup"):
        cleanup.run_cleanup(["sync_logs", "task_logs"])
    assert "sync_logs: removed 1 rows older than 30 days" in caplog.text


def test_command_dry_run_only_and_tracking(capsys):
    old = make(SyncLog, created_at=NOW - timedelta(days=31))
    old_taxonomy = make(TaxonomySyncLog, created_at=NOW - timedelta(days=31))

    call_command("cleanup_logs", "--dry-run", "--only", "sync_logs")
    out = capsys.readouterr().out
    assert "sync_logs: would remove 1 rows" in out and "taxonomy" not in out
    assert SyncLog.objects.filter(pk=old.pk).exists()

    call_command("cleanup_logs", "--only", "sync_logs,task_logs", "--batch-size", "100")
    out = capsys.readouterr().out
    assert "sync_logs: removed 1 rows older than 30 days in 1 batches" in out
    assert not SyncLog.objects.filter(pk=old.pk).exists()
    assert TaxonomySyncLog.objects.filter(pk=old_taxonomy.pk).exists()
    job = ScheduledJob.objects.get(name="cleanup_logs")
    assert (job.last_status, job.last_message) == (JobStatus.SUCCESS, "sync_logs: 1")

    with pytest.raises(CommandError, match="Unknown cleanup job"):
        call_command("cleanup_logs", "--only", "nope")
