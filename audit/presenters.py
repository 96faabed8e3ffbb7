"""The audit trail in words: "Price changed from ₪39.00 to ₪44.50", by whom, on which object.

``present(rows)`` turns audit rows (``AuditLog`` objects or the dicts of the audit views) into
entries for the templates: a sentence, the actor ("WooCommerce sync", "webhook from the shop", a
person's name), a link to the object, and old → new per field that matters, with bookkeeping
fields (``synced_at``, ``woo_modified_at``, ``updated_at``…) left out. ``group_sync_noise``
folds runs of consecutive automatic changes into one entry.

Two queries per page whatever its size: the stores (names, currencies) and the people named by
the rows, each loaded once for all of them.
"""

from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from audit.actor import SYSTEM_PREFIX
from audit.selectors import history_for
from config.money import format_money
from stores.models import Store
from stores.models import StoreRole

# Written by the sync and the database itself on every save: never worth a line.
BOOKKEEPING_FIELDS = frozenset(
    {
        "id",
        "store_id",
        "created_at",
        "updated_at",
        "synced_at",
        "activity_synced_at",
        "woo_modified_at",
        "woo_created_at",
        "date_modified",
        "date_modified_gmt",
        "source",
        "data_source",
        "woo_id",
        "product_id",
        "user_id",
        "featured_image_id",
        "search_vector",
        "heartbeat_at",
        "status_checked_at",
        "last_delivery_at",
        "verified_at",
        "webhook_secret_previous_expires_at",
    }
)

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "sku": gettext_lazy("SKU"),
    "price": gettext_lazy("Price"),
    "regular_price": gettext_lazy("Regular price"),
    "sale_price": gettext_lazy("Sale price"),
    "status": gettext_lazy("Status"),
    "type": gettext_lazy("Type"),
    "stock_quantity": gettext_lazy("Stock"),
    "stock_status": gettext_lazy("Stock status"),
    "manage_stock": gettext_lazy("Stock tracking"),
    "description": gettext_lazy("Description"),
    "short_description": gettext_lazy("Short description"),
    "categories": gettext_lazy("Categories"),
    "tags": gettext_lazy("Tags"),
    "brands": gettext_lazy("Brands"),
    "attributes": gettext_lazy("Attributes"),
    "weight": gettext_lazy("Weight"),
    "total": gettext_lazy("Total"),
    "discount_total": gettext_lazy("Discount"),
    "shipping_total": gettext_lazy("Shipping"),
    "total_tax": gettext_lazy("Tax"),
    "customer_name": gettext_lazy("Customer"),
    "customer_email": gettext_lazy("Customer e-mail"),
    "customer_phone": gettext_lazy("Customer phone"),
    "customer_note": gettext_lazy("Customer note"),
    "billing": gettext_lazy("Billing address"),
    "shipping": gettext_lazy("Shipping address"),
    "line_items": gettext_lazy("Items"),
    "payment_method_title": gettext_lazy("Payment method"),
    "role": gettext_lazy("Role"),
    "url": gettext_lazy("Address"),
    "currency": gettext_lazy("Currency"),
    "sync_interval_minutes": gettext_lazy("Sync interval (minutes)"),
    "is_active": gettext_lazy("Active"),
    "topic": gettext_lazy("Topic"),
    "delivery_url": gettext_lazy("Delivery URL"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "phone": gettext_lazy("Phone"),
    "avatar_url": gettext_lazy("Picture"),
    "language": gettext_lazy("Language"),
    "time_zone": gettext_lazy("Time zone"),
    "slug": gettext_lazy("Slug"),
    "parent_id": gettext_lazy("Parent"),
    "count": gettext_lazy("Products"),
}
# Their values never reach the trail (the trigger strips them): only that they were replaced.
SECRET_FIELDS = {
    "api_key": gettext_lazy("API key"),
    "api_secret": gettext_lazy("API secret"),
    "webhook_secret": gettext_lazy("Webhook secret"),
    "previous_webhook_secret": gettext_lazy("Previous webhook secret"),
}
MONEY_FIELDS = frozenset(
    {"price", "regular_price", "sale_price", "total", "discount_total", "shipping_total", "total_tax"}
)
LONG_TEXT_FIELDS = frozenset({"description", "short_description", "billing", "shipping", "line_items", "attributes"})

# table -> (the kind of object, in words; the kinds for the filter)
TABLE_KINDS = {
    "products": gettext_lazy("Product"),
    "product_variations": gettext_lazy("Variation"),
    "product_attributes": gettext_lazy("Product attribute"),
    "store_attributes": gettext_lazy("Attribute"),
    "store_categories": gettext_lazy("Category"),
    "store_tags": gettext_lazy("Tag"),
    "store_brands": gettext_lazy("Brand"),
    "orders": gettext_lazy("Order"),
    "stores": gettext_lazy("Store"),
    "store_users": gettext_lazy("Membership"),
    "webhooks": gettext_lazy("Webhook"),
    "profiles": gettext_lazy("Profile"),
    "user_roles": gettext_lazy("App role"),
    "deployments": gettext_lazy("Deployment"),
}
SYSTEM_ACTORS = {
    "sync": gettext_lazy("WooCommerce sync"),
    "webhook": gettext_lazy("Webhook from the shop"),
    "cleanup": gettext_lazy("Automatic clean-up"),
    "agents": gettext_lazy("Automatic checks"),
    "anomaly": gettext_lazy("Anomaly protection"),
}
CRITICAL_CATEGORY_LABELS = {
    "delete": gettext_lazy("Deletion"),
    "credentials": gettext_lazy("Credentials"),
    "store": gettext_lazy("Store settings"),
    "membership": gettext_lazy("Membership"),
    "app_role": gettext_lazy("App role"),
}
ACTION_WORDS = {
    "INSERT": gettext_lazy("Created"),
    "UPDATE": gettext_lazy("Changed"),
    "DELETE": gettext_lazy("Deleted"),
}
MAX_CHANGES = 8
TEXT_LIMIT = 80

# What the apps above know about their own tables, filled in from their ``AppConfig.ready``
# (``register_table``): the words for a row's ``status`` and how to name one of its rows.
_STATUS_LABELS = {}  # table -> {value: label}
_OBJECT_NAMES = {}  # table -> function(row data) -> str


def register_table(table, *, status_labels=None, object_name=None):
    """Word ``table``'s rows in the trail: ``status_labels`` ({value: label}) and
    ``object_name(data) -> str`` (without it, the row's ``name``)."""
    if status_labels is not None:
        _STATUS_LABELS[table] = status_labels
    if object_name is not None:
        _OBJECT_NAMES[table] = object_name


@dataclass
class Change:
    field: str
    label: str
    old: str = ""
    new: str = ""
    replaced: bool = False

    @property
    def sentence(self):
        if self.replaced:
            return _("%(field)s replaced") % {"field": self.label}
        if self.old == "—":
            return _("%(field)s set to %(new)s") % {"field": self.label, "new": self.new}
        if self.new == "—":
            return _("%(field)s cleared (was %(old)s)") % {"field": self.label, "old": self.old}
        return _("%(field)s changed from %(old)s to %(new)s") % {"field": self.label, "old": self.old, "new": self.new}


@dataclass
class Entry:
    id: str
    created_at: object
    action: str
    action_label: str
    kind: str
    table_name: str
    title: str
    sentence: str
    actor: str
    actor_is_system: bool
    url: str | None
    changes: list = field(default_factory=list)
    hidden_count: int = 0
    ip_address: str | None = None
    category: str | None = None
    grouped: list = field(default_factory=list)
    sync_key: tuple | None = None
    summary: str = ""

    @property
    def count(self):
        return 1 + len(self.grouped)

    @property
    def members(self):
        return [self, *self.grouped]

    @property
    def category_label(self):
        return str(CRITICAL_CATEGORY_LABELS.get(self.category, self.category or ""))


def _get(row, name, default=None):
    return row.get(name, default) if isinstance(row, dict) else getattr(row, name, default)


def _plain(value, currency=None, field_name="", table=""):
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if field_name in MONEY_FIELDS:
        try:
            return format_money(Decimal(str(value)), currency)
        except (InvalidOperation, ValueError):
            return str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field_name == "role":
        return str(StoreRole(value).label) if value in StoreRole.values else str(value)
    if field_name == "status":
        return str(_STATUS_LABELS.get(table, {}).get(value, value))
    if isinstance(value, list):
        names = [str(item.get("name") or item.get("option") or "") for item in value if isinstance(item, dict)]
        if names and all(names):
            return ", ".join(names[:5]) + ("…" if len(names) > 5 else "")
        return _("%(count)d items") % {"count": len(value)}
    if isinstance(value, dict):
        return _("details")
    text = str(value)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _changes(table, action, old, new, changed_fields, currency):
    if action == "UPDATE":
        names = list(changed_fields or [name for name in (new or {}) if (old or {}).get(name) != (new or {}).get(name)])
    else:
        return [], 0
    shown, hidden = [], 0
    for name in names:
        if name in BOOKKEEPING_FIELDS:
            hidden += 1
            continue
        if name in SECRET_FIELDS:
            shown.append(Change(name, str(SECRET_FIELDS[name]), replaced=True))
            continue
        label = str(FIELD_LABELS.get(name, name.replace("_", " ").capitalize()))
        if name in LONG_TEXT_FIELDS:
            shown.append(Change(name, label, _("earlier text"), _("new text")))
            continue
        shown.append(
            Change(
                name,
                label,
                _plain((old or {}).get(name), currency, name, table),
                _plain((new or {}).get(name), currency, name, table),
            )
        )
    return shown[:MAX_CHANGES], hidden


def _object_name(table, data, people):
    if table == "orders":
        number = data.get("number") or data.get("woo_id")
        return f"#{number}" if number else ""
    if table == "product_variations":
        return data.get("sku") or _plain(data.get("attributes"))
    if table == "store_users":
        return people.get(str(data.get("user_id")), ("", ""))[0]
    if table in ("profiles", "user_roles"):
        return people.get(str(data.get("user_id") or data.get("id")), ("", ""))[0]
    if table in _OBJECT_NAMES:
        return _OBJECT_NAMES[table](data)
    return data.get("name") or ""


def _url(table, record_id, data, store_id):
    try:
        if table == "products" and store_id:
            return reverse("catalog:product_detail", kwargs={"store_id": store_id, "product_id": record_id})
        if table == "product_variations" and store_id and data.get("product_id"):
            return reverse("catalog:product_detail", kwargs={"store_id": store_id, "product_id": data["product_id"]})
        if table == "orders" and store_id:
            return reverse("orders:order_detail", kwargs={"store_id": store_id, "order_id": record_id})
        if table == "stores":
            return reverse("stores:detail", kwargs={"store_id": record_id})
        if table == "store_users" and store_id:
            return reverse("stores:team", kwargs={"store_id": store_id})
        if table == "webhooks" and store_id:
            return reverse("webhooks:webhook_list", kwargs={"store_id": store_id})
    except NoReverseMatch:
        return None
    return None


def _sentence(kind, name, action, changes, store_name):
    subject = _("%(kind)s “%(name)s”") % {"kind": kind, "name": name} if name else str(kind)
    if action == "INSERT":
        text = _("%(subject)s created") % {"subject": subject}
    elif action == "DELETE":
        text = _("%(subject)s deleted") % {"subject": subject}
    elif len(changes) == 1:
        text = f"{subject}: {changes[0].sentence}"
    else:
        text = _("%(subject)s changed") % {"subject": subject}
    if store_name:
        text = _("%(text)s in %(store)s") % {"text": text, "store": store_name}
    return text


def actor_label(email, user_id, people):
    if email and email.startswith(SYSTEM_PREFIX):
        name = email[len(SYSTEM_PREFIX) :]
        return str(SYSTEM_ACTORS.get(name, name)), True
    if user_id and str(user_id) in people:
        full_name, user_email = people[str(user_id)]
        return full_name or user_email, False
    return email or _("Unknown"), False


def actor_labels(rows):
    """``row["actor_label"]`` for the rows of the user-activity view (one query for the names)."""
    people = _people(rows)
    for row in rows:
        row["actor_label"], row["actor_is_system"] = actor_label(
            row.get("user_email") or row.get("actor_key"), row.get("user_id"), people
        )
    return rows


def _people(rows):
    """{user id: (name, e-mail)} of the actors and the people the rows are about: one query."""
    ids = set()
    for row in rows:
        if _get(row, "user_id"):
            ids.add(str(_get(row, "user_id")))
        table = _get(row, "table_name")
        data = _get(row, "new_data") or _get(row, "old_data") or {}
        if table in ("store_users", "user_roles") and data.get("user_id"):
            ids.add(str(data["user_id"]))
        if table == "profiles":
            ids.add(str(_get(row, "record_id")))
    if not ids:
        return {}
    users = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .select_related("profile")
        .only("id", "email", "profile__first_name", "profile__last_name")
    )
    return {str(user.pk): (user.profile.full_name or user.email, user.email) for user in users}


def _stores(rows):
    """{store id: (name, currency)}: one query."""
    ids = set()
    for row in rows:
        data = _get(row, "new_data") or _get(row, "old_data") or {}
        store_id = _get(row, "record_id") if _get(row, "table_name") == "stores" else data.get("store_id")
        if store_id:
            ids.add(str(store_id))
    if not ids:
        return {}
    return {
        str(pk): (name, currency)
        for pk, name, currency in Store.objects.filter(pk__in=ids).values_list("pk", "name", "currency")
    }


def present(rows, *, show_store=True, store=None):
    """Entries for audit rows (``AuditLog`` objects or dicts with the same keys); ``store``: the
    one store all the rows belong to, when the caller has it (no query for store names)."""
    rows = list(rows)
    people = _people(rows)
    stores = {str(store.pk): (store.name, store.currency)} if store is not None else _stores(rows)
    entries = []
    # An object's history links every row to the same page: each link is reversed once.
    urls = {}
    for row in rows:
        table = _get(row, "table_name")
        action = _get(row, "action")
        old, new = _get(row, "old_data") or {}, _get(row, "new_data") or {}
        data = new or old
        record_id = _get(row, "record_id")
        store_id = str(record_id) if table == "stores" else data.get("store_id")
        store_name, currency = stores.get(str(store_id), ("", data.get("currency"))) if store_id else ("", None)
        currency = data.get("currency") or currency
        changes, hidden = _changes(table, action, old, new, _get(row, "changed_fields"), currency)
        kind = str(TABLE_KINDS.get(table, table))
        name = _object_name(table, data, people)
        link = (table, record_id, data.get("product_id"), store_id)
        if action != "DELETE" and link not in urls:
            urls[link] = _url(table, record_id, data, store_id)
        actor, is_system = actor_label(_get(row, "user_email"), _get(row, "user_id"), people)
        entries.append(
            Entry(
                id=str(_get(row, "id")),
                created_at=_get(row, "created_at"),
                action=action,
                action_label=str(ACTION_WORDS.get(action, action)),
                kind=kind,
                table_name=table,
                title=name,
                sentence=_sentence(kind, name, action, changes, store_name if show_store and table != "stores" else ""),
                actor=actor,
                actor_is_system=is_system,
                url=None if action == "DELETE" else urls[link],
                changes=changes,
                hidden_count=hidden,
                ip_address=_get(row, "ip_address"),
                category=_get(row, "category"),
                sync_key=(_get(row, "user_email"), table, action) if is_system else None,
            )
        )
    return entries


def group_sync_noise(entries):
    """Fold consecutive entries by the same automatic actor, on the same kind of object and with
    the same action, into the first of them (``entry.grouped`` holds the others). People's
    changes are never folded."""
    grouped = []
    for entry in entries:
        last = grouped[-1] if grouped else None
        if entry.sync_key is not None and last is not None and last.sync_key == entry.sync_key:
            last.grouped.append(entry)
            continue
        grouped.append(entry)
    for entry in grouped:
        if entry.grouped:
            entry.summary = ngettext("%(count)d change by %(actor)s", "%(count)d changes by %(actor)s", entry.count) % {
                "count": entry.count,
                "actor": entry.actor,
            }
    return grouped


def history_entries(table_name, record_id, access, store, *, limit=20):
    """An object's History card: its audit rows (all of ``store``) in words, automatic runs folded."""
    rows = history_for(table_name, record_id, access, store.pk, limit=limit)
    return group_sync_noise(present(rows, show_store=False, store=store))
