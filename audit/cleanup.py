"""Retention: delete log rows older than their window, in small batches.

Each ``CleanupJob`` names a table, the timestamp column its window applies to, the
``settings.RETENTION_DAYS`` key and an optional extra condition. ``run_cleanup()`` deletes the
expired rows of every registered job (or of ``only`` some) in batches of ``CLEANUP_BATCH_SIZE``
rows, one short transaction per batch, walking the timestamp index by key range: each batch is
``(time, id)`` greater than the previous batch's last key, so a batch never rescans the dead index
entries its predecessors left behind and never holds locks for long. Concurrent inserts (new rows
are never expired) are not blocked.

Other apps register their own tables with ``register_cleanup(CleanupJob(...))`` in their
``AppConfig.ready()``; the webhooks app does so for its delivery inbox, e.g.::

    register_cleanup(CleanupJob("webhook_inbox", table="webhook_inbox", time_column="received_at",
                                retention_key="webhook_inbox", default_days=14,
                                where="processed_at IS NOT NULL"))

Only the ``audit_logs`` job may delete audit rows: it sets the transaction-local
``storedesk.audit_retention`` that the append-only trigger checks.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000


@dataclass(frozen=True)
class CleanupJob:
    name: str
    table: str
    time_column: str
    retention_key: str
    default_days: int | None = None
    # Extra SQL condition (trusted, written in code), e.g. "resolved = true".
    where: str = ""
    # Only the audit_logs job bypasses the append-only trigger.
    bypass_append_only: bool = False
    description: str = ""

    def retention_days(self):
        days = getattr(settings, "RETENTION_DAYS", {}).get(self.retention_key, self.default_days)
        if days is None:
            raise LookupError(f"No retention window for {self.name}: set RETENTION_DAYS[{self.retention_key!r}].")
        return int(days)


@dataclass
class CleanupResult:
    name: str
    table: str
    retention_days: int
    cutoff: object
    removed: int = 0
    batches: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def __str__(self):
        verb = "would remove" if self.dry_run else "removed"
        text = f"{self.name}: {verb} {self.removed} rows older than {self.retention_days} days"
        if not self.dry_run:
            text += f" in {self.batches} batches, {self.seconds:.1f} s"
        return text


_jobs = {}


def register_cleanup(job):
    """Add (or replace, by name) a cleanup job."""
    _jobs[job.name] = job
    return job


def unregister_cleanup(name):
    _jobs.pop(name, None)


def cleanup_jobs():
    return dict(_jobs)


for _job in (
    CleanupJob("taxonomy_sync_log", "taxonomy_sync_log", "created_at", "taxonomy_sync_log", 30),
    CleanupJob("sync_logs", "sync_logs", "created_at", "sync_logs", 30),
    CleanupJob("audit_logs", "audit_logs", "created_at", "audit_logs", 365, bypass_append_only=True),
    CleanupJob("webhook_logs", "webhook_logs", "created_at", "webhook_logs", 30),
    CleanupJob("webhook_log_rate_limit", "webhook_log_rate_limit", "hour_bucket", "webhook_log_rate_limit", 2),
    CleanupJob(
        "sync_errors_resolved",
        "sync_errors",
        "resolved_at",
        "sync_errors_resolved",
        30,
        where="resolved = true",
        description="resolved sync errors",
    ),
    CleanupJob("task_logs", "task_logs", "created_at", "task_logs", 90),
    CleanupJob("agent_execution_log", "agent_execution_log", "started_at", "agent_execution_log", 90),
    CleanupJob("credential_access_logs", "credential_access_logs", "accessed_at", "credential_access_logs", 365),
):
    register_cleanup(_job)


def _batch_sql(job, first):
    q = connection.ops.quote_name
    table, column = q(job.table), q(job.time_column)
    extra = f" AND ({job.where})" if job.where else ""
    after = "" if first else (f" AND {column} >= %(last_at)s AND ({column} > %(last_at)s OR id > %(last_id)s)")
    # The batch is found through the time index and deleted by physical row address (a TID
    # scan): joining on id would make the planner hash the whole table for every batch.
    return f"""
        WITH batch AS MATERIALIZED (
            SELECT ctid AS row_address, id, {column} AS k FROM {table}
            WHERE {column} < %(cutoff)s{extra}{after}
            ORDER BY {column}, id
            LIMIT %(limit)s
        ), gone AS (
            DELETE FROM {table}
            WHERE ctid = ANY (ARRAY(SELECT row_address FROM batch)) AND {column} < %(cutoff)s{extra}
            RETURNING 1
        ), last AS (
            SELECT k, id FROM batch ORDER BY k DESC, id DESC LIMIT 1
        )
        SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM gone),
               (SELECT k FROM last), (SELECT id FROM last)
    """  # noqa: S608 - quoted identifiers and conditions from the registry (code), values as parameters


def _count_sql(job):
    q = connection.ops.quote_name
    extra = f" AND ({job.where})" if job.where else ""
    return f"SELECT count(*) FROM {q(job.table)} WHERE {q(job.time_column)} < %(cutoff)s{extra}"  # noqa: S608


def cleanup_one(job, *, now=None, dry_run=False, batch_size=None, pause=None):
    """Delete (or count, with ``dry_run``) ``job``'s expired rows. Returns a ``CleanupResult``."""
    now = now or timezone.now()
    days = job.retention_days()
    cutoff = now - timedelta(days=days)
    batch_size = batch_size or getattr(settings, "CLEANUP_BATCH_SIZE", DEFAULT_BATCH_SIZE)
    pause = getattr(settings, "CLEANUP_BATCH_PAUSE_SECONDS", 0.0) if pause is None else pause
    result = CleanupResult(job.name, job.table, days, cutoff, dry_run=dry_run)
    started = time.monotonic()
    if dry_run:
        with connection.cursor() as cursor:
            cursor.execute(_count_sql(job), {"cutoff": cutoff})
            result.removed = cursor.fetchone()[0]
        return result
    params = {"cutoff": cutoff, "limit": batch_size, "last_at": None, "last_id": None}
    first = True
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if job.bypass_append_only:
                cursor.execute("SELECT set_config('storedesk.audit_retention', 'on', true)")
            cursor.execute(_batch_sql(job, first), params)
            selected, removed, last_at, last_id = cursor.fetchone()
        result.batches += 1
        result.removed += removed
        if selected < batch_size:
            break
        params["last_at"], params["last_id"], first = last_at, last_id, False
        if pause:
            time.sleep(pause)
    result.seconds = time.monotonic() - started
    if result.removed:
        logger.info("cleanup %s", result)
    return result


def run_cleanup(only=None, *, now=None, dry_run=False, batch_size=None, pause=None):
    """Run every registered job (or the names in ``only``). Returns the results in order."""
    jobs = cleanup_jobs()
    if only:
        unknown = sorted(set(only) - set(jobs))
        if unknown:
            raise KeyError(f"Unknown cleanup job(s): {', '.join(unknown)}. Known: {', '.join(sorted(jobs))}.")
        names = [name for name in jobs if name in set(only)]
    else:
        names = list(jobs)
    results = []
    for name in names:
        results.append(cleanup_one(jobs[name], now=now, dry_run=dry_run, batch_size=batch_size, pause=pause))
    summary = "; ".join(str(r) for r in results)
    logger.info("cleanup run%s: %s", " (dry run)" if dry_run else "", summary)
    return results


def summarize(results):
    removed = [r for r in results if r.removed]
    if not removed:
        return "Nothing to remove."
    return "; ".join(f"{r.name}: {r.removed}" for r in removed)
