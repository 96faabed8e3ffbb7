"""Sync health: is each store's copy of WooCommerce keeping up?

Causes: ``stale_sync`` (a scheduled store whose last successful pull is older than three
intervals, at least an hour), ``error_queue`` (open sync errors at the threshold and growing),
``webhooks_disabled``, ``watermark_lag`` (entities whose last pull is older than
``AGENTS_SYNC_LAG_HOURS`` while the store is scheduled) and ``stuck_pushes`` (local changes
waiting for WooCommerce longer than ``AGENTS_PUSH_STUCK_MINUTES``). One grouped query each.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from agents.base import STORE_SCOPE
from agents.base import Agent
from agents.base import Figure
from agents.base import Finding
from agents.base import Item
from agents.base import Text
from agents.base import setting
from agents.base import text
from config.db import Severity

EXAMPLES = 10

_STALE_SQL = """
SELECT s.id AS store_id, s.sync_interval_minutes AS interval,
       max(r.finished_at) FILTER (WHERE r.status IN ('success', 'partial')) AS last_success,
       count(r.id) FILTER (WHERE r.status = 'failed' AND r.finished_at > %(now)s - interval '24 hours') AS failed_runs,
       (array_agg(r.error_message ORDER BY r.finished_at DESC) FILTER (WHERE r.status = 'failed'))[1] AS last_error
FROM stores AS s
LEFT JOIN sync_runs AS r ON r.store_id = s.id
WHERE s.sync_interval_minutes > 0 {store_filter}
GROUP BY s.id
HAVING COALESCE(max(r.finished_at) FILTER (WHERE r.status IN ('success', 'partial')), '-infinity')
       < %(now)s - GREATEST(3 * make_interval(mins => s.sync_interval_minutes), interval '1 hour')
"""

_ERRORS_SQL = """
SELECT e.store_id, count(*) AS open,
       count(*) FILTER (WHERE e.created_at > %(now)s - interval '24 hours') AS last_day,
       count(*) FILTER (WHERE e.created_at <= %(now)s - interval '24 hours'
                        AND e.created_at > %(now)s - interval '48 hours') AS day_before,
       json_agg(DISTINCT e.entity_type) AS entities
FROM sync_errors AS e
WHERE NOT COALESCE(e.resolved, false) {store_filter}
GROUP BY e.store_id
HAVING count(*) >= %(threshold)s
   AND count(*) FILTER (WHERE e.created_at > %(now)s - interval '24 hours')
       > count(*) FILTER (WHERE e.created_at <= %(now)s - interval '24 hours'
                          AND e.created_at > %(now)s - interval '48 hours')
"""

_WEBHOOKS_SQL = """
SELECT w.store_id, count(*) AS disabled,
       json_agg(json_build_object('id', w.id, 'topic', w.topic, 'since', w.disabled_at) ORDER BY w.topic) AS hooks
FROM webhooks AS w
WHERE w.status = 'disabled' {store_filter}
GROUP BY w.store_id
"""

_LAG_SQL = """
SELECT st.store_id, count(*) AS lagging,
       json_agg(json_build_object('entity', st.entity, 'last_pulled_at', st.last_pulled_at) ORDER BY st.entity)
           AS entities,
       min(st.last_pulled_at) AS oldest
FROM sync_state AS st
JOIN stores AS s ON s.id = st.store_id AND s.sync_interval_minutes > 0
WHERE st.last_pulled_at < %(now)s - make_interval(hours => %(lag_hours)s) {store_filter}
GROUP BY st.store_id
"""

_PUSH_SQL = """
WITH stuck AS (
    SELECT p.*, row_number() OVER (PARTITION BY p.store_id ORDER BY p.created_at) AS rn
    FROM sync_push_operations AS p
    WHERE p.status IN ('pending', 'running') AND p.created_at < %(now)s - make_interval(mins => %(minutes)s)
      {store_filter}
)
SELECT s.store_id, count(*) AS stuck, min(s.created_at) AS oldest,
       json_agg(json_build_object('entity', s.entity_type, 'object_id', s.object_id, 'action', s.action,
                                  'error', left(s.last_error, 200)) ORDER BY s.rn)
           FILTER (WHERE s.rn <= {examples}) AS examples
FROM stuck AS s
GROUP BY s.store_id
"""


def _hours(now, then):
    return int((now - then).total_seconds() // 3600) if then else None


def _stale(context):
    findings = []
    for row in context.rows(_STALE_SQL.format(store_filter=context.store_filter("s.id"))):
        hours = _hours(context.now, row["last_success"])
        params = {"hours": hours, "failed": row["failed_runs"]}
        if hours is None:
            title = text(_("This store has never been synced successfully"))
            analysis = text(
                _("No pull of this store has finished yet, so Storedesk shows none of its products or orders."),
            )
        else:
            title = text(_("No successful sync for %(hours)s hours"), **params)
            analysis = text(
                _(
                    "The last successful pull finished %(hours)s hours ago although the store is scheduled more "
                    "often; %(failed)s pulls failed in the last 24 hours. Products, stock and orders shown "
                    "here may be out of date."
                ),
                **params,
            )
        findings.append(
            Finding(
                cause="stale_sync",
                severity=Severity.HIGH if hours is None or hours >= 24 else Severity.MEDIUM,
                store_id=row["store_id"],
                title=title,
                analysis=analysis,
                recommendations=[
                    text(_("Open the Sync page and read the error of the last failed pull.")),
                    text(_("Test the connection in the store's settings: the API keys may have been revoked.")),
                    text(_("Start a pull by hand once the cause is fixed.")),
                ],
                figures=[
                    Figure(text(_("Hours since the last successful pull")), "—" if hours is None else str(hours)),
                    Figure(text(_("Failed pulls, last 24 hours")), str(row["failed_runs"])),
                ],
                items=[Item("sync", None, text(_("Last error")), Text(row["last_error"]))] if row["last_error"] else [],
                facts={"hours_since_success": hours, "failed_pulls_24h": row["failed_runs"]},
            )
        )
    return findings


def _errors(context):
    threshold = setting("AGENTS_SYNC_ERRORS_THRESHOLD")
    findings = []
    for row in context.rows(_ERRORS_SQL.format(store_filter=context.store_filter("e.store_id")), threshold=threshold):
        params = {"open": row["open"], "last_day": row["last_day"], "day_before": row["day_before"]}
        findings.append(
            Finding(
                cause="error_queue",
                severity=Severity.HIGH if row["open"] >= 10 * threshold else Severity.MEDIUM,
                store_id=row["store_id"],
                title=text(_("%(open)s sync errors are open, and more keep coming"), **params),
                analysis=text(
                    _(
                        "%(open)s sync errors are waiting; %(last_day)s were added in the last 24 hours against "
                        "%(day_before)s the day before. The rows behind them are not up to date."
                    ),
                    **params,
                ),
                recommendations=[
                    text(_("Open the sync errors and look for the most common message.")),
                    text(_("Fix the cause, then retry the errors.")),
                ],
                figures=[
                    Figure(text(_("Open sync errors")), str(row["open"])),
                    Figure(text(_("New in the last 24 hours")), str(row["last_day"])),
                    Figure(text(_("New the day before")), str(row["day_before"])),
                ],
                items=[Item("sync_errors", None, ", ".join(sorted(row["entities"] or [])))],
                facts={
                    "open_errors": row["open"],
                    "new_last_24h": row["last_day"],
                    "new_day_before": row["day_before"],
                },
            )
        )
    return findings


def _webhooks(context):
    findings = []
    for row in context.rows(_WEBHOOKS_SQL.format(store_filter=context.store_filter("w.store_id"))):
        params = {"count": row["disabled"]}
        findings.append(
            Finding(
                cause="webhooks_disabled",
                severity=Severity.HIGH,
                store_id=row["store_id"],
                title=text(
                    ngettext_lazy(
                        "%(count)s webhook is disabled in WooCommerce",
                        "%(count)s webhooks are disabled in WooCommerce",
                        "count",
                    ),
                    **params,
                ),
                analysis=text(
                    ngettext_lazy(
                        "WooCommerce stopped sending one webhook after repeated failed deliveries; changes "
                        "made in the shop now reach Storedesk only with the next scheduled pull.",
                        "WooCommerce stopped sending %(count)s webhooks after repeated failed deliveries; changes "
                        "made in the shop now reach Storedesk only with the next scheduled pull.",
                        "count",
                    ),
                    **params,
                ),
                recommendations=[
                    text(_("Re-enable the webhooks on the Webhooks page.")),
                    text(_("Make sure the delivery URL is reachable from the shop's server.")),
                ],
                figures=[Figure(text(_("Disabled webhooks")), str(row["disabled"]))],
                items=[Item("webhook", str(hook["id"]), hook["topic"]) for hook in row["hooks"]],
                facts={"disabled_webhooks": row["disabled"], "topics": [hook["topic"] for hook in row["hooks"]]},
            )
        )
    return findings


def _lag(context):
    lag_hours = setting("AGENTS_SYNC_LAG_HOURS")
    findings = []
    for row in context.rows(_LAG_SQL.format(store_filter=context.store_filter("st.store_id")), lag_hours=lag_hours):
        params = {"count": row["lagging"], "hours": _hours(context.now, row["oldest"])}
        findings.append(
            Finding(
                cause="watermark_lag",
                severity=Severity.MEDIUM,
                store_id=row["store_id"],
                title=text(_("%(count)s kinds of data have not been pulled for %(hours)s hours"), **params),
                analysis=text(
                    _(
                        "Pulls of this store run, but %(count)s entities have not been read from WooCommerce "
                        "for up to %(hours)s hours; their pulls fail or are skipped."
                    ),
                    **params,
                ),
                recommendations=[
                    text(_("Open the latest sync runs and look at the entities marked failed.")),
                    text(_("Start a full pull if the entities stay behind.")),
                ],
                figures=[
                    Figure(text(_("Entities behind")), str(row["lagging"])),
                    Figure(text(_("Hours behind (oldest)")), str(params["hours"])),
                ],
                items=[Item("sync", None, e["entity"]) for e in row["entities"]],
                facts={"entities_behind": [e["entity"] for e in row["entities"]], "hours_behind": params["hours"]},
            )
        )
    return findings


def _pushes(context):
    minutes = setting("AGENTS_PUSH_STUCK_MINUTES")
    sql = _PUSH_SQL.format(store_filter=context.store_filter("p.store_id"), examples=EXAMPLES)
    findings = []
    for row in context.rows(sql, minutes=minutes):
        hours = _hours(context.now, row["oldest"])
        params = {"count": row["stuck"], "minutes": minutes, "hours": hours}
        findings.append(
            Finding(
                cause="stuck_pushes",
                severity=Severity.HIGH if row["stuck"] >= 10 or hours >= 24 else Severity.MEDIUM,
                store_id=row["store_id"],
                title=text(
                    ngettext_lazy(
                        "%(count)s local change has not reached WooCommerce",
                        "%(count)s local changes have not reached WooCommerce",
                        "count",
                    ),
                    **params,
                ),
                analysis=text(
                    _(
                        "%(count)s changes made here have waited more than %(minutes)s minutes to be sent to "
                        "WooCommerce (the oldest for %(hours)s hours); the shop still shows the old values."
                    ),
                    **params,
                ),
                recommendations=[
                    text(_("Check that the sync worker is running.")),
                    text(_("Open the products concerned and push them again.")),
                ],
                figures=[
                    Figure(text(_("Changes waiting")), str(row["stuck"])),
                    Figure(text(_("Hours the oldest has waited")), str(hours)),
                ],
                items=[
                    Item(
                        "product" if ex["entity"] == "product" else "order" if ex["entity"] == "order" else "sync",
                        str(ex["object_id"]) if ex["object_id"] else None,
                        f"{ex['entity']} · {ex['action']}",
                        Text(ex["error"]) if ex["error"] else None,
                    )
                    for ex in row["examples"] or []
                ],
                facts={"changes_waiting": row["stuck"], "oldest_hours": hours},
            )
        )
    return findings


def analyse(context):
    return [*_stale(context), *_errors(context), *_webhooks(context), *_lag(context), *_pushes(context)]


AGENT = Agent(
    "sync_health", _("Sync health"), analyse, STORE_SCOPE, _("Stale syncs, error queues, webhooks and stuck pushes")
)
