"""Every read of the agents app, scoped by ``stores.access``.

Who sees what:
- an insight about a store: that store's owners and managers (``VIEW_INSIGHTS``), app admins;
- an app-wide insight (no store): app admins;
- an alert about a store: like its insight, except the webhooks' own alerts, which every member of
  the store sees (they are on the Webhooks page too); an app-wide alert (the anomaly rules'
  "security" alerts, the app-wide agents'): app admins.
"""

from django.conf import settings
from django.db.models import Case
from django.db.models import IntegerField
from django.db.models import Q
from django.db.models import Value
from django.db.models import When
from django.http import Http404
from django.utils.translation import get_language

from agents.models import AgentAlert
from agents.models import AgentExecutionLog
from agents.models import AgentInsight
from agents.models import AgentStoreSettings
from agents.models import InsightStatus
from config.db import Severity
from stores.access import VIEW_INSIGHTS
from stores.access import VIEW_STORE
from stores.models import without_credentials

# Alerts every member of the store sees (``webhooks.remote.ALERT_AGENT_TYPE``).
MEMBER_ALERT_TYPES = ("webhooks",)
OPEN_STATUSES = (InsightStatus.NEW, InsightStatus.ACKNOWLEDGED, InsightStatus.IN_PROGRESS)
STATUS_FILTERS = ("open", "all", *InsightStatus.values)
SEVERITY_ORDER = Case(
    When(severity=Severity.CRITICAL, then=Value(4)),
    When(severity=Severity.HIGH, then=Value(3)),
    When(severity=Severity.MEDIUM, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)
PAGE_LIMIT = 200


def can_see_insight(access, insight):
    if insight.store_id is None:
        return access.is_admin
    return access.can(VIEW_INSIGHTS, insight.store_id)


def _insight_filter(queryset, *, status="open", severity="", agent_type=""):
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in InsightStatus.values:
        queryset = queryset.filter(status=status)
    if severity in Severity.values:
        queryset = queryset.filter(severity=severity)
    if agent_type:
        queryset = queryset.filter(agent_type=agent_type)
    return queryset


def insights_for(access, store_id=None, **filters):
    """A store's insights (``store_id``) or the app-wide ones (app admins): most severe first."""
    if store_id is None:
        if not access.is_admin:
            raise Http404("No such page.")
        queryset = AgentInsight.objects.filter(store__isnull=True)
    else:
        access.require(VIEW_INSIGHTS, store_id)
        queryset = AgentInsight.objects.filter(store_id=store_id)
    queryset = _insight_filter(queryset, **filters).select_related("acknowledged_by")
    return list(queryset.annotate(rank=SEVERITY_ORDER).order_by("-rank", "-updated_at")[:PAGE_LIMIT])


def open_insights_for_store(access, store_id, limit=5):
    """The store overview's open insights (none for members who may not see insights): one query."""
    if not access.can(VIEW_INSIGHTS, store_id):
        return []
    queryset = AgentInsight.objects.filter(store_id=store_id, status__in=OPEN_STATUSES)
    return list(queryset.annotate(rank=SEVERITY_ORDER).order_by("-rank", "-updated_at")[:limit])


def insight_get(access, insight_id, store_id=None):
    """One insight the user may see, of that store (or app-wide when ``store_id`` is None); else 404."""
    insight = (
        without_credentials(AgentInsight.objects.select_related("acknowledged_by", "store"))
        .filter(pk=insight_id)
        .first()
    )
    if insight is None or str(insight.store_id or "") != str(store_id or "") or not can_see_insight(access, insight):
        raise Http404("No such insight.")
    return insight


def insight_alerts(insight):
    return list(AgentAlert.objects.filter(insight=insight).select_related("read_by").order_by("-created_at"))


def _alert_scope(access):
    if access.is_admin:
        return Q()
    insight_stores = access.store_ids_for(VIEW_INSIGHTS)
    member_stores = access.store_ids_for(VIEW_STORE)
    return Q(store_id__in=insight_stores) | Q(store_id__in=member_stores, agent_type__in=MEMBER_ALERT_TYPES)


def alerts_for(access, *, store_id=None, severity="", source="", unread=False):
    """Alerts the user may see, filtered; a queryset (newest first)."""
    queryset = AgentAlert.objects.filter(_alert_scope(access))
    if store_id:
        queryset = queryset.filter(store_id=store_id)
    if severity in Severity.values:
        queryset = queryset.filter(severity=severity)
    if source:
        queryset = queryset.filter(agent_type=source)
    if unread:
        queryset = queryset.filter(is_read=False)
    return queryset.order_by("-created_at")


def alerts_page(access, **filters):
    return list(
        without_credentials(alerts_for(access, **filters).select_related("store", "insight", "read_by"))[:PAGE_LIMIT]
    )


def unread_alert_count(access):
    """The bell's number: one COUNT."""
    return AgentAlert.objects.filter(_alert_scope(access), is_read=False).count()


def alert_sources(access):
    return sorted(set(alerts_for(access).values_list("agent_type", flat=True).distinct()))


def last_runs(agent_types, store_id=None):
    """The latest run of each agent (for this store, or app-wide runs): one query."""
    queryset = AgentExecutionLog.objects.filter(agent_type__in=agent_types)
    if store_id:
        # Runs of this store only, and scheduled runs over every store.
        queryset = queryset.filter(Q(metadata__store_id=str(store_id)) | Q(metadata__store_id=None))
    rows = queryset.order_by("agent_type", "-started_at").distinct("agent_type")
    return {row.agent_type: row for row in rows}


def store_agent_settings_get(store_id):
    row = AgentStoreSettings.objects.filter(store_id=store_id).first()
    return {
        "low_stock_threshold": row.low_stock_threshold if row else settings.AGENTS_LOW_STOCK_THRESHOLD,
        "sales_band_percent": row.sales_band_percent if row else settings.AGENTS_SALES_BAND_PERCENT,
    }


def localized(metadata, fallback):
    """The insight's or alert's texts in the active language (falling back to the default one)."""
    texts = (metadata or {}).get("i18n") or {}
    return texts.get(get_language()) or texts.get(settings.LANGUAGE_CODE) or fallback
