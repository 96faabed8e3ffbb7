from django.core.management.base import BaseCommand

from projects.tasks import project_alerts_refresh


class Command(BaseCommand):
    help = "Run the project alert rules once (overdue, budget, sprint delay, critical bugs, failed deployments)."

    def handle(self, *args, **options):
        self.stdout.write(project_alerts_refresh())
