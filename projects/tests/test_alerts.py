"""Every alert rule on crafted data: it fires, an update never duplicates it, it closes when the cause clears."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone

from projects import alerts
from projects import hooks
from projects import services
from projects.models import AlertType
from projects.models import Deployment
from projects.models import ProjectAlert
from projects.models import SprintStatus
from projects.models import TaskStatus
from projects.models import WorkLog
from projects.tests.factories import app_admin
from projects.tests.factories import bug
from projects.tests.factories import sprint
from projects.tests.factories import task
from projects.tests.factories import team_member

pytestmark = pytest.mark.django_db


def open_alerts(alert_type):
    return list(ProjectAlert.objects.filter(type=alert_type, closed_at__isnull=True))


def test_overdue_fires_once_updates_and_closes_when_done():
    ended = sprint("Ended", days_ago=15, days_left=-1)
    late = task("Late task", in_sprint=ended, priority="high")
    task("Finished", in_sprint=ended, status=TaskStatus.DONE)

    alerts.refresh([AlertType.OVERDUE])
    alerts.refresh([AlertType.OVERDUE])
    (alert,) = open_alerts(AlertType.OVERDUE)
    assert (alert.task_id, alert.sprint_id, alert.severity) == (late.pk, ended.pk, "high")
    assert "Late task" in alert.message

    late.priority = "low"
    late.save(update_fields=["priority"])
    alerts.refresh([AlertType.OVERDUE])
    (updated,) = open_alerts(AlertType.OVERDUE)
    assert updated.pk == alert.pk and updated.severity == "medium"

    late.status = TaskStatus.DONE
    late.save(update_fields=["status"])
    alerts.refresh([AlertType.OVERDUE])
    assert open_alerts(AlertType.OVERDUE) == []
    assert ProjectAlert.objects.get(pk=alert.pk).closed_at is not None


def test_budget_exceeded_fires_when_work_logs_pass_the_estimate_and_closes_when_a_log_is_removed():
    person = team_member()
    current = sprint()
    item = task("Estimate 4 h", in_sprint=current, estimate=4)
    services.work_log_add(actor=person, task=item, hours=Decimal("3"))
    assert open_alerts(AlertType.BUDGET_EXCEEDED) == []

    extra = services.work_log_add(actor=person, task=item, hours=Decimal("2"))  # 5 > 4: fires at once
    (alert,) = open_alerts(AlertType.BUDGET_EXCEEDED)
    assert alert.task_id == item.pk and alert.severity == "medium"
    assert "5 h logged of 4 h" in alert.message

    services.work_log_add(actor=person, task=item, hours=Decimal("2"))  # 7 >= 6: worse, same alert
    (worse,) = open_alerts(AlertType.BUDGET_EXCEEDED)
    assert worse.pk == alert.pk and worse.severity == "high"

    services.work_log_delete(actor=person, work_log=extra)
    services.work_log_delete(actor=person, work_log=WorkLog.objects.filter(task=item).order_by("-created_at").first())
    assert open_alerts(AlertType.BUDGET_EXCEEDED) == []


def test_sprint_delay_when_behind_the_ideal_line_by_more_than_the_margin(settings):
    settings.PROJECT_SPRINT_DELAY_MARGIN_PERCENT = 20
    half_gone = sprint("Halfway", days_ago=5, days_left=5)  # the ideal line is at 50 %
    first = task("One", in_sprint=half_gone, estimate=10)
    task("Two", in_sprint=half_gone, estimate=10)  # nothing done: 100 % left, 50 points behind

    alerts.refresh([AlertType.SPRINT_DELAY])
    alerts.refresh([AlertType.SPRINT_DELAY])
    (alert,) = open_alerts(AlertType.SPRINT_DELAY)
    assert (alert.sprint_id, alert.severity) == (half_gone.pk, "medium")

    # One task done: 50 % left, on the ideal line: the alert closes.
    services.task_move(actor=app_admin(), task=first, status=TaskStatus.DONE)
    assert open_alerts(AlertType.SPRINT_DELAY) == []

    # A wider margin tolerates the same lag.
    settings.PROJECT_SPRINT_DELAY_MARGIN_PERCENT = 60
    first.status = TaskStatus.TODO
    first.save(update_fields=["status"])
    alerts.refresh([AlertType.SPRINT_DELAY])
    assert open_alerts(AlertType.SPRINT_DELAY) == []


def test_sprint_delay_when_the_end_passed_with_open_tasks():
    ended = sprint("Over", days_ago=14, days_left=-1)
    open_task = task("Open", in_sprint=ended)
    alerts.refresh([AlertType.SPRINT_DELAY])
    (alert,) = open_alerts(AlertType.SPRINT_DELAY)
    assert alert.severity == "high" and "1 open tasks" in alert.message

    services.sprint_complete(actor=app_admin(), sprint=ended, open_tasks_to="backlog")
    assert open_alerts(AlertType.SPRINT_DELAY) == []
    open_task.refresh_from_db()
    assert open_task.sprint_id is None


def test_bug_critical_fires_on_report_and_closes_on_resolution():
    person = team_member()
    minor = services.bug_save(actor=person, title="Typo", description="x", severity="minor")
    assert open_alerts(AlertType.BUG_CRITICAL) == []
    blocker = services.bug_save(actor=person, title="Checkout down", description="500", severity="blocker")
    (alert,) = open_alerts(AlertType.BUG_CRITICAL)
    assert (alert.bug_report_id, alert.severity) == (blocker.pk, "critical")

    services.bug_save(actor=person, bug=blocker, severity="critical")
    (updated,) = open_alerts(AlertType.BUG_CRITICAL)
    assert updated.pk == alert.pk and updated.severity == "high"

    services.bug_change_status(actor=person, bug=blocker, status="in_progress")
    assert len(open_alerts(AlertType.BUG_CRITICAL)) == 1
    services.bug_change_status(actor=person, bug=blocker, status="resolved")
    assert open_alerts(AlertType.BUG_CRITICAL) == []
    assert minor.alerts.count() == 0


def test_deployment_failed_one_alert_per_environment_closed_by_a_later_success(django_capture_on_commit_callbacks):
    heard = []
    hooks.on_deployment_failed(heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = services.deployment_record(version="2.0.0", environment="production", status="failed")
        (alert,) = open_alerts(AlertType.DEPLOYMENT_FAILED)
        assert (alert.deployment_id, alert.severity) == (first.pk, "critical")
        assert heard == [first.pk]

        alert_id = alert.pk
        services.alert_set_read(actor=app_admin(), alert=alert)
        second = services.deployment_record(version="2.0.1", environment="production", status="failed")
        (again,) = open_alerts(AlertType.DEPLOYMENT_FAILED)
        assert again.pk == alert_id and again.deployment_id == second.pk
        assert again.is_read is False  # another failure is news again

        services.deployment_record(version="1.0.0", environment="staging", status="failed")
        assert len(open_alerts(AlertType.DEPLOYMENT_FAILED)) == 2

        services.deployment_record(version="2.0.2", environment="production", status="success")
        (left,) = open_alerts(AlertType.DEPLOYMENT_FAILED)
        assert left.severity == "high"  # staging's
    finally:
        hooks.remove_deployment_failed_listener(heard.append)


def test_the_database_refuses_a_second_open_alert_for_one_cause():
    ProjectAlert.objects.create(type=AlertType.OVERDUE, cause_key="task:x", message="one")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectAlert.objects.create(type=AlertType.OVERDUE, cause_key="task:x", message="two")
    ProjectAlert.objects.filter(cause_key="task:x").update(closed_at=timezone.now())
    ProjectAlert.objects.create(type=AlertType.OVERDUE, cause_key="task:x", message="new cause, new alert")
    assert ProjectAlert.objects.filter(cause_key="task:x").count() == 2


def test_the_scheduled_job_runs_every_rule_and_records_its_run():
    from audit.models import ScheduledJob
    from projects.tasks import project_alerts_refresh

    ended = sprint("Old", status=SprintStatus.ACTIVE, days_ago=20, days_left=-2)
    task("Forgotten", in_sprint=ended)
    bug("Data loss", severity="critical")
    Deployment.objects.create(
        version="9", environment="staging", status="failed", created_at=timezone.now() - timedelta(hours=1)
    )
    message = project_alerts_refresh()
    assert set(ProjectAlert.objects.values_list("type", flat=True)) == {
        "overdue",
        "sprint_delay",
        "bug_critical",
        "deployment_failed",
    }
    assert "overdue: +1" in message
    job = ScheduledJob.objects.get(name="project_alerts")
    assert job.last_status == "success"
