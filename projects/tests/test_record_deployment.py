"""record_deployment as a CI pipeline calls it: a real process, its stdout, its exit status."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from projects.models import AlertType
from projects.models import Deployment
from projects.models import ProjectAlert
from projects.tests.factories import sprint
from projects.tests.factories import task
from projects.tests.factories import team_member

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    from django.db import connection

    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    return subprocess.run(
        [sys.executable, "manage.py", "record_deployment", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _database_url(db):
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def test_record_then_update_to_success(tmp_path):
    person = team_member("ci@example.com")
    current = sprint()
    first, second = task("Ship it", in_sprint=current), task("And this", in_sprint=current)

    result = run(
        "--version", "1.4.2", "--environment", "production", "--status", "in_progress",
        "--commit", "a1b2c3d4", "--sprint", str(current.pk), "--tasks", str(first.pk), str(second.pk),
        "--notes", "Friday deploy", "--by", "CI@example.com",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    deployment_id = result.stdout.strip()
    deployment = Deployment.objects.get(pk=deployment_id)
    assert (deployment.version, deployment.environment, deployment.status) == ("1.4.2", "production", "in_progress")
    assert deployment.deployed_tasks == [first.pk, second.pk]
    assert (deployment.git_commit_hash, deployment.sprint_id, deployment.deployed_by_id) == (
        "a1b2c3d4",
        current.pk,
        person.pk,
    )
    assert deployment.completed_at is None

    result = run("--id", deployment_id, "--status", "success")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == deployment_id
    deployment.refresh_from_db()
    assert deployment.status == "success" and deployment.completed_at is not None


def test_a_failed_deployment_stores_the_error_log_and_raises_the_alert(tmp_path):
    log = tmp_path / "deploy.log"
    log.write_text('step 1 ok\nmigrate: relation "stock" does not exist\n')
    result = run("--version", "2.0", "--environment", "staging", "--status", "pending")
    deployment_id = result.stdout.strip()
    result = run("--id", deployment_id, "--status", "failed", "--error-log-file", str(log))
    assert result.returncode == 0, result.stderr
    deployment = Deployment.objects.get(pk=deployment_id)
    assert 'relation "stock" does not exist' in deployment.error_log
    alert = ProjectAlert.objects.get(type=AlertType.DEPLOYMENT_FAILED, closed_at__isnull=True)
    assert alert.deployment_id == deployment.pk and alert.severity == "high"


def test_bad_input_is_a_clear_error_and_writes_nothing():
    cases = [
        (["--version", "1", "--environment", "moon", "--status", "success"], "invalid choice"),
        (["--version", "1", "--environment", "staging", "--status", "success", "--tasks", "not-a-uuid"], "UUID"),
        (
            [
                "--version",
                "1",
                "--environment",
                "staging",
                "--status",
                "success",
                "--tasks",
                "00000000-0000-4000-8000-000000000000",
            ],
            "No such tasks",
        ),
        (
            ["--version", "1", "--environment", "staging", "--status", "success", "--by", "nobody@example.com"],
            "No user",
        ),
        (["--id", "00000000-0000-4000-8000-000000000000", "--status", "success"], "No deployment"),
        (["--environment", "staging", "--status", "success"], "--version"),
    ]
    for args, expected in cases:
        result = run(*args)
        assert result.returncode != 0, args
        assert expected in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert Deployment.objects.count() == 0
