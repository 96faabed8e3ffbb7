"""Addresses typed with capitals in the staff admin could not sign in (sign-in looks people up by
the lower-case address): store them in lower case, as the user manager always has. An address
whose lower-case form another account already holds is left for an app admin to settle."""

from django.db import migrations

LOWER_CASE_EMAILS = """
UPDATE users AS u SET email = lower(u.email)
WHERE u.email <> lower(u.email)
  AND NOT EXISTS (SELECT 1 FROM users AS o WHERE o.id <> u.id AND lower(o.email) = lower(u.email))
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_app_admin_follows_roles_grant_invitations")]

    # Nothing to undo: the original capitals were never part of the address.
    operations = [migrations.RunSQL(LOWER_CASE_EMAILS, migrations.RunSQL.noop)]
