from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from accounts.models import User
from accounts.sql_access import SqlAccessError
from accounts.sql_access import grant_sql_access


class Command(BaseCommand):
    help = (
        "Create (or give a new password to) a PostgreSQL login that sees exactly what EMAIL sees in "
        "Storedesk (their stores, customer data masked where they may not see it), for BI tools and psql. "
        "Prints its connection URL once."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user with the email {email}.")
        try:
            login = grant_sql_access(user)
        except SqlAccessError as exc:
            raise CommandError(str(exc)) from None
        verb = "New password for" if login.rotated else "Created"
        self.stderr.write(f"{verb} the SQL login {login.login} (sees what {user.email} sees). Shown once:")
        self.stdout.write(login.url)
