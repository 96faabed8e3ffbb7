"""A small, believable demo project, once: ``./scripts/run`` calls it after creating the admin.

A completed sprint and one in progress (tasks in every column, work logged), a planned sprint, a
backlog, a few bugs (one critical), deployments to each environment (one failed then fixed in
staging). Does nothing when any sprint exists, so running it again never duplicates.
"""

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.actor import audit_actor
from projects import alerts
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
from projects.models import TaskType
from projects.models import WorkLog

# title, type, status, priority, estimate, hours logged, tags, related files
CURRENT_TASKS = [
    ("Order export to CSV", TaskType.FEATURE, TaskStatus.DONE, "high", 8, 7, ["orders"], ["orders/views.py"]),
    ("Hebrew labels on invoices", TaskType.IMPROVEMENT, TaskStatus.DONE, "medium", 3, 3.5, ["i18n"], []),
    ("Webhook retry back-off", TaskType.FEATURE, TaskStatus.TESTING, "high", 6, 5, ["webhooks"], ["webhooks/tasks.py"]),
    ("Stock sync for variations", TaskType.FEATURE, TaskStatus.REVIEW, "critical", 10, 8, ["sync"], ["sync/pull.py"]),
    ("Product list filters keep state", TaskType.BUG, TaskStatus.IN_PROGRESS, "medium", 4, 2, ["catalog"], []),
    ("Document the cron jobs", TaskType.DOCUMENTATION, TaskStatus.TODO, "low", 2, 0, ["docs"], ["README.md"]),
    ("Split the sync mappers", TaskType.REFACTOR, TaskStatus.TODO, "medium", 5, 0, ["sync"], ["sync/mappers/"]),
    ("Store logo upload", TaskType.FEATURE, TaskStatus.BLOCKED, "medium", 3, 1, ["stores"], []),
]
BACKLOG = [
    ("Dark mode", TaskType.FEATURE, "low", 8, ["ui"]),
    ("Refund reasons report", TaskType.FEATURE, "medium", 6, ["orders"]),
    ("Faster audit page", TaskType.IMPROVEMENT, "medium", 4, ["audit"]),
]


class Command(BaseCommand):
    help = "Seed a small demo project (sprints, tasks, bugs, deployments) unless one exists."

    def handle(self, *args, **options):
        if Sprint.objects.exists():
            self.stdout.write("Projects already have data; nothing seeded.")
            return
        person = User.objects.filter(is_staff=True, is_active=True).order_by("date_joined").first()
        with audit_actor.system("seed"), transaction.atomic():
            self._seed(person)
            alerts.refresh()
        self.stdout.write("Seeded the demo project.")

    def _seed(self, person):
        now = timezone.now()
        today = timezone.localdate()
        previous = Sprint.objects.create(
            name="Sprint 11",
            description="Checkout polish.",
            start_date=now - timedelta(days=20),
            end_date=now - timedelta(days=7),
            status=SprintStatus.COMPLETED,
        )
        current = Sprint.objects.create(
            name="Sprint 12",
            description="Sync reliability and order exports.",
            start_date=now - timedelta(days=6),
            end_date=now + timedelta(days=8),
            status=SprintStatus.ACTIVE,
        )
        Sprint.objects.create(
            name="Sprint 13",
            description="Reporting.",
            start_date=now + timedelta(days=8),
            end_date=now + timedelta(days=22),
            status=SprintStatus.PLANNED,
        )
        for index, title in enumerate(("Coupon validation", "Shipping zones page", "Checkout copy")):
            Task.objects.create(
                sprint=previous,
                title=title,
                status=TaskStatus.DONE,
                estimated_hours=Decimal(5 + index),
                completed_at=now - timedelta(days=10 - index),
                assigned_to=person,
            )
        tasks = {}
        for offset, (title, kind, status, priority, estimate, logged, tags, files) in enumerate(CURRENT_TASKS):
            task = Task.objects.create(
                sprint=current,
                title=title,
                type=kind,
                status=status,
                priority=priority,
                estimated_hours=Decimal(estimate),
                tags=tags,
                related_files=files or None,
                assigned_to=person,
                completed_at=now - timedelta(days=3 - offset) if status == TaskStatus.DONE else None,
            )
            tasks[title] = task
            if logged and person is not None:
                first = Decimal(logged) / 2
                WorkLog.objects.create(task=task, user=person, hours=first, work_date=today - timedelta(days=4))
                WorkLog.objects.create(
                    task=task, user=person, hours=Decimal(logged) - first, work_date=today - timedelta(days=1)
                )
        for title, kind, priority, estimate, tags in BACKLOG:
            Task.objects.create(title=title, type=kind, priority=priority, estimated_hours=Decimal(estimate), tags=tags)
        BugReport.objects.create(
            title="Orders from the sandbox show the wrong currency",
            description="ILS orders appear in USD.",
            severity=BugSeverity.CRITICAL,
            status=BugStatus.INVESTIGATING,
            affected_files=["orders/charts.py"],
            steps_to_reproduce="1. Connect a store in ILS\n2. Open Orders",
            assigned_to=person,
            introduced_by_task=tasks["Order export to CSV"],
        )
        BugReport.objects.create(
            title="Tag filter ignores Hebrew tags",
            description="Filtering by a Hebrew tag shows nothing.",
            severity=BugSeverity.MODERATE,
            status=BugStatus.OPEN,
        )
        BugReport.objects.create(
            title="Typo on the login page",
            description="“Pasword”.",
            severity=BugSeverity.MINOR,
            status=BugStatus.RESOLVED,
            root_cause="Copy error.",
            resolution_notes="Fixed the string.",
        )
        shipped = [tasks["Order export to CSV"].pk, tasks["Hebrew labels on invoices"].pk]
        deployments = [
            ("1.11.0", Environment.PRODUCTION, DeploymentStatus.SUCCESS, previous, [], 9),
            ("1.12.0-rc1", Environment.STAGING, DeploymentStatus.FAILED, current, shipped, 2),
            ("1.12.0-rc2", Environment.STAGING, DeploymentStatus.SUCCESS, current, shipped, 1),
            ("1.12.0-dev", Environment.DEVELOPMENT, DeploymentStatus.SUCCESS, current, shipped, 1),
        ]
        for version, environment, status, sprint, task_ids, days_ago in deployments:
            Deployment.objects.create(
                version=version,
                environment=environment,
                status=status,
                sprint=sprint,
                deployed_tasks=task_ids or None,
                git_commit_hash=hashlib.sha256(version.encode()).hexdigest()[:40],
                deployed_by_id=person.pk if person else None,
                error_log='migrate: relation "stock" does not exist' if status == DeploymentStatus.FAILED else None,
                created_at=now - timedelta(days=days_ago),
                completed_at=now - timedelta(days=days_ago),
            )
