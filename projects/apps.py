from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from audit.presenters import register_table
        from projects.models import DeploymentStatus

        # The audit trail words a deployment's status.
        register_table("deployments", status_labels=dict(DeploymentStatus.choices))
