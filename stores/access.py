"""The one place that decides who may do what with a store.

``store_users`` is the source of truth for roles; django-guardian's direct foreign-key tables on
``Store`` hold explicit grants that are not roles (e.g. letting a support user run syncs on one
store). ``StoreAccess`` loads both once per request (two queries) and then answers every question
from memory: views, forms, selectors, services, templates and the auth backend all ask it.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import is_app_admin
from stores.models import StoreRole, StoreUser, StoreUserObjectPermission

VIEW_STORE = "stores.view_store"
VIEW_ORDERS = "stores.view_orders"
VIEW_CUSTOMER_DATA = "stores.view_customer_data"
CHANGE_CATALOG = "stores.change_catalog"
RUN_SYNC = "stores.run_sync"
CHANGE_ORDER_STATUS = "stores.change_order_status"
CHANGE_STORE = "stores.change_store"
MANAGE_CREDENTIALS = "stores.manage_credentials"
MANAGE_WEBHOOKS = "stores.manage_webhooks"
MANAGE_MEMBERS = "stores.manage_members"
DELETE_STORE = "stores.delete_store"

_VIEWER = frozenset({VIEW_STORE, VIEW_ORDERS})
_MANAGER = _VIEWER | {CHANGE_CATALOG, RUN_SYNC, VIEW_CUSTOMER_DATA, CHANGE_ORDER_STATUS}
_OWNER = _MANAGER | {CHANGE_STORE, MANAGE_CREDENTIALS, MANAGE_WEBHOOKS, MANAGE_MEMBERS, DELETE_STORE}

ROLE_PERMISSIONS = {StoreRole.VIEWER: _VIEWER, StoreRole.MANAGER: _MANAGER, StoreRole.OWNER: _OWNER}
ALL_STORE_PERMISSIONS = _OWNER
# Explicit grants may add any store capability except those that would make someone an owner.
GRANTABLE_PERMISSIONS = frozenset(
    {VIEW_STORE, VIEW_ORDERS, VIEW_CUSTOMER_DATA, CHANGE_CATALOG, RUN_SYNC, CHANGE_ORDER_STATUS}
)
ROLE_RANK = {StoreRole.VIEWER: 1, StoreRole.MANAGER: 2, StoreRole.OWNER: 3}


@dataclass
class StoreAccess:
    """What one user may do, per store. Built by ``access_for``; costs no queries afterwards."""

    is_admin: bool = False
    roles: dict = field(default_factory=dict)  # store_id -> StoreRole value
    grants: dict = field(default_factory=dict)  # store_id -> frozenset of "app.codename"

    def permissions(self, store_id):
        if self.is_admin:
            return ALL_STORE_PERMISSIONS
        role_perms = ROLE_PERMISSIONS.get(self.roles.get(store_id), frozenset())
        granted = self.grants.get(store_id, frozenset())
        # A grant of anything on a store implies being able to see that store.
        return role_perms | granted | ({VIEW_STORE} if granted else frozenset())

    def can(self, perm, store_id):
        return perm in self.permissions(store_id)

    def role(self, store_id):
        return self.roles.get(store_id)

    def store_ids_for(self, perm):
        """Stores where ``perm`` holds; ``None`` means every store (app admins)."""
        if self.is_admin:
            return None
        candidates = set(self.roles) | set(self.grants)
        return {store_id for store_id in candidates if self.can(perm, store_id)}

    def scope(self, queryset, perm, store_field="store_id"):
        """Restrict a queryset to rows of stores where ``perm`` holds: one SQL filter."""
        store_ids = self.store_ids_for(perm)
        if store_ids is None:
            return queryset
        return queryset.filter(**{f"{store_field}__in": store_ids})

    def require(self, perm, store_id):
        """404 for a store the user may not see, 403 for a missing capability on one they can."""
        if not self.can(VIEW_STORE, store_id):
            raise Http404("No such store.")
        if not self.can(perm, store_id):
            raise PermissionDenied


ANONYMOUS_ACCESS = StoreAccess()


def load_access(user):
    """Two queries: the user's memberships and their direct guardian grants on stores."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_ACCESS
    if is_app_admin(user):
        return StoreAccess(is_admin=True)
    roles = dict(StoreUser.objects.filter(user=user).values_list("store_id", "role"))
    grants = {}
    rows = StoreUserObjectPermission.objects.filter(user=user).values_list(
        "content_object_id", "permission__content_type__app_label", "permission__codename"
    )
    for store_id, app_label, codename in rows:
        grants.setdefault(store_id, set()).add(f"{app_label}.{codename}")
    return StoreAccess(roles=roles, grants={store_id: frozenset(perms) for store_id, perms in grants.items()})


def access_for(user):
    """The user's access, loaded once per user object (so once per request)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS_ACCESS
    cached = getattr(user, "_storedesk_access", None)
    if cached is None:
        cached = load_access(user)
        user._storedesk_access = cached
    return cached


def forget_access(user):
    """Drop the cached access after the user's own memberships changed within this request."""
    user.__dict__.pop("_storedesk_access", None)


def get_scoped_or_404(queryset, access, perm, store_field="store_id", **lookup):
    """Fetch one object through the user's scope: anything outside it is a 404."""
    try:
        return access.scope(queryset, perm, store_field).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
