"""Every read of the delivery tracker. Views call these after ``access.require_project``; each
page costs a fixed number of queries whatever the number of tasks."""

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from django.db.models import Count
from django.db.models import Q
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from audit.models import AuditLog
from config.rls import as_service
from projects.burndown import burndown_days
from projects.models import BugReport
from projects.models import BugStatus
from projects.models import Deployment
from projects.models import DeploymentStatus
from projects.models import Environment
from projects.models import ProjectAlert
from projects.models import Sprint
from projects.models import SprintStatus
from projects.models import Task
from projects.models import TaskLog
from projects.models import TaskStatus
from projects.models import WorkLog
from stores.access import TEAM_APP_ROLE

BOARD_COLUMNS = (
    TaskStatus.TODO,
    TaskStatus.IN_PROGRESS,
    TaskStatus.REVIEW,
    TaskStatus.TESTING,
    TaskStatus.DONE,
    TaskStatus.BLOCKED,
)
TASK_LOG_LIMIT = 200
HISTORY_LIMIT = 100


def team_members():
    """People who can be assigned: the team (``user`` app role) and app admins. One query."""
    return list(
        User.objects.filter(Q(app_roles__role=TEAM_APP_ROLE) | Q(is_staff=True), is_active=True)
        .select_related("profile")
        .distinct()
        .order_by("email")
    )


def active_sprint():
    return Sprint.objects.filter(status=SprintStatus.ACTIVE).order_by("start_date").first()


def open_sprints():
    """Sprints tasks can be planned into (planned and active), soonest first."""
    return list(Sprint.objects.filter(status__in=[SprintStatus.PLANNED, SprintStatus.ACTIVE]).order_by("start_date"))


@dataclass
class BoardFilters:
    assignee: str = ""
    type: str = ""
    priority: str = ""
    tag: str = ""

    @classmethod
    def from_query(cls, query):
        return cls(**{name: (query.get(name) or "").strip()[:100] for name in ("assignee", "type", "priority", "tag")})

    def apply(self, tasks):
        if self.assignee == "none":
            tasks = tasks.filter(assigned_to__isnull=True)
        elif self.assignee:
            tasks = tasks.filter(assigned_to__email=self.assignee)
        if self.type:
            tasks = tasks.filter(type=self.type)
        if self.priority:
            tasks = tasks.filter(priority=self.priority)
        if self.tag:
            tasks = tasks.filter(tags__contains=[self.tag])
        return tasks

    @property
    def active(self):
        return any((self.assignee, self.type, self.priority, self.tag))


@dataclass
class Column:
    status: str
    label: str
    tasks: list = field(default_factory=list)


@dataclass
class Board:
    sprint: object
    columns: list
    backlog: list
    tags: list
    sprints: list


def _task_rows():
    return Task.objects.select_related("assigned_to", "assigned_to__profile").order_by("created_at")


_PRIORITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _by_priority(tasks):
    return sorted(tasks, key=lambda task: (_PRIORITY_ORDER.get(task.priority, 9), task.created_at))


def board_for(filters, sprint=None):
    """The active (or given) sprint's tasks by column, the backlog and the filter choices. Four queries."""
    sprint = sprint or active_sprint()
    columns = [Column(status, TaskStatus(status).label) for status in BOARD_COLUMNS]
    by_status = {column.status: column for column in columns}
    if sprint is not None:
        for task in _by_priority(filters.apply(_task_rows().filter(sprint=sprint))):
            by_status[task.status].tasks.append(task)
    backlog = _by_priority(filters.apply(_task_rows().filter(sprint__isnull=True).exclude(status=TaskStatus.DONE)))
    tags = sorted(
        {tag for tags in Task.objects.exclude(tags=None).values_list("tags", flat=True).distinct() for tag in tags}
    )
    return Board(sprint=sprint, columns=columns, backlog=backlog, tags=tags, sprints=open_sprints())


def task_get(task_id):
    return Task.objects.select_related("sprint", "assigned_to", "created_by").get(pk=task_id)


def task_logs_for(task, level=""):
    logs = TaskLog.objects.filter(task=task).select_related("user")
    if level:
        logs = logs.filter(level=level)
    return list(logs.order_by("-created_at")[:TASK_LOG_LIMIT])


def task_history_for(task):
    """The task's changes from the audit trail (``tasks`` is audited), newest first."""
    with as_service():  # audit_logs are the app admins' under row-level security; the team sees its tasks'
        return list(
            AuditLog.objects.filter(table_name="tasks", record_id=task.pk).order_by("-created_at", "-id")[
                :HISTORY_LIMIT
            ]
        )


def task_page_for(task, log_level=""):
    """Everything the task page shows besides the task: six queries."""
    return {
        "comments": list(task.comments.select_related("user", "user__profile").order_by("created_at")),
        "work_logs": list(task.work_logs.select_related("user").order_by("-work_date", "-created_at")),
        "logs": task_logs_for(task, log_level),
        "history": task_history_for(task),
        "bugs": list(
            BugReport.objects.filter(Q(introduced_by_task=task) | Q(resolved_by_task=task)).order_by("-created_at")
        ),
        "alerts": list(
            task.alerts.filter(closed_at__isnull=True)
            .select_related("task", "sprint", "bug_report", "deployment")
            .order_by("-created_at")
        ),
    }


# --- sprints ------------------------------------------------------------------------------------


def sprints_by_status():
    """``{status: [sprint with task_count, done_count, estimate]}`` in the workflow's order. One query."""
    sprints = Sprint.objects.annotate(
        task_count=Count("tasks"),
        done_count=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
        estimate=Coalesce(Sum("tasks__estimated_hours"), 0, output_field=Task._meta.get_field("estimated_hours")),
    ).order_by("-start_date")
    grouped = {status: [] for status in SprintStatus.values}
    for sprint in sprints:
        grouped[sprint.status].append(sprint)
    return grouped


def sprint_get(sprint_id):
    return Sprint.objects.get(pk=sprint_id)


def sprint_burndown(sprint, today=None):
    """Remaining estimate per day of ``sprint`` and the ideal line. Two queries."""
    today = today or timezone.localdate()
    start_day = timezone.localtime(sprint.start_date).date()
    end_day = timezone.localtime(sprint.end_date).date()
    tasks = [
        (task_id, estimated, timezone.localtime(completed).date() if completed else None)
        for task_id, estimated, completed in sprint.tasks.values_list("id", "estimated_hours", "completed_at")
    ]
    logs = defaultdict(int)
    rows = (
        WorkLog.objects.filter(task__sprint=sprint)
        .values_list("task_id", "work_date")
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    for task_id, day, hours in rows:
        # Work logged before the sprint started counts on its first day.
        logs[(task_id, max(day, start_day))] += hours
    return burndown_days(tasks, logs, start_day, end_day, today)


def velocity(limit=6):
    """Estimated hours of tasks done per sprint, for the last ``limit`` completed or active sprints. One query."""
    sprints = (
        Sprint.objects.filter(status__in=[SprintStatus.COMPLETED, SprintStatus.ACTIVE])
        .annotate(
            committed=Coalesce(Sum("tasks__estimated_hours"), 0, output_field=Task._meta.get_field("estimated_hours")),
            completed=Coalesce(
                Sum("tasks__estimated_hours", filter=Q(tasks__status=TaskStatus.DONE)),
                0,
                output_field=Task._meta.get_field("estimated_hours"),
            ),
        )
        .order_by("-start_date")[:limit]
    )
    return list(reversed(list(sprints)))


def planned_sprints(exclude=None):
    sprints = Sprint.objects.filter(status=SprintStatus.PLANNED).order_by("start_date")
    if exclude is not None:
        sprints = sprints.exclude(pk=exclude.pk)
    return list(sprints)


# --- bugs ---------------------------------------------------------------------------------------


def bugs_for(status="", severity=""):
    bugs = BugReport.objects.select_related("assigned_to", "resolved_by_task", "introduced_by_task")
    if status == "open":
        bugs = bugs.filter(status__in=[BugStatus.OPEN, BugStatus.INVESTIGATING, BugStatus.IN_PROGRESS])
    elif status in BugStatus.values:
        bugs = bugs.filter(status=status)
    if severity:
        bugs = bugs.filter(severity=severity)
    return list(bugs.order_by("-created_at")[:500])


def bug_get(bug_id):
    return BugReport.objects.select_related("assigned_to", "reporter", "introduced_by_task", "resolved_by_task").get(
        pk=bug_id
    )


# --- deployments --------------------------------------------------------------------------------


@dataclass
class EnvironmentPage:
    environment: str
    live: object
    deployments: list
    rollbacks: list
    tasks: dict  # task id -> Task


def deployments_for(environment, limit=50):
    """An environment's deployments, what is live there, the rollbacks. Two queries."""
    deployments = list(
        Deployment.objects.filter(environment=environment)
        .select_related("sprint", "deployed_by")
        .order_by("-created_at")[:limit]
    )
    live = next((d for d in deployments if d.status == DeploymentStatus.SUCCESS), None)
    task_ids = {task_id for d in deployments for task_id in (d.deployed_tasks or ())}
    tasks = {task.pk: task for task in Task.objects.filter(pk__in=task_ids).only("id", "title", "status")}
    for deployment in deployments:
        deployment.shipped = [tasks[task_id] for task_id in (deployment.deployed_tasks or ()) if task_id in tasks]
    rollbacks = [d for d in deployments if d.status == DeploymentStatus.ROLLED_BACK]
    return EnvironmentPage(environment, live, deployments, rollbacks, tasks)


def environments():
    return [(value, label) for value, label in Environment.choices]


# --- alerts -------------------------------------------------------------------------------------


def alerts_for(state="open"):
    alerts = ProjectAlert.objects.select_related("task", "sprint", "bug_report", "deployment")
    if state == "closed":
        alerts = alerts.filter(closed_at__isnull=False)
    elif state == "unread":
        alerts = alerts.filter(closed_at__isnull=True, is_read=False)
    else:
        alerts = alerts.filter(closed_at__isnull=True)
    return list(alerts.order_by("is_read", "-created_at")[:200])


def unread_alert_count():
    return ProjectAlert.objects.filter(closed_at__isnull=True, is_read=False).count()


# --- timesheet ----------------------------------------------------------------------------------


@dataclass
class Timesheet:
    person: object
    week_start: object
    days: list
    rows: list  # [(task, [hours per day], total)]
    day_totals: list
    total: object


def week_start_of(day):
    return day - timedelta(days=day.weekday())


def timesheet_for(person, week_start):
    """A person's hours per task and day for the week starting ``week_start`` (a Monday). One query."""
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    logs = (
        WorkLog.objects.filter(user=person, work_date__gte=days[0], work_date__lte=days[-1])
        .select_related("task")
        .order_by("task__title", "work_date")
    )
    per_task = {}
    for log in logs:
        task, hours = per_task.setdefault(log.task_id, (log.task, [0] * 7))
        hours[(log.work_date - week_start).days] += log.hours
    rows = [(task, hours, sum(hours)) for task, hours in per_task.values()]
    day_totals = [sum(row[1][index] for row in rows) for index in range(7)]
    return Timesheet(person, week_start, days, rows, day_totals, sum(day_totals))
