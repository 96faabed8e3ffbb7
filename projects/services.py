"""Every write of the delivery tracker. Each checks the actor's project permission
(``stores.access``) and re-runs the alert rules the change can affect, in the same transaction.

Database triggers (``projects/migrations/0002``) keep ``tasks.actual_hours`` equal to the sum of
the task's work logs and set ``tasks.completed_at`` / ``bug_reports.resolved_at``, so those hold
for writes that do not come through here too; services refresh the objects they return.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.db import connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.db import Severity
from projects import alerts
from projects import hooks
from projects.models import AlertType
from projects.models import BugReport
from projects.models import BugSeverity
from projects.models import BugStatus
from projects.models import Deployment
from projects.models import DeploymentStatus
from projects.models import ProjectAlert
from projects.models import Sprint
from projects.models import SprintStatus
from projects.models import Task
from projects.models import TaskComment
from projects.models import TaskStatus
from projects.models import TaskType
from projects.models import WorkLog
from stores.access import MANAGE_PROJECTS
from stores.access import WORK_ON_PROJECTS
from stores.access import access_for

# The bug workflow: open → investigating → in progress → resolved → closed, or won't fix;
# resolved, closed and won't-fix bugs can be reopened.
BUG_TRANSITIONS = {
    BugStatus.OPEN: (BugStatus.INVESTIGATING, BugStatus.IN_PROGRESS, BugStatus.RESOLVED, BugStatus.WONT_FIX),
    BugStatus.INVESTIGATING: (BugStatus.OPEN, BugStatus.IN_PROGRESS, BugStatus.RESOLVED, BugStatus.WONT_FIX),
    BugStatus.IN_PROGRESS: (BugStatus.INVESTIGATING, BugStatus.RESOLVED, BugStatus.WONT_FIX),
    BugStatus.RESOLVED: (BugStatus.CLOSED, BugStatus.OPEN),
    BugStatus.CLOSED: (BugStatus.OPEN,),
    BugStatus.WONT_FIX: (BugStatus.OPEN,),
}
FIX_TASK_PRIORITY = {
    BugSeverity.BLOCKER: Severity.CRITICAL,
    BugSeverity.CRITICAL: Severity.CRITICAL,
    BugSeverity.MAJOR: Severity.HIGH,
    BugSeverity.MODERATE: Severity.MEDIUM,
    BugSeverity.MINOR: Severity.LOW,
}
FINISHED_DEPLOYMENT = (DeploymentStatus.SUCCESS, DeploymentStatus.FAILED, DeploymentStatus.ROLLED_BACK)
# One lock for "which sprint is active", so two starts at once cannot both win.
_ACTIVE_SPRINT_LOCK = 0x5EED_0001

SPRINT_FIELDS = ("name", "description", "start_date", "end_date")
TASK_FIELDS = (
    "sprint",
    "title",
    "description",
    "type",
    "status",
    "priority",
    "estimated_hours",
    "assigned_to",
    "related_files",
    "tags",
)
BUG_FIELDS = (
    "title",
    "description",
    "severity",
    "introduced_by_task",
    "resolved_by_task",
    "affected_files",
    "steps_to_reproduce",
    "root_cause",
    "resolution_notes",
    "assigned_to",
)


def _require(actor, perm):
    access_for(actor).require_project(perm)


def _assign(instance, fields, allowed):
    """``instance`` (a new, unsaved one or one being edited) with ``fields`` set; a field not
    ``allowed`` is a programming error."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)
    return instance


# --- sprints ------------------------------------------------------------------------------------


@transaction.atomic
def sprint_save(*, actor, sprint=None, **fields):
    """Create (``sprint=None``) or edit a sprint's name, description and dates."""
    _require(actor, MANAGE_PROJECTS)
    sprint = _assign(sprint or Sprint(created_by_id=actor.pk), fields, SPRINT_FIELDS)
    if sprint.end_date <= sprint.start_date:
        raise ValidationError(_("A sprint ends after it starts."))
    sprint.save()
    alerts.refresh(alerts.TASK_RULES)
    return sprint


@transaction.atomic
def sprint_start(*, actor, sprint, allow_another_active=False):
    """Make a planned sprint the active one. Another active sprint blocks it unless an admin says so."""
    _require(actor, MANAGE_PROJECTS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ACTIVE_SPRINT_LOCK])
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if sprint.status != SprintStatus.PLANNED:
        raise ValidationError(_("Only a planned sprint can be started."))
    active = Sprint.objects.filter(status=SprintStatus.ACTIVE).exclude(pk=sprint.pk).first()
    if active is not None and not allow_another_active:
        raise ValidationError(
            _("Sprint “%(name)s” is already active: complete it first, or start this one alongside it.")
            % {"name": active.name}
        )
    sprint.status = SprintStatus.ACTIVE
    sprint.save(update_fields=["status", "updated_at"])
    alerts.refresh(alerts.TASK_RULES)
    return sprint


@transaction.atomic
def sprint_complete(*, actor, sprint, open_tasks_to="backlog", next_sprint=None):
    """Close an active sprint; its open tasks go to the backlog or to ``next_sprint``."""
    _require(actor, MANAGE_PROJECTS)
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if sprint.status != SprintStatus.ACTIVE:
        raise ValidationError(_("Only an active sprint can be completed."))
    if open_tasks_to == "next":
        if next_sprint is None or next_sprint.pk == sprint.pk or next_sprint.status != SprintStatus.PLANNED:
            raise ValidationError(_("Choose a planned sprint for the open tasks."))
        target = next_sprint.pk
    else:
        target = None
    moved = sprint.tasks.exclude(status=TaskStatus.DONE).update(sprint_id=target, updated_at=timezone.now())
    sprint.status = SprintStatus.COMPLETED
    sprint.save(update_fields=["status", "updated_at"])
    alerts.refresh(alerts.TASK_RULES)
    return moved


@transaction.atomic
def sprint_cancel(*, actor, sprint):
    """Cancel a planned or active sprint; its open tasks go back to the backlog."""
    _require(actor, MANAGE_PROJECTS)
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if sprint.status not in (SprintStatus.PLANNED, SprintStatus.ACTIVE):
        raise ValidationError(_("Only a planned or active sprint can be cancelled."))
    sprint.tasks.exclude(status=TaskStatus.DONE).update(sprint_id=None, updated_at=timezone.now())
    sprint.status = SprintStatus.CANCELLED
    sprint.save(update_fields=["status", "updated_at"])
    alerts.refresh(alerts.TASK_RULES)
    return sprint


# --- tasks --------------------------------------------------------------------------------------


@transaction.atomic
def task_save(*, actor, task=None, **fields):
    """Create (``task=None``) or edit a task. ``completed_at`` follows ``status`` (database trigger)."""
    _require(actor, WORK_ON_PROJECTS)
    task = _assign(task or Task(created_by_id=actor.pk), fields, TASK_FIELDS)
    task.save()
    task.refresh_from_db(fields=["completed_at", "actual_hours"])
    alerts.refresh(alerts.TASK_RULES)
    return task


@transaction.atomic
def task_move(*, actor, task, status):
    """A board move: the task's new column."""
    _require(actor, WORK_ON_PROJECTS)
    if status not in TaskStatus.values:
        raise ValidationError(_("Unknown status."))
    task.status = status
    task.save(update_fields=["status", "updated_at"])
    task.refresh_from_db(fields=["completed_at"])
    alerts.refresh(alerts.TASK_RULES)
    return task


@transaction.atomic
def task_plan(*, actor, task, sprint):
    """Put a task into a sprint, or back to the backlog (``sprint=None``)."""
    _require(actor, WORK_ON_PROJECTS)
    if sprint is not None and sprint.status not in (SprintStatus.PLANNED, SprintStatus.ACTIVE):
        raise ValidationError(_("Tasks can be planned only into a planned or active sprint."))
    task.sprint = sprint
    task.save(update_fields=["sprint", "updated_at"])
    alerts.refresh(alerts.TASK_RULES)
    return task


# --- comments -----------------------------------------------------------------------------------


def task_comment_add(*, actor, task, comment):
    _require(actor, WORK_ON_PROJECTS)
    if not comment.strip():
        raise ValidationError(_("A comment cannot be empty."))
    return TaskComment.objects.create(task=task, user=actor, comment=comment.strip())


def task_comment_edit(*, actor, comment, text):
    """Everyone edits only their own comments."""
    _require(actor, WORK_ON_PROJECTS)
    if comment.user_id != actor.pk:
        raise PermissionDenied
    if not text.strip():
        raise ValidationError(_("A comment cannot be empty."))
    comment.comment = text.strip()
    comment.save(update_fields=["comment", "updated_at"])
    return comment


# --- work logs ----------------------------------------------------------------------------------


def _check_own_log(actor, work_log):
    if work_log.user_id != actor.pk and not access_for(actor).can_project(MANAGE_PROJECTS):
        raise PermissionDenied


@transaction.atomic
def work_log_add(*, actor, task, hours, work_date=None, description=None):
    """Log the actor's own hours. ``tasks.actual_hours`` follows in the same transaction (trigger)."""
    _require(actor, WORK_ON_PROJECTS)
    if hours is None or hours <= 0:
        raise ValidationError(_("Hours must be more than zero."))
    work_log = WorkLog(task=task, user=actor, hours=hours, description=description or None)
    if work_date is not None:
        work_log.work_date = work_date
    work_log.save()
    task.refresh_from_db(fields=["actual_hours"])
    alerts.refresh(alerts.TASK_RULES)
    return work_log


@transaction.atomic
def work_log_update(*, actor, work_log, hours, work_date, description=None):
    _require(actor, WORK_ON_PROJECTS)
    _check_own_log(actor, work_log)
    if hours is None or hours <= 0:
        raise ValidationError(_("Hours must be more than zero."))
    work_log.hours, work_log.work_date, work_log.description = hours, work_date, description or None
    work_log.save(update_fields=["hours", "work_date", "description"])
    alerts.refresh(alerts.TASK_RULES)
    return work_log


@transaction.atomic
def work_log_delete(*, actor, work_log):
    _require(actor, WORK_ON_PROJECTS)
    _check_own_log(actor, work_log)
    work_log.delete()
    alerts.refresh(alerts.TASK_RULES)


# --- bugs ---------------------------------------------------------------------------------------


@transaction.atomic
def bug_save(*, actor, bug=None, **fields):
    """Report (``bug=None``) or edit a bug. A critical or blocker bug raises its alert at once."""
    _require(actor, WORK_ON_PROJECTS)
    bug = _assign(bug or BugReport(reporter_id=actor.pk), fields, BUG_FIELDS)
    bug.save()
    alerts.refresh([AlertType.BUG_CRITICAL])
    return bug


@transaction.atomic
def bug_change_status(*, actor, bug, status):
    """Move a bug along its workflow (``BUG_TRANSITIONS``); ``resolved_at`` follows (trigger)."""
    _require(actor, WORK_ON_PROJECTS)
    bug = BugReport.objects.select_for_update().get(pk=bug.pk)
    if status not in BUG_TRANSITIONS.get(bug.status, ()):
        raise ValidationError(
            _("A bug that is %(current)s cannot become %(new)s.")
            % {
                "current": BugStatus(bug.status).label,
                "new": BugStatus(status).label if status in BugStatus.values else status,
            }
        )
    bug.status = status
    bug.save(update_fields=["status", "updated_at"])
    bug.refresh_from_db(fields=["resolved_at"])
    alerts.refresh([AlertType.BUG_CRITICAL])
    return bug


@transaction.atomic
def bug_create_fix_task(*, actor, bug):
    """One click: a bug-type task in the backlog that resolves this bug (the existing one if any)."""
    _require(actor, WORK_ON_PROJECTS)
    bug = BugReport.objects.select_for_update().get(pk=bug.pk)
    if bug.resolved_by_task_id is not None:
        return bug.resolved_by_task
    description = "\n\n".join(part for part in (bug.description, bug.steps_to_reproduce) if part)
    task = Task.objects.create(
        title=_("Fix: %(title)s") % {"title": bug.title},
        description=description,
        type=TaskType.BUG,
        priority=FIX_TASK_PRIORITY[bug.severity],
        assigned_to_id=bug.assigned_to_id,
        related_files=bug.affected_files,
        created_by_id=actor.pk,
    )
    bug.resolved_by_task = task
    update = ["resolved_by_task", "updated_at"]
    if bug.status in (BugStatus.OPEN, BugStatus.INVESTIGATING):
        bug.status = BugStatus.IN_PROGRESS
        update.append("status")
    bug.save(update_fields=update)
    alerts.refresh([AlertType.BUG_CRITICAL])
    return task


# --- deployments --------------------------------------------------------------------------------


def _after_deployment(deployment):
    alerts.refresh([AlertType.DEPLOYMENT_FAILED])
    if deployment.status == DeploymentStatus.FAILED:
        transaction.on_commit(lambda deployment_id=deployment.pk: hooks.deployment_failed(deployment_id))


@transaction.atomic
def deployment_record(
    *,
    version,
    environment,
    status=DeploymentStatus.PENDING,
    git_commit_hash=None,
    sprint_id=None,
    task_ids=(),
    notes=None,
    error_log=None,
    deployed_by_email=None,
):
    """Record a deployment (CI/CD: ``manage.py record_deployment``). Unknown sprint, tasks or
    person are a ``ValidationError`` naming them; nothing is written then."""
    sprint = None
    if sprint_id:
        sprint = Sprint.objects.filter(pk=sprint_id).first()
        if sprint is None:
            raise ValidationError(_("No sprint %(id)s.") % {"id": sprint_id})
    task_ids = list(dict.fromkeys(str(task_id) for task_id in task_ids))
    known = {str(pk) for pk in Task.objects.filter(pk__in=task_ids).values_list("pk", flat=True)}
    missing = [task_id for task_id in task_ids if task_id not in known]
    if missing:
        raise ValidationError(_("No such tasks: %(ids)s.") % {"ids": ", ".join(missing)})
    deployed_by = None
    if deployed_by_email:
        deployed_by = User.objects.filter(email__iexact=deployed_by_email.strip()).first()
        if deployed_by is None:
            raise ValidationError(_("No user with the e-mail address %(email)s.") % {"email": deployed_by_email})
    deployment = Deployment(
        version=version,
        environment=environment,
        status=status,
        git_commit_hash=git_commit_hash or None,
        sprint=sprint,
        deployed_tasks=task_ids or None,
        notes=notes or None,
        error_log=error_log or None,
        deployed_by_id=deployed_by.pk if deployed_by else None,
        completed_at=timezone.now() if status in FINISHED_DEPLOYMENT else None,
    )
    deployment.full_clean(exclude=["deployed_by", "sprint"])
    deployment.save()
    _after_deployment(deployment)
    return deployment


@transaction.atomic
def deployment_update_status(*, deployment_id, status, notes=None, error_log=None):
    """A pipeline's second call: the deployment's outcome; ``completed_at`` is set when it finishes."""
    deployment = Deployment.objects.select_for_update().filter(pk=deployment_id).first()
    if deployment is None:
        raise ValidationError(_("No deployment %(id)s.") % {"id": deployment_id})
    if status not in DeploymentStatus.values:
        raise ValidationError(_("Unknown status."))
    deployment.status = status
    update = ["status", "completed_at"]
    deployment.completed_at = timezone.now() if status in FINISHED_DEPLOYMENT else None
    if notes:
        deployment.notes = notes
        update.append("notes")
    if error_log:
        deployment.error_log = error_log
        update.append("error_log")
    deployment.save(update_fields=update)
    _after_deployment(deployment)
    return deployment


# --- alerts -------------------------------------------------------------------------------------


def alert_set_read(*, actor, alert, is_read=True):
    _require(actor, WORK_ON_PROJECTS)
    ProjectAlert.objects.filter(pk=alert.pk).update(is_read=is_read)


def alerts_mark_all_read(*, actor):
    _require(actor, WORK_ON_PROJECTS)
    return ProjectAlert.objects.filter(is_read=False, closed_at__isnull=True).update(is_read=True)
