"""Project alerts that raise themselves.

Each rule lists the causes that hold *now* (``{cause_key: Alert}``). ``refresh`` writes them:
a cause without an open alert gets one, an open alert whose cause still holds is updated (never
duplicated: ``INSERT ... ON CONFLICT (type, cause_key) WHERE closed_at IS NULL``, backed by the
partial unique index), and an open alert whose cause is gone is closed. The scheduled job runs
every rule; services run the rules an event can change right after it (same transaction).

Rules and severities:

- ``overdue``: a task not done in a planned or active sprint whose end has passed. High for high
  and critical tasks, medium otherwise.
- ``budget_exceeded``: a task's logged hours over its estimate. High from 150 % on, else medium.
- ``sprint_delay``: an active sprint whose remaining estimate is behind the ideal line by more
  than ``PROJECT_SPRINT_DELAY_MARGIN_PERCENT`` of its total (medium), or whose end has passed
  with open tasks (high).
- ``bug_critical``: an open, investigating or in-progress bug of severity critical (high) or
  blocker (critical).
- ``deployment_failed``: an environment whose latest finished deployment failed. Critical in
  production, high in staging, medium in development; closed by a later success or a rollback.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from config.db import Severity
from projects.burndown import ideal_remaining
from projects.burndown import remaining_hours
from projects.models import AlertType
from projects.models import BugReport
from projects.models import BugSeverity
from projects.models import BugStatus
from projects.models import Deployment
from projects.models import DeploymentStatus
from projects.models import Environment
from projects.models import Sprint
from projects.models import SprintStatus
from projects.models import Task
from projects.models import TaskStatus

OPEN_BUG_STATUSES = (BugStatus.OPEN, BugStatus.INVESTIGATING, BugStatus.IN_PROGRESS)
FINISHED_DEPLOYMENT_STATUSES = (DeploymentStatus.SUCCESS, DeploymentStatus.FAILED, DeploymentStatus.ROLLED_BACK)
DEPLOYMENT_SEVERITY = {
    Environment.PRODUCTION: Severity.CRITICAL,
    Environment.STAGING: Severity.HIGH,
    Environment.DEVELOPMENT: Severity.MEDIUM,
}


@dataclass
class Alert:
    severity: str
    message: str
    task_id: object = None
    sprint_id: object = None
    bug_report_id: object = None
    deployment_id: object = None


def _hours(value):
    return f"{Decimal(value or 0).normalize():f}"


def overdue(now):
    tasks = (
        Task.objects.filter(sprint__end_date__lt=now, sprint__status__in=[SprintStatus.PLANNED, SprintStatus.ACTIVE])
        .exclude(status=TaskStatus.DONE)
        .values_list("id", "title", "priority", "sprint_id", "sprint__name", "sprint__end_date")
    )
    return {
        f"task:{task_id}": Alert(
            severity=Severity.HIGH if priority in (Severity.HIGH, Severity.CRITICAL) else Severity.MEDIUM,
            message=f"“{title}” is not done and sprint “{sprint_name}” ended on {end:%Y-%m-%d}.",
            task_id=task_id,
            sprint_id=sprint_id,
        )
        for task_id, title, priority, sprint_id, sprint_name, end in tasks
    }


def budget_exceeded(now):
    tasks = Task.objects.filter(estimated_hours__gt=0, actual_hours__gt=F("estimated_hours")).values_list(
        "id", "title", "estimated_hours", "actual_hours", "sprint_id"
    )
    return {
        f"task:{task_id}": Alert(
            severity=Severity.HIGH if actual >= estimated * Decimal("1.5") else Severity.MEDIUM,
            message=f"“{title}”: {_hours(actual)} h logged of {_hours(estimated)} h estimated.",
            task_id=task_id,
            sprint_id=sprint_id,
        )
        for task_id, title, estimated, actual, sprint_id in tasks
    }


def sprint_delay(now):
    margin = Decimal(settings.PROJECT_SPRINT_DELAY_MARGIN_PERCENT) / 100
    sprints = {sprint.pk: sprint for sprint in Sprint.objects.filter(status=SprintStatus.ACTIVE)}
    totals = {sprint_id: [Decimal(0), Decimal(0), 0] for sprint_id in sprints}  # total, remaining, open
    rows = Task.objects.filter(sprint_id__in=sprints).values_list(
        "sprint_id", "estimated_hours", "actual_hours", "status"
    )
    for sprint_id, estimated, actual, status in rows:
        done = status == TaskStatus.DONE
        totals[sprint_id][0] += Decimal(estimated or 0)
        totals[sprint_id][1] += remaining_hours(estimated, actual, done)
        totals[sprint_id][2] += 0 if done else 1
    causes = {}
    for sprint_id, (total, remaining, open_tasks) in totals.items():
        sprint = sprints[sprint_id]
        if sprint.end_date < now and open_tasks:
            causes[f"sprint:{sprint_id}"] = Alert(
                severity=Severity.HIGH,
                message=f"Sprint “{sprint.name}” ended on {sprint.end_date:%Y-%m-%d} with {open_tasks} open tasks.",
                sprint_id=sprint_id,
            )
            continue
        ideal = ideal_remaining(total, sprint.start_date, sprint.end_date, now)
        if total > 0 and remaining - ideal > margin * total:
            causes[f"sprint:{sprint_id}"] = Alert(
                severity=Severity.MEDIUM,
                message=(
                    f"Sprint “{sprint.name}” is behind: {_hours(remaining)} h remaining, "
                    f"the ideal line is at {_hours(round(ideal, 1))} h."
                ),
                sprint_id=sprint_id,
            )
    return causes


def bug_critical(now):
    bugs = BugReport.objects.filter(
        severity__in=[BugSeverity.CRITICAL, BugSeverity.BLOCKER], status__in=OPEN_BUG_STATUSES
    ).values_list("id", "title", "severity", "introduced_by_task_id")
    return {
        f"bug:{bug_id}": Alert(
            severity=Severity.CRITICAL if severity == BugSeverity.BLOCKER else Severity.HIGH,
            message=f"{severity.capitalize()} bug: “{title}”.",
            bug_report_id=bug_id,
            task_id=task_id,
        )
        for bug_id, title, severity, task_id in bugs
    }


def deployment_failed(now):
    latest = (
        Deployment.objects.filter(status__in=FINISHED_DEPLOYMENT_STATUSES)
        .order_by("environment", "-created_at")
        .distinct("environment")
        .values_list("id", "environment", "version", "status", "sprint_id")
    )
    return {
        f"environment:{environment}": Alert(
            severity=DEPLOYMENT_SEVERITY[environment],
            message=f"Deployment of {version} to {environment} failed.",
            deployment_id=deployment_id,
            sprint_id=sprint_id,
        )
        for deployment_id, environment, version, status, sprint_id in latest
        if status == DeploymentStatus.FAILED
    }


RULES = {
    AlertType.OVERDUE: overdue,
    AlertType.BUDGET_EXCEEDED: budget_exceeded,
    AlertType.SPRINT_DELAY: sprint_delay,
    AlertType.BUG_CRITICAL: bug_critical,
    AlertType.DEPLOYMENT_FAILED: deployment_failed,
}
# What an event can change.
TASK_RULES = (AlertType.OVERDUE, AlertType.BUDGET_EXCEEDED, AlertType.SPRINT_DELAY)

_UPSERT = """
INSERT INTO project_alerts (id, type, cause_key, severity, message, task_id, sprint_id, bug_report_id,
                            deployment_id, is_read, created_at, updated_at)
VALUES (gen_random_uuid(), %s, %s, %s, %s, %s, %s, %s, %s, false, now(), now())
ON CONFLICT (type, cause_key) WHERE closed_at IS NULL DO UPDATE
SET severity = EXCLUDED.severity, message = EXCLUDED.message, task_id = EXCLUDED.task_id,
    sprint_id = EXCLUDED.sprint_id, bug_report_id = EXCLUDED.bug_report_id,
    deployment_id = EXCLUDED.deployment_id, updated_at = now(),
    -- A cause that got worse (new severity, another failed deployment) is news again.
    is_read = project_alerts.is_read AND project_alerts.severity = EXCLUDED.severity
              AND project_alerts.deployment_id IS NOT DISTINCT FROM EXCLUDED.deployment_id
WHERE (project_alerts.severity, project_alerts.message, project_alerts.task_id, project_alerts.sprint_id,
       project_alerts.bug_report_id, project_alerts.deployment_id)
      IS DISTINCT FROM (EXCLUDED.severity, EXCLUDED.message, EXCLUDED.task_id, EXCLUDED.sprint_id,
                        EXCLUDED.bug_report_id, EXCLUDED.deployment_id)
RETURNING (xmax = 0) AS inserted
"""
_CLOSE = """
UPDATE project_alerts SET closed_at = now(), updated_at = now()
WHERE type = %s AND closed_at IS NULL AND NOT (cause_key = ANY(%s))
"""


def _apply(alert_type, causes):
    opened = updated = 0
    with connection.cursor() as cursor:
        for cause_key, alert in causes.items():
            cursor.execute(
                _UPSERT,
                [
                    alert_type,
                    cause_key,
                    alert.severity,
                    alert.message,
                    alert.task_id,
                    alert.sprint_id,
                    alert.bug_report_id,
                    alert.deployment_id,
                ],
            )
            row = cursor.fetchone()
            if row is not None:
                opened, updated = (opened + 1, updated) if row[0] else (opened, updated + 1)
        cursor.execute(_CLOSE, [alert_type, list(causes)])
        closed = cursor.rowcount
    return {"opened": opened, "updated": updated, "closed": closed}


def refresh(types=None, now=None):
    """Run the rules of ``types`` (all by default); returns ``{type: {opened, updated, closed}}``."""
    now = now or timezone.now()
    return {alert_type: _apply(alert_type, RULES[alert_type](now)) for alert_type in (types or RULES)}


def summarize(result):
    parts = [
        f"{alert_type}: +{counts['opened']} ~{counts['updated']} -{counts['closed']}"
        for alert_type, counts in result.items()
    ]
    return "; ".join(parts)
