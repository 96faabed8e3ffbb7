"""Celery tasks of the agents app (queue ``agents``): thin, they call ``agents.services``.

Every registered agent gets a scheduled task ``agents.tasks.agent_<type>``, registered as the job
``agent_<type>`` with the one scheduler (``agents.apps``): staff change its interval in the admin.
"""

from celery import shared_task

from agents import services
from agents.models import ExecutionStatus
from agents.models import ExecutionType
from agents.registry import all_agents
from agents.registry import job_name
from audit.jobs import tracked_job


class AgentRunFailed(RuntimeError):
    pass


@shared_task(name="agents.tasks.run_agents_task", ignore_result=True)
def run_agents_task(agent_types=None, store_id=None, execution_type=ExecutionType.MANUAL, trigger=None):
    """Run agents now (a button, a trigger): every agent's run is logged on its own."""
    logs = services.agents_run(
        execution_type=execution_type, agent_types=agent_types, store_id=store_id, trigger=trigger
    )
    return {log.agent_type: log.status for log in logs}


def _scheduled_task(agent_type):
    name = job_name(agent_type)

    @shared_task(name=f"agents.tasks.{name}", ignore_result=True)
    def run_scheduled():
        with tracked_job(name) as job:
            log = services.agent_run(agent_type, execution_type=ExecutionType.SCHEDULED)
            if log.status == ExecutionStatus.FAILED:
                raise AgentRunFailed(log.error_message)
            job.message = (
                f"{log.metadata.get('findings', 0)} findings: {log.insights_generated} new, "
                f"{log.metadata.get('updated', 0)} updated, {log.metadata.get('resolved', 0)} resolved, "
                f"{log.alerts_generated} alerts"
            )
        return job.message

    return run_scheduled


SCHEDULED_TASKS = {agent.agent_type: _scheduled_task(agent.agent_type) for agent in all_agents()}
