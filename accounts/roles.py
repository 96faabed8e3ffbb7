"""App roles (``user_roles``): the one place that answers "does this user have role X?".

``users.is_staff`` and ``users.is_superuser`` are kept equal to "has the ``admin`` role" by
PostgreSQL triggers (migration ``accounts.0004``), whoever writes ``user_roles``: the services,
the Django admin, raw SQL or an import with COPY. The admin check therefore reads the user row
that authentication loads anyway: no extra query per request, and a grant or revocation applies
from the person's next request.
"""

from accounts.models import AppRole, UserRole


def has_role(user, role):
    """The inventory's ``has_role(user_id, role)``, for a signed-in, active user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if role == AppRole.ADMIN:
        return user.is_staff
    return UserRole.objects.filter(user=user, role=role).exists()


def is_app_admin(user):
    return has_role(user, AppRole.ADMIN)
