"""Small helpers of the dashboard's pages (htmx partials, safe ``next`` URLs, query strings); the
store page itself is built by ``stores.pages``."""

from django.http import QueryDict
from django.utils.http import url_has_allowed_host_and_scheme


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
