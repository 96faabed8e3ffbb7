"""Template tags of the site shell: the sidebar's store list and the store sub-navigation."""

from django import template

from stores.access import access_for
from stores.navigation import store_tabs as _store_tabs
from stores.selectors import store_choices_for

register = template.Library()


@register.inclusion_tag("includes/sidebar_stores.html", takes_context=True)
def sidebar_stores(context):
    """The user's stores (one query), with the current one marked."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"stores": [], "current_store_id": None}
    current = context.get("store")
    access = access_for(user)
    return {
        "stores": store_choices_for(access),
        "can_connect": access.can_connect_stores,
        "current_store_id": getattr(current, "pk", None),
        "is_admin": access.is_admin,
    }


@register.simple_tag
def store_tabs(store, access, active=""):
    """``{% store_tabs store access "team" as tabs %}``: the tabs this user may open."""
    return _store_tabs(store, access, active)


@register.filter
def has_perm_in(perm, perms):
    """``{% if "stores.manage_members"|has_perm_in:store_perms %}``."""
    return perm in (perms or ())
