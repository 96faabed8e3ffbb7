"""The app-wide agents: security and projects, seen by app admins only."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.utils import timezone

from accounts.models import AppRole
from accounts.services import user_create
from accounts.services import user_role_grant
from agents.models import AgentAlert
from agents.models import InsightStatus
from agents.tests.conftest import live
from audit.models import AnomalyResponseAction
from audit.models import CredentialAccessLog
from projects.models import BugReport
from projects.models import Deployment
from projects.models import Sprint
from projects.models import Task
from stores.models import StoreRole
from stores.models import StoreUser

pytestmark = pytest.mark.django_db


def test_security_findings(store, other_store, owner, admin, settings, run):
    settings.AGENTS_SECURITY_FAILED_LOGINS = 10
    for target in (store, other_store, store):
        CredentialAccessLog.objects.create(store=target, user=owner, ip_address="10.0.0.1", user_agent="Firefox")
    StoreUser.objects.create(store=store, user=user_create(email="new.member@example.com"), role=StoreRole.MANAGER)
    AnomalyResponseAction.objects.create(
        anomaly_id="mass_deletes:1:2026", action_type="user_suspended", severity="high", status="completed"
    )
    AccessAttempt.objects.create(
        username="owner@example.com",
        ip_address="203.0.113.9",
        user_agent="curl",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=12,
    )
    run("security")
    insights = live("security")
    assert set(insights) == {
        "credential_reveals",
        "role_changes",
        "new_app_admins",
        "anomaly_responses",
        "failed_logins",
    }
    assert insights["credential_reveals"].metadata["facts"] == {"reveals": 3, "people": 1, "max_stores_by_one": 2}
    assert insights["credential_reveals"].severity == "low"
    assert insights["new_app_admins"].severity == "high"
    assert [i["name"] for i in insights["new_app_admins"].metadata["i18n"]["en"]["items"]] == ["admin@example.com"]
    assert insights["anomaly_responses"].severity == "high"  # someone was suspended
    assert insights["failed_logins"].metadata["facts"]["failed_logins"] == 12
    roles = insights["role_changes"].metadata["facts"]
    assert roles["added"] >= 1
    assert all(i.store_id is None for i in insights.values())

    # A third store revealed by the same person: high.
    third = user_create(email="third@example.com")
    from stores.tests.helpers import make_store

    CredentialAccessLog.objects.create(store=make_store(third, "Third"), user=owner)
    run("security")
    assert live("security")["credential_reveals"].severity == "high"
    assert AgentAlert.objects.filter(insight__cause="credential_reveals").count() == 1  # the escalation


def test_project_findings_and_a_critical_email_to_app_admins(admin, run, django_capture_on_commit_callbacks):
    now = timezone.now()
    at_risk = Sprint.objects.create(
        name="Checkout revamp", start_date=now - timedelta(days=9), end_date=now + timedelta(days=1), status="active"
    )
    for i in range(4):
        Task.objects.create(sprint=at_risk, title=f"Step {i}", status="done" if i == 0 else "todo")
    on_track = Sprint.objects.create(
        name="Docs", start_date=now - timedelta(days=5), end_date=now + timedelta(days=5), status="active"
    )
    Task.objects.create(sprint=on_track, title="Write", status="done")
    ended = Sprint.objects.create(
        name="Old sprint", start_date=now - timedelta(days=20), end_date=now - timedelta(days=6), status="completed"
    )
    Task.objects.create(sprint=ended, title="Leftover", status="in_progress", priority="high")
    BugReport.objects.create(title="Orders vanish", description="...", severity="blocker")
    BugReport.objects.create(title="Typo", description="...", severity="minor")
    Deployment.objects.create(version="1.4.0", environment="production", status="failed", error_log="migrate failed")
    Deployment.objects.create(version="1.3.9", environment="staging", status="failed")
    Deployment.objects.create(version="1.4.0", environment="staging", status="success")

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run("projects")
    insights = live("projects")
    assert [i["name"] for i in insights["sprints_at_risk"].metadata["i18n"]["en"]["items"]] == ["Checkout revamp"]
    assert insights["sprints_at_risk"].severity == "high"  # 90% of the time gone
    assert insights["overdue_work"].metadata["facts"] == {"overdue_tasks": 1, "urgent": 1, "sprints": 1}
    assert insights["critical_bugs"].severity == "critical"
    assert insights["failed_deployments"].severity == "critical"
    assert insights["failed_deployments"].metadata["facts"] == {"failed_deployments": 1, "production": 1}
    # Critical alerts are e-mailed to the app admins.
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2 and all("Critical" in s for s in subjects)
    assert all(m.to == [admin.email] for m in mail.outbox)

    Deployment.objects.create(version="1.4.1", environment="production", status="success")
    BugReport.objects.filter(severity="blocker").update(status="resolved")
    run("projects")
    assert "failed_deployments" not in live("projects")
    assert "critical_bugs" not in live("projects")
    assert (
        insights["critical_bugs"].__class__.objects.get(pk=insights["critical_bugs"].pk).status
        == InsightStatus.RESOLVED
    )


def test_app_wide_admin_grant_is_a_new_admin(db, run):
    user = user_create(email="promoted@example.com")
    user_role_grant(user=user, role=AppRole.ADMIN)
    run("security")
    assert live("security")["new_app_admins"].metadata["facts"] == {"new_admins": 1}
