"""Reads for accounts pages, scoped through ``stores.access``."""

from django.utils import timezone

from accounts.models import Invitation
from accounts.models import Profile
from stores.access import MANAGE_MEMBERS


def invitations_pending_for(access, store_id):
    """Open invitations of a store (expired ones included, marked by the template): one query."""
    access.require(MANAGE_MEMBERS, store_id)
    return (
        Invitation.objects.filter(store_id=store_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .only(
            "id",
            "email",
            "role",
            "permission",
            "created_at",
            "expires_at",
            "store_id",
            "invited_by__id",
            "invited_by__email",
        )
        .order_by("-created_at", "pk")
    )


def invitation_is_expired(invitation):
    return invitation.expires_at <= timezone.now()


def profile_get(user):
    return Profile.objects.get(pk=user.pk)
