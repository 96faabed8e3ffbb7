"""``manage.py cleanup_logs [--dry-run] [--only NAME ...] [--batch-size N]``

The retention job for system cron (the same as the ``cleanup_logs`` Celery job beat queues):
deletes rows older than their ``RETENTION_DAYS`` window in batches. For example::

    # m h dom mon dow  command
    15 3 * * *  cd /srv/storedesk && .venv/bin/python manage.py cleanup_logs
"""

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from audit import cleanup
from audit.actor import SYSTEM_CLEANUP
from audit.actor import audit_actor
from audit.jobs import tracked_job


class Command(BaseCommand):
    help = "Delete expired log rows (retention windows from RETENTION_DAYS) in small batches."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; delete nothing.")
        parser.add_argument(
            "--only",
            nargs="+",
            metavar="NAME",
            help="Run only these jobs (names or comma-separated). Known: " + ", ".join(cleanup.cleanup_jobs()),
        )
        parser.add_argument("--batch-size", type=int, help="Rows per delete transaction (default CLEANUP_BATCH_SIZE).")

    def handle(self, *args, dry_run=False, only=None, batch_size=None, **options):
        names = [name.strip() for item in (only or []) for name in item.split(",") if name.strip()] or None
        unknown = sorted(set(names or ()) - set(cleanup.cleanup_jobs()))
        if unknown:
            raise CommandError(
                f"Unknown cleanup job(s): {', '.join(unknown)}. Known: {', '.join(cleanup.cleanup_jobs())}."
            )
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if dry_run:
            results = cleanup.run_cleanup(names, dry_run=True, batch_size=batch_size)
        else:
            with tracked_job("cleanup_logs") as job, audit_actor.system(SYSTEM_CLEANUP):
                results = cleanup.run_cleanup(names, batch_size=batch_size)
                job.message = cleanup.summarize(results)
        for result in results:
            self.stdout.write(f"{result} (cutoff {result.cutoff:%Y-%m-%d %H:%M} UTC)")
        total = sum(result.removed for result in results)
        self.stdout.write(self.style.SUCCESS(f"{'Would remove' if dry_run else 'Removed'} {total} rows in total."))
