"""People: GoTrue's ``auth.users`` -> ``users``, passwords kept.

GoTrue stores bcrypt hashes (``$2a$10$…``) in ``encrypted_password``. Django's
``BCryptPasswordHasher`` (``algorithm = "bcrypt"``, no pre-hash) verifies ``bcrypt$<hash>``: it
splits off ``bcrypt$`` and calls ``bcrypt.hashpw(password, <hash>)``, which reuses the hash's own
``$2a$`` prefix, cost and salt, so GoTrue's hashes verify unchanged. ``PASSWORD_HASHERS`` lists it
after the default, so the first successful sign-in re-hashes the password with the default
hasher (``check_password``'s ``must_update``). People without a password (magic link, OAuth)
get an unusable password; "Forgot your password?" sends them a link to set one
(``accounts.forms.SetOrResetPasswordForm``).
"""

# Anything else in ``encrypted_password`` (empty for magic-link and OAuth users) is no password.
_BCRYPT = r"^\$2[abxy]\$[0-9]{2}\$[./A-Za-z0-9]{53}$"
# Unusable (Django's "!" prefix) and the same on every run, so a re-import finds it unchanged.
UNUSABLE_PASSWORD = "!imported-from-supabase-without-a-password"

USER_SELECT = {
    "id": "s.id",
    "email": "lower(s.email)",
    "password": (
        f"CASE WHEN s.encrypted_password ~ '{_BCRYPT}' THEN 'bcrypt$' || s.encrypted_password"
        f" ELSE '{UNUSABLE_PASSWORD}' END"
    ),
    "email_confirmed_at": "s.email_confirmed_at",
    "date_joined": "COALESCE(s.created_at, now())",
    "last_login": "s.last_sign_in_at",
    # Banned (until a date still to come) or deleted (newer GoTrue soft-deletes) -> inactive.
    "is_active": "(s.banned_until IS NULL OR s.banned_until <= now()) AND (to_jsonb(s) ->> 'deleted_at') IS NULL",
    # App admins come from user_roles (``promote_admins``), never from the source's own flags.
    "is_staff": "false",
    "is_superuser": "false",
}

USER_ON_UPDATE = {
    # A password set or upgraded here (not an imported hash, not the unusable marker) is newer
    # than anything the old app holds: a re-import never puts an old password back.
    "password": (
        "CASE WHEN t.password LIKE 'bcrypt$%%' OR t.password LIKE '!%%' THEN EXCLUDED.password ELSE t.password END"
    ),
    "last_login": "GREATEST(t.last_login, EXCLUDED.last_login)",
    # Deactivating is how an app admin shuts someone out here: a re-import deactivates people the
    # old app banned since, never reactivates anyone (``before_users_write`` reports them).
    "is_active": "t.is_active AND EXCLUDED.is_active",
    "is_staff": "t.is_staff",
    "is_superuser": "t.is_superuser",
}

# The one place the import makes app admins: an ``admin`` row in user_roles makes the user
# Django-admin staff and superuser at once, as ``accounts.services.user_role_grant`` does.
PROMOTE_ADMINS_SQL = """
UPDATE users AS u SET is_staff = true, is_superuser = true
FROM user_roles AS r
WHERE r.user_id = u.id AND r.role = 'admin' AND NOT (u.is_staff AND u.is_superuser)
"""


def promote_admins(cursor):
    """Make every user with the ``admin`` app role an app admin; returns how many changed."""
    cursor.execute(PROMOTE_ADMINS_SQL)
    return cursor.rowcount


# The users this run adds, for counting their profiles as new (``profiles_made_with_their_users``).
NEW_USERS = "_import_new_user_ids"
_EMAIL_TAKEN_HINT = (
    "An account here already uses that e-mail (one made before the import?): remove or rename it"
    " here and run the import again; the person's stores and memberships come with them."
)


def before_users_write(cursor, stage, result):
    """Remember which staged users are new, and explain refusals for a taken e-mail."""
    cursor.execute(f"DROP TABLE IF EXISTS {NEW_USERS}")
    cursor.execute(
        f"CREATE TEMP TABLE {NEW_USERS} AS SELECT s.id FROM {stage} AS s"
        " WHERE s._refused IS NULL AND NOT EXISTS (SELECT 1 FROM users AS u WHERE u.id = s.id)"
    )
    if any(reason.endswith("this email") for reason, _, _ in result.reasons):
        result.notes.append(_EMAIL_TAKEN_HINT)
    cursor.execute(
        f"SELECT count(*) FROM {stage} AS s JOIN users AS u ON u.id = s.id"
        " WHERE s._refused IS NULL AND s.is_active AND NOT u.is_active"
    )
    kept_inactive = cursor.fetchone()[0]
    if kept_inactive:
        result.notes.append(
            f"{kept_inactive:,} {'person' if kept_inactive == 1 else 'people'} inactive here but active in the"
            " source stays inactive (deactivated here, or banned in the source when imported before):"
            " reactivate them in the admin where that is wanted."
        )


def profiles_made_with_their_users(cursor, stage):
    """``handle_new_user()`` gave each new user a profile, which the imported profile row then
    fills in: how many of the "changed" profiles are really new ones."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"pg_temp.{NEW_USERS}"])
    if not cursor.fetchone()[0]:
        return 0
    cursor.execute(f"SELECT count(*) FROM {stage} AS s JOIN {NEW_USERS} AS n ON n.id = s.id WHERE s._refused IS NULL")
    return cursor.fetchone()[0]


def forget_new_users(cursor):
    cursor.execute(f"DROP TABLE IF EXISTS {NEW_USERS}")


def stores_without_an_owner_note(cursor, shown=10):
    """The note naming the stores no owner manages here (only owners run a store's team and
    credentials, so an app admin must appoint one), or ``None``."""
    cursor.execute(
        "SELECT s.name FROM stores AS s WHERE NOT EXISTS"
        " (SELECT 1 FROM store_users AS m WHERE m.store_id = s.id AND m.role = 'owner') ORDER BY s.name"
    )
    names = [name for (name,) in cursor.fetchall()]
    if not names:
        return None
    listed = ", ".join(names[:shown]) + (", …" if len(names) > shown else "")
    stores = "store has" if len(names) == 1 else "stores have"
    return f"{len(names):,} {stores} no owner here ({listed}): an app admin appoints one in the admin."
