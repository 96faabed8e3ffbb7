"""Reads for the webhooks page, scoped through ``stores.access``: a fixed number of queries."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import Subquery
from django.utils import timezone

from agents.models import AgentAlert
from stores.access import MANAGE_WEBHOOKS
from stores.access import RUN_SYNC
from stores.access import VIEW_STORE
from stores.access import get_scoped_or_404
from webhooks.models import DeliveryStatus
from webhooks.models import Webhook
from webhooks.models import WebhookDelivery
from webhooks.models import WebhookDeliveryStats
from webhooks.models import WebhookLog
from webhooks.models import WebhookLogRateLimit
from webhooks.models import WebhookStatus
from webhooks.remote import ALERT_AGENT_TYPE


def _stat(field):
    rows = WebhookDeliveryStats.objects.filter(store_id=OuterRef("store_id"), woo_webhook_id=OuterRef("woo_webhook_id"))
    return Subquery(rows.values(field)[:1])


def webhooks_for(access, store_id):
    """The store's webhooks with their delivery stats: one query."""
    access.require(VIEW_STORE, store_id)
    queryset = Webhook.objects.filter(store_id=store_id).annotate(
        last_delivery_at=_stat("last_delivery_at"),
        last_failure_at=_stat("last_failure_at"),
        consecutive_failures=_stat("consecutive_failures"),
        failure_count=_stat("failure_count"),
        last_error=_stat("last_error"),
        status_checked_at=_stat("status_checked_at"),
    )
    return access.scope(queryset, VIEW_STORE).order_by("topic", "created_at")


def webhook_alerts_for(access, store_id, limit=10):
    """Unread webhook alerts of the store, newest first: one query."""
    access.require(VIEW_STORE, store_id)
    return list(
        AgentAlert.objects.filter(agent_type=ALERT_AGENT_TYPE, is_read=False, metadata__store_id=str(store_id))
        .only("id", "title", "message", "severity", "metadata", "created_at")
        .order_by("-created_at")[:limit]
    )


def webhook_logs_for(access, store_id, limit=50):
    """The latest log rows of the store: one query."""
    access.require(VIEW_STORE, store_id)
    queryset = WebhookLog.objects.filter(store_id=store_id).order_by("-received_at", "-pk")
    return list(access.scope(queryset, VIEW_STORE)[:limit])


def webhook_failed_deliveries_for(access, store_id, limit=50):
    """Deliveries that could not be applied (their sync_errors rows exist too): one query."""
    access.require(VIEW_STORE, store_id)
    queryset = (
        WebhookDelivery.objects.filter(store_id=store_id, status=DeliveryStatus.FAILED)
        .defer("body")
        .order_by("-received_at")
    )
    return list(access.scope(queryset, VIEW_STORE)[:limit])


def webhook_inbox_summary(access, store_id):
    """Counts for the page header: pending/failed inbox rows, today's deliveries, and log rows
    skipped this hour by the cap. Three queries."""
    access.require(VIEW_STORE, store_id)
    since = timezone.now() - timedelta(hours=24)
    counts = WebhookDelivery.objects.filter(store_id=store_id).aggregate(
        pending=Count("pk", filter=Q(status=DeliveryStatus.PENDING)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
    )
    # Counted from the log the page lists below it (pings and rejected deliveries included), so
    # the figure and the list never disagree.
    counts["last_24h"] = WebhookLog.objects.filter(store_id=store_id, received_at__gte=since).count()
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    bucket = WebhookLogRateLimit.objects.filter(store_id=store_id, hour_bucket=hour).values_list("log_count", flat=True)
    log_count = next(iter(bucket), 0) or 0
    cap = settings.WEBHOOK_LOG_CAP_PER_HOUR
    counts.update(log_count=log_count, log_cap=cap, logs_skipped=max(0, log_count - cap))
    return counts


def webhook_page_permissions(access, store_id):
    return {
        "can_manage": access.can(MANAGE_WEBHOOKS, store_id),
        "can_retry": access.can(RUN_SYNC, store_id),
    }


def webhook_get(access, store_id, webhook_id, perm=MANAGE_WEBHOOKS):
    access.require(perm, store_id)
    return get_scoped_or_404(Webhook.objects.filter(store_id=store_id), access, perm, pk=webhook_id)


def disabled_count(webhooks):
    return sum(1 for hook in webhooks if hook.status == WebhookStatus.DISABLED)


def missing_standard_topics(webhooks):
    """Standard topics without a working webhook in the shop: never registered, or disabled by
    WooCommerce or deleted there (Register adopts or creates them again)."""
    working = {hook.topic for hook in webhooks if hook.woo_webhook_id and hook.status != WebhookStatus.DISABLED}
    return sorted(set(settings.WEBHOOK_STANDARD_TOPICS) - working)
