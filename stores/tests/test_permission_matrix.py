"""Every URL of the project x every role, for objects of the user's own store and of another.

The URL list comes from ``get_resolver().url_patterns`` (walked recursively), so a new URL
without an entry in ``MATRIX`` fails ``test_every_url_has_a_matrix_entry`` and its own case.

Roles: anonymous, viewer / manager / owner (members of store A), other_owner (owner of store B),
admin (app admin, member of nothing), team (the ``user`` app role, member of nothing: the
projects pages are theirs, store pages do not exist for them). "own" is the role's store (A; B for other_owner) and
"other" the other one. An entry gives the expected answer on the role's *own* store objects;
on *another* store's objects every member role gets 404 (objects of a store the user may not
see do not exist for them), anonymous gets the login redirect, and the app admin gets what it
gets on its own.

How to add an entry for a new page: ``"app:name": store_page(GET, viewer=200, manager=200,
owner=200)`` for a page of one store (admin defaults to the owner's answer), ``site_page(...)``
for a page that is not about one store, and a value in ``_kwargs_for`` for any new URL
parameter (an object of the target store).
"""

import re
import uuid
from dataclasses import dataclass
from dataclasses import field

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern
from django.urls import URLResolver
from django.urls import get_resolver
from django.urls import reverse

from catalog.tests.html_forms import duplicate_ids
from stores.tests.helpers import ROLES
from stores.tests.helpers import build_world

LOGIN = "login"  # a redirect to the login page
ADMIN_LOGIN = "admin-login"  # a redirect to the admin's login page
REDIRECT = "redirect"  # any redirect that is not to a login page
OK_OR_UNAVAILABLE = "200/503"  # /healthz depends on Redis and beat
GET, POST = "get", "post"
NO_SUCH_SUSPENSION = uuid.UUID(int=1)  # undoing it is a clear error message, not a 500


@dataclass
class Entry:
    method: str
    store_scoped: bool
    own: dict  # role -> expected answer on the role's own store
    data: dict = field(default_factory=dict)
    note: str = ""
    url: str = ""  # for patterns without a name

    def expected(self, role, target):
        if role == "anonymous" and self.store_scoped:
            return LOGIN
        if target == "other" and self.store_scoped and role != "admin":
            return 404
        return self.own[role]


def store_page(method, *, viewer, manager, owner, admin=None, data=None, note=""):
    own = {
        "anonymous": LOGIN,
        "viewer": viewer,
        "manager": manager,
        "owner": owner,
        "other_owner": owner,
        "admin": owner if admin is None else admin,
        "team": 404,  # a member of no store
    }
    return Entry(method, True, own, data or {}, note)


def site_page(method, *, anonymous, member, admin=None, team=None, data=None, note="", url=""):
    own = dict.fromkeys(ROLES, member)
    own["anonymous"] = anonymous
    own["admin"] = member if admin is None else admin
    own["team"] = member if team is None else team
    return Entry(method, False, own, data or {}, note, url)


def project_page(method, *, team, admin=None, data=None):
    """A projects page: the team's and the app admins'; for store members it does not exist."""
    return site_page(method, anonymous=LOGIN, member=404, team=team, admin=team if admin is None else admin, data=data)


MATRIX = {
    # site
    "healthz": site_page(GET, anonymous=OK_OR_UNAVAILABLE, member=OK_OR_UNAVAILABLE),
    "home": site_page(GET, anonymous=LOGIN, member=200),
    "favicon": site_page(GET, anonymous=REDIRECT, member=REDIRECT, note="to the static icon"),
    "set_language": site_page(POST, anonymous=REDIRECT, member=REDIRECT, data={"language": "he", "next": "/"}),
    "invitation_accept": site_page(GET, anonymous=200, member=200, note="public one-time link"),
    "uploaded_image": site_page(
        GET,
        anonymous=404,
        member=404,
        note="public (the shop downloads uploads from here); no file of that name exists",
        url="/uploads/product-images/00000000-0000-0000-0000-000000000000/" + "0" * 32 + ".png",
    ),
    # accounts
    "accounts:login": site_page(GET, anonymous=200, member=REDIRECT),
    "accounts:logout": site_page(POST, anonymous=LOGIN, member=LOGIN, note="signs out, back to the login page"),
    "accounts:profile": site_page(GET, anonymous=LOGIN, member=200),
    "accounts:password_change": site_page(GET, anonymous=LOGIN, member=200),
    "accounts:password_change_done": site_page(GET, anonymous=LOGIN, member=200),
    "accounts:password_reset": site_page(GET, anonymous=200, member=200),
    "accounts:password_reset_done": site_page(GET, anonymous=200, member=200),
    "accounts:password_reset_confirm": site_page(GET, anonymous=200, member=200, note="invalid link page"),
    "accounts:password_reset_complete": site_page(GET, anonymous=200, member=200),
    # stores
    "stores:create": site_page(GET, anonymous=LOGIN, member=200),
    "stores:detail": store_page(GET, viewer=200, manager=200, owner=200),
    "stores:settings": store_page(GET, viewer=403, manager=403, owner=200),
    "stores:credentials": store_page(GET, viewer=403, manager=403, owner=200),
    "stores:credentials_reveal": store_page(GET, viewer=403, manager=403, owner=200),
    "stores:test_connection": store_page(POST, viewer=403, manager=403, owner=REDIRECT),
    "stores:credential_log": store_page(GET, viewer=403, manager=403, owner=200),
    "stores:team": store_page(GET, viewer=403, manager=403, owner=200),
    "stores:invite": store_page(
        POST, viewer=403, manager=403, owner=REDIRECT, data={"email": "new.person@example.com", "role": "viewer"}
    ),
    "stores:member_role": store_page(POST, viewer=403, manager=403, owner=REDIRECT, data={"role": "manager"}),
    "stores:member_remove": store_page(POST, viewer=403, manager=403, owner=REDIRECT),
    "stores:invitation_revoke": store_page(POST, viewer=403, manager=403, owner=REDIRECT),
    "stores:grant": store_page(
        POST,
        viewer=403,
        manager=403,
        owner=REDIRECT,
        data={"email": "viewer@example.com", "permission": "stores.run_sync"},
    ),
    "stores:grant_revoke": store_page(POST, viewer=403, manager=403, owner=REDIRECT),
    "stores:delete": store_page(GET, viewer=403, manager=403, owner=200),
}

# Dashboard pages: catalog, orders, sync, webhooks. Writes need change_catalog /
# change_order_status / run_sync (managers and owners); viewers read everything except the open
# sync errors (the sync app scopes them to run_sync). Webhook settings are the owner's.
_VIEW = {"viewer": 200, "manager": 200, "owner": 200}
_EDIT_PAGE = {"viewer": 403, "manager": 200, "owner": 200}
_WRITE = {"viewer": 403, "manager": REDIRECT, "owner": REDIRECT}
_OWNER_WRITE = {"viewer": 403, "manager": 403, "owner": REDIRECT}
MATRIX.update(
    {
        "catalog:product_list": store_page(GET, **_VIEW),
        "catalog:product_bulk": store_page(POST, **_WRITE, data={"action": "status", "status": "draft"}),
        "catalog:product_create": store_page(GET, **_EDIT_PAGE),
        "catalog:product_export": store_page(POST, **_VIEW),
        # A background export and an import are their requester's (the world's: the owner's).
        "catalog:product_export_status": store_page(GET, viewer=404, manager=404, owner=200, admin=404),
        "catalog:product_export_download": store_page(GET, viewer=404, manager=404, owner=404, admin=404),
        "catalog:product_import": store_page(GET, **_EDIT_PAGE),
        "catalog:product_import_preview": store_page(GET, viewer=403, manager=404, owner=200, admin=404),
        "catalog:product_import_progress": store_page(GET, viewer=403, manager=404, owner=REDIRECT, admin=404),
        "catalog:product_detail": store_page(GET, **_VIEW),
        "catalog:product_edit": store_page(GET, **_EDIT_PAGE),
        "catalog:product_push_status": store_page(GET, **_VIEW),
        "catalog:product_repush": store_page(POST, **_WRITE),
        "catalog:product_trash": store_page(POST, **_WRITE),
        "catalog:variation_update": store_page(POST, **_WRITE, data={"regular_price": "99"}),
        "catalog:variation_create": store_page(POST, **_WRITE, data={"newvar-regular_price": "99"}),
        "catalog:variations_generate": store_page(POST, **_WRITE),
        "catalog:variation_delete": store_page(POST, **_WRITE),
        "catalog:variation_edit": store_page(GET, **_EDIT_PAGE),
        "catalog:images_upload": store_page(POST, **_WRITE),
        "catalog:images_order": store_page(POST, **_WRITE),
        "catalog:image_change": store_page(POST, **_WRITE, data={"action": "up"}),
        "catalog:product_attributes": store_page(GET, **_EDIT_PAGE),
        "catalog:conflict_resolve": store_page(POST, **_WRITE, data={"choice": "nonsense"}),
        "catalog:category_list": store_page(GET, **_VIEW),
        "catalog:category_create": store_page(GET, **_EDIT_PAGE),
        "catalog:category_edit": store_page(GET, **_EDIT_PAGE),
        "catalog:category_delete": store_page(GET, **_EDIT_PAGE),
        "catalog:tag_list": store_page(GET, **_VIEW),
        "catalog:tag_create": store_page(GET, **_EDIT_PAGE),
        "catalog:tag_edit": store_page(GET, **_EDIT_PAGE),
        "catalog:tag_delete": store_page(GET, **_EDIT_PAGE),
        "catalog:brand_list": store_page(GET, **_VIEW),
        "catalog:brand_create": store_page(GET, **_EDIT_PAGE),
        "catalog:brand_edit": store_page(GET, **_EDIT_PAGE),
        "catalog:brand_delete": store_page(GET, **_EDIT_PAGE),
        "catalog:attribute_list": store_page(GET, **_VIEW),
        "catalog:attribute_create": store_page(GET, **_EDIT_PAGE),
        "catalog:attribute_detail": store_page(GET, **_VIEW),
        "catalog:attribute_edit": store_page(GET, **_EDIT_PAGE),
        "catalog:attribute_delete": store_page(GET, **_EDIT_PAGE),
        "catalog:attribute_term_create": store_page(GET, **_EDIT_PAGE),
        "catalog:attribute_term_edit": store_page(GET, **_EDIT_PAGE),
        "catalog:attribute_term_delete": store_page(GET, **_EDIT_PAGE),
        "orders:order_list": store_page(GET, **_VIEW),
        "orders:revenue_chart": store_page(GET, **_VIEW),
        "orders:top_products": store_page(GET, **_VIEW),
        "orders:order_detail": store_page(GET, **_VIEW),
        "orders:order_status_change": store_page(POST, **_WRITE, data={"status": "completed"}),
        "orders:order_push_status": store_page(GET, **_VIEW),
        "orders:order_activity": store_page(GET, **_VIEW),
        "orders:order_export": store_page(POST, **_VIEW),
        # An empty note is refused before anything is sent to WooCommerce (400, not a 500).
        "orders:order_note_add": store_page(
            POST, viewer=403, manager=400, owner=400, data={"note": "", "kind": "private"}
        ),
        # An export is its requester's (the store's owner here): anyone else gets a 404.
        "orders:order_export_status": store_page(GET, viewer=404, manager=404, owner=200, admin=404),
        # Not written yet (still running): a clear 404 for everyone.
        "orders:order_export_download": store_page(GET, viewer=404, manager=404, owner=404, admin=404),
        "orders:order_refund": store_page(GET, viewer=403, manager=200, owner=200),
        # Customers are customer data: viewers never see them.
        "orders:customer_list": store_page(GET, viewer=403, manager=200, owner=200),
        "orders:customer_detail": store_page(GET, viewer=403, manager=200, owner=200),
        "sync:sync_status": store_page(GET, **_VIEW),
        "sync:sync_start": store_page(POST, **_WRITE, data={"kind": "incremental"}),
        "sync:sync_run_list": store_page(GET, **_VIEW),
        "sync:sync_progress": store_page(GET, **_VIEW),
        "sync:sync_error_list": store_page(GET, **_EDIT_PAGE),
        "sync:sync_error_retry": store_page(POST, **_WRITE),
        "webhooks:webhook_list": store_page(GET, **_VIEW),
        "webhooks:register": store_page(POST, **_OWNER_WRITE),
        "webhooks:refresh": store_page(POST, **_OWNER_WRITE),
        "webhooks:rotate_secret": store_page(POST, **_OWNER_WRITE),
        "webhooks:reenable": store_page(POST, **_OWNER_WRITE),
        "webhooks:retry_delivery": store_page(POST, **_WRITE),
        "webhooks:retry_failed": store_page(POST, **_WRITE),
        "webhooks:dismiss_alert": store_page(POST, viewer=REDIRECT, manager=REDIRECT, owner=REDIRECT),
        # The receiver is public and answers by signature, never by session.
        "webhooks_receiver:receive": Entry(
            POST, False, dict.fromkeys(ROLES, 401), {"product": "unsigned"}, "unsigned delivery", ""
        ),
        # Audit pages: app admins only; for everybody else they do not exist.
        "audit:activity": site_page(GET, anonymous=404, member=404, admin=200),
        "audit:critical_changes": site_page(GET, anonymous=404, member=404, admin=200),
        "audit:user_activity": site_page(GET, anonymous=404, member=404, admin=200),
        "audit:anomalies": site_page(GET, anonymous=404, member=404, admin=200),
        "audit:anomaly_acknowledge": site_page(POST, anonymous=404, member=404, admin=REDIRECT),
        "audit:anomaly_undo_suspension": site_page(POST, anonymous=404, member=404, admin=REDIRECT),
        # Agents: a store's insights are for its owners and managers; running the agents and their
        # thresholds are the owner's; app-wide insights are the app admins'; the alerts centre is
        # everybody's (each sees the alerts of their own stores).
        "agents:store_insights": store_page(GET, viewer=403, manager=200, owner=200),
        "agents:store_insight": store_page(GET, viewer=403, manager=200, owner=200),
        "agents:store_insight_status": store_page(
            POST, viewer=403, manager=REDIRECT, owner=REDIRECT, data={"status": "acknowledged"}
        ),
        "agents:store_run": store_page(POST, **_OWNER_WRITE),
        "agents:store_settings": store_page(
            POST, **_OWNER_WRITE, data={"low_stock_threshold": "3", "sales_band_percent": "25"}
        ),
        "agents:insights": site_page(GET, anonymous=LOGIN, member=404, admin=200),
        "agents:insight": site_page(GET, anonymous=LOGIN, member=404, admin=200),
        "agents:insight_status": site_page(
            POST, anonymous=LOGIN, member=404, admin=REDIRECT, data={"status": "acknowledged"}
        ),
        "agents:run": site_page(POST, anonymous=LOGIN, member=404, admin=REDIRECT),
        "agents:alerts": site_page(GET, anonymous=LOGIN, member=200),
        "agents:alerts_read": site_page(POST, anonymous=LOGIN, member=REDIRECT),
        "agents:alerts_bell": site_page(GET, anonymous=LOGIN, member=200),
    }
)

# Projects (the team's delivery tracker): the team works on tasks, bugs, their own work logs and
# comments; sprints' lifecycle is the app admins'. Nobody else sees any of it.
_TEAM_WRITE = {"team": REDIRECT}
_ADMIN_ONLY_PAGE = {"team": 403, "admin": 200}
_ADMIN_ONLY_WRITE = {"team": 403, "admin": REDIRECT}
MATRIX.update(
    {
        "projects:board": project_page(GET, team=200),
        "projects:task_create": project_page(GET, team=200),
        "projects:task_detail": project_page(GET, team=200),
        "projects:task_edit": project_page(GET, team=200),
        "projects:task_move": project_page(POST, **_TEAM_WRITE, data={"status": "review"}),
        "projects:task_plan": project_page(POST, **_TEAM_WRITE, data={"sprint": ""}),
        "projects:task_comment_add": project_page(POST, **_TEAM_WRITE, data={"comment": "Looks good"}),
        "projects:work_log_add": project_page(POST, **_TEAM_WRITE, data={"hours": "1.5", "work_date": "2026-12-01"}),
        # Everyone edits only their own comment (the world's comment is the team member's).
        "projects:task_comment_edit": project_page(GET, team=200, admin=403),
        # Work logs: one's own; app admins fix anyone's.
        "projects:work_log_edit": project_page(GET, team=200, admin=200),
        "projects:timesheet": project_page(GET, team=200),
        "projects:sprint_list": project_page(GET, team=200),
        "projects:sprint_create": project_page(GET, **_ADMIN_ONLY_PAGE),
        "projects:sprint_detail": project_page(GET, team=200),
        "projects:sprint_edit": project_page(GET, **_ADMIN_ONLY_PAGE),
        "projects:sprint_start": project_page(POST, **_ADMIN_ONLY_WRITE),
        "projects:sprint_complete": project_page(POST, **_ADMIN_ONLY_WRITE, data={"open_tasks_to": "backlog"}),
        "projects:sprint_cancel": project_page(POST, **_ADMIN_ONLY_WRITE),
        "projects:bug_list": project_page(GET, team=200),
        "projects:bug_create": project_page(GET, team=200),
        "projects:bug_detail": project_page(GET, team=200),
        "projects:bug_edit": project_page(GET, team=200),
        "projects:bug_status": project_page(POST, **_TEAM_WRITE, data={"status": "investigating"}),
        "projects:bug_fix_task": project_page(POST, **_TEAM_WRITE),
        "projects:deployments": project_page(GET, team=200),
        "projects:alerts": project_page(GET, team=200),
        "projects:alerts_read_all": project_page(POST, **_TEAM_WRITE),
        "projects:alert_read": project_page(POST, **_TEAM_WRITE),
    }
)

# The Django admin: staff only, every page behind the admin's own login.
ADMIN_NAMESPACE = site_page(GET, anonymous=ADMIN_LOGIN, member=ADMIN_LOGIN, admin=200)
# Patterns without a name (e.g. development media serving) are keyed by their route.
UNNAMED = {
    "^media/(?P<path>.*)$": site_page(
        GET, anonymous=404, member=404, url="/media/avatars/missing.png", note="development media serving (DEBUG only)"
    ),
}


def _kwargs_for(world, target_key):
    """URL parameters: objects of the target store (a new URL parameter needs a value here)."""
    from agents.tests.world import agent_kwargs
    from catalog.tests.world import dashboard_kwargs
    from projects.tests.factories import project_kwargs
    from webhooks.tests.world import webhook_kwargs

    store = world.stores[target_key]
    return {
        "store_id": store.pk,
        "membership_id": world.memberships[target_key].pk,
        "invitation_id": world.invitations[target_key].pk,
        "grant_id": world.grants[target_key].pk,
        "token": world.tokens[target_key],
        "uidb64": "MQ",
        "token_reset": "set-password",
        "action_id": NO_SUCH_SUSPENSION,
        **dashboard_kwargs(world, target_key),
        **webhook_kwargs(world, target_key),
        **agent_kwargs(world, target_key),
        **project_kwargs(world),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once per test module with the objects of every URL parameter in both
    stores, in a transaction rolled back at the module's end. Each test runs in a savepoint inside
    it (pytest-django's ``db``) and each request rolls its own writes back, so every test and role
    sees the same world. For modules of non-transactional tests only."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        for store_key in world.stores:
            _kwargs_for(world, store_key)  # made now, so no test's rolled-back savepoint takes them away
        yield world
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def session_cookies(world, django_db_blocker):
    """Each signed-in role's session cookie, from one sign-in per role and module (a sign-in costs
    more than the request it is for). The sessions are rows of the world's transaction, and a
    request that ends one (sign-out) has its writes rolled back like any other."""
    cookies = {}
    with django_db_blocker.unblock():
        for role in ROLES:
            if role != "anonymous":
                client = Client()
                client.force_login(world.users[role])
                cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def _walk(patterns, namespace=None, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(pattern.url_patterns, full_ns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, namespace, prefix + str(pattern.pattern), pattern


def project_urls():
    """``[(key, namespace, route, pattern)]`` for every URL pattern of the project."""
    rows = []
    for name, namespace, route, pattern in _walk(get_resolver().url_patterns):
        rows.append((name or route, namespace, route, pattern))
    return rows


def entry_for(key, namespace):
    if key in MATRIX:
        return MATRIX[key]
    if namespace == "admin" or (namespace or "").startswith("admin:"):
        return ADMIN_NAMESPACE
    return UNNAMED.get(key)


def test_every_url_has_a_matrix_entry():
    missing = [key for key, namespace, _route, _ in project_urls() if entry_for(key, namespace) is None]
    assert not missing, f"URLs without a permission-matrix entry: {missing}"


def test_matrix_has_no_stale_entries():
    keys = {key for key, *_ in project_urls()}
    assert not set(MATRIX) - keys


def _client_for(session_cookies, role):
    """A new client (no cookie of an earlier request) signed in as ``role``."""
    client = Client()
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = session_cookies[role]
    return client


def _answer(response):
    if response.status_code in (301, 302):
        location = response.headers["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("accounts:login")):
            return LOGIN
        return REDIRECT
    if response.status_code in (200, 503) and response.request["PATH_INFO"] == reverse("healthz"):
        return OK_OR_UNAVAILABLE
    return response.status_code


def url_params(route):
    """Parameter names of a full route, include prefixes too (``<uuid:store_id>``, ``(?P<path>``)."""
    return re.findall(r"<(?:[^>:]+:)?(\w+)>", route)


def url_for(pattern_key, route, values):
    """The URL of a pattern with its parameters taken from ``values`` (see ``_kwargs_for``), or the
    matrix entry's own ``url`` for a pattern that cannot be reversed from them."""
    entry = MATRIX.get(pattern_key)
    if entry is not None and entry.url:
        return entry.url
    kwargs = {}
    for name in url_params(route):
        kwargs[name] = values["token_reset"] if (name == "token" and "reset" in pattern_key) else values[name]
    return reverse(pattern_key, kwargs=kwargs)


def _check_all(world, session_cookies, key, entry, route):
    failures = []
    for role in ROLES:
        for target in ("own", "other"):
            target_key = world.own_store_key(role) if target == "own" else world.other_store_key(role)
            url = entry.url or url_for(key, route, _kwargs_for(world, target_key))
            client = _client_for(session_cookies, role)
            # Each request's writes are rolled back, so every role sees the same world.
            with transaction.atomic():
                response = getattr(client, entry.method)(url, entry.data)
                transaction.set_rollback(True)
            got, expected = _answer(response), entry.expected(role, target)
            if got != expected:
                failures.append(
                    f"{entry.method.upper()} {url} as {role} ({target} store): got {got}, expected {expected}"
                )
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                # Two elements with one id tie a label, a form="..." input or a script to the wrong one.
                shared = duplicate_ids(response.content.decode())
                if shared:
                    failures.append(f"{entry.method.upper()} {url} as {role}: ids used twice: {shared}")
    return failures


def test_the_duplicate_id_detector_detects():
    assert duplicate_ids('<form id="vf-1"></form><input id="a"><form id="vf-1"></form>') == ["vf-1"]
    assert duplicate_ids('<div id="a"></div><p id="b"></p>') == []


SITE_URLS = [key for key, namespace, _route, _ in project_urls() if namespace != "admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", SITE_URLS)
def test_permission_matrix(world, session_cookies, key):
    rows = {row[0]: row for row in project_urls()}
    _key, namespace, route, _pattern = rows[key]
    entry = entry_for(key, namespace)
    assert entry is not None, f"{key} has no permission-matrix entry"
    failures = _check_all(world, session_cookies, key, entry, route)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_admin_site_is_for_app_admins_only(session_cookies):
    """Every admin changelist and the index: app admins only; others go to the admin login."""
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.app_label in {"accounts", "stores"}
    ]
    failures = []
    for role in ROLES:
        client = _client_for(session_cookies, role)
        for url in urls:
            got, expected = _answer(client.get(url)), ADMIN_NAMESPACE.expected(role, "own")
            if got != expected:
                failures.append(f"GET {url} as {role}: got {got}, expected {expected}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_objects_of_another_store_under_your_store_are_404(world, session_cookies):
    """Mixing ids: store A's URL with store B's membership, invitation or grant is a 404."""
    client = _client_for(session_cookies, "owner")
    store_a = world.stores["A"].pk
    cases = [
        ("stores:member_role", {"membership_id": world.memberships["B"].pk}, {"role": "manager"}),
        ("stores:member_remove", {"membership_id": world.memberships["B"].pk}, {}),
        ("stores:invitation_revoke", {"invitation_id": world.invitations["B"].pk}, {}),
        ("stores:grant_revoke", {"grant_id": world.grants["B"].pk}, {}),
    ]
    for name, kwargs, data in cases:
        response = client.post(reverse(name, kwargs={"store_id": store_a, **kwargs}), data)
        assert response.status_code == 404, name
    world.memberships["B"].refresh_from_db()
    world.invitations["B"].refresh_from_db()
    assert world.invitations["B"].revoked_at is None
