"""Beat's dispatcher: scheduled_jobs rows from settings, due claims, tracking, due-work hooks, admin."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from audit import jobs
from audit.models import JobStatus
from audit.models import ScheduledJob
from config.testing import run_at_once

SCHEDULE = {
    "cleanup_logs": ("audit.tasks.cleanup_logs", 86400, "maintenance"),
    "often": ("audit.tasks.often", 300, "agents"),
}


@pytest.fixture
def schedule(settings, monkeypatch):
    settings.SCHEDULED_JOBS = dict(SCHEDULE)
    # Only these jobs: none of those apps register from code (the agents').
    monkeypatch.setattr(jobs, "_registered_jobs", {})
    return settings


@pytest.fixture
def sent(monkeypatch):
    """Messages the dispatcher sends to the broker, captured instead of sent."""
    from config.celery import app

    calls = []
    monkeypatch.setattr(app, "send_task", lambda name, queue=None, **kw: calls.append((name, queue)))
    return calls


@pytest.fixture
def heartbeats(monkeypatch):
    beats = []
    monkeypatch.setattr("config.health.record_beat_heartbeat", lambda: beats.append(timezone.now()))
    return beats


def _dispatch(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return jobs.dispatch_due_jobs()


@pytest.mark.django_db
def test_rows_follow_settings_and_keep_staff_overrides(schedule):
    jobs.sync_jobs_with_settings()
    often = ScheduledJob.objects.get(name="often")
    assert (often.task, often.queue, often.default_interval_seconds, often.interval_seconds) == (
        "audit.tasks.often",
        "agents",
        300,
        None,
    )
    ScheduledJob.objects.filter(name="often").update(interval_seconds=3600, enabled=False)
    schedule.SCHEDULED_JOBS["often"] = ("audit.tasks.often_v2", 600, "maintenance")
    jobs.sync_jobs_with_settings()
    often.refresh_from_db()
    assert (often.task, often.queue, often.default_interval_seconds) == ("audit.tasks.often_v2", "maintenance", 600)
    assert (often.interval_seconds, often.enabled, often.effective_interval_seconds) == (3600, False, 3600)


@pytest.mark.django_db
def test_dispatch_queues_due_jobs_once_per_interval(schedule, sent, heartbeats, django_capture_on_commit_callbacks):
    summary = _dispatch(django_capture_on_commit_callbacks)
    assert summary["queued"] == ["cleanup_logs", "often"] and summary["heartbeat"]
    assert sorted(sent) == [("audit.tasks.cleanup_logs", "maintenance"), ("audit.tasks.often", "agents")]
    assert len(heartbeats) == 1
    assert set(ScheduledJob.objects.values_list("last_status", flat=True)) == {JobStatus.QUEUED}

    # A minute later nothing is due (and a queued job is not queued twice).
    sent.clear()
    assert _dispatch(django_capture_on_commit_callbacks)["queued"] == []
    assert sent == []

    # "often" finished 5 minutes ago: due again; cleanup_logs (daily) is not.
    ScheduledJob.objects.filter(name="often").update(
        last_queued_at=timezone.now() - timedelta(seconds=300), last_status=JobStatus.SUCCESS
    )
    assert _dispatch(django_capture_on_commit_callbacks)["queued"] == ["often"]
    assert sent == [("audit.tasks.often", "agents")]


@pytest.mark.django_db
def test_disabled_and_overridden_intervals(schedule, sent, heartbeats, django_capture_on_commit_callbacks):
    jobs.sync_jobs_with_settings()
    ScheduledJob.objects.filter(name="cleanup_logs").update(enabled=False)
    ScheduledJob.objects.filter(name="often").update(
        interval_seconds=7200, last_queued_at=timezone.now() - timedelta(hours=1), last_status=JobStatus.SUCCESS
    )
    assert _dispatch(django_capture_on_commit_callbacks)["queued"] == []
    ScheduledJob.objects.filter(name="often").update(last_queued_at=timezone.now() - timedelta(hours=2))
    assert _dispatch(django_capture_on_commit_callbacks)["queued"] == ["often"]


@pytest.mark.django_db
def test_a_job_stuck_queued_is_requeued_only_when_stale(schedule, sent, heartbeats, django_capture_on_commit_callbacks):
    jobs.sync_jobs_with_settings()
    ScheduledJob.objects.filter(name="cleanup_logs").update(enabled=False)
    stuck = ScheduledJob.objects.filter(name="often")
    stuck.update(last_queued_at=timezone.now() - timedelta(seconds=600), last_status=JobStatus.RUNNING)
    assert _dispatch(django_capture_on_commit_callbacks)["queued"] == []  # overdue, but still running
    stuck.update(last_queued_at=timezone.now() - timedelta(seconds=901))
    assert _dispatch(django_capture_on_commit_callbacks)["queued"] == ["often"]  # 3 intervals / 15 min


@pytest.mark.django_db
def test_heartbeat_failure_and_broker_failure_do_not_stop_the_schedule(
    schedule, monkeypatch, django_capture_on_commit_callbacks
):
    from config.celery import app

    def redis_down():
        raise ConnectionError("redis is down")

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker is down")

    monkeypatch.setattr("config.health.record_beat_heartbeat", redis_down)
    monkeypatch.setattr(app, "send_task", broker_down)
    summary = _dispatch(django_capture_on_commit_callbacks)
    assert summary["heartbeat"] is False
    job = ScheduledJob.objects.get(name="often")
    # The claim is released so the next dispatch tries again.
    assert (job.last_status, job.last_queued_at) == (JobStatus.FAILED, None)
    assert "broker is down" in job.last_message


@pytest.mark.django_db
def test_the_real_heartbeat_is_written_to_redis(schedule, sent, settings, django_capture_on_commit_callbacks):
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    settings.BEAT_HEARTBEAT_KEY = "storedesk:test:beat:heartbeat"
    client.delete(settings.BEAT_HEARTBEAT_KEY)
    try:
        assert _dispatch(django_capture_on_commit_callbacks)["heartbeat"] is True
        assert client.get(settings.BEAT_HEARTBEAT_KEY) is not None
    finally:
        client.delete(settings.BEAT_HEARTBEAT_KEY)


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_queue_each_job_once(schedule, sent, heartbeats):
    jobs.sync_jobs_with_settings()
    barrier = threading.Barrier(2)
    results = []

    def dispatch():
        try:
            barrier.wait()
            results.append(jobs.dispatch_due_jobs()["queued"])
        finally:
            connections.close_all()

    run_at_once(dispatch, dispatch)
    assert sorted(name for queued in results for name in queued) == ["cleanup_logs", "often"]
    assert sorted(sent) == [("audit.tasks.cleanup_logs", "maintenance"), ("audit.tasks.often", "agents")]


@pytest.mark.django_db
def test_due_work_hooks_run_every_dispatch_and_fail_alone(
    schedule, sent, heartbeats, django_capture_on_commit_callbacks
):
    calls = []

    def store_syncs(now):
        calls.append(now)
        return 3

    def broken(now):
        raise RuntimeError("boom")

    jobs.register_due_work(store_syncs)
    jobs.register_due_work(broken)
    jobs.register_due_work(store_syncs)  # idempotent
    try:
        summary = _dispatch(django_capture_on_commit_callbacks)
    finally:
        jobs.unregister_due_work(store_syncs)
        jobs.unregister_due_work(broken)
    assert len(calls) == 1
    labels = {label.rsplit(".", 1)[-1]: value for label, value in summary["due_work"].items()}
    assert labels["store_syncs"] == 3 and labels["broken"].startswith("failed: RuntimeError")
    assert summary["queued"] == ["cleanup_logs", "often"]


@pytest.mark.django_db
def test_tracked_job_records_success_failure_and_duration(schedule):
    with jobs.tracked_job("often") as job:
        job.message = "did 3 things"
    row = ScheduledJob.objects.get(name="often")
    assert (row.last_status, row.last_message) == (JobStatus.SUCCESS, "did 3 things")
    assert row.last_started_at <= row.last_finished_at and row.last_duration_ms >= 0

    @jobs.tracked_job("often")
    def failing():
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        failing()
    row.refresh_from_db()
    assert (row.last_status, row.last_message) == (JobStatus.FAILED, "ValueError: bad input")

    @jobs.tracked_job("not_in_settings")
    def returns_message():
        return "done"

    assert returns_message() == "done"
    assert ScheduledJob.objects.get(name="not_in_settings").last_message == "done"


@pytest.mark.django_db
def test_a_tracked_run_counts_as_the_last_run(schedule, sent, heartbeats, django_capture_on_commit_callbacks):
    with jobs.tracked_job("often"):
        pass  # e.g. run by cron through the management command
    # The dispatcher still queues what is due (cleanup_logs never ran), only not the job just run.
    assert _dispatch(django_capture_on_commit_callbacks)["queued"] == ["cleanup_logs"]
    assert sent == [("audit.tasks.cleanup_logs", "maintenance")]


@pytest.mark.django_db
def test_cleanup_task_is_tracked(schedule):
    from audit.tasks import cleanup_logs

    message = cleanup_logs()
    row = ScheduledJob.objects.get(name="cleanup_logs")
    assert row.last_status == JobStatus.SUCCESS and row.last_message == message


@pytest.mark.django_db
def test_admin_lists_jobs_edits_intervals_and_runs_now(
    client, app_admin, schedule, sent, django_capture_on_commit_callbacks
):
    jobs.sync_jobs_with_settings()
    client.force_login(app_admin)
    url = reverse("admin:audit_scheduledjob_changelist")
    body = client.get(url).content.decode()
    assert "cleanup_logs" in body and "Run now" in body

    often = ScheduledJob.objects.get(name="often")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "run_now", "_selected_action": [str(often.pk)]})
    assert response.status_code == 302
    assert sent == [("audit.tasks.often", "agents")]
    often.refresh_from_db()
    assert often.last_status == JobStatus.QUEUED

    change_url = reverse("admin:audit_scheduledjob_change", args=[often.pk])
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"interval_seconds": "3600"}).status_code == 302
    often.refresh_from_db()
    assert (often.interval_seconds, often.enabled) == (3600, False)
