"""The scheduler: beat runs only ``audit.tasks.dispatch_due_jobs`` (every 60 s); this decides what is due.

- Jobs are ``settings.SCHEDULED_JOBS`` (name -> (task, interval seconds, queue)), plus jobs apps
  add from code with ``register_job`` (one per registered agent, for example). Each has a
  ``scheduled_jobs`` row, created and kept in step with settings by the dispatcher; staff override
  the interval and switch jobs on and off in the admin, without touching beat.
- A due job is *claimed* with one ``UPDATE ... WHERE <due> RETURNING``: two dispatchers running at
  once (two beats, a retried task) serialise on the row locks and PostgreSQL re-checks the
  condition after the first commit, so a job is queued once. The Celery message is sent after the
  claim commits.
- A job that is still queued or running is not queued again until it is overdue by three intervals
  (at least 15 minutes), so a stopped worker does not pile up messages.
- Other apps add per-object due work (each store's incremental pull by
  ``Store.sync_interval_minutes``) with ``register_due_work(callable)``; the dispatcher calls each
  callable every minute with ``now=...``. Such a callable must claim its own work atomically.
- Job tasks record their runs with ``tracked_job(name)``; the admin shows the last one.
"""

import logging
import time
from contextlib import ContextDecorator
from functools import wraps

from django.conf import settings
from django.db import connection
from django.db import transaction
from django.utils import timezone

from audit.models import JobStatus
from audit.models import ScheduledJob
from config.registry import Callbacks

logger = logging.getLogger(__name__)

# Beat's period jitters by a second or two: a job whose interval is almost over counts as due.
DUE_TOLERANCE_SECONDS = 5
# A queued/running job is re-queued only when this stale: max(3 intervals, 15 minutes).
STALE_INTERVALS = 3
STALE_MIN_SECONDS = 900
MESSAGE_MAX = 2000

_due_work = Callbacks()
_registered_jobs = {}


def register_job(name, task, interval_seconds, queue):
    """Add a scheduled job from code (an app's ``ready()``), as if it were in ``SCHEDULED_JOBS``;
    an entry of the same name in the settings wins."""
    _registered_jobs[name] = (task, int(interval_seconds), queue)


def register_due_work(func):
    """Register ``func(now=...)``, called by every dispatch to queue per-object work (idempotent).

    Usable as a decorator. ``func`` claims its own work atomically (e.g. an ``UPDATE ... WHERE
    due RETURNING``) and queues tasks on commit; what it returns is logged. An exception in one
    callable is logged and does not stop the others or the jobs.
    """
    return _due_work.register(func)


def unregister_due_work(func):
    _due_work.unregister(func)


def configured_jobs():
    """``{name: (task, default interval seconds, queue)}`` from ``register_job`` and settings."""
    jobs = dict(_registered_jobs)
    for name, spec in getattr(settings, "SCHEDULED_JOBS", {}).items():
        task, interval, queue = spec
        jobs[name] = (task, int(interval), queue)
    return jobs


def sync_jobs_with_settings():
    """Create missing rows and update task/queue/default interval from settings (one read, few writes)."""
    jobs = configured_jobs()
    existing = {job.name: job for job in ScheduledJob.objects.filter(name__in=jobs)}
    for name, (task, interval, queue) in jobs.items():
        job = existing.get(name)
        if job is None:
            ScheduledJob.objects.bulk_create(
                [ScheduledJob(name=name, task=task, queue=queue, default_interval_seconds=interval)],
                ignore_conflicts=True,
            )
        elif (job.task, job.queue, job.default_interval_seconds) != (task, queue, interval):
            ScheduledJob.objects.filter(pk=job.pk).update(task=task, queue=queue, default_interval_seconds=interval)
    return jobs


_LAST_RUN = "GREATEST(j.last_queued_at, j.last_started_at)"
_EVERY = "make_interval(secs => COALESCE(j.interval_seconds, j.default_interval_seconds))"
# Every condition is on the target row itself: when two dispatchers race, the second one's UPDATE
# waits for the first's row lock and PostgreSQL re-evaluates these conditions on the new row.
_CLAIM_SQL = f"""
UPDATE scheduled_jobs AS j
SET last_queued_at = now(), last_status = 'queued', last_message = ''
WHERE j.name = ANY(%s)
  AND j.enabled
  AND ({_LAST_RUN} IS NULL
       OR {_LAST_RUN} <= now() - {_EVERY} + interval '{DUE_TOLERANCE_SECONDS} seconds')
  AND (j.last_status IS NULL
       OR j.last_status NOT IN ('queued', 'running')
       OR {_LAST_RUN} IS NULL
       OR {_LAST_RUN} <= now() - GREATEST({STALE_INTERVALS} * {_EVERY}, interval '{STALE_MIN_SECONDS} seconds'))
RETURNING j.name, j.task, j.queue
"""  # noqa: S608 - built from the module's own constants


def _claim_due(names):
    """Atomically mark every due job queued; returns ``[(name, task, queue)]``."""
    if not names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [list(names)])
        return cursor.fetchall()


def _send(name, task, queue):
    from config.celery import app

    try:
        app.send_task(task, queue=queue)
    except Exception as exc:
        logger.exception("Could not queue scheduled job %s (%s)", name, task)
        # Unclaim: the job is due again at the next dispatch.
        ScheduledJob.objects.filter(name=name).update(
            last_queued_at=None,
            last_status=JobStatus.FAILED,
            last_message=f"Could not be queued: {type(exc).__name__}: {exc}"[:MESSAGE_MAX],
        )
        return False
    logger.info("Queued scheduled job %s (%s on %s)", name, task, queue)
    return True


def _record_heartbeat():
    from config.health import record_beat_heartbeat

    try:
        record_beat_heartbeat()
    except Exception:
        logger.warning("Could not record the beat heartbeat (Redis unavailable?)", exc_info=True)
        return False
    return True


def dispatch_due_jobs(now=None):
    """Queue every due job and run the registered due-work callables. Returns a summary dict."""
    now = now or timezone.now()
    heartbeat = _record_heartbeat()
    jobs = sync_jobs_with_settings()
    with transaction.atomic():
        claimed = _claim_due(jobs)
        for name, task, queue in claimed:
            transaction.on_commit(lambda n=name, t=task, q=queue: _send(n, t, q))
    due_work = {}
    for func in _due_work:
        label = getattr(func, "__qualname__", repr(func))
        try:
            due_work[label] = func(now=now)
        except Exception as exc:
            logger.exception("Due-work callable %s failed", label)
            due_work[label] = f"failed: {type(exc).__name__}: {exc}"
    return {"heartbeat": heartbeat, "queued": sorted(name for name, _, _ in claimed), "due_work": due_work}


def run_job_now(name):
    """Queue a job at once (admin "run now"), whatever its schedule. Returns False if unknown."""
    sync_jobs_with_settings()
    with transaction.atomic():
        job = ScheduledJob.objects.select_for_update().filter(name=name).first()
        if job is None or not job.task:
            return False
        ScheduledJob.objects.filter(pk=job.pk).update(
            last_queued_at=timezone.now(), last_status=JobStatus.QUEUED, last_message=""
        )
        transaction.on_commit(lambda: _send(job.name, job.task, job.queue))
    return True


def _ensure_row(name):
    jobs = configured_jobs()
    task, interval, queue = jobs.get(name, ("", 0, "maintenance"))
    ScheduledJob.objects.bulk_create(
        [ScheduledJob(name=name, task=task, queue=queue, default_interval_seconds=interval)], ignore_conflicts=True
    )


class tracked_job(ContextDecorator):
    """Record a job run on its ``scheduled_jobs`` row: start, finish, status, message, duration.

    As a context manager: ``with tracked_job("cleanup_logs") as job: ...; job.message = "..."``.
    As a decorator: ``@tracked_job("cleanup_logs")``; a ``str`` returned by the function becomes
    the message. An exception marks the run failed (with the exception as message) and propagates.
    Use it at task level, outside any ``atomic()`` block, so the bookkeeping commits on its own.
    """

    def __init__(self, name):
        self.name = name
        self.message = ""
        self._started = None

    def _recreate_cm(self):
        return type(self)(self.name)

    def __call__(self, func):
        @wraps(func)
        def inner(*args, **kwargs):
            with self._recreate_cm() as job:
                result = func(*args, **kwargs)
                if isinstance(result, str):
                    job.message = result
                return result

        return inner

    def __enter__(self):
        self._started = time.monotonic()
        updated = ScheduledJob.objects.filter(name=self.name).update(
            last_started_at=timezone.now(), last_status=JobStatus.RUNNING, last_message=""
        )
        if not updated:
            _ensure_row(self.name)
            ScheduledJob.objects.filter(name=self.name).update(
                last_started_at=timezone.now(), last_status=JobStatus.RUNNING, last_message=""
            )
        return self

    def __exit__(self, exc_type, exc, tb):
        duration_ms = int((time.monotonic() - self._started) * 1000)
        if exc_type is None:
            status, message = JobStatus.SUCCESS, str(self.message or "")
        else:
            status, message = JobStatus.FAILED, f"{exc_type.__name__}: {exc}"
        try:
            ScheduledJob.objects.filter(name=self.name).update(
                last_finished_at=timezone.now(),
                last_status=status,
                last_message=message[:MESSAGE_MAX],
                last_duration_ms=duration_ms,
            )
        except Exception:
            logger.exception("Could not record the end of job %s", self.name)
        return False
