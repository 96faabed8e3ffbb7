"""CI/CD: record a deployment and, with ``--id``, its outcome.

    id=$(manage.py record_deployment --version 1.4.2 --environment production --status in_progress \
         --commit "$GIT_SHA" --sprint "$SPRINT_ID" --tasks "$T1" "$T2" --by ci@example.com)
    manage.py record_deployment --id "$id" --status success
    manage.py record_deployment --id "$id" --status failed --error-log-file deploy.log

Prints the deployment's id. Bad input (unknown sprint, task or person, a bad status) exits with a
non-zero status and a one-line error on stderr; nothing is written then.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from audit.actor import audit_actor
from projects import services
from projects.models import DeploymentStatus
from projects.models import Environment

ERROR_LOG_MAX_BYTES = 1024 * 1024  # the tail is kept: the end of a log says why it failed


class Command(BaseCommand):
    help = "Record a deployment (prints its id), or update one with --id."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # "--version" is the deployment's version here, not Django's own version flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="deployment_id", help="Update this deployment instead of recording one.")
        parser.add_argument("--version")
        parser.add_argument("--environment", choices=Environment.values)
        parser.add_argument("--status", choices=DeploymentStatus.values, required=True)
        parser.add_argument("--commit", dest="git_commit_hash")
        parser.add_argument("--sprint", dest="sprint_id")
        parser.add_argument("--tasks", nargs="*", default=[], dest="task_ids", metavar="TASK_ID")
        parser.add_argument("--notes")
        parser.add_argument("--error-log-file", dest="error_log_file")
        parser.add_argument("--by", dest="deployed_by_email", metavar="EMAIL")

    def handle(self, *args, **options):
        error_log = self._error_log(options["error_log_file"])
        try:
            with audit_actor.system("deploy"):
                if options["deployment_id"]:
                    deployment = services.deployment_update_status(
                        deployment_id=options["deployment_id"],
                        status=options["status"],
                        notes=options["notes"],
                        error_log=error_log,
                    )
                else:
                    if not options["version"] or not options["environment"]:
                        raise CommandError("--version and --environment are required to record a deployment.")
                    deployment = services.deployment_record(
                        version=options["version"],
                        environment=options["environment"],
                        status=options["status"],
                        git_commit_hash=options["git_commit_hash"],
                        sprint_id=options["sprint_id"],
                        task_ids=options["task_ids"],
                        notes=options["notes"],
                        error_log=error_log,
                        deployed_by_email=options["deployed_by_email"],
                    )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(str(deployment.pk))

    def _error_log(self, path):
        if not path:
            return None
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read the error log file: {error.strerror}") from error
        return data[-ERROR_LOG_MAX_BYTES:].decode("utf-8", errors="replace")
