"""Sprint lifecycle: one active sprint unless an admin overrides; completing moves the open tasks
where the admin says; the team cannot run the lifecycle; the demo data is seeded once."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404

from projects import services
from projects.models import BugReport
from projects.models import Deployment
from projects.models import Sprint
from projects.models import SprintStatus
from projects.models import Task
from projects.models import TaskStatus
from projects.tests.factories import app_admin
from projects.tests.factories import sprint
from projects.tests.factories import task
from projects.tests.factories import team_member
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


def test_one_active_sprint_at_a_time_unless_an_admin_overrides():
    lead = app_admin()
    running = sprint("Running")
    planned = sprint("Next", status=SprintStatus.PLANNED)
    with pytest.raises(ValidationError, match="Running"):
        services.sprint_start(actor=lead, sprint=planned)
    assert Sprint.objects.get(pk=planned.pk).status == "planned"
    services.sprint_start(actor=lead, sprint=planned, allow_another_active=True)
    assert set(Sprint.objects.filter(status="active").values_list("name", flat=True)) == {"Running", "Next"}
    assert running.pk


def test_completing_moves_open_tasks_to_the_next_sprint_and_keeps_done_ones():
    lead = app_admin()
    current = sprint("Current")
    following = sprint("Following", status=SprintStatus.PLANNED)
    done = task("Done", in_sprint=current, status=TaskStatus.DONE)
    open_tasks = [task(f"Open {n}", in_sprint=current, status=status) for n, status in enumerate(["todo", "blocked"])]
    with pytest.raises(ValidationError):
        services.sprint_complete(actor=lead, sprint=current, open_tasks_to="next", next_sprint=None)
    moved = services.sprint_complete(actor=lead, sprint=current, open_tasks_to="next", next_sprint=following)
    assert moved == 2
    assert Sprint.objects.get(pk=current.pk).status == "completed"
    assert Task.objects.get(pk=done.pk).sprint_id == current.pk
    assert set(Task.objects.filter(sprint=following).values_list("pk", flat=True)) == {t.pk for t in open_tasks}


def test_the_team_works_on_tasks_but_not_on_the_sprint_lifecycle_and_outsiders_on_nothing():
    member, outsider = team_member(), make_user("shop@example.com")
    planned = sprint("Planned", status=SprintStatus.PLANNED)
    with pytest.raises(PermissionDenied):
        services.sprint_start(actor=member, sprint=planned)
    with pytest.raises(Http404):
        services.task_save(actor=outsider, title="Sneaky")
    item = services.task_save(actor=member, title="Allowed", sprint=planned)
    assert item.created_by_id == member.pk
    other_log = services.work_log_add(actor=app_admin(), task=item, hours=1)
    with pytest.raises(PermissionDenied):
        services.work_log_delete(actor=member, work_log=other_log)  # someone else's hours


def test_seed_projects_once():
    app_admin()

    def counts():
        return tuple(model.objects.count() for model in (Sprint, Task, BugReport, Deployment))

    call_command("seed_projects")
    first = counts()
    call_command("seed_projects")
    assert counts() == first
    assert Sprint.objects.filter(status="active").count() == 1
    assert first[2] >= 3 and first[3] >= 3
    # The work logs add up (trigger), and the critical bug raised its alert.
    for seeded in Task.objects.filter(work_logs__isnull=False).distinct():
        assert seeded.actual_hours == sum(log.hours for log in seeded.work_logs.all())
    assert BugReport.objects.get(severity="critical").alerts.filter(closed_at__isnull=True).count() == 1
