"""Security (app-wide, for app admins): what happened around access in the last
``AGENTS_SECURITY_WINDOW_HOURS``.

Causes: ``credential_reveals`` (``credential_access_logs``), ``role_changes`` (store memberships
added, changed or removed, from ``audit_logs``), ``new_app_admins`` (``user_roles``),
``anomaly_responses`` (``anomaly_response_actions``) and ``failed_logins`` (django-axes).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from agents.base import APP_SCOPE
from agents.base import Agent
from agents.base import Figure
from agents.base import Finding
from agents.base import Item
from agents.base import Text
from agents.base import setting
from agents.base import text
from config.db import Severity

EXAMPLES = 10

_REVEALS_SQL = """
WITH per_user AS (
    SELECT c.user_id, count(*) AS reveals, count(DISTINCT c.store_id) AS stores
    FROM credential_access_logs AS c
    WHERE c.accessed_at > %(since)s
    GROUP BY c.user_id
)
SELECT sum(pu.reveals)::int AS reveals, count(*) AS users, max(pu.stores) AS max_stores,
       json_agg(json_build_object('id', pu.user_id, 'email', u.email, 'reveals', pu.reveals, 'stores', pu.stores)
                ORDER BY pu.reveals DESC) AS people
FROM per_user AS pu JOIN users AS u ON u.id = pu.user_id
HAVING count(*) > 0
"""

_ROLES_SQL = """
SELECT count(*) AS changes,
       count(*) FILTER (WHERE a.action = 'INSERT') AS added,
       count(*) FILTER (WHERE a.action = 'UPDATE') AS changed,
       count(*) FILTER (WHERE a.action = 'DELETE') AS removed,
       count(*) FILTER (WHERE a.new_data ->> 'role' = 'owner'
                        AND a.old_data ->> 'role' IS DISTINCT FROM 'owner') AS new_owners,
       json_agg(json_build_object('action', a.action, 'by', a.user_email,
                                   'role', COALESCE(a.new_data ->> 'role', a.old_data ->> 'role'),
                                   'store', st.name) ORDER BY a.created_at DESC) AS examples
FROM audit_logs AS a
LEFT JOIN stores AS st ON st.id::text = COALESCE(a.new_data ->> 'store_id', a.old_data ->> 'store_id')
WHERE a.table_name = 'store_users' AND a.created_at > %(since)s
  AND (a.action <> 'UPDATE' OR 'role' = ANY(a.changed_fields))
HAVING count(*) > 0
"""

_ADMINS_SQL = """
SELECT r.user_id, u.email, r.created_at
FROM user_roles AS r JOIN users AS u ON u.id = r.user_id
WHERE r.role = 'admin' AND r.created_at > %(since)s
ORDER BY r.created_at DESC
"""

_ANOMALIES_SQL = """
SELECT count(DISTINCT r.anomaly_id) AS anomalies,
       count(*) FILTER (WHERE r.action_type = 'user_suspended' AND r.status = 'completed') AS suspensions,
       count(DISTINCT r.anomaly_id) FILTER (WHERE r.severity = 'high') AS high,
       json_agg(DISTINCT split_part(r.anomaly_id, ':', 1)) AS rules
FROM anomaly_response_actions AS r
WHERE r.created_at > %(since)s
HAVING count(*) > 0
"""

_LOGINS_SQL = """
SELECT COALESCE(sum(a.failures_since_start), 0)::int AS failures, count(DISTINCT lower(a.username)) AS accounts,
       count(DISTINCT a.ip_address) AS addresses
FROM axes_accessattempt AS a
WHERE a.attempt_time > %(since)s
"""


def _reveals(context, since, hours):
    rows = context.rows(_REVEALS_SQL, since=since)
    if not rows:
        return []
    row = rows[0]
    threshold = setting("ANOMALY_CREDENTIAL_REVEAL_STORES")
    if row["max_stores"] >= threshold:
        severity = Severity.HIGH
    elif row["reveals"] >= 5 or row["users"] >= 2:
        severity = Severity.MEDIUM
    else:
        severity = Severity.LOW
    params = {"count": row["reveals"], "users": row["users"], "hours": hours}
    return [
        Finding(
            cause="credential_reveals",
            severity=severity,
            title=text(
                ngettext_lazy(
                    "API credentials were revealed once", "API credentials were revealed %(count)s times", "count"
                ),
                **params,
            ),
            analysis=text(
                _(
                    "%(users)s people revealed stores' WooCommerce API credentials %(count)s times in the last "
                    "%(hours)s hours. Whoever holds them can read and change the whole shop."
                ),
                **params,
            ),
            recommendations=[
                text(_("Confirm with each person that they needed the credentials.")),
                text(_("Rotate the API keys in WooCommerce for any store where a reveal is not explained.")),
            ],
            figures=[
                Figure(text(_("Reveals")), str(row["reveals"])),
                Figure(text(_("People")), str(row["users"])),
                Figure(text(_("Most stores revealed by one person")), str(row["max_stores"])),
            ],
            items=[
                Item(
                    "user",
                    str(p["id"]),
                    p["email"],
                    text(_("%(reveals)s reveals, %(stores)s stores"), reveals=p["reveals"], stores=p["stores"]),
                )
                for p in row["people"][:EXAMPLES]
            ],
            facts={"reveals": row["reveals"], "people": row["users"], "max_stores_by_one": row["max_stores"]},
        )
    ]


def _roles(context, since, hours):
    rows = context.rows(_ROLES_SQL, since=since)
    if not rows:
        return []
    row = rows[0]
    params = {"count": row["changes"], "hours": hours, **{k: row[k] for k in ("added", "changed", "removed")}}
    return [
        Finding(
            cause="role_changes",
            severity=Severity.MEDIUM if row["new_owners"] or row["changes"] >= 10 else Severity.LOW,
            title=text(
                ngettext_lazy("%(count)s store membership changed", "%(count)s store memberships changed", "count"),
                **params,
            ),
            analysis=text(
                _(
                    "In the last %(hours)s hours %(added)s people were added to stores, %(changed)s changed role "
                    "and %(removed)s were removed."
                ),
                **params,
            ),
            recommendations=[text(_("Check that each change was intended, especially new owners."))],
            figures=[
                Figure(text(_("Added")), str(row["added"])),
                Figure(text(_("Role changed")), str(row["changed"])),
                Figure(text(_("Removed")), str(row["removed"])),
                Figure(text(_("New owners")), str(row["new_owners"])),
            ],
            items=[
                Item("audit", None, ex["store"] or "—", Text(f"{ex['action']} · {ex['role']} · {ex['by'] or '—'}"))
                for ex in row["examples"][:EXAMPLES]
            ],
            facts={k: row[k] for k in ("added", "changed", "removed", "new_owners")},
        )
    ]


def _admins(context, since, hours):
    rows = context.rows(_ADMINS_SQL, since=since)
    if not rows:
        return []
    params = {"count": len(rows), "hours": hours}
    return [
        Finding(
            cause="new_app_admins",
            severity=Severity.HIGH,
            title=text(ngettext_lazy("%(count)s new app admin", "%(count)s new app admins", "count"), **params),
            analysis=text(
                ngettext_lazy(
                    "%(count)s person became an app admin in the last %(hours)s hours. App admins see and change "
                    "every store, its credentials and its members.",
                    "%(count)s people became app admins in the last %(hours)s hours. App admins see and change "
                    "every store, its credentials and its members.",
                    "count",
                ),
                **params,
            ),
            recommendations=[
                text(_("Confirm each new admin with the person responsible for the installation.")),
                text(_("Remove the admin role from anyone who should not have it.")),
            ],
            figures=[Figure(text(_("New app admins")), str(len(rows)))],
            items=[Item("user", str(r["user_id"]), r["email"]) for r in rows[:EXAMPLES]],
            facts={"new_admins": len(rows)},
        )
    ]


def _anomalies(context, since, hours):
    rows = context.rows(_ANOMALIES_SQL, since=since)
    if not rows:
        return []
    row = rows[0]
    if row["suspensions"]:
        severity = Severity.HIGH
    elif row["high"]:
        severity = Severity.MEDIUM
    else:
        severity = Severity.LOW
    params = {"count": row["anomalies"], "suspended": row["suspensions"], "hours": hours}
    return [
        Finding(
            cause="anomaly_responses",
            severity=severity,
            title=text(
                ngettext_lazy(
                    "%(count)s security anomaly was answered", "%(count)s security anomalies were answered", "count"
                ),
                **params,
            ),
            analysis=text(
                _(
                    "The anomaly rules fired %(count)s times in the last %(hours)s hours; %(suspended)s accounts "
                    "were suspended automatically."
                ),
                **params,
            ),
            recommendations=[
                text(_("Review the anomalies and acknowledge the ones you have checked.")),
                text(_("Undo a suspension only after talking to the person.")),
            ],
            figures=[
                Figure(text(_("Anomalies")), str(row["anomalies"])),
                Figure(text(_("High severity")), str(row["high"])),
                Figure(text(_("Accounts suspended")), str(row["suspensions"])),
            ],
            items=[Item("anomalies", None, rule.replace("_", " ")) for rule in row["rules"] or []],
            facts={"anomalies": row["anomalies"], "high": row["high"], "suspensions": row["suspensions"]},
        )
    ]


def _logins(context, since, hours):
    threshold = setting("AGENTS_SECURITY_FAILED_LOGINS")
    row = context.rows(_LOGINS_SQL, since=since)[0]
    if row["failures"] < threshold:
        return []
    params = {"count": row["failures"], "accounts": row["accounts"], "addresses": row["addresses"], "hours": hours}
    return [
        Finding(
            cause="failed_logins",
            severity=Severity.HIGH if row["failures"] >= 5 * threshold else Severity.MEDIUM,
            title=text(_("%(count)s failed logins"), **params),
            analysis=text(
                _(
                    "%(count)s login attempts failed in the last %(hours)s hours, against %(accounts)s accounts "
                    "from %(addresses)s addresses: someone may be guessing passwords."
                ),
                **params,
            ),
            recommendations=[
                text(_("Ask the people behind the targeted accounts to use long, unique passwords.")),
                text(_("Block the addresses with the most attempts at the firewall.")),
            ],
            figures=[
                Figure(text(_("Failed logins")), str(row["failures"])),
                Figure(text(_("Accounts targeted")), str(row["accounts"])),
                Figure(text(_("Addresses")), str(row["addresses"])),
            ],
            facts={"failed_logins": row["failures"], "accounts": row["accounts"], "addresses": row["addresses"]},
        )
    ]


def analyse(context):
    hours = setting("AGENTS_SECURITY_WINDOW_HOURS")
    since = context.since(hours=hours)
    return [
        *_reveals(context, since, hours),
        *_roles(context, since, hours),
        *_admins(context, since, hours),
        *_anomalies(context, since, hours),
        *_logins(context, since, hours),
    ]


AGENT = Agent(
    "security",
    _("Security"),
    analyse,
    APP_SCOPE,
    _("Credential reveals, role changes, new admins, anomalies and failed logins"),
)
