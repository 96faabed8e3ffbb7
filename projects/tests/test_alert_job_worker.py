"""The scheduled alert job end to end: the dispatcher's "run now" queues it, a real Celery worker
(a separate process, on the maintenance queue) runs it, the alert appears and the run is recorded."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from audit.jobs import run_job_now
from audit.models import ScheduledJob
from projects.models import AlertType
from projects.models import ProjectAlert
from projects.tests.factories import bug
from projects.tests.test_record_deployment import _database_url

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def test_a_real_worker_runs_the_queued_alert_job(tmp_path):
    import redis
    from django.db import connection

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("maintenance")  # whatever earlier tests left queued
    bug("Orders vanish", severity="blocker")  # written behind the services' back: no alert yet
    assert not ProjectAlert.objects.exists()

    assert run_job_now("project_alerts")
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    command = [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "-Q", "maintenance"]
    command += ["-c", "1", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"h4-{os.getpid()}@%h"]
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not ProjectAlert.objects.exists():
                assert worker.poll() is None, log_path.read_text()[-3000:]
                time.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
    alert = ProjectAlert.objects.get()
    assert (alert.type, alert.severity) == (AlertType.BUG_CRITICAL, "critical")
    job = ScheduledJob.objects.get(name="project_alerts")
    assert job.last_status == "success" and "bug_critical: +1" in job.last_message
