"""Reads of stores and everything around them, already scoped through ``stores.access``.

Store rows are loaded with ``STORE_PUBLIC_FIELDS`` only (the ``stores_public`` view's columns),
so credential tokens are not even fetched unless a page needs them (``store_get_for_credentials``).
Every list is a fixed number of queries whatever its length.
"""

from django.db.models import Case
from django.db.models import Count
from django.db.models import IntegerField
from django.db.models import OuterRef
from django.db.models import Subquery
from django.db.models import Value
from django.db.models import When
from django.db.models.functions import Coalesce

from stores.access import MANAGE_CREDENTIALS
from stores.access import MANAGE_MEMBERS
from stores.access import VIEW_STORE
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser
from stores.models import StoreUserObjectPermission

STORE_PUBLIC_FIELDS = ("id", "name", "url", "currency", "user_id", "sync_interval_minutes", "created_at", "updated_at")
# What the overview page shows besides: its connection's state, read with the row (not one
# deferred-field query each).
STORE_OVERVIEW_FIELDS = (
    *STORE_PUBLIC_FIELDS,
    "credentials_reconnect_needed",
    "woocommerce_version",
    "variations_listing",
)


def _count_of(model, store_field="store"):
    rows = (
        model.objects.filter(**{store_field: OuterRef("pk")})
        .order_by()
        .values(store_field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def stores_for(access, perm=VIEW_STORE):
    """The stores the user may see (every store for app admins), with member counts: one query.
    Product and order figures come from ``orders.overview`` (estimated for big stores): exact
    counts of a 700,000-row store cost over 400 ms."""
    queryset = Store.objects.only(*STORE_PUBLIC_FIELDS).annotate(member_count=_count_of(StoreUser))
    return access.scope(queryset, perm, store_field="pk").order_by("name", "pk")


def store_choices_for(access, perm=VIEW_STORE):
    """``(id, name)`` pairs for the sidebar and store pickers, by name: from the memberships the
    access already holds when they are all the user's stores, else one query."""
    if not access.is_admin and not access.grants:
        names = access.member_store_names
        return [(store_id, names[store_id]) for store_id in names if access.can(perm, store_id) and names[store_id]]
    return list(
        access.scope(Store.objects.all(), perm, store_field="pk").order_by("name", "pk").values_list("id", "name")
    )


def store_get(access, store_id, perm=VIEW_STORE, *, fields=STORE_PUBLIC_FIELDS):
    """One store without its credentials (``fields`` of it). 404 if the user may not see it, 403
    if they may see it but not do ``perm``."""
    access.require(perm, store_id)
    return _get_or_404(Store.objects.only(*fields), access, store_id)


def store_get_for_credentials(access, store_id):
    """The full store row, credential tokens included (owners and app admins only)."""
    access.require(MANAGE_CREDENTIALS, store_id)
    return _get_or_404(Store.objects.all(), access, store_id)


def _get_or_404(queryset, access, store_id):
    from stores.access import get_scoped_or_404

    return get_scoped_or_404(queryset, access, VIEW_STORE, store_field="pk", pk=store_id)


_ROLE_ORDER = Case(
    When(role=StoreRole.OWNER, then=Value(0)),
    When(role=StoreRole.MANAGER, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def store_members_for(access, store_id):
    """A store's members with their profiles, owners first: one query."""
    access.require(MANAGE_MEMBERS, store_id)
    return (
        StoreUser.objects.filter(store_id=store_id)
        .select_related("user", "user__profile")
        .only(
            "id",
            "role",
            "created_at",
            "store_id",
            "user__id",
            "user__email",
            "user__is_active",
            "user__profile__first_name",
            "user__profile__last_name",
            "user__profile__avatar_url",
        )
        .annotate(role_order=_ROLE_ORDER)
        .order_by("role_order", "user__email")
    )


def store_membership_get(access, store_id, membership_id, perm=MANAGE_MEMBERS):
    from stores.access import get_scoped_or_404

    access.require(perm, store_id)
    return get_scoped_or_404(
        StoreUser.objects.select_related("user", "user__profile"), access, perm, pk=membership_id, store_id=store_id
    )


def store_member_by_email(access, store_id, email):
    """The store's membership of the person with this email, or ``None``: one query. Only about
    this store's members, which the team page lists anyway, never about other accounts."""
    access.require(MANAGE_MEMBERS, store_id)
    return StoreUser.objects.select_related("user").filter(store_id=store_id, user__email__iexact=email).first()


def store_grants_for(access, store_id):
    """Explicit per-store grants (guardian rows) with their users: one query."""
    access.require(MANAGE_MEMBERS, store_id)
    return (
        StoreUserObjectPermission.objects.filter(content_object_id=store_id)
        .select_related("user", "permission", "permission__content_type")
        .order_by("user__email", "permission__codename")
    )
