from django.db import transaction

from accounts.models import AppRole, Profile, User, UserRole


@transaction.atomic
def user_create(*, email, password=None, first_name=None, last_name=None, phone=None, is_active=True):
    """Create a user; the database trigger ``handle_new_user`` adds their profile in the same
    transaction, and the names given here are written onto it."""
    user = User.objects.create_user(email=email, password=password, is_active=is_active)
    Profile.objects.filter(pk=user.pk).update(first_name=first_name, last_name=last_name, phone=phone)
    return user


@transaction.atomic
def user_role_grant(*, user, role):
    """Give an app role. ``admin`` also makes the user Django-admin staff, and only it does."""
    UserRole.objects.get_or_create(user=user, role=role)
    if role == AppRole.ADMIN and not (user.is_staff and user.is_superuser):
        # App admins have full access to every table (the inventory's admin policies).
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])


@transaction.atomic
def user_role_revoke(*, user, role):
    UserRole.objects.filter(user=user, role=role).delete()
    if role == AppRole.ADMIN and user.is_staff:
        user.is_staff = False
        user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])


def has_role(user, role):
    """The inventory's ``has_role(user_id, role)``."""
    return user.is_authenticated and UserRole.objects.filter(user=user, role=role).exists()
