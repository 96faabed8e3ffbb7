"""Every write of the agents app: running an agent, the insight workflow, alert read state.

``agent_run`` is the one engine: it logs the run (``agent_execution_log``: started, then
completed or failed), asks the agent for findings, renders their texts in every language
(optionally rewritten by a language model, ``agents.llm``), then in one transaction keeps one live
insight per agent, cause and store: new causes insert, known ones update, causes no longer found
resolve. High and critical insights (new, or escalated) raise an ``agent_alerts`` row; critical
ones are e-mailed, after commit, to the people who can act on them.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from dataclasses import field
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from agents import llm
from agents.base import ALERT_SEVERITIES
from agents.base import SEVERITY_RANK
from agents.base import STORE_SCOPE
from agents.base import AgentContext
from agents.base import Text
from agents.models import AgentAlert
from agents.models import AgentExecutionLog
from agents.models import AgentInsight
from agents.models import AgentStoreSettings
from agents.models import ExecutionStatus
from agents.models import InsightStatus
from agents.registry import agent_types
from agents.registry import all_agents
from agents.registry import get_agent
from agents.selectors import alerts_for
from agents.selectors import can_see_insight
from agents.triggers import RUN_TASK
from config.celery import task_by_name
from config.db import Severity
from stores.access import CHANGE_STORE
from stores.access import RUN_AGENTS
from stores.access import access_for
from stores.models import StoreRole
from stores.models import StoreUser

logger = logging.getLogger(__name__)

HISTORY_MAX = 50
ERROR_MAX = 2000
OPEN_STATUSES = (InsightStatus.NEW, InsightStatus.ACKNOWLEDGED, InsightStatus.IN_PROGRESS)
# What a person may move an insight to, from each status. Dismissed insights stay live (muted)
# until their cause clears; resolved ones are closed (a cause that comes back opens a new one).
TRANSITIONS = {
    InsightStatus.NEW: {
        InsightStatus.ACKNOWLEDGED,
        InsightStatus.IN_PROGRESS,
        InsightStatus.RESOLVED,
        InsightStatus.DISMISSED,
    },
    InsightStatus.ACKNOWLEDGED: {InsightStatus.IN_PROGRESS, InsightStatus.RESOLVED, InsightStatus.DISMISSED},
    InsightStatus.IN_PROGRESS: {InsightStatus.ACKNOWLEDGED, InsightStatus.RESOLVED, InsightStatus.DISMISSED},
    InsightStatus.DISMISSED: {InsightStatus.NEW},
    InsightStatus.RESOLVED: set(),
}


@dataclass
class RunOutcome:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    resolved: list = field(default_factory=list)
    alerts: list = field(default_factory=list)
    written_by_model: int = 0


# =============================================================================================
# Running an agent
# =============================================================================================


def _plain(value):
    return value.render() if isinstance(value, Text) else (value or "")


def render_finding(finding):
    """``{language: {title, analysis, recommendations, figures, items}}`` in every language."""
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = {
                "title": finding.title.render(),
                "analysis": finding.analysis.render(),
                "recommendations": [r.render() for r in finding.recommendations],
                "figures": [{"label": f.label.render(), "value": f.value} for f in finding.figures],
                "items": [
                    {"kind": i.kind, "id": i.id, "name": _plain(i.name), "detail": _plain(i.detail)}
                    for i in finding.items
                ],
            }
    return rendered


def _now_iso(now):
    return now.isoformat()


def _history(metadata, event, now, **extra):
    history = list((metadata or {}).get("history") or [])
    history.append({"at": _now_iso(now), "event": event, **extra})
    return history[-HISTORY_MAX:]


def _metadata(finding, rendered, previous=None, *, by_model=False):
    metadata = dict(previous or {})
    metadata.update(
        {
            "cause": finding.cause,
            "i18n": rendered,
            "facts": finding.facts,
            "written_by": "model" if by_model else "agent",
        }
    )
    return metadata


def _live_insights(agent, store_ids, *, lock=False):
    queryset = AgentInsight.objects.filter(agent_type=agent.agent_type, resolved_at__isnull=True)
    if store_ids is not None:
        queryset = queryset.filter(store_id__in=store_ids)
    if lock:
        queryset = queryset.select_for_update()
    return {(i.cause, str(i.store_id) if i.store_id else None): i for i in queryset}


def _write_prose(agent, findings, rendered, store_ids):
    """Let the model rewrite the text of findings that are new or whose facts changed."""
    if not llm.enabled() or not findings:
        return set()
    live = _live_insights(agent, store_ids)
    languages = [code for code, _name in settings.LANGUAGES]
    written = set()
    for finding in findings:
        existing = live.get(finding.key)
        if existing is not None and (existing.metadata or {}).get("facts") == finding.facts:
            if (existing.metadata or {}).get("written_by") == "model":
                # Same facts: keep the model's earlier text rather than asking again.
                for code, text in existing.metadata.get("i18n", {}).items():
                    if code in rendered[finding.key]:
                        rendered[finding.key][code]["analysis"] = text["analysis"]
                        rendered[finding.key][code]["recommendations"] = text["recommendations"]
                written.add(finding.key)
            continue
        evidence = llm.evidence_for_model(agent.agent_type, finding, rendered[finding.key]["en"])
        prose = llm.write_prose(evidence, languages)
        if not prose:
            continue
        for code, text in prose.items():
            rendered[finding.key][code]["analysis"] = text["analysis"]
            rendered[finding.key][code]["recommendations"] = text["recommendations"]
        written.add(finding.key)
    return written


def _alert(insight, rendered, now):
    return AgentAlert(
        id=uuid.uuid4(),
        agent_type=insight.agent_type,
        title=rendered[settings.LANGUAGE_CODE]["title"],
        message=rendered[settings.LANGUAGE_CODE]["analysis"],
        severity=insight.severity,
        insight=insight,
        store_id=insight.store_id,
        metadata={
            "cause": insight.cause,
            "i18n": {code: {"title": r["title"], "message": r["analysis"]} for code, r in rendered.items()},
        },
        created_at=now,
    )


def _apply(agent, findings, rendered, by_model, context):
    """One transaction: insert, update and resolve insights; raise alerts."""
    outcome = RunOutcome()
    now = context.now
    lang = settings.LANGUAGE_CODE
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Two runs of one agent (beat, a trigger, a button) take turns.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"agents:{agent.agent_type}"])
        live = _live_insights(agent, context.store_ids, lock=True)
        new, changed = [], []
        for finding in findings:
            text = rendered[finding.key]
            existing = live.pop(finding.key, None)
            model = finding.key in by_model
            if existing is None:
                insight = AgentInsight(
                    id=uuid.uuid4(),
                    agent_type=agent.agent_type,
                    cause=finding.cause,
                    store_id=finding.store_id,
                    severity=finding.severity,
                    analysis=text[lang]["analysis"],
                    recommendations=text[lang]["recommendations"],
                    metadata=_metadata(finding, text, by_model=model),
                    status=InsightStatus.NEW,
                    created_at=now,
                    updated_at=now,
                )
                insight.metadata["history"] = _history({}, "opened", now, severity=finding.severity)
                new.append(insight)
                if finding.severity in ALERT_SEVERITIES:
                    outcome.alerts.append(_alert(insight, text, now))
                continue
            previous_severity = existing.severity
            metadata = _metadata(finding, text, existing.metadata, by_model=model)
            if previous_severity != finding.severity:
                metadata["history"] = _history(
                    existing.metadata, "severity", now, severity=finding.severity, previous=previous_severity
                )
                escalated = SEVERITY_RANK[finding.severity] > SEVERITY_RANK[previous_severity]
                if escalated and finding.severity in ALERT_SEVERITIES and existing.status != InsightStatus.DISMISSED:
                    outcome.alerts.append(_alert(existing, text, now))
            existing.severity = finding.severity
            existing.analysis = text[lang]["analysis"]
            existing.recommendations = text[lang]["recommendations"]
            existing.metadata = metadata
            existing.updated_at = now
            changed.append(existing)
        for insight in live.values():
            # The cause cleared: resolved (a dismissed one keeps its status; both stop being live).
            if insight.status != InsightStatus.DISMISSED:
                insight.status = InsightStatus.RESOLVED
            insight.resolved_at = now
            insight.updated_at = now
            insight.metadata = {**(insight.metadata or {}), "history": _history(insight.metadata, "cleared", now)}
            outcome.resolved.append(insight)
        AgentInsight.objects.bulk_create(new)
        fields = ["severity", "analysis", "recommendations", "metadata", "updated_at"]
        AgentInsight.objects.bulk_update(changed, fields)
        AgentInsight.objects.bulk_update(outcome.resolved, ["status", "resolved_at", "updated_at", "metadata"])
        AgentAlert.objects.bulk_create(outcome.alerts)
        critical = [a.pk for a in outcome.alerts if a.severity == Severity.CRITICAL]
        if critical and settings.AGENTS_EMAIL_CRITICAL:
            transaction.on_commit(lambda: alerts_email(critical))
    outcome.created, outcome.updated = new, changed
    outcome.written_by_model = len(by_model)
    return outcome


def _finish(log, started, *, status, outcome=None, error=None, findings=0):
    log.status = status
    log.completed_at = timezone.now()
    log.duration_ms = int((time.monotonic() - started) * 1000)
    fields = ["status", "completed_at", "duration_ms", "metadata"]
    if outcome is not None:
        log.insights_generated = len(outcome.created)
        log.alerts_generated = len(outcome.alerts)
        log.metadata = {
            **log.metadata,
            "findings": findings,
            "created": len(outcome.created),
            "updated": len(outcome.updated),
            "resolved": len(outcome.resolved),
            "written_by_model": outcome.written_by_model,
        }
        fields += ["insights_generated", "alerts_generated"]
    if error is not None:
        log.error_message = error[:ERROR_MAX]
        fields.append("error_message")
    log.save(update_fields=fields)


def agent_run(agent_type, *, execution_type, store_id=None, trigger=None, now=None):
    """Run one agent (over one store, or every store) and record the run. Returns the log row.

    A failure inside the agent is recorded (``status='failed'`` with the error) and logged, never
    raised: the other agents of the same request still run. An unknown ``agent_type`` raises
    ``agents.registry.UnknownAgent`` before anything is written.
    """
    agent = get_agent(agent_type)
    store_ids = [str(store_id)] if store_id and agent.scope == STORE_SCOPE else None
    log = AgentExecutionLog.objects.create(
        agent_type=agent.agent_type,
        execution_type=execution_type,
        status=ExecutionStatus.STARTED,
        metadata={"store_id": str(store_id) if store_ids else None, "trigger": trigger or {}},
    )
    started = time.monotonic()
    try:
        context = AgentContext(now=now or timezone.now(), store_ids=store_ids)
        findings = agent.analyse(context)
        rendered = {finding.key: render_finding(finding) for finding in findings}
        by_model = _write_prose(agent, findings, rendered, store_ids)
        outcome = _apply(agent, findings, rendered, by_model, context)
    except Exception as exc:
        logger.exception("Agent %s failed", agent.agent_type)
        _finish(log, started, status=ExecutionStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return log
    _finish(log, started, status=ExecutionStatus.COMPLETED, outcome=outcome, findings=len(findings))
    return log


def agents_run(*, execution_type, agent_types=None, store_id=None, trigger=None):
    """Run several agents one after the other (all of them by default); one log row each.

    With ``store_id`` only agents about stores run (app-wide agents need no store)."""
    agents = [get_agent(t) for t in agent_types] if agent_types else all_agents()
    if store_id:
        agents = [agent for agent in agents if agent.scope == STORE_SCOPE]
    return [
        agent_run(agent.agent_type, execution_type=execution_type, store_id=store_id, trigger=trigger)
        for agent in agents
    ]


# =============================================================================================
# E-mail for critical alerts
# =============================================================================================


def _recipients(store_id):
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if store_id is None:
        users = users.filter(is_staff=True)
    else:
        members = StoreUser.objects.filter(store_id=store_id, role__in=[StoreRole.OWNER, StoreRole.MANAGER])
        users = users.filter(pk__in=members.values("user_id"))
    return list(users.order_by("email").values_list("email", flat=True))


def alerts_email(alert_ids):
    """E-mail each critical alert to the store's owners and managers (app admins for app-wide ones)."""
    sent = 0
    for alert in AgentAlert.objects.filter(pk__in=alert_ids).select_related("insight", "store"):
        recipients = _recipients(alert.store_id)
        if not recipients:
            continue
        recommendations = "\n".join(f"- {r}" for r in (alert.insight.recommendations if alert.insight else []))
        where = alert.store.name if alert.store else _("Storedesk")
        try:
            send_mail(
                subject=f"[Storedesk] {_('Critical')}: {alert.title}"[:200],
                message=f"{where}\n\n{alert.message}\n\n{recommendations}\n",
                from_email=None,
                recipient_list=recipients,
            )
            sent += 1
        except Exception:
            logger.exception("Could not e-mail critical alert %s", alert.pk)
    return sent


# =============================================================================================
# The insight workflow and alert read state
# =============================================================================================


def _require_insight_access(actor, insight):
    if not can_see_insight(access_for(actor), insight):
        raise Http404("No such insight.")


def insight_set_status(*, actor, insight_id, status):
    """Move an insight along new → acknowledged → in progress → resolved / dismissed.

    The first move past "new" records who acknowledged it and when; "resolved" records when.
    The insight's unread alerts are marked read by the actor. An illegal move is a
    ``ValidationError`` with a clear message."""
    if status not in InsightStatus.values:
        raise ValidationError(_("Unknown status."))
    with transaction.atomic():
        insight = AgentInsight.objects.select_for_update().filter(pk=insight_id).first()
        if insight is None:
            raise Http404("No such insight.")
        _require_insight_access(actor, insight)
        current = insight.status or InsightStatus.NEW
        if status not in TRANSITIONS[current]:
            raise ValidationError(
                _("An insight that is “%(current)s” cannot become “%(new)s”.")
                % {"current": InsightStatus(current).label, "new": InsightStatus(status).label}
            )
        now = timezone.now()
        insight.status = status
        fields = ["status", "updated_at", "metadata"]
        if status != InsightStatus.NEW and insight.acknowledged_at is None:
            insight.acknowledged_by, insight.acknowledged_at = actor, now
            fields += ["acknowledged_by", "acknowledged_at"]
        if status == InsightStatus.RESOLVED:
            insight.resolved_at = now
            fields.append("resolved_at")
        insight.metadata = {
            **(insight.metadata or {}),
            "history": _history(insight.metadata, status, now, by=actor.email),
        }
        insight.save(update_fields=fields)
        if status != InsightStatus.NEW:
            AgentAlert.objects.filter(insight=insight, is_read=False).update(is_read=True, read_by=actor, read_at=now)
    return insight


def alerts_mark_read(*, actor, alert_ids=None):
    """Mark alerts read (the given ones, or every unread one the actor can see). Returns the count."""
    queryset = alerts_for(access_for(actor)).filter(is_read=False)
    if alert_ids is not None:
        queryset = queryset.filter(pk__in=alert_ids)
    return queryset.update(is_read=True, read_by=actor, read_at=timezone.now())


def store_agent_settings_save(*, actor, store_id, low_stock_threshold, sales_band_percent):
    access = access_for(actor)
    access.require(CHANGE_STORE, store_id)
    if low_stock_threshold < 0 or not 1 <= sales_band_percent <= 500:
        raise ValidationError(_("The low-stock threshold must be 0 or more and the band between 1 and 500%."))
    AgentStoreSettings.objects.update_or_create(
        store_id=store_id,
        defaults={"low_stock_threshold": low_stock_threshold, "sales_band_percent": sales_band_percent},
    )


def agents_run_request(*, actor, store_id=None):
    """Queue a manual run (after commit): every store agent over one store (its owners, app
    admins), or every agent over everything (app admins). Returns the agent types queued."""
    access = access_for(actor)
    if store_id is None:
        if not access.is_admin:
            raise PermissionDenied
        types = agent_types()
    else:
        access.require(RUN_AGENTS, store_id)
        types = [a.agent_type for a in all_agents() if a.scope == STORE_SCOPE]
    kwargs = {
        "agent_types": types,
        "store_id": str(store_id) if store_id else None,
        "execution_type": "manual",
        "trigger": {"requested_by": str(actor.pk)},
    }
    # robust: a broker that is down is logged, never a 500 for the person who pressed the button.
    # The task by its name: agents.tasks calls this module, it is not imported back.
    transaction.on_commit(partial(task_by_name(RUN_TASK).apply_async, kwargs=kwargs), robust=True)
    return types


def security_alert_create(anomaly_id, detection):
    """audit's in-app notifier for an anomaly: an alert in the admins' feed (agent "security")."""
    AgentAlert.objects.create(
        agent_type="security",
        title=f"Security anomaly: {detection.rule.replace('_', ' ')}",
        message=detection.summary,
        severity=detection.level,
        metadata={"anomaly_id": anomaly_id, "rule": detection.rule, "subject": detection.subject},
    )
