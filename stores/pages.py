"""The one way to build a store page of the dashboard (overview, catalog, orders, sync, webhooks,
settings): ``store_for`` resolves the access and the store, ``page_context`` is what the site
shell (``templates/base.html``: the store's tabs, breadcrumbs and title) needs from every one.

    access, store = store_for(request, store_id, VIEW_ORDERS)
    return render(request, "orders/order_list.html", page_context(store, access, "orders", _("Orders"), page=page))
"""

from django.contrib import messages
from django.shortcuts import render

from stores.access import VIEW_STORE
from stores.access import access_for
from stores.selectors import store_get


def store_for(request, store_id, perm=VIEW_STORE):
    """``(access, store)``: 404 for a store the user may not see, 403 without ``perm``."""
    access = access_for(request.user)
    return access, store_get(access, store_id, perm)


def page_context(store, access, active_tab, title=None, **extra):
    """The shared context of a store page: the store, the access, the user's permissions and role
    on it, the active tab (the tabs themselves are drawn by ``includes/store_nav.html``) and the
    page title when the page has its own."""
    context = {
        "store": store,
        "access": access,
        "store_perms": access.permissions(store.pk),
        "store_role": access.role(store.pk),
        "active_tab": active_tab,
    }
    if title is not None:
        context["title"] = title
    return {**context, **extra}


def errors_to_messages(request, error):
    """A service's ``ValidationError`` as error messages on the next page."""
    for message in error.messages:
        messages.error(request, message)


def htmx_target(request, target_id):
    """True for an htmx request that swaps the element ``#target_id`` (a partial render)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and htmx.target == target_id


def render_list(request, template, context, results_id):
    """A list page, or only its ``#results`` partial when htmx swaps the element ``#results_id``
    (a search, a filter, another page)."""
    if htmx_target(request, results_id):
        template += "#results"
    return render(request, template, context)
