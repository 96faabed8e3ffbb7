"""Projects (app-wide, for app admins): the development work behind the installation.

Causes: ``sprints_at_risk`` (active sprints whose share of done tasks trails the share of time
gone by more than 25 points, past half-time), ``overdue_work`` (unfinished tasks of sprints that
have ended), ``critical_bugs`` (critical and blocker bugs still open) and ``failed_deployments``
(failed deployments of the last 7 days not followed by a successful one to the same environment).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from agents.base import APP_SCOPE
from agents.base import Agent
from agents.base import Figure
from agents.base import Finding
from agents.base import Item
from agents.base import Text
from agents.base import text
from config.db import Severity

EXAMPLES = 10
RISK_POINTS = 25

_SPRINTS_SQL = """
WITH progress AS (
    SELECT s.id, s.name, s.end_date,
           extract(epoch FROM (%(now)s - s.start_date)) / NULLIF(extract(epoch FROM (s.end_date - s.start_date)), 0)
               AS elapsed,
           count(t.id) AS tasks, count(t.id) FILTER (WHERE t.status = 'done') AS done,
           count(t.id) FILTER (WHERE t.status = 'blocked') AS blocked
    FROM sprints AS s LEFT JOIN tasks AS t ON t.sprint_id = s.id
    WHERE s.status = 'active' AND s.start_date <= %(now)s AND s.end_date > %(now)s
    GROUP BY s.id
)
SELECT id, name, end_date, tasks, done, blocked, round(100 * elapsed)::int AS elapsed_pct,
       round(100.0 * done / NULLIF(tasks, 0))::int AS done_pct
FROM progress
WHERE tasks > 0 AND elapsed >= 0.5 AND 100.0 * done / tasks < 100 * elapsed - {points}
ORDER BY elapsed - 1.0 * done / tasks DESC
"""

_OVERDUE_SQL = """
SELECT count(*) AS tasks,
       count(*) FILTER (WHERE t.priority IN ('high', 'critical')) AS urgent,
       count(DISTINCT s.id) AS sprints,
       json_agg(json_build_object('id', t.id, 'title', t.title, 'priority', t.priority, 'sprint', s.name)
                 ORDER BY CASE t.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, s.end_date)
           AS examples
FROM tasks AS t JOIN sprints AS s ON s.id = t.sprint_id
WHERE s.end_date < %(now)s AND s.status <> 'cancelled' AND t.status <> 'done'
HAVING count(*) > 0
"""

_BUGS_SQL = """
SELECT count(*) AS bugs, count(*) FILTER (WHERE b.severity = 'blocker') AS blockers,
       json_agg(json_build_object('id', b.id, 'title', b.title, 'severity', b.severity, 'since', b.created_at)
                 ORDER BY b.created_at) AS examples
FROM bug_reports AS b
WHERE b.severity IN ('critical', 'blocker') AND b.status IN ('open', 'investigating', 'in_progress')
HAVING count(*) > 0
"""

_DEPLOYMENTS_SQL = """
SELECT d.id, d.version, d.environment, d.created_at, left(d.error_log, 300) AS error
FROM deployments AS d
WHERE d.status = 'failed' AND d.created_at > %(now)s - interval '7 days'
  AND NOT EXISTS (
      SELECT 1 FROM deployments AS later
      WHERE later.environment = d.environment AND later.status = 'success' AND later.created_at > d.created_at)
ORDER BY d.created_at DESC
"""


def _sprints(context):
    rows = context.rows(_SPRINTS_SQL.format(points=RISK_POINTS))
    if not rows:
        return []
    params = {"count": len(rows)}
    return [
        Finding(
            cause="sprints_at_risk",
            severity=Severity.HIGH if any(r["elapsed_pct"] >= 80 for r in rows) else Severity.MEDIUM,
            title=text(
                ngettext_lazy("%(count)s active sprint is at risk", "%(count)s active sprints are at risk", "count"),
                **params,
            ),
            analysis=text(
                _(
                    "In %(count)s active sprints the share of finished tasks trails the share of time gone by "
                    "by more than 25 points; at this pace they will not finish on time."
                ),
                **params,
            ),
            recommendations=[
                text(_("Move the lowest-priority tasks out of these sprints.")),
                text(_("Unblock the blocked tasks first.")),
            ],
            figures=[Figure(text(_("Sprints at risk")), str(len(rows)))],
            items=[
                Item(
                    "sprint",
                    str(r["id"]),
                    r["name"],
                    text(
                        _("%(done)s%% done, %(elapsed)s%% of the time gone, %(blocked)s blocked"),
                        done=r["done_pct"],
                        elapsed=r["elapsed_pct"],
                        blocked=r["blocked"],
                    ),
                )
                for r in rows[:EXAMPLES]
            ],
            facts={"sprints": [{"done_percent": r["done_pct"], "time_percent": r["elapsed_pct"]} for r in rows]},
        )
    ]


def _overdue(context):
    rows = context.rows(_OVERDUE_SQL)
    if not rows:
        return []
    row = rows[0]
    params = {"count": row["tasks"], "sprints": row["sprints"], "urgent": row["urgent"]}
    return [
        Finding(
            cause="overdue_work",
            severity=Severity.HIGH if row["urgent"] else Severity.MEDIUM,
            title=text(ngettext_lazy("%(count)s task is overdue", "%(count)s tasks are overdue", "count"), **params),
            analysis=text(
                _(
                    "%(count)s tasks of %(sprints)s sprints that have already ended are not done; %(urgent)s of "
                    "them have high or critical priority."
                ),
                **params,
            ),
            recommendations=[
                text(_("Move each unfinished task to the current sprint or back to the backlog.")),
                text(_("Close the ended sprints once their tasks have a new home.")),
            ],
            figures=[
                Figure(text(_("Overdue tasks")), str(row["tasks"])),
                Figure(text(_("High or critical priority")), str(row["urgent"])),
            ],
            items=[
                Item("task", str(ex["id"]), ex["title"], Text(f"{ex['priority']} · {ex['sprint']}"))
                for ex in row["examples"][:EXAMPLES]
            ],
            facts={"overdue_tasks": row["tasks"], "urgent": row["urgent"], "sprints": row["sprints"]},
        )
    ]


def _bugs(context):
    rows = context.rows(_BUGS_SQL)
    if not rows:
        return []
    row = rows[0]
    params = {"count": row["bugs"], "blockers": row["blockers"]}
    return [
        Finding(
            cause="critical_bugs",
            severity=Severity.CRITICAL if row["blockers"] else Severity.HIGH,
            title=text(
                ngettext_lazy("%(count)s critical bug is open", "%(count)s critical bugs are open", "count"), **params
            ),
            analysis=text(
                ngettext_lazy(
                    "%(count)s bug of critical or blocker severity is still open; blockers among them: %(blockers)s.",
                    "%(count)s bugs of critical or blocker severity are still open, %(blockers)s of them blockers.",
                    "count",
                ),
                **params,
            ),
            recommendations=[
                text(_("Assign every open critical bug to someone today.")),
                text(_("Hold deployments of unrelated work until the blockers are fixed.")),
            ],
            figures=[
                Figure(text(_("Open critical bugs")), str(row["bugs"])),
                Figure(text(_("Blockers")), str(row["blockers"])),
            ],
            items=[Item("bug", str(ex["id"]), ex["title"], Text(ex["severity"])) for ex in row["examples"][:EXAMPLES]],
            facts={"open_critical_bugs": row["bugs"], "blockers": row["blockers"]},
        )
    ]


def _deployments(context):
    rows = context.rows(_DEPLOYMENTS_SQL)
    if not rows:
        return []
    production = sum(1 for r in rows if r["environment"] == "production")
    params = {"count": len(rows), "production": production}
    return [
        Finding(
            cause="failed_deployments",
            severity=Severity.CRITICAL if production else Severity.MEDIUM,
            title=text(
                ngettext_lazy(
                    "%(count)s deployment failed and was not fixed",
                    "%(count)s deployments failed and were not fixed",
                    "count",
                ),
                **params,
            ),
            analysis=text(
                _(
                    "%(count)s deployments failed in the last 7 days with no successful deployment to the same "
                    "environment since; %(production)s of them to production."
                ),
                **params,
            ),
            recommendations=[
                text(_("Read the error log of each failed deployment.")),
                text(_("Roll back or deploy a fix to production first.")),
            ],
            figures=[
                Figure(text(_("Failed deployments")), str(len(rows))),
                Figure(text(_("To production")), str(production)),
            ],
            items=[
                Item("deployment", str(r["id"]), f"{r['version']} ({r['environment']})", Text(r["error"] or ""))
                for r in rows[:EXAMPLES]
            ],
            facts={"failed_deployments": len(rows), "production": production},
        )
    ]


def analyse(context):
    return [*_sprints(context), *_overdue(context), *_bugs(context), *_deployments(context)]


AGENT = Agent(
    "projects",
    _("Projects"),
    analyse,
    APP_SCOPE,
    _("Sprints at risk, overdue work, critical bugs and failed deployments"),
)
