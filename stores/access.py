"""The one place that decides who may do what with a store, and with the team's projects.

``store_users`` is the source of truth for roles; django-guardian's direct foreign-key tables on
``Store`` hold explicit grants that are not roles (e.g. letting a support user run syncs on one
store). ``StoreAccess`` loads both once per request (two queries) and then answers every question
from memory: views, forms, selectors, services, templates and the auth backend all ask it.

Projects (the team's delivery tracker, ``projects/``) are not about a store: app admins manage
everything; people with the ``user`` app role (``user_roles``) are the team: they see every
project page, create and edit tasks and bugs, log their own work and comment. The app roles ride
in the memberships query (a ``UNION ALL``), so the count stays two.
"""

import contextlib
from dataclasses import dataclass
from dataclasses import field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from stores.models import StoreRole

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
# The agents' insights and alerts about a store (agents/): owners and managers see and work them;
# owners (and app admins) may also run the store's agents by hand.
VIEW_INSIGHTS = "stores.view_insights"
RUN_AGENTS = "stores.run_agents"

_VIEWER = frozenset({VIEW_STORE, VIEW_ORDERS})
_MANAGER = _VIEWER | {CHANGE_CATALOG, RUN_SYNC, VIEW_CUSTOMER_DATA, CHANGE_ORDER_STATUS, VIEW_INSIGHTS}
_OWNER = _MANAGER | {CHANGE_STORE, MANAGE_CREDENTIALS, MANAGE_WEBHOOKS, MANAGE_MEMBERS, DELETE_STORE, RUN_AGENTS}

ROLE_PERMISSIONS = {StoreRole.VIEWER: _VIEWER, StoreRole.MANAGER: _MANAGER, StoreRole.OWNER: _OWNER}
ALL_STORE_PERMISSIONS = _OWNER
# Explicit grants may add any store capability except those that would make someone an owner.
GRANTABLE_PERMISSIONS = frozenset(
    {VIEW_STORE, VIEW_ORDERS, VIEW_CUSTOMER_DATA, CHANGE_CATALOG, RUN_SYNC, CHANGE_ORDER_STATUS}
)
ROLE_RANK = {StoreRole.VIEWER: 1, StoreRole.MANAGER: 2, StoreRole.OWNER: 3}

# Projects: one set for the whole app (not per store).
VIEW_PROJECTS = "projects.view_projects"
WORK_ON_PROJECTS = "projects.work_on_projects"  # tasks, bugs, comments, one's own work logs
MANAGE_PROJECTS = "projects.manage_projects"  # sprints' lifecycle, deployments, others' work logs
TEAM_APP_ROLE = "user"  # accounts.AppRole.USER (accounts is built on this app)
TEAM_PROJECT_PERMISSIONS = frozenset({VIEW_PROJECTS, WORK_ON_PROJECTS})
ALL_PROJECT_PERMISSIONS = TEAM_PROJECT_PERMISSIONS | {MANAGE_PROJECTS}


@dataclass
class StoreAccess:
    """What one user may do, per store. Built by ``access_for``; costs no queries afterwards."""

    is_admin: bool = False
    signed_in: bool = False
    roles: dict = field(default_factory=dict)  # store_id -> StoreRole value
    grants: dict = field(default_factory=dict)  # store_id -> frozenset of "app.codename"
    app_roles: frozenset = frozenset()  # the user's ``user_roles`` values
    # The names of the stores the user is a member of, in the stores' order (name, id): the
    # sidebar's list without a query of its own.
    member_store_names: dict = field(default_factory=dict)

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

    @property
    def can_connect_stores(self):
        """Whether the user may connect a new store: ``STORE_CONNECT`` says everyone signed in
        (the default) or app admins only."""
        return self.is_admin or (self.signed_in and settings.STORE_CONNECT == "everyone")

    def require_connect_stores(self):
        if not self.can_connect_stores:
            raise PermissionDenied

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

    def can_project(self, perm):
        """Project permissions: everything for app admins, the team's set for the ``user`` role."""
        if self.is_admin:
            return perm in ALL_PROJECT_PERMISSIONS
        return TEAM_APP_ROLE in self.app_roles and perm in TEAM_PROJECT_PERMISSIONS

    def require_project(self, perm):
        """404 for anyone outside the team (projects do not exist for them), 403 for a missing capability."""
        if not self.can_project(VIEW_PROJECTS):
            raise Http404("No such page.")
        if not self.can_project(perm):
            raise PermissionDenied

    def require(self, perm, store_id):
        """404 for a store the user may not see, 403 for a missing capability on one they can."""
        if not self.can(VIEW_STORE, store_id):
            raise Http404("No such store.")
        if not self.can(perm, store_id):
            raise PermissionDenied


ANONYMOUS_ACCESS = StoreAccess()


# The two queries of every signed-in request, as fixed SQL: built with the ORM (a union, a
# subquery, two joins) they cost about 2.5 ms of CPU per request, as fixed SQL 0.25 ms. A store's
# name is a subquery, not a join: a membership row is never lost to a store row the database does
# not show. App roles (``user_roles``, the user model's ``app_roles``) come back as rows without a
# store.
_MEMBERSHIPS_AND_APP_ROLES = """
    SELECT m.store_id, m.role, (SELECT s.name FROM stores s WHERE s.id = m.store_id)
    FROM store_users m WHERE m.user_id = %(user)s
    UNION ALL
    SELECT NULL, r.role, NULL FROM user_roles r WHERE r.user_id = %(user)s
    ORDER BY 3 NULLS LAST, 1
"""
_GRANTS = """
    SELECT g.content_object_id, t.app_label, p.codename
    FROM store_user_object_permissions g
    JOIN auth_permission p ON p.id = g.permission_id
    JOIN django_content_type t ON t.id = p.content_type_id
    WHERE g.user_id = %(user)s
"""


def _rows(sql, user):
    with connection.cursor() as cursor:
        cursor.execute(sql, {"user": user.pk})
        return cursor.fetchall()


def load_access(user):
    """Two queries: the user's memberships with their app roles, and their direct guardian grants on
    stores (one for app admins). The user model is the foundation this app builds on (through
    ``settings.AUTH_USER_MODEL``, as every Django app does): its app roles (``user_roles``) and its
    ``is_staff`` flag, which PostgreSQL triggers keep equal to having the ``admin`` app role
    (``accounts.roles``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_ACCESS
    roles, names, app_roles = {}, {}, set()
    for store_id, role, name in _rows(_MEMBERSHIPS_AND_APP_ROLES, user):
        if store_id is None:
            app_roles.add(role)
        else:
            roles[store_id] = role
            names[store_id] = name
    if user.is_staff:
        # App admins may do everything; their own memberships still name their role on a store.
        return StoreAccess(
            is_admin=True, signed_in=True, roles=roles, app_roles=frozenset(app_roles), member_store_names=names
        )
    grants = {}
    for store_id, app_label, codename in _rows(_GRANTS, user):
        grants.setdefault(store_id, set()).add(f"{app_label}.{codename}")
    return StoreAccess(
        signed_in=True,
        roles=roles,
        grants={store_id: frozenset(perms) for store_id, perms in grants.items()},
        app_roles=frozenset(app_roles),
        member_store_names=names,
    )


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
    # ``del`` rather than ``__dict__``: request.user is a lazy object that forwards attributes.
    with contextlib.suppress(AttributeError):
        del user._storedesk_access


def get_scoped_or_404(queryset, access, perm, store_field="store_id", **lookup):
    """Fetch one object through the user's scope: anything outside it is a 404."""
    try:
        return access.scope(queryset, perm, store_field).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
