import os
import secrets

from django.core.management.base import BaseCommand

from accounts.models import AppRole
from accounts.models import User
from accounts.services import user_create
from accounts.services import user_role_grant


class Command(BaseCommand):
    help = "Create the first app admin if missing and print how to sign in (ADMIN_EMAIL, ADMIN_PASSWORD)."

    def handle(self, *args, **options):
        email = os.environ.get("ADMIN_EMAIL", "admin@storedesk.local").strip().lower()
        password = os.environ.get("ADMIN_PASSWORD")
        user = User.objects.filter(email=email).first()
        if user is None:
            generated = not password
            password = password or secrets.token_urlsafe(12)
            user = user_create(email=email, password=password, first_name="Admin")
            user_role_grant(user=user, role=AppRole.ADMIN)
            self.stdout.write(self.style.SUCCESS(f"Created the app admin {email}."))
            if generated:
                self.stdout.write(f"Its password is: {password}  (shown once; change it after signing in)")
        else:
            user_role_grant(user=user, role=AppRole.ADMIN)
            self.stdout.write(
                f"The app admin {email} already exists; reset its password with: manage.py changepassword {email}"
            )
        self.stdout.write(f"ADMIN_EMAIL={email}")
