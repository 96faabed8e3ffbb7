"""What every store page of the dashboard (catalog, orders, sync) puts in its context, so the
site shell (``templates/base.html``) shows the store's tabs, breadcrumbs and title."""

from django.http import QueryDict
from django.utils.http import url_has_allowed_host_and_scheme

from stores.access import access_for
from stores.selectors import store_get


def store_for(request, store_id, perm):
    """``(access, store)``: 404 for a store the user may not see, 403 without ``perm``."""
    access = access_for(request.user)
    return access, store_get(access, store_id, perm)


def page_context(store, access, active_tab, title, **extra):
    return {
        "store": store,
        "access": access,
        "store_perms": access.permissions(store.pk),
        "active_tab": active_tab,
        "title": title,
        **extra,
    }


def htmx_target(request, target_id):
    """True for an htmx request that swaps the element ``#target_id`` (a partial render)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and htmx.target == target_id


def safe_next(request, fallback):
    """A ``next`` URL from the form if it is on this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def query_without(request, *names):
    params = request.GET.copy() if request.GET else QueryDict(mutable=True)
    for name in names:
        params.pop(name, None)
    return params.urlencode()
