"""The webhooks' anomaly rule (audit/anomalies.py runs it on schedule and answers detections).

``invalid_webhook_signatures``: a burst of deliveries with an invalid signature for one store, read
from ``webhook_logs`` rows with ``status='failed'`` and an ``error_message`` containing
"signature" (``INVALID_SIGNATURE_MESSAGE``). The receiver writes that row as it does for every
rejected delivery, then calls ``record_invalid_webhook_signature(store_id)``. Registered with
audit's rules when ``WebhooksConfig.ready`` imports this module.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count

from audit.anomalies import LEVEL_HIGH
from audit.anomalies import LEVEL_MEDIUM
from audit.anomalies import Detection
from audit.anomalies import register_rule
from audit.anomalies import run_rule
from stores.models import Store
from webhooks.models import WebhookLog
from webhooks.models import WebhookLogStatus

INVALID_SIGNATURE_MESSAGE = "invalid signature"


@register_rule("invalid_webhook_signatures")
def rule_invalid_webhook_signatures(now, store_id=None):
    threshold = getattr(settings, "ANOMALY_INVALID_SIGNATURES", 20)
    window = getattr(settings, "ANOMALY_INVALID_SIGNATURES_WINDOW_MINUTES", 10)
    logs = WebhookLog.objects.filter(
        received_at__gte=now - timedelta(minutes=window),
        status=WebhookLogStatus.FAILED,
        error_message__icontains="signature",
    )
    if store_id is not None:
        logs = logs.filter(store_id=store_id)
    rows = list(logs.values("store_id").annotate(n=Count("id")).filter(n__gte=threshold))
    names = dict(Store.objects.filter(pk__in=[row["store_id"] for row in rows]).values_list("pk", "name"))
    return [
        Detection(
            rule="invalid_webhook_signatures",
            subject=str(row["store_id"]),
            level=LEVEL_HIGH if row["n"] >= 5 * threshold else LEVEL_MEDIUM,
            count=row["n"],
            threshold=threshold,
            window_minutes=window,
            summary=f"{row['n']} webhook deliveries with an invalid signature for store "
            f"{names.get(row['store_id'])} in {window} minutes",
            details={"store_id": str(row["store_id"]), "store_name": names.get(row["store_id"])},
        )
        for row in rows
    ]


def record_invalid_webhook_signature(store_id):
    """Call from the webhooks receiver after it logged a delivery rejected for its signature
    (``webhook_logs`` row, status ``failed``, ``error_message`` containing "signature")."""
    return run_rule(rule_invalid_webhook_signatures, store_id=store_id)
