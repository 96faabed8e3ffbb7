"""App roles (``user_roles``): "does this user have role X?" (the inventory's ``has_role``).

``users.is_staff`` and ``users.is_superuser`` are kept equal to "has the ``admin`` role" by
PostgreSQL triggers (migration ``accounts.0004``), whoever writes ``user_roles``: the services,
the Django admin, raw SQL or an import with COPY. The admin check therefore reads the user row
that authentication loads anyway: no extra query per request, and a grant or revocation applies
from the person's next request. Pages ask ``stores.access`` (``access.is_admin``,
``access.app_roles``), which reads the same flag and rows in the query it makes anyway.
"""

from accounts.models import AppRole
from accounts.models import UserRole


def has_role(user, role):
    """The inventory's ``has_role(user_id, role)``, for a signed-in, active user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if role == AppRole.ADMIN:
        return user.is_staff
    return UserRole.objects.filter(user=user, role=role).exists()
