"""Small builders for project tests (and the permission matrix's world)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import AppRole
from accounts.services import user_create, user_role_grant
from projects.models import BugReport, Sprint, SprintStatus, Task

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
