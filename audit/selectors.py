"""Reads of the audit trail: the two audit views (app admins only), an object's history, anomalies."""

from collections import OrderedDict
from datetime import datetime
from datetime import time
from datetime import timedelta

from django.db import connection
from django.db.models import Max
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from audit.models import AnomalyResponseAction
from audit.models import AuditLog
from audit.models import CredentialAccessLog
from config.pagination import WindowPage
from config.pagination import page_of
from config.pagination import parse_page_number
from stores.access import MANAGE_CREDENTIALS
from stores.access import VIEW_CUSTOMER_DATA
from stores.access import VIEW_ORDERS
from stores.access import VIEW_STORE

CRITICAL_CATEGORIES = ("delete", "credentials", "store", "membership", "app_role")
AUDITED_TABLES = (
    "profiles",
    "user_roles",
    "store_users",
    "stores",
    "products",
    "product_variations",
    "product_attributes",
    "store_attributes",
    "store_categories",
    "store_tags",
    "store_brands",
    "orders",
    "webhooks",
    "deployments",
)
ACTIVITY_ORDERINGS = {
    "last": "last_activity DESC",
    "total": "total_actions DESC, last_activity DESC",
    "deletes": "deletes DESC, last_activity DESC",
    "email": "user_email ASC NULLS LAST",
}


def _dict_rows(cursor):
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _window(sql, params, page, per_page):
    number = parse_page_number(page)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s OFFSET %s", [*params, per_page + 1, (number - 1) * per_page])
        rows = _dict_rows(cursor)
    return page_of(rows, number, per_page)


def critical_changes_for(*, category=None, table=None, action=None, actor=None, page=1, per_page=50):
    """Rows of the ``audit_critical_changes`` view (7 days), newest first. App admins only."""
    where, params = [], []
    if category in CRITICAL_CATEGORIES:
        where.append("category = %s")
        params.append(category)
    if table in AUDITED_TABLES:
        where.append("table_name = %s")
        params.append(table)
    if action in ("INSERT", "UPDATE", "DELETE"):
        where.append("action = %s")
        params.append(action)
    if actor:
        where.append("user_email ILIKE %s")
        params.append("%" + actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    sql = (
        "SELECT id, category, table_name, record_id, action, changed_fields, user_id, user_email, "
        "host(ip_address) AS ip_address, user_agent, created_at FROM audit_critical_changes"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY created_at DESC, id"
    return _window(sql, params, page, per_page)


def user_activity_for(*, search=None, order="last", page=1, per_page=50):
    """Rows of the ``audit_user_activity`` view (30 days, one per actor). App admins only."""
    params = []
    sql = "SELECT * FROM audit_user_activity"
    if search:
        sql += " WHERE COALESCE(user_email, actor_key) ILIKE %s"
        params.append("%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    sql += " ORDER BY " + ACTIVITY_ORDERINGS.get(order, ACTIVITY_ORDERINGS["last"]) + ", actor_key"
    return _window(sql, params, page, per_page)


ACTIVITY_ACTORS = ("system:sync", "system:webhook", "system:cleanup", "system:agents", "system:anomaly")


def activity_for(
    *, store_id=None, actor=None, table=None, action=None, date_from=None, date_to=None, page=1, per_page=50
):
    """The audit log, newest first, filtered by store, person (an e-mail, or a system actor such
    as ``system:sync``), kind of object, action and days (``date``s in the active time zone).
    App admins only. One query per page."""
    logs = AuditLog.objects.order_by("-created_at", "-id")
    if store_id:
        store_id = str(store_id)
        logs = logs.filter(
            Q(table_name="stores", record_id=store_id) | Q(new_data__store_id=store_id) | Q(old_data__store_id=store_id)
        )
    if actor:
        logs = logs.filter(user_email=actor) if actor in ACTIVITY_ACTORS else logs.filter(user_email__iexact=actor)
    if table in AUDITED_TABLES:
        logs = logs.filter(table_name=table)
    if action in ("INSERT", "UPDATE", "DELETE"):
        logs = logs.filter(action=action)
    zone = timezone.get_current_timezone()
    if date_from:
        logs = logs.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to:
        logs = logs.filter(created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone))
    number = parse_page_number(page)
    rows = list(logs[(number - 1) * per_page : number * per_page + 1])
    return WindowPage(rows=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page)


def activity_people():
    """E-mails of people who changed something in the last 30 days (the person filter): one query."""
    since = timezone.now() - timedelta(days=30)
    return list(
        AuditLog.objects.filter(created_at__gte=since, user__isnull=False)
        .order_by()
        .values_list("user_email", flat=True)
        .distinct()[:200]
    )


# ---------------------------------------------------------------------------------------------
# An object's history


# Tables whose rows carry customer data: table -> (its customer fields, the function that masks a
# value), filled in by the app that owns the table from its ``AppConfig.ready`` (orders: orders).
_CUSTOMER_DATA = {}


def register_customer_data(table, *, fields, mask):
    """Mask ``fields`` of ``table``'s rows with ``mask(value)`` for people without
    ``view_customer_data`` on the store."""
    _CUSTOMER_DATA[table] = (frozenset(fields), mask)


def _mask_customer_data(data, fields, mask):
    if not data:
        return data
    return {key: (mask(value) if key in fields else value) for key, value in data.items()}


def history_for(table_name, record_id, access, store_id, *, limit=100):
    """The audit history of one object (newest first) for a user allowed to see it.

    ``table_name`` is an audited table whose rows belong to ``store_id`` (``stores`` itself, or a
    table with a ``store_id`` column); rows of another store are never returned, whatever
    ``record_id`` is. Raises ``Http404`` when ``access`` may not see the object (orders need
    ``view_orders``). For users without ``view_customer_data`` on the store (viewers), the
    customer columns of orders are masked in ``old_data`` / ``new_data`` as everywhere else.
    Credential columns are never in the trail.
    """
    if table_name not in AUDITED_TABLES or table_name in ("profiles", "user_roles", "deployments"):
        raise ValueError(f"{table_name} rows do not belong to a store.")
    if not access.can(VIEW_ORDERS if table_name == "orders" else VIEW_STORE, store_id):
        raise Http404("No such object.")
    # audit_logs are the app admins' under row-level security: the store's people read an object's
    # trail through store_audit_history() (audit migration 0014), which keeps to this store's rows
    # of the object, checks the user may view the store, and masks orders' customer columns itself.
    entries = list(
        AuditLog.objects.raw(
            "SELECT * FROM store_audit_history(%s, %s, %s, %s)", [table_name, record_id, store_id, limit]
        )
    )
    if table_name in _CUSTOMER_DATA and not access.can(VIEW_CUSTOMER_DATA, store_id):
        fields, mask = _CUSTOMER_DATA[table_name]
        for entry in entries:
            entry.old_data = _mask_customer_data(entry.old_data, fields, mask)
            entry.new_data = _mask_customer_data(entry.new_data, fields, mask)
            entry.customer_data_masked = True
    return entries


def credential_access_logs_for(access, store_id):
    """Who revealed this store's credentials, newest first (owners and app admins): one query.
    The store's credential log page (``stores.hooks.credential_access_log``)."""
    access.require(MANAGE_CREDENTIALS, store_id)
    return (
        CredentialAccessLog.objects.filter(store_id=store_id)
        .select_related("user")
        .only("id", "accessed_at", "ip_address", "user_agent", "store_id", "user__id", "user__email")
        .order_by("-accessed_at", "-pk")
    )


# ---------------------------------------------------------------------------------------------
# Anomalies


def anomalies_for(*, state=None, rule=None, page=1, per_page=25):
    """Anomalies (grouped response rows), newest first. ``state``: "open" or "acknowledged".

    Two queries: one page of anomaly ids, then their response rows.
    """
    ids = AnomalyResponseAction.objects.values("anomaly_id")
    if state == "open":
        ids = ids.filter(metadata__acknowledged_at__isnull=True)
    elif state == "acknowledged":
        ids = ids.filter(metadata__acknowledged_at__isnull=False)
    if rule:
        ids = ids.filter(metadata__rule=rule)
    number = parse_page_number(page)
    offset = (number - 1) * per_page
    id_page = list(
        ids.annotate(latest=Max("created_at"))
        .order_by("-latest", "anomaly_id")
        .values_list("anomaly_id", flat=True)[offset : offset + per_page + 1]
    )
    id_page = page_of(id_page, number, per_page)
    has_next = id_page.has_next
    id_page = id_page.rows
    groups = OrderedDict((anomaly_id, []) for anomaly_id in id_page)
    rows = AnomalyResponseAction.objects.filter(anomaly_id__in=id_page).select_related("target_user")
    for row in rows.order_by("created_at"):
        groups[row.anomaly_id].append(row)
    anomalies = [_anomaly(anomaly_id, actions) for anomaly_id, actions in groups.items() if actions]
    return WindowPage(rows=anomalies, number=number, per_page=per_page, has_next=has_next)


def _anomaly(anomaly_id, actions):
    first = actions[0]
    metadata = first.metadata or {}
    suspension = next((a for a in actions if a.action_type == "user_suspended"), None)
    return {
        "anomaly_id": anomaly_id,
        "rule": metadata.get("rule", anomaly_id.split(":", 1)[0]),
        "level": metadata.get("level", first.severity),
        "summary": metadata.get("summary", ""),
        "created_at": first.created_at,
        "target_user": first.target_user,
        "target_email": first.target_email,
        "acknowledged_at": metadata.get("acknowledged_at"),
        "acknowledged_by": metadata.get("acknowledged_by"),
        "actions": actions,
        "suspension": suspension,
        "suspension_undoable": bool(
            suspension
            and suspension.status == "completed"
            and not (suspension.metadata or {}).get("undone_at")
            and (suspension.metadata or {}).get("was_active", True)
        ),
    }
