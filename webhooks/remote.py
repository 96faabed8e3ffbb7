"""The stores' webhooks in WooCommerce: registration, status refresh, re-enabling, secret
rotation and the alert a disabled webhook raises.

Secrets: a plaintext webhook secret exists here only in memory and in the request that sets it
in WooCommerce; it never reaches a log line, a log row, an exception message or a template.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from dataclasses import field
from functools import partial

from django.conf import settings
from django.db import connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from agents.models import AgentAlert
from agents.triggers import on_webhook_disabled
from audit.actor import SYSTEM_WEBHOOK
from audit.actor import audit_actor
from config.db import Severity
from config.rls import as_service
from stores import credentials
from stores.access import MANAGE_WEBHOOKS
from stores.access import VIEW_STORE
from stores.access import access_for
from stores.models import Store
from sync.records import advisory_lock
from sync.records import lock_key
from sync.woo import WooError
from sync.woo import client_for
from sync.woo import webhook_create
from sync.woo import webhook_update
from sync.woo import webhooks_list
from webhooks.logs import webhook_setting
from webhooks.models import Webhook
from webhooks.models import WebhookDeliveryStats
from webhooks.models import WebhookStatus
from webhooks.pull_requests import request_incremental_pull
from webhooks.receiving import forget_signing_keys

logger = logging.getLogger(__name__)

ALERT_AGENT_TYPE = "webhooks"
ALERT_KIND_DISABLED = "webhook_disabled"
# =============================================================================================
# Managing the stores' webhooks in WooCommerce
# =============================================================================================


def delivery_url(store_id):
    return settings.SITE_URL.rstrip("/") + reverse("webhooks_receiver:receive", kwargs={"store_id": store_id})


@dataclass
class WebhookActionResult:
    ok: bool = True
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (topic or webhook, safe message)

    def fail(self, what, exc):
        self.ok = False
        self.failed.append((what, _safe_error(exc)))


def _safe_error(exc):
    """A WooCommerce error for humans, without URLs' query strings or anything secret."""
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or type(exc).__name__
    status = getattr(exc, "status", None)
    text = f"{message} ({code}{', HTTP ' + str(status) if status else ''})" if code else message
    return text[:300]


def _client(store, client):
    if client is not None:
        return client
    # An owner waits for these calls: a couple of retries, not the pull's patient backoff.
    return client_for(store, max_retries=2, timeout=20)


def _ensure_stats_rows(store_id, woo_ids):
    WebhookDeliveryStats.objects.bulk_create(
        [WebhookDeliveryStats(store_id=store_id, woo_webhook_id=woo_id) for woo_id in woo_ids if woo_id],
        ignore_conflicts=True,
    )


def _mark_verified_from_pings(store_id):
    """Pings that arrived before we knew the webhook's id (during its creation)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE webhooks w SET verified_at = p.at, updated_at = now()
            FROM (SELECT resource_id, max(received_at) AS at FROM webhook_deliveries
                  WHERE store_id = %s AND topic = 'ping' GROUP BY resource_id) p
            WHERE w.store_id = %s AND w.woo_webhook_id = p.resource_id
              AND (w.verified_at IS NULL OR w.verified_at < p.at)
            """,
            [store_id, store_id],
        )
        return cursor.rowcount


@sensitive_variables("secret")
def _store_secret(actor, store):
    """The store's webhook secret in plaintext, created first if the store has none."""
    secret = credentials.webhook_secret(store)
    if secret:
        return secret
    secret = credentials.generate_webhook_secret()
    Store.objects.filter(pk=store.pk).update(webhook_secret=credentials.encrypt(secret), updated_at=timezone.now())
    with as_service():
        store.webhook_secret = Store.objects.values_list("webhook_secret", flat=True).get(pk=store.pk)
    forget_signing_keys(store.pk)
    logger.info("Store %s had no webhook secret; one was generated.", store.pk)
    return secret


@contextlib.contextmanager
def _registration_lock(store_id):
    """One registration per store at a time, across processes (a PostgreSQL advisory lock): the
    second one waits, then finds the first one's webhooks in the shop and adopts them instead of
    creating every topic twice."""
    with advisory_lock(lock_key(f"webhooks-register:{store_id}")):
        yield


@sensitive_variables("secret", "fields")
def store_webhooks_register(*, actor, store_id, client=None, topics=None):
    """Register the standard webhooks (product and order created/updated/deleted/restored) on the
    store's WooCommerce with the store's secret and our delivery URL, and record them.

    Webhooks that already point at our URL are adopted (their secret, status and URL are set
    again) instead of duplicated. Owners only (``stores.manage_webhooks``).
    """
    access_for(actor).require(MANAGE_WEBHOOKS, store_id)
    store = Store.objects.get(pk=store_id)
    topics = list(topics or webhook_setting("WEBHOOK_STANDARD_TOPICS", []))
    url = delivery_url(store.pk)
    result = WebhookActionResult()
    with _registration_lock(store.pk), audit_actor(actor):
        secret = _store_secret(actor, store)
        woo = _client(store, client)
        try:
            remote = [hook for hook in webhooks_list(woo) if hook.get("delivery_url") == url]
        except WooError as exc:
            result.fail(_("the store's webhook list"), exc)
            return result
        remote_by_topic = {}
        for hook in sorted(remote, key=lambda h: h.get("id") or 0):
            remote_by_topic.setdefault(hook.get("topic"), hook)
        for topic in topics:
            fields = {"secret": secret, "status": WebhookStatus.ACTIVE, "delivery_url": url}
            existing = remote_by_topic.get(topic)
            try:
                if existing is not None:
                    answer = webhook_update(woo, webhook_id=existing["id"], **fields)
                    result.updated.append(topic)
                else:
                    answer = webhook_create(woo, name=f"Storedesk: {topic}", topic=topic, **fields)
                    result.created.append(topic)
            except WooError as exc:
                result.fail(topic, exc)
                continue
            _record_webhook(store.pk, answer, topic, url)
        _ensure_stats_rows(
            store.pk, list(Webhook.objects.filter(store_id=store.pk).values_list("woo_webhook_id", flat=True))
        )
        _mark_verified_from_pings(store.pk)
    logger.info(
        "Webhooks registered for store %s: %d created, %d updated, %d failed",
        store.pk,
        len(result.created),
        len(result.updated),
        len(result.failed),
    )
    return result


def _record_webhook(store_id, answer, topic, url):
    woo_id = answer.get("id") if isinstance(answer, dict) else None
    status = answer.get("status") if isinstance(answer, dict) else None
    if status not in WebhookStatus.values:
        status = WebhookStatus.ACTIVE
    now = timezone.now()
    with transaction.atomic():
        hook = (
            Webhook.objects.select_for_update().filter(store_id=store_id).filter(woo_webhook_id=woo_id).first()
        ) or Webhook.objects.select_for_update().filter(store_id=store_id, topic=topic, delivery_url=url).first()
        if hook is None:
            hook = Webhook.objects.create(
                store_id=store_id,
                woo_webhook_id=woo_id,
                topic=topic,
                delivery_url=url,
                status=status,
                secret_updated_at=now,
            )
        else:
            hook.woo_webhook_id = woo_id
            hook.topic = topic
            hook.delivery_url = url
            hook.status = status
            hook.secret_updated_at = now
            if status != WebhookStatus.DISABLED:
                hook.disabled_at = None
            hook.save(
                update_fields=[
                    "woo_webhook_id",
                    "topic",
                    "delivery_url",
                    "status",
                    "secret_updated_at",
                    "disabled_at",
                    "updated_at",
                ]
            )
    return hook


def imported_webhooks_repoint(*, clients=None):
    """After ``import_supabase``: the WooCommerce webhooks still deliver to the old app. Point
    each at our receiver (secrets untouched, so signatures keep verifying) and record the new URL.
    Returns one line per webhook for the import's report. ``clients``: store id -> client (tests).
    """
    lines = []
    hooks = (
        Webhook.objects.filter(woo_webhook_id__isnull=False)
        .select_related("store")
        .order_by("store__name", "woo_webhook_id")
    )
    with audit_actor.system("import"):
        for hook in hooks:
            url = delivery_url(hook.store_id)
            label = f'Store "{hook.store.name}", webhook {hook.woo_webhook_id} ({hook.topic})'
            if hook.delivery_url == url:
                lines.append(f"{label}: already delivers here.")
                continue
            if hook.store.credentials_reconnect_needed:
                lines.append(f"{label}: not repointed, the store needs its credentials first.")
                continue
            try:
                woo = (clients or {}).get(hook.store_id) or _client(hook.store, None)
                webhook_update(woo, webhook_id=hook.woo_webhook_id, delivery_url=url)
            except WooError as exc:
                lines.append(f"{label}: not repointed: {_safe_error(exc)}")
                continue
            Webhook.objects.filter(pk=hook.pk).update(delivery_url=url, updated_at=timezone.now())
            lines.append(f"{label}: now delivers to {url}")
    return lines


def webhook_status_refresh(*, store_id, client=None, now=None):
    """Read the store's webhooks from WooCommerce: statuses follow, a webhook WooCommerce has
    disabled raises an alert (once) and queues an incremental pull to fill the gap, a rotated
    secret that did not reach a webhook is pushed again. System job: no actor."""
    now = now or timezone.now()
    store = Store.objects.get(pk=store_id)
    hooks = list(Webhook.objects.filter(store_id=store_id, woo_webhook_id__isnull=False))
    summary = {"checked": 0, "changed": 0, "disabled": 0, "secrets": 0, "errors": 0}
    if not hooks:
        return summary
    with audit_actor.system(SYSTEM_WEBHOOK):
        woo = _client(store, client)
        try:
            remote = {hook.get("id"): hook for hook in webhooks_list(woo)}
        except WooError as exc:
            logger.warning("Webhook status refresh of store %s failed: %s", store_id, _safe_error(exc))
            summary["errors"] += 1
            return summary
        newly_disabled = []
        for hook in hooks:
            summary["checked"] += 1
            answer = remote.get(hook.woo_webhook_id)
            status = answer.get("status") if answer else WebhookStatus.DISABLED
            if status not in WebhookStatus.values:
                status = WebhookStatus.DISABLED
            fields = []
            if status != hook.status:
                hook.status = status
                fields.append("status")
            if status == WebhookStatus.DISABLED and hook.disabled_at is None:
                hook.disabled_at = now
                fields.append("disabled_at")
                newly_disabled.append((hook, answer is None))
            elif status != WebhookStatus.DISABLED and hook.disabled_at is not None:
                hook.disabled_at = None
                fields.append("disabled_at")
            if fields:
                hook.save(update_fields=[*fields, "updated_at"])
                summary["changed"] += 1
            if answer is not None and _secret_outdated(store, hook):
                try:
                    _push_secret(store, woo, hook)
                    summary["secrets"] += 1
                except WooError as exc:
                    summary["errors"] += 1
                    logger.warning("Could not set the rotated secret on webhook %s: %s", hook.pk, _safe_error(exc))
        WebhookDeliveryStats.objects.filter(
            store_id=store_id, woo_webhook_id__in=[h.woo_webhook_id for h in hooks]
        ).update(status_checked_at=now)
        _ensure_stats_rows(store_id, [h.woo_webhook_id for h in hooks])
        _mark_verified_from_pings(store_id)
        for hook, missing in newly_disabled:
            _alert_disabled(store, hook, missing=missing)
            on_webhook_disabled(store.pk, hook.pk)
            summary["disabled"] += 1
        if newly_disabled:
            request_incremental_pull(store_id, reason="webhook disabled")
    return summary


def webhook_status_refresh_all(*, now=None):
    """The beat job: every store that has registered webhooks."""
    totals = {"stores": 0, "checked": 0, "changed": 0, "disabled": 0, "secrets": 0, "errors": 0}
    store_ids = Webhook.objects.filter(woo_webhook_id__isnull=False).values_list("store_id", flat=True).distinct()
    for store_id in store_ids:
        totals["stores"] += 1
        try:
            summary = webhook_status_refresh(store_id=store_id, now=now)
        except Exception:
            logger.exception("Webhook status refresh of store %s failed", store_id)
            totals["errors"] += 1
            continue
        for key, value in summary.items():
            totals[key] += value
    return totals


def _secret_outdated(store, hook):
    rotated = store.webhook_secret_rotated_at
    return rotated is not None and (hook.secret_updated_at is None or hook.secret_updated_at < rotated)


@sensitive_variables("secret")
def _push_secret(store, woo, hook):
    secret = credentials.webhook_secret(store)
    webhook_update(woo, webhook_id=hook.woo_webhook_id, secret=secret)
    hook.secret_updated_at = timezone.now()
    hook.save(update_fields=["secret_updated_at", "updated_at"])


def _alert_disabled(store, hook, *, missing):
    if missing:
        title = _("The “%(topic)s” webhook of %(store)s no longer exists in WooCommerce")
        message = _(
            "WooCommerce no longer has this webhook, so it sends no more %(topic)s events. Register the "
            "webhooks again on the Webhooks page; an incremental pull has been queued to fill the gap."
        )
    else:
        title = _("WooCommerce disabled the “%(topic)s” webhook of %(store)s")
        message = _(
            "WooCommerce disables a webhook after repeated failed deliveries and then stops sending it. "
            "Re-enable it on the Webhooks page; an incremental pull has been queued to fill the gap."
        )
    names = {"topic": hook.topic, "store": store.name}
    return AgentAlert.objects.create(
        agent_type=ALERT_AGENT_TYPE,
        title=title % names,
        message=message % names,
        severity=Severity.HIGH,
        store=store,
        metadata={
            "kind": ALERT_KIND_DISABLED,
            "store_id": str(store.pk),
            "webhook_id": str(hook.pk),
            "woo_webhook_id": hook.woo_webhook_id,
            "topic": hook.topic,
            "missing": missing,
        },
    )


@sensitive_variables("secret")
def webhook_reenable(*, actor, store_id, webhook_id, client=None):
    """Set a disabled (or paused) webhook active again in WooCommerce, close its alerts and queue
    an incremental pull for what was missed. Owners only."""
    access_for(actor).require(MANAGE_WEBHOOKS, store_id)
    hook = Webhook.objects.get(pk=webhook_id, store_id=store_id)
    store = Store.objects.get(pk=store_id)
    result = WebhookActionResult()
    with audit_actor(actor):
        woo = _client(store, client)
        secret = credentials.webhook_secret(store) if _secret_outdated(store, hook) else None
        try:
            answer = webhook_update(woo, webhook_id=hook.woo_webhook_id, status=WebhookStatus.ACTIVE, secret=secret)
        except WooError as exc:
            result.fail(hook.topic, exc)
            return result
        status = answer.get("status") if isinstance(answer, dict) else WebhookStatus.ACTIVE
        hook.status = status if status in WebhookStatus.values else WebhookStatus.ACTIVE
        hook.disabled_at = None
        fields = ["status", "disabled_at", "updated_at"]
        if secret is not None:
            hook.secret_updated_at = timezone.now()
            fields.append("secret_updated_at")
        hook.save(update_fields=fields)
        WebhookDeliveryStats.objects.filter(store_id=store_id, woo_webhook_id=hook.woo_webhook_id).update(
            consecutive_failures=0
        )
        AgentAlert.objects.filter(agent_type=ALERT_AGENT_TYPE, is_read=False, metadata__webhook_id=str(hook.pk)).update(
            is_read=True, read_by=actor, read_at=timezone.now()
        )
        result.updated.append(hook.topic)
    request_incremental_pull(store_id, reason="webhook re-enabled", actor=actor)
    return result


@sensitive_variables("secret")
def store_webhook_secret_rotate(*, actor, store_id, secret=None, client=None):
    """A new webhook secret for the store (``secret``, typed by an owner in the credentials form,
    or a generated one), set on every registered webhook in WooCommerce.
    Deliveries signed with the previous secret are accepted for ``WEBHOOK_SECRET_GRACE_SECONDS``;
    a webhook WooCommerce could not be updated on gets the new secret at the next status refresh.
    """
    access = access_for(actor)
    access.require(MANAGE_WEBHOOKS, store_id)
    if not secret:
        secret = credentials.generate_webhook_secret()
    with audit_actor(actor), transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store_id)
        store.previous_webhook_secret = credentials.tokens(store, "webhook_secret")[0]
        store.webhook_secret = credentials.encrypt(secret)
        store.webhook_secret_rotated_at = timezone.now()
        store.save(
            update_fields=["previous_webhook_secret", "webhook_secret", "webhook_secret_rotated_at", "updated_at"]
        )
        # Again once an enclosing transaction commits: a receiver may reload the old keys until then.
        transaction.on_commit(partial(forget_signing_keys, store.pk))
    forget_signing_keys(store.pk)
    logger.info("Webhook secret of store %s rotated", store.pk)
    result = WebhookActionResult()
    hooks = list(Webhook.objects.filter(store_id=store_id, woo_webhook_id__isnull=False))
    if not hooks:
        return result
    with audit_actor(actor):
        woo = _client(store, client)
        for hook in hooks:
            try:
                webhook_update(woo, webhook_id=hook.woo_webhook_id, secret=secret)
            except WooError as exc:
                result.fail(hook.topic, exc)
                continue
            hook.secret_updated_at = timezone.now()
            hook.save(update_fields=["secret_updated_at", "updated_at"])
            result.updated.append(hook.topic)
    return result


def webhook_alert_dismiss(*, actor, store_id, alert_id):
    """Mark one of the store's webhook alerts read (every member who can see the page may)."""
    access_for(actor).require(VIEW_STORE, store_id)
    return AgentAlert.objects.filter(
        pk=alert_id, agent_type=ALERT_AGENT_TYPE, metadata__store_id=str(store_id), is_read=False
    ).update(is_read=True, read_by=actor, read_at=timezone.now())
