"""``manage.py import_supabase --source postgres://…``: bring a team's Supabase database over.

See ``accounts/supabase_import`` and the README's "Moving from Supabase"."""

import sys

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from accounts import hooks
from accounts.supabase_import.credentials import CredentialsUnreadable
from accounts.supabase_import.loader import ImportCheckFailed
from accounts.supabase_import.report import JOB_NAME
from accounts.supabase_import.runner import Importer
from accounts.supabase_import.runner import Progress
from accounts.supabase_import.source import SourceError
from accounts.supabase_import.tables import TABLE_NAMES
from audit.jobs import tracked_job


class Command(BaseCommand):
    help = "Import a Supabase database shaped like the inventory (public schema + auth.users), read-only."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="postgres:// URL of the Supabase database (read only)")
        parser.add_argument(
            "--dry-run", action="store_true", help="count new/changed/unchanged/refused rows, write nothing"
        )
        parser.add_argument("--only", nargs="+", metavar="TABLE", choices=TABLE_NAMES, help="import only these tables")
        parser.add_argument("--storage-dir", help="the product-images bucket exported as a directory")
        parser.add_argument(
            "--credentials-passphrase",
            help="the passphrase the stores' credentials were pgp_sym_encrypt-ed with ('-': read it from stdin)",
        )
        parser.add_argument(
            "--skip-credentials",
            action="store_true",
            help='import stores whose credentials cannot be read marked "reconnect needed"',
        )
        parser.add_argument(
            "--repoint-webhooks",
            action="store_true",
            help="point the stores' WooCommerce webhooks at this installation (secrets kept)",
        )

    @staticmethod
    def _passphrase(value):
        """``-`` reads the passphrase from standard input: a command line is visible to ``ps``."""
        if value == "-":
            return sys.stdin.readline().rstrip("\n")
        return value

    def handle(self, *args, **options):
        importer_options = {
            "source_url": options["source"],
            "dry_run": options["dry_run"],
            "only": options["only"],
            "storage_dir": options["storage_dir"],
            "passphrase": self._passphrase(options["credentials_passphrase"]),
            "skip_credentials": options["skip_credentials"],
            "progress": Progress(self.stderr),
        }
        self.stderr.ending = ""  # the progress bar ends its own lines
        try:
            if options["dry_run"]:
                report = Importer(**importer_options).run()
            else:
                with tracked_job(JOB_NAME) as job:
                    report = Importer(**importer_options).run()
                    if options["repoint_webhooks"]:
                        for line in hooks.imported_webhooks_repoint():
                            report.note(line)
                    job.message = report.summary()
        except (SourceError, CredentialsUnreadable, ImportCheckFailed, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.text())
