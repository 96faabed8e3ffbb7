"""Small builders for project tests (and the permission matrix's world)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import AppRole
from accounts.services import user_create
from accounts.services import user_role_grant
from projects.models import BugReport
from projects.models import Sprint
from projects.models import SprintStatus
from projects.models import Task

PASSWORD = "a-Long-enough-passw0rd"


def team_member(email="dev@example.com"):
    user = user_create(email=email, password=PASSWORD)
    user_role_grant(user=user, role=AppRole.USER)
    return user


def app_admin(email="lead@example.com"):
    user = user_create(email=email, password=PASSWORD)
    user_role_grant(user=user, role=AppRole.ADMIN)
    return user


def sprint(name="Sprint 1", *, status=SprintStatus.ACTIVE, days_ago=5, days_left=9):
    now = timezone.now()
    return Sprint.objects.create(
        name=name, status=status, start_date=now - timedelta(days=days_ago), end_date=now + timedelta(days=days_left)
    )


def task(title="A task", *, in_sprint=None, estimate=None, **fields):
    return Task.objects.create(
        title=title,
        sprint=in_sprint,
        estimated_hours=Decimal(str(estimate)) if estimate is not None else None,
        **fields,
    )


def bug(title="Broken", *, severity="major", **fields):
    return BugReport.objects.create(title=title, description="It breaks.", severity=severity, **fields)


def project_kwargs(world):
    """URL kwargs of the projects pages (not about a store: the same objects for every role), made once.
    The comment and the work log are the ``team`` member's own."""
    cache = world.__dict__.get("_project_kwargs")
    if cache is None:
        from projects.models import AlertType
        from projects.models import ProjectAlert
        from projects.models import TaskComment
        from projects.models import WorkLog

        current = sprint("Matrix sprint", status=SprintStatus.PLANNED)
        item = task("Matrix task", in_sprint=current, estimate=3)
        member = world.users["team"]
        cache = {
            "task_id": item.pk,
            "sprint_id": current.pk,
            "comment_id": TaskComment.objects.create(task=item, user=member, comment="Mine").pk,
            "work_log_id": WorkLog.objects.create(task=item, user=member, hours=Decimal("1")).pk,
            "bug_id": bug("Matrix bug").pk,
            "project_alert_id": ProjectAlert.objects.create(type=AlertType.OVERDUE, cause_key="matrix", message="m").pk,
            "environment": "production",
        }
        world.__dict__["_project_kwargs"] = cache
    return cache
