from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Each agent is a job of the one scheduler (audit/jobs.py), on the "agents" queue.
        from django.conf import settings

        from agents.registry import all_agents
        from agents.registry import job_name
        from agents.services import security_alert_create
        from agents.triggers import on_deployment_failed
        from audit import anomalies
        from audit import jobs
        from projects.hooks import on_deployment_failed as projects_on_deployment_failed

        projects_on_deployment_failed(on_deployment_failed)
        # Security anomalies (audit) land in the admins' alert feed.
        anomalies.register_notifier(security_alert_create)

        for agent in all_agents():
            jobs.register_job(
                job_name(agent.agent_type),
                f"agents.tasks.{job_name(agent.agent_type)}",
                settings.AGENTS_INTERVAL_SECONDS,
                "agents",
            )
