from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from accounts.models import User
from accounts.sql_access import login_name
from accounts.sql_access import revoke_sql_access


class Command(BaseCommand):
    help = "Drop the PostgreSQL login grant_sql_access made for EMAIL (its open sessions end)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {email}.")
        if revoke_sql_access(user):
            self.stdout.write(f"Dropped the SQL login {login_name(user)}.")
        else:
            self.stdout.write(f"{user.email} had no SQL login.")
