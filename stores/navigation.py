"""The store sub-navigation: one list of tabs, each shown only if the user may use it. Apps that
add a store page add a line here (URL name taking ``store_id``)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stores.access import CHANGE_STORE
from stores.access import MANAGE_MEMBERS
from stores.access import VIEW_CUSTOMER_DATA
from stores.access import VIEW_INSIGHTS
from stores.access import VIEW_ORDERS
from stores.access import VIEW_STORE


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str  # takes ``store_id``
    perm: str


STORE_TABS = (
    Tab("overview", _("Overview"), "stores:detail", VIEW_STORE),
    Tab("products", _("Products"), "catalog:product_list", VIEW_STORE),
    Tab("orders", _("Orders"), "orders:order_list", VIEW_ORDERS),
    Tab("customers", _("Customers"), "orders:customer_list", VIEW_CUSTOMER_DATA),
    Tab("sync", _("Sync"), "sync:sync_status", VIEW_STORE),
    Tab("webhooks", _("Webhooks"), "webhooks:webhook_list", VIEW_STORE),
    Tab("insights", _("Insights"), "agents:store_insights", VIEW_INSIGHTS),
    Tab("team", _("Team"), "stores:team", MANAGE_MEMBERS),
    Tab("settings", _("Settings"), "stores:settings", CHANGE_STORE),
)
# Pages reached from the Settings tab keep it highlighted.
SETTINGS_PAGES = {"settings", "credentials", "credential_log", "delete"}


def store_tabs(store, access, active=""):
    """``[{key, label, url, active}]`` for the tabs this user may open on this store."""
    active = "settings" if active in SETTINGS_PAGES else active
    tabs = []
    for tab in STORE_TABS:
        if access.can(tab.perm, store.pk):
            url = reverse(tab.url_name, kwargs={"store_id": store.pk})
            tabs.append({"key": tab.key, "label": tab.label, "url": url, "active": tab.key == active})
    return tabs
