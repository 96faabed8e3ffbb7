"""The run engine: execution log rows, the registry, the insight workflow, dismissed insights,
escalation alerts, manual and triggered runs and the cron command."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.core.management import call_command

from agents import registry
from agents.base import STORE_SCOPE
from agents.base import Agent
from agents.base import Finding
from agents.base import text
from agents.models import AgentAlert
from agents.models import AgentExecutionLog
from agents.models import AgentInsight
from agents.models import ExecutionStatus
from agents.models import InsightStatus
from agents.services import agent_run
from agents.services import insight_set_status
from agents.tests.conftest import live
from agents.tests.conftest import out_of_stock_share
from catalog.models import Product
from config.testing import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_agent():
    """Register a test agent for the duration of a test: adding one is one ``register`` call."""
    added = []

    def add(agent):
        added.append(registry.register(agent))
        return agent

    yield add
    for agent in added:
        registry._agents.pop(agent.agent_type, None)


def test_a_successful_run_is_logged(store, run):
    make_product(store, name="Minus", stock_quantity=-2)
    log = run("inventory")
    log.refresh_from_db()
    assert log.status == ExecutionStatus.COMPLETED
    assert log.execution_type == "scheduled"
    assert log.duration_ms is not None and log.completed_at >= log.started_at
    assert log.insights_generated == 2  # negative stock, no image
    assert log.alerts_generated == 1
    assert log.error_message is None
    assert log.metadata["findings"] == 2 and log.metadata["created"] == 2


def test_a_failing_agent_is_logged_and_does_not_stop_the_others(store, extra_agent, run):
    def broken(context):
        raise RuntimeError("the figures did not add up")

    extra_agent(Agent("broken", "Broken", broken, STORE_SCOPE))
    from agents.services import agents_run

    logs = agents_run(execution_type="manual", agent_types=["broken", "inventory"])
    by_type = {log.agent_type: log for log in logs}
    failed = AgentExecutionLog.objects.get(pk=by_type["broken"].pk)
    assert failed.status == ExecutionStatus.FAILED
    assert failed.error_message == "RuntimeError: the figures did not add up"
    assert failed.completed_at is not None and failed.duration_ms is not None
    assert failed.execution_type == "manual"
    assert AgentExecutionLog.objects.get(pk=by_type["inventory"].pk).status == ExecutionStatus.COMPLETED


def test_an_unknown_agent_is_refused_before_anything_is_written(db):
    with pytest.raises(registry.UnknownAgent):
        agent_run("nonsense", execution_type="manual")
    assert not AgentExecutionLog.objects.exists()


def test_one_file_and_one_line_make_an_agent(store, extra_agent, run):
    def shouty(context):
        return [
            Finding(
                cause="loud",
                severity="critical",
                store_id=store.pk,
                title=text("Something is loud"),
                analysis=text("It is loud."),
                recommendations=[text("Turn it down.")],
            )
        ]

    extra_agent(Agent("shouty", "Shouty", shouty, STORE_SCOPE))
    assert "shouty" in registry.agent_types()
    run("shouty")
    insight = live("shouty", store)["loud"]
    assert insight.analysis == "It is loud." and insight.recommendations == ["Turn it down."]
    assert insight.alerts.get().severity == "critical"


def test_workflow_keeps_who_and_when(store, owner, manager, run):
    make_product(store, name="Minus", stock_quantity=-2)
    run("inventory")
    insight = live("inventory", store)["negative_stock"]
    alert = insight.alerts.get()
    assert not alert.is_read

    insight_set_status(actor=manager, insight_id=insight.pk, status=InsightStatus.ACKNOWLEDGED)
    insight.refresh_from_db()
    alert.refresh_from_db()
    assert insight.acknowledged_by == manager and insight.acknowledged_at is not None
    assert alert.is_read and alert.read_by == manager

    insight_set_status(actor=owner, insight_id=insight.pk, status=InsightStatus.IN_PROGRESS)
    insight_set_status(actor=owner, insight_id=insight.pk, status=InsightStatus.RESOLVED)
    insight.refresh_from_db()
    assert insight.status == InsightStatus.RESOLVED and insight.resolved_at is not None
    assert insight.acknowledged_by == manager  # the first acknowledgement stays
    events = [(e["event"], e.get("by")) for e in insight.metadata["history"]]
    assert events == [
        ("opened", None),
        ("acknowledged", "manager@example.com"),
        ("in_progress", "owner@example.com"),
        ("resolved", "owner@example.com"),
    ]
    with pytest.raises(ValidationError):
        insight_set_status(actor=owner, insight_id=insight.pk, status=InsightStatus.IN_PROGRESS)

    # Resolved by hand while the cause is still there: the next run opens a new insight.
    run("inventory")
    assert live("inventory", store)["negative_stock"].pk != insight.pk


def test_a_viewer_cannot_touch_insights(store, viewer, run):
    from django.http import Http404

    make_product(store, name="Minus", stock_quantity=-2)
    run("inventory")
    insight = live("inventory", store)["negative_stock"]
    with pytest.raises(Http404):
        insight_set_status(actor=viewer, insight_id=insight.pk, status=InsightStatus.ACKNOWLEDGED)


def test_a_dismissed_insight_stays_quiet_until_its_cause_clears(store, owner, run):
    product = make_product(store, name="Minus", stock_quantity=-2)
    run("inventory")
    insight = live("inventory", store)["negative_stock"]
    insight_set_status(actor=owner, insight_id=insight.pk, status=InsightStatus.DISMISSED)

    Product.objects.filter(pk=product.pk).update(stock_quantity=-9)
    run("inventory")
    assert AgentInsight.objects.filter(cause="negative_stock").count() == 1  # no new one while dismissed
    insight.refresh_from_db()
    assert insight.status == InsightStatus.DISMISSED and insight.resolved_at is None

    Product.objects.filter(pk=product.pk).update(stock_quantity=3)
    run("inventory")
    insight.refresh_from_db()
    assert insight.status == InsightStatus.DISMISSED and insight.resolved_at is not None
    Product.objects.filter(pk=product.pk).update(stock_quantity=-1)
    run("inventory")
    assert live("inventory", store)["negative_stock"].status == InsightStatus.NEW


def test_escalation_raises_an_alert_once(store, run):
    out_of_stock_share(store, out=2, of=12)
    run("inventory")
    insight = live("inventory", store)["out_of_stock"]
    assert insight.severity == "medium" and not insight.alerts.exists()
    Product.objects.filter(name__startswith="Here").update(stock_status="outofstock")
    run("inventory")
    run("inventory")
    insight.refresh_from_db()
    assert insight.severity == "high"
    assert insight.alerts.count() == 1
    assert [e["event"] for e in insight.metadata["history"]] == ["opened", "severity"]


def test_triggers_run_the_agents_after_commit(store, django_capture_on_commit_callbacks, eager_tasks):
    import agents.tasks  # noqa: F401 - a worker has every task registered; the trigger resolves it by name
    from agents.triggers import on_sync_run_finished
    from agents.triggers import on_webhook_disabled

    make_product(store, name="Minus", stock_quantity=-2)
    with django_capture_on_commit_callbacks(execute=True):
        on_sync_run_finished(store.pk, "run-1", "success")
        on_webhook_disabled(store.pk, "hook-1")
    logs = AgentExecutionLog.objects.filter(execution_type="triggered").order_by("started_at")
    assert [log.agent_type for log in logs] == ["sync_health", "inventory", "sales", "sync_health"]
    assert logs[0].metadata["trigger"] == {"event": "sync_run_finished", "run_id": "run-1", "status": "success"}
    assert logs[0].metadata["store_id"] == str(store.pk)
    assert "negative_stock" in live("inventory", store)


def test_a_failed_deployment_runs_the_projects_agent(django_capture_on_commit_callbacks, eager_tasks):
    import agents.tasks  # noqa: F401 - a worker has every task registered; the trigger resolves it by name
    from projects.services import deployment_record

    with django_capture_on_commit_callbacks(execute=True):
        deployment = deployment_record(version="9.9.9", environment="production", status="failed")
    log = AgentExecutionLog.objects.get(execution_type="triggered")
    assert log.agent_type == "projects"
    assert log.metadata["trigger"] == {"event": "deployment_failed", "deployment_id": str(deployment.pk)}


def test_the_cron_command(store, capsys):
    make_product(store, name="Minus", stock_quantity=-2)
    call_command("run_agents", "--agent", "inventory", "--store", str(store.pk))
    assert "inventory: 2 findings (2 new, 0 updated, 0 resolved), 1 alerts" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Unknown agent"):
        call_command("run_agents", "--agent", "nope")
    with pytest.raises(CommandError, match="No store"):
        call_command("run_agents", "--store", "not-a-uuid")
    call_command("run_agents")
    assert AgentExecutionLog.objects.filter(status="completed").count() == 6


def test_each_agent_is_a_scheduled_job_on_the_agents_queue(db):
    from audit.jobs import configured_jobs

    jobs = configured_jobs()
    for agent_type in registry.agent_types():
        assert jobs[f"agent_{agent_type}"] == (f"agents.tasks.agent_{agent_type}", 3600, "agents")


def test_the_scheduled_task_records_its_job(store):
    from agents.tasks import SCHEDULED_TASKS
    from audit.models import ScheduledJob

    make_product(store, name="Minus", stock_quantity=-2)
    SCHEDULED_TASKS["inventory"].apply()
    job = ScheduledJob.objects.get(name="agent_inventory")
    assert job.last_status == "success"
    assert job.last_message == "2 findings: 2 new, 0 updated, 0 resolved, 1 alerts"
    assert AgentAlert.objects.count() == 1
