"""The public receiver and the store's webhooks page.

The receiver reads at most ``WEBHOOK_MAX_BODY_BYTES + 1`` bytes itself (never ``request.body``)
and hands the raw bytes to ``receiving.webhook_delivery_receive``; it answers every bad input with a
4xx and never a 500. The page is read-only for every member; registering, re-enabling and rotating
are owner actions (``stores.manage_webhooks``), retrying a failed delivery needs ``stores.run_sync``.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.http import HttpResponse
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.rls import as_service
from stores.access import MANAGE_WEBHOOKS
from stores.access import RUN_SYNC
from stores.access import VIEW_STORE
from stores.access import access_for
from stores.pages import page_context
from stores.pages import store_for
from webhooks import inbox
from webhooks import receiving
from webhooks import remote
from webhooks import selectors
from webhooks.models import WebhookStatus
from webhooks.presenters import with_topic_labels

logger = logging.getLogger(__name__)


# --- the receiver -----------------------------------------------------------------------------


def _read_body(request, limit):
    """The raw body, or None when it is larger than ``limit`` (read no further than limit + 1)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    if len(body) > limit:
        return None
    return body


@csrf_exempt
@as_service()  # WooCommerce is nobody: the signature authorises the delivery (config/rls.py)
def receive(request, store_id):
    """``POST /webhooks/woocommerce/<store uuid>/``: a WooCommerce delivery or ping."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        limit = settings.WEBHOOK_MAX_BODY_BYTES
        body = _read_body(request, limit)
        receipt = receiving.webhook_delivery_receive(
            store_id=store_id, headers=request.headers, body=body, too_large=body is None
        )
    except Exception:
        logger.exception("Webhook receiver failed for store %s", store_id)
        return HttpResponse("Temporarily unavailable.", status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(receipt.message, status=receipt.status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    if receipt.status == 429:
        response["Retry-After"] = "3600"
    return response


# --- the webhooks page ----------------------------------------------------------------------------


@login_required
def webhook_list(request, store_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    webhooks = with_topic_labels(list(selectors.webhooks_for(access, store_id)))
    context = page_context(
        store,
        access,
        "webhooks",
        _("Webhooks"),
        webhooks=webhooks,
        disabled_count=selectors.disabled_count(webhooks),
        alerts=selectors.webhook_alerts_for(access, store_id),
        logs=with_topic_labels(selectors.webhook_logs_for(access, store_id)),
        failed_deliveries=with_topic_labels(selectors.webhook_failed_deliveries_for(access, store_id)),
        summary=selectors.webhook_inbox_summary(access, store_id),
        delivery_url=remote.delivery_url(store_id),
        standard_topics=settings.WEBHOOK_STANDARD_TOPICS,
        missing_topics=selectors.missing_standard_topics(webhooks),
        statuses=WebhookStatus,
        **selectors.webhook_page_permissions(access, store_id),
    )
    return render(request, "webhooks/webhook_list.html", context)


def _report(request, store_id, result, success, failure):
    """Back to the webhook list, saying ``success`` or ``failure`` with the first reasons."""
    if result.ok:
        messages.success(request, success)
    else:
        details = "; ".join(f"{what}: {why}" for what, why in result.failed[:5])
        messages.error(request, f"{failure} {details}")
    return redirect("webhooks:webhook_list", store_id=store_id)


@login_required
@require_POST
def webhook_register(request, store_id):
    access_for(request.user).require(MANAGE_WEBHOOKS, store_id)
    result = remote.store_webhooks_register(actor=request.user, store_id=store_id)
    count = len(result.created) + len(result.updated)
    return _report(
        request,
        store_id,
        result,
        ngettext("%(count)d webhook registered.", "%(count)d webhooks registered.", count) % {"count": count},
        _("Some webhooks could not be registered."),
    )


@login_required
@require_POST
def webhook_reenable(request, store_id, webhook_id):
    access = access_for(request.user)
    selectors.webhook_get(access, store_id, webhook_id, MANAGE_WEBHOOKS)
    result = remote.webhook_reenable(actor=request.user, store_id=store_id, webhook_id=webhook_id)
    return _report(
        request,
        store_id,
        result,
        _("The webhook is active again; an incremental pull fills the gap."),
        _("The webhook could not be re-enabled."),
    )


@login_required
@require_POST
def webhook_secret_rotate(request, store_id):
    access_for(request.user).require(MANAGE_WEBHOOKS, store_id)
    result = remote.store_webhook_secret_rotate(actor=request.user, store_id=store_id)
    return _report(
        request,
        store_id,
        result,
        _("The webhook secret was rotated; deliveries signed with the previous one are accepted for a while."),
        _("The secret was rotated, but some webhooks could not be updated (retried automatically):"),
    )


@login_required
@require_POST
def webhook_refresh(request, store_id):
    access_for(request.user).require(MANAGE_WEBHOOKS, store_id)
    summary = remote.webhook_status_refresh(store_id=store_id)
    if summary.get("errors"):
        messages.error(request, _("WooCommerce could not be asked for the webhooks' status."))
    else:
        messages.success(request, _("Webhook statuses refreshed from WooCommerce."))
    return redirect("webhooks:webhook_list", store_id=store_id)


@login_required
@require_POST
def webhook_delivery_retry(request, store_id, delivery_id):
    access_for(request.user).require(RUN_SYNC, store_id)
    if inbox.webhook_delivery_retry(actor=request.user, store_id=store_id, delivery_id=delivery_id):
        messages.success(request, _("The delivery was queued again."))
    else:
        raise Http404("No such failed delivery.")
    return redirect("webhooks:webhook_list", store_id=store_id)


@login_required
@require_POST
def webhook_deliveries_retry_failed(request, store_id):
    access_for(request.user).require(RUN_SYNC, store_id)
    count = inbox.webhook_deliveries_retry_failed(actor=request.user, store_id=store_id)
    messages.success(
        request,
        ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count) % {"count": count},
    )
    return redirect("webhooks:webhook_list", store_id=store_id)


@login_required
@require_POST
def webhook_alert_dismiss(request, store_id, alert_id):
    access_for(request.user).require(VIEW_STORE, store_id)
    if not remote.webhook_alert_dismiss(actor=request.user, store_id=store_id, alert_id=alert_id):
        raise Http404("No such alert.")
    return redirect("webhooks:webhook_list", store_id=store_id)
