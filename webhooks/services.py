"""Every write of the webhooks app: receiving deliveries, applying them, managing the stores'
webhooks in WooCommerce.

Receiving (``webhook_delivery_receive``) is the hot path: a verified delivery costs one prepared
SQL statement (inbox row + log-cap bucket + log row + delivery stats + the store's apply-task
flag, implicitly atomic) and, once per burst, one broker message. Everything slow happens in the
Celery task that drains the store's inbox (``webhook_deliveries_drain``), in set-based batches.

Secrets: plaintext webhook secrets exist only in memory here (``_signing_keys``) and in the
requests that set them in WooCommerce; they never reach a log line, a log row, an exception
message or a template.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import CaseInsensitiveMapping
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from agents.models import AgentAlert
from agents.triggers import on_webhook_disabled
from audit.actor import SYSTEM_WEBHOOK, audit_actor
from config.db import Severity
from stores import credentials
from stores.access import MANAGE_WEBHOOKS, RUN_SYNC, access_for
from stores.models import Store
from webhooks import signing
from webhooks.models import (
    DeliveryStatus,
    Webhook,
    WebhookApplyRequest,
    WebhookDelivery,
    WebhookDeliveryStats,
    WebhookLogStatus,
    WebhookStatus,
)

logger = logging.getLogger(__name__)

HANDLED_RESOURCES = ("product", "order")
HANDLED_EVENTS = ("created", "updated", "deleted", "restored")
ALERT_AGENT_TYPE = "webhooks"
ALERT_KIND_DISABLED = "webhook_disabled"
# webhook_logs.topic / error_message limits (attacker-controlled text before the signature check).
_TOPIC_MAX = 100
_ERROR_MAX = 500
_HEADER_MAX = 200
# last_delivery_at is rewritten at most this often per webhook (one hot row per webhook).
_STATS_RESOLUTION_SECONDS = 5


def _setting(name, default):
    return getattr(settings, name, default)


def log_cap():
    return _setting("WEBHOOK_LOG_CAP_PER_HOUR", 1000)


def _fetchone_prepared(sql, params):
    """Run one statement of the receiver's hot path as a server-side prepared statement.

    Django's psycopg cursors bind parameters on the client, so PostgreSQL would parse and plan
    the long receiver statements on every request and a 5 KB body would travel as an escaped hex
    literal. A plain psycopg cursor on Django's connection binds on the server (the body goes
    in binary) and ``prepare=True`` plans each statement once per connection. Django's cursor is
    still opened first, so its connection health checks run, and an error marks the connection
    for Django to check at the end of the request.
    """
    with connection.cursor() as django_cursor:
        raw = django_cursor.cursor.connection
        try:
            with psycopg.Cursor(raw) as cursor:
                cursor.execute(sql, params, prepare=True)
                return cursor.fetchone()
        except psycopg.Error:
            connection.errors_occurred = True
            raise


# =============================================================================================
# The inventory's check_webhook_log_rate_limit() and validate_webhook_log()
# =============================================================================================

# The 1000-rows-per-store-and-hour cap is one atomic upsert of the hour bucket. log_count keeps
# counting past the cap, so (log_count - cap) is the number of log rows skipped that hour.
_BUCKET_CTE = """
bucket AS (
    INSERT INTO webhook_log_rate_limit AS b (id, store_id, hour_bucket, log_count, created_at)
    VALUES (gen_random_uuid(), %(store)s, date_trunc('hour', now()), 1, now())
    ON CONFLICT (store_id, hour_bucket) DO UPDATE SET log_count = COALESCE(b.log_count, 0) + 1
    RETURNING log_count
)"""


def check_webhook_log_rate_limit(store_id):
    """Count one log row for the store's current hour; True while the store is under the cap.

    ``check_webhook_log_rate_limit(store_id)`` of the inventory, as one atomic upsert.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {_BUCKET_CTE} SELECT log_count FROM bucket", {"store": store_id})  # noqa: S608
        return cursor.fetchone()[0] <= log_cap()


def validate_webhook_log(*, store_id, topic, status, error_message=None):
    """The inventory's ``validate_webhook_log()`` trigger: a log row is written only with a valid
    status and while the store is under the hourly cap. Returns True when the row was written."""
    if status not in WebhookLogStatus.values:
        raise ValueError(f"webhook_logs.status must be one of {WebhookLogStatus.values}")
    return _write_log(store_id, topic, status, error_message)


def _clean_text(value, limit):
    if value is None:
        return None
    text = str(value)[:limit]
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text


def _write_log(store_id, topic, status, error_message, *, webhook_id=None, failure=False):
    """Bucket upsert + capped log row (+ the webhook's failure counters), one statement.

    Returns True if under the cap (the log row was written)."""
    stats = ""
    if failure and webhook_id is not None:
        stats = """,
stats AS (
    UPDATE webhook_delivery_stats s
    SET last_failure_at = now(), consecutive_failures = s.consecutive_failures + 1,
        failure_count = s.failure_count + 1, last_error = %(error)s
    WHERE s.store_id = %(store)s AND s.woo_webhook_id = %(webhook)s
      AND (SELECT log_count FROM bucket) <= %(cap)s
    RETURNING 1
)"""
    sql = f"""
WITH {_BUCKET_CTE},
log AS (
    INSERT INTO webhook_logs (id, store_id, topic, status, error_message, received_at, created_at)
    SELECT gen_random_uuid(), %(store)s, %(topic)s, %(status)s, %(error)s, now(), now()
    FROM bucket WHERE bucket.log_count <= %(cap)s
    RETURNING 1
){stats}
SELECT log_count FROM bucket"""  # noqa: S608 - built from code constants only
    params = {
        "store": store_id,
        "topic": _clean_text(topic, _TOPIC_MAX) or "unknown",
        "status": status,
        "error": _clean_text(error_message, _ERROR_MAX),
        "cap": log_cap(),
        "webhook": webhook_id,
    }
    return _fetchone_prepared(sql, params)[0] <= log_cap()


# =============================================================================================
# Receiving
# =============================================================================================


@dataclass(frozen=True)
class Receipt:
    """What the receiver answers. ``reason`` is a short code, ``message`` safe public text."""

    status: int
    reason: str
    message: str = ""
    delivery_id: uuid.UUID | None = None


@dataclass
class _StoreKeys:
    keys: tuple
    expires: float  # time.monotonic()
    loaded: float
    has_secret: bool


_keys_cache: dict = {}
_keys_lock = threading.Lock()


@sensitive_variables("current", "previous")
def _load_keys(store_id):
    """The HMAC keys a delivery for the store may be signed with, or None for an unknown store."""
    row = (
        Store.objects.filter(pk=store_id)
        .values_list("webhook_secret", "previous_webhook_secret", "webhook_secret_rotated_at")
        .first()
    )
    if row is None:
        return None
    token, previous_token, rotated_at = row
    now = time.monotonic()
    ttl = _setting("WEBHOOK_SECRET_CACHE_SECONDS", 30.0)
    keys = []
    try:
        current = credentials.decrypt(token)
    except credentials.CredentialDecryptionError:
        logger.error("The webhook secret of store %s cannot be decrypted with the configured keys.", store_id)
        current = None
    keys.extend(signing.signing_keys(current))
    expires = now + ttl
    if previous_token and rotated_at is not None:
        grace_left = (
            rotated_at + timedelta(seconds=_setting("WEBHOOK_SECRET_GRACE_SECONDS", 86400)) - timezone.now()
        ).total_seconds()
        if grace_left > 0:
            try:
                previous = credentials.decrypt(previous_token)
            except credentials.CredentialDecryptionError:
                previous = None
            keys.extend(signing.signing_keys(previous))
            expires = min(expires, now + grace_left)
    return _StoreKeys(keys=tuple(keys), expires=expires, loaded=now, has_secret=bool(current))


def _signing_keys(store_id, *, refresh=False):
    now = time.monotonic()
    entry = None if refresh else _keys_cache.get(store_id)
    if entry is None or entry.expires <= now:
        entry = _load_keys(store_id)
        with _keys_lock:
            if entry is None:
                _keys_cache.pop(store_id, None)
            else:
                if len(_keys_cache) > 10000:
                    _keys_cache.clear()
                _keys_cache[store_id] = entry
    return entry


def forget_signing_keys(store_id=None):
    """Drop cached keys (after a rotation in this process; tests)."""
    with _keys_lock:
        if store_id is None:
            _keys_cache.clear()
        else:
            _keys_cache.pop(store_id, None)


def _int_header(headers, name):
    value = (headers.get(name) or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _text_header(headers, name):
    value = (headers.get(name) or "").strip()
    return value[:_HEADER_MAX] if value else None


def _reject(store_id, status, reason, message, *, topic=None, webhook_id=None):
    """An invalid request: a failed log row while under the cap, 429 without one past it."""
    under_cap = _write_log(
        store_id, topic, WebhookLogStatus.FAILED, message, webhook_id=webhook_id, failure=webhook_id is not None
    )
    if not under_cap:
        return Receipt(429, "rate_limited", "Too many invalid requests for this store; try again later.")
    if reason == "bad_signature":
        # The audit app's anomaly rule counts these log rows (a burst of forged deliveries).
        from audit.anomalies import record_invalid_webhook_signature

        record_invalid_webhook_signature(store_id)
    return Receipt(status, reason, message)


def webhook_delivery_receive(*, store_id, headers, body, too_large=False):
    """Verify one POST to the receiver and store it in the inbox. Never raises for bad input.

    ``headers`` is any (case-insensitive) mapping of the request headers; ``body`` the raw bytes
    (``None`` with ``too_large`` when the body was over ``WEBHOOK_MAX_BODY_BYTES``).
    """
    if not isinstance(headers, CaseInsensitiveMapping):
        headers = CaseInsensitiveMapping(dict(headers))
    entry = _signing_keys(store_id)
    if entry is None:
        return Receipt(404, "unknown_store", "No such store.")

    topic = _text_header(headers, "X-WC-Webhook-Topic")
    webhook_id = _int_header(headers, "X-WC-Webhook-ID")
    signature = _text_header(headers, "X-WC-Webhook-Signature")

    if too_large:
        limit = _setting("WEBHOOK_MAX_BODY_BYTES", 5 * 1024 * 1024)
        return _reject(
            store_id, 413, "too_large", f"Request body larger than {limit} bytes.", topic=topic, webhook_id=webhook_id
        )
    body = body or b""

    if not signature and not topic:
        ping_id = signing.ping_webhook_id(body)
        if ping_id is not None:
            return _receive_ping(store_id, ping_id)

    verified = signing.verify(body, signature, entry.keys)
    if not verified and time.monotonic() - entry.loaded > 1.0:
        # The secret may have been rotated by another process since we cached it.
        entry = _signing_keys(store_id, refresh=True)
        if entry is None:
            return Receipt(404, "unknown_store", "No such store.")
        verified = signing.verify(body, signature, entry.keys)
    if not verified:
        message = (
            "Missing or invalid signature."
            if entry.has_secret
            else "Missing or invalid signature (the store has no webhook secret)."
        )
        return _reject(store_id, 401, "bad_signature", message, topic=topic, webhook_id=webhook_id)

    # Signed: from here on the headers are WooCommerce's.
    if not topic:
        return _reject(store_id, 400, "no_topic", "Missing X-WC-Webhook-Topic header.", webhook_id=webhook_id)
    resource, _dot, event = topic.partition(".")
    if resource not in HANDLED_RESOURCES or event not in HANDLED_EVENTS:
        _write_log(store_id, topic, WebhookLogStatus.SUCCESS, "Ignored: this topic is not handled.")
        return Receipt(200, "ignored", "Topic not handled; ignored.")

    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return _reject(store_id, 400, "malformed_json", "Body is not valid JSON.", topic=topic, webhook_id=webhook_id)
    resource_id = payload.get("id") if isinstance(payload, dict) else None
    if not isinstance(resource_id, int) or isinstance(resource_id, bool) or not 0 < resource_id < 2**63:
        return _reject(store_id, 400, "no_id", "Payload has no valid integer id.", topic=topic, webhook_id=webhook_id)
    modified = _payload_modified(payload)
    delivery_id, queue_task = _store_delivery(
        store_id=store_id,
        webhook_id=webhook_id,
        delivery_header=_text_header(headers, "X-WC-Webhook-Delivery-ID"),
        topic=topic,
        resource=resource,
        event=event,
        resource_id=resource_id,
        modified=modified,
        body=body,
    )
    if delivery_id is None:
        return Receipt(200, "duplicate", "Already received.")
    if queue_task:
        transaction.on_commit(partial(_queue_apply_task, store_id, delivery_id))
    return Receipt(200, "accepted", "Accepted.", delivery_id)


def _queue_apply_task(store_id, delivery_id):
    if not enqueue_apply(delivery_id):
        # Nothing was queued: let the next delivery (or the requeue job) try again.
        WebhookApplyRequest.objects.filter(store_id=store_id).update(requested_at=None)


def _payload_modified(payload):
    from sync.mappers import MappingError
    from sync.mappers.common import gmt

    try:
        return gmt(payload.get("date_modified_gmt"), field="date_modified_gmt")
    except MappingError:
        return None


# {values} is a VALUES row, or for ``*.deleted`` a SELECT that skips a repeat (see below).
_STORE_DELIVERY_SQL = """
WITH ins AS (
    INSERT INTO webhook_deliveries (id, store_id, woo_webhook_id, delivery_id, topic, resource, event,
        resource_id, date_modified_gmt, body_sha256, body, status, attempts, received_at, queued_at)
    {values}
    ON CONFLICT DO NOTHING
    RETURNING id
), BUCKET,
log AS (
    INSERT INTO webhook_logs (id, store_id, topic, status, error_message, received_at, created_at)
    SELECT gen_random_uuid(), %(store)s, %(topic)s, 'success',
           CASE WHEN EXISTS (SELECT 1 FROM ins) THEN NULL ELSE 'Duplicate delivery: already received.' END,
           now(), now()
    FROM bucket WHERE bucket.log_count <= %(cap)s
    RETURNING 1
), stats AS (
    UPDATE webhook_delivery_stats s SET last_delivery_at = now(), consecutive_failures = 0
    WHERE s.store_id = %(store)s AND s.woo_webhook_id = %(webhook)s
      AND (s.last_delivery_at IS NULL OR s.consecutive_failures > 0
           OR s.last_delivery_at < now() - interval 'RESOLUTION seconds')
    RETURNING 1
), task AS (
    -- One queued apply task per store at a time: the receiver sends a message only when it
    -- sets this flag (the task clears it when it starts; a flag older than the limit is stale).
    INSERT INTO webhook_apply_requests AS r (id, store_id, requested_at)
    SELECT gen_random_uuid(), %(store)s, now() WHERE EXISTS (SELECT 1 FROM ins)
    ON CONFLICT (store_id) DO UPDATE SET requested_at = now()
    WHERE r.requested_at IS NULL OR r.requested_at < now() - make_interval(secs => %(stale)s)
    RETURNING 1
)
SELECT (SELECT id FROM ins), EXISTS (SELECT 1 FROM task)""".replace("BUCKET", _BUCKET_CTE.strip()).replace(
    "RESOLUTION", str(_STATS_RESOLUTION_SECONDS)
)
_ROW = """%(id)s, %(store)s, %(webhook)s, %(delivery)s, %(topic)s, %(resource)s, %(event)s,
        %(resource_id)s, %(modified)s, %(sha)s, %(body)s, 'pending', 0, clock_timestamp(), now()"""
_INSERT_SQL = _STORE_DELIVERY_SQL.replace("{values}", f"VALUES ({_ROW})")
# ``*.deleted`` bodies are only {"id": N}, with no date to tell a repeat from a second deletion
# (trash, restore, trash). A repeat is an identical deletion received within the window with
# nothing else received for that object since; a deletion after any other event is kept.
_INSERT_DELETED_SQL = _STORE_DELIVERY_SQL.replace(
    "{values}",
    f"""SELECT {_ROW}
    WHERE NOT EXISTS (
        SELECT 1 FROM webhook_deliveries d
        WHERE d.store_id = %(store)s AND d.resource = %(resource)s AND d.resource_id = %(resource_id)s
          AND d.topic = %(topic)s AND d.body_sha256 = %(sha)s
          AND d.received_at > clock_timestamp() - make_interval(secs => %(window)s)
          AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries o
              WHERE o.store_id = d.store_id AND o.resource = d.resource AND o.resource_id = d.resource_id
                AND o.event <> 'deleted' AND o.received_at > d.received_at))""",  # noqa: S608 - code constants
)


def _object_lock_key(store_id, resource, resource_id):
    digest = hashlib.blake2b(f"storedesk.webhook-inbox:{store_id}:{resource}:{resource_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _store_delivery(*, store_id, webhook_id, delivery_header, topic, resource, event, resource_id, modified, body):
    """Insert the inbox row (unless it is a duplicate), count and write the log row, refresh the
    webhook's last delivery, and flag the store's apply task: one statement, so one implicit
    transaction. Returns ``(row id or None for a duplicate, whether a task must be queued)``."""
    params = {
        "id": uuid.uuid4(),
        "store": store_id,
        "webhook": webhook_id,
        "delivery": delivery_header,
        "topic": topic,
        "resource": resource,
        "event": event,
        "resource_id": resource_id,
        "modified": modified,
        "sha": hashlib.sha256(body).hexdigest(),
        "body": body,
        "cap": log_cap(),
        "window": _setting("WEBHOOK_DELETE_DEDUPE_SECONDS", 600),
        "stale": _setting("WEBHOOK_APPLY_REQUEST_STALE_SECONDS", 60),
    }
    # Nothing here is audited (no audit actor needed), and it is the hot path: prepared statements.
    if event != "deleted":
        return _fetchone_prepared(_INSERT_SQL, params)
    # Two copies of one deletion arriving together must not both pass the check.
    with transaction.atomic():
        _fetchone_prepared(
            "SELECT count(pg_advisory_xact_lock(%(key)s))", {"key": _object_lock_key(store_id, resource, resource_id)}
        )
        return _fetchone_prepared(_INSERT_DELETED_SQL, params)


_PING_SQL = f"""
WITH verified AS (
    UPDATE webhooks SET verified_at = now(), updated_at = now()
    WHERE store_id = %(store)s AND woo_webhook_id = %(webhook)s
    RETURNING 1
), {_BUCKET_CTE},
log AS (
    INSERT INTO webhook_logs (id, store_id, topic, status, error_message, received_at, created_at)
    SELECT gen_random_uuid(), %(store)s, 'ping', 'success', %(message)s, now(), now()
    FROM bucket WHERE bucket.log_count <= %(cap)s
    RETURNING 1
), remembered AS (
    -- A ping that arrives while the webhook is being created (before we know its id) is kept,
    -- so the registration can mark the webhook verified afterwards.
    INSERT INTO webhook_deliveries (id, store_id, woo_webhook_id, topic, resource, event, resource_id,
        body_sha256, body, status, outcome, attempts, received_at, applied_at)
    SELECT gen_random_uuid(), %(store)s, %(webhook)s, 'ping', 'webhook', 'ping', %(webhook)s,
        %(sha)s, %(body)s, 'skipped', 'ping', 0, now(), now()
    WHERE NOT EXISTS (SELECT 1 FROM verified) AND (SELECT log_count FROM bucket) <= %(cap)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM verified)"""  # noqa: S608 - built from code constants only


def _receive_ping(store_id, webhook_id):
    """WooCommerce's ping (``webhook_id=N``, unsigned): 200, and the webhook is verified."""
    body = f"webhook_id={webhook_id}".encode()
    params = {
        "store": store_id,
        "webhook": webhook_id,
        "cap": log_cap(),
        "message": f"Ping for webhook {webhook_id}.",
        "sha": hashlib.sha256(body).hexdigest(),
        "body": body,
    }
    with audit_actor.system(SYSTEM_WEBHOOK), connection.cursor() as cursor:
        cursor.execute(_PING_SQL, params)
    return Receipt(200, "ping", "Pong.")


# --- queueing ---------------------------------------------------------------------------------

_enqueue_paused_until = 0.0
_broker = threading.local()
# The receiver's own broker connection gives up after one quick retry: with Redis down a
# delivery must still be answered at once (its row waits for the requeue job), not after the
# several seconds kombu's default connection retries take.
_FAST_FAIL_TRANSPORT = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}


def _broker_connection():
    connection_ = getattr(_broker, "connection", None)
    if connection_ is None:
        from config.celery import app

        connection_ = app.connection_for_write(transport_options=_FAST_FAIL_TRANSPORT)
        _broker.connection = connection_
    return connection_


def reset_broker_connection():
    """Forget this thread's broker connection (after an error, or when the broker URL changed)."""
    connection_ = getattr(_broker, "connection", None)
    _broker.connection = None
    if connection_ is not None:
        try:
            connection_.release()
        except Exception:
            logger.debug("Closing the broker connection failed", exc_info=True)


def enqueue_apply(delivery_id, *, drain=True):
    """Send the apply task (by default one that drains the store's inbox, starting with this
    row); with the broker down, remember that for a few seconds and leave the row to the requeue
    job (``webhook_deliveries_requeue``). Never raises."""
    global _enqueue_paused_until
    if time.monotonic() < _enqueue_paused_until:
        return False
    from webhooks.tasks import webhook_delivery_apply_task

    try:
        webhook_delivery_apply_task.apply_async(
            (str(delivery_id),), {} if drain else {"drain": False}, retry=False, connection=_broker_connection()
        )
    except Exception:  # noqa: BLE001 - any broker failure: the inbox row is safe in PostgreSQL
        reset_broker_connection()
        _enqueue_paused_until = time.monotonic() + _setting("WEBHOOK_ENQUEUE_BACKOFF_SECONDS", 10.0)
        logger.warning("Could not queue webhook delivery %s; the requeue job will pick it up.", delivery_id)
        return False
    return True


def reset_enqueue_backoff():
    global _enqueue_paused_until
    _enqueue_paused_until = 0.0


def webhook_deliveries_requeue(*, now=None, older_than_seconds=None, limit=None):
    """Queue again the inbox rows still pending long after they were queued (Redis was down, a
    worker died, a retry message was lost). Claims rows with ``SKIP LOCKED``; returns how many
    were sent."""
    now = now or timezone.now()
    older = older_than_seconds if older_than_seconds is not None else _setting("WEBHOOK_REQUEUE_AFTER_SECONDS", 180)
    limit = limit or _setting("WEBHOOK_REQUEUE_BATCH", 5000)
    cutoff = now - timedelta(seconds=older)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE webhook_deliveries d SET queued_at = now()
            WHERE d.id IN (
                SELECT id FROM webhook_deliveries
                WHERE status = 'pending' AND (queued_at IS NULL OR queued_at < %s)
                ORDER BY received_at
                LIMIT %s
                FOR UPDATE SKIP LOCKED
            )
            RETURNING d.id
            """,
            [cutoff, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return 0
    reset_enqueue_backoff()
    # One draining task per store (it applies every due row of the store), the first row to start.
    first_of_store = {}
    for delivery_id, store_id in (
        WebhookDelivery.objects.filter(pk__in=ids).order_by("received_at").values_list("pk", "store_id")
    ):
        first_of_store.setdefault(store_id, delivery_id)
    for delivery_id in first_of_store.values():
        if not enqueue_apply(delivery_id):
            # The broker is down: these rows are due again at the next run.
            WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(queued_at=None)
            return 0
    logger.info("Re-queued %d pending webhook deliveries (%d stores)", len(ids), len(first_of_store))
    return len(ids)


# =============================================================================================
# Applying
# =============================================================================================


@dataclass
class ApplyResult:
    status: str  # applied | skipped | failed | pending (retry scheduled) | busy | done
    outcome: str = ""
    retry_in: int | None = None
    batch: int = 0


def _retry_delay(attempts):
    base = _setting("WEBHOOK_APPLY_RETRY_BASE_SECONDS", 10)
    ceiling = _setting("WEBHOOK_APPLY_RETRY_MAX_SECONDS", 600)
    delay = min(ceiling, base * (2 ** max(0, attempts - 1)))
    return int(delay / 2 + random.uniform(0, delay / 2))


def webhook_delivery_apply(delivery_id, *, client=None):
    """Apply one inbox row, and with it up to ``WEBHOOK_APPLY_BATCH - 1`` other pending rows of the
    same store (claimed with ``SKIP LOCKED``, written with one set-based call): their own tasks
    then find them done. Idempotent: a row that is not pending, or is being applied by another
    worker, is left alone. A failed row is retried later (a new message with a countdown, and the
    requeue job as a safety net), then recorded in ``sync_errors``.
    """
    from webhooks import apply as appliers

    claimed = [delivery_id]
    # Most messages find their row already applied by another row's batch: one cheap read.
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM webhook_deliveries WHERE id = %s", [delivery_id])
        found = cursor.fetchone()
    if found is None or found[0] != DeliveryStatus.PENDING:
        return ApplyResult("done", found[0] if found else "missing")
    with audit_actor.system(SYSTEM_WEBHOOK):
        try:
            with transaction.atomic():
                row = (
                    WebhookDelivery.objects.select_for_update(skip_locked=True)
                    .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
                    .first()
                )
                if row is None:
                    status = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
                    return ApplyResult("busy" if status == DeliveryStatus.PENDING else "done", status or "missing")
                if row.event != "deleted":
                    rows = [row, *_claim_more(row)]
                    claimed = [r.pk for r in rows]
                    results = appliers.apply_batch(row.store_id, rows)
                    retries = _record_results(rows, results)
                    transaction.on_commit(partial(_enqueue_retries, retries))
                    return _result_for(row.pk, results[row.pk], retries, batch=len(rows))
        except Exception:
            logger.warning("Batch apply around delivery %s failed; applying its rows alone", delivery_id, exc_info=True)
            own = _apply_alone(delivery_id)
            for other in claimed[1:]:
                _apply_alone(other)
            return own
        return _apply_deleted(row, client)


def webhook_deliveries_drain(*, first_id, client=None, budget_seconds=None):
    """The apply task: apply ``first_id`` and every other due pending row of its store, in
    batches, until none is left or ``WEBHOOK_DRAIN_SECONDS`` have passed (then a new task goes on,
    so other stores get their turn). Returns counts by status."""
    store_id = WebhookDelivery.objects.filter(pk=first_id).values_list("store_id", flat=True).first()
    counts = {}
    if store_id is None:
        return counts
    WebhookApplyRequest.objects.filter(store_id=store_id).update(requested_at=None)
    deadline = time.monotonic() + (budget_seconds or _setting("WEBHOOK_DRAIN_SECONDS", 30))
    result = webhook_delivery_apply(first_id, client=client)
    counts[result.status] = counts.get(result.status, 0) + max(1, result.batch)
    tried_deletions = set()
    while True:
        if time.monotonic() >= deadline:
            following = _due_rows(store_id).values_list("pk", flat=True).first()
            if following is not None:
                enqueue_apply(following)
            break
        handled = _drain_once(store_id, client, tried_deletions, counts)
        if not handled:
            break
    return counts


def _due_rows(store_id):
    return WebhookDelivery.objects.filter(store_id=store_id, status=DeliveryStatus.PENDING).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lte=timezone.now())
    )


def _drain_once(store_id, client, tried_deletions, counts):
    """Apply the next batch of the store's due rows (or its next deletion); how many were handled."""
    from webhooks import apply as appliers

    claimed = []
    with audit_actor.system(SYSTEM_WEBHOOK):
        try:
            with transaction.atomic():
                rows = list(
                    _due_rows(store_id)
                    .select_for_update(skip_locked=True)
                    .exclude(event="deleted")
                    .order_by("received_at")[: max(1, _setting("WEBHOOK_APPLY_BATCH", 100))]
                )
                if rows:
                    claimed = [row.pk for row in rows]
                    results = appliers.apply_batch(store_id, rows)
                    retries = _record_results(rows, results)
                    transaction.on_commit(partial(_enqueue_retries, retries))
                    for result in results.values():
                        key = result.status or ("pending" if not result.permanent else "failed")
                        counts[key] = counts.get(key, 0) + 1
                    return len(rows)
        except Exception:
            logger.warning("Batch apply for store %s failed; applying its rows alone", store_id, exc_info=True)
            for delivery_id in claimed:
                status = _apply_alone(delivery_id).status
                counts[status] = counts.get(status, 0) + 1
            return len(claimed)
        # Deletions one at a time: each asks WooCommerce what it holds now.
        row = (
            _due_rows(store_id).filter(event="deleted").exclude(pk__in=tried_deletions).order_by("received_at").first()
        )
        if row is None:
            return 0
        tried_deletions.add(row.pk)
        status = _apply_deleted(row, client).status
        counts[status] = counts.get(status, 0) + 1
        return 1


def _claim_more(row):
    size = _setting("WEBHOOK_APPLY_BATCH", 100)
    if size <= 1:
        return []
    return list(
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .filter(store_id=row.store_id, status=DeliveryStatus.PENDING)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=timezone.now()))
        .exclude(event="deleted")
        .exclude(pk=row.pk)
        .order_by("received_at")[: size - 1]
    )


def _apply_alone(delivery_id):
    from webhooks import apply as appliers

    try:
        with transaction.atomic():
            row = (
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
                .first()
            )
            if row is None:
                return ApplyResult("busy")
            results = appliers.apply_batch(row.store_id, [row])
            retries = _record_results([row], results)
            transaction.on_commit(partial(_enqueue_retries, retries))
            return _result_for(row.pk, results[row.pk], retries, batch=1)
    except Exception as exc:  # noqa: BLE001 - retried with backoff, then recorded in sync_errors
        return _record_failure(delivery_id, exc)


def _apply_deleted(row, client):
    """A deletion: ask WooCommerce what it holds now (outside any lock), then apply."""
    from webhooks import apply as appliers

    current = appliers.fetch_current(row.store_id, row.resource, row.resource_id, client=client)
    try:
        with transaction.atomic():
            locked = (
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk=row.pk, status=DeliveryStatus.PENDING)
                .first()
            )
            if locked is None:
                return ApplyResult("busy")
            result = appliers.apply_deleted(locked, current)
            retries = _record_results([locked], {locked.pk: result})
            transaction.on_commit(partial(_enqueue_retries, retries))
            return _result_for(locked.pk, result, retries, batch=1)
    except Exception as exc:  # noqa: BLE001
        return _record_failure(row.pk, exc)


def _result_for(pk, result, retries, *, batch):
    if result.status is not None:
        return ApplyResult(result.status, result.outcome, batch=batch)
    delay = retries.get(pk)
    if delay is not None:
        return ApplyResult("pending", "retrying", retry_in=delay, batch=batch)
    return ApplyResult(DeliveryStatus.FAILED, str(result.error), batch=batch)


def _record_results(rows, results):
    """Write every row's result in one statement; failed rows are retried later or, for good,
    recorded in sync_errors. Returns ``{row id: retry delay}`` for the rows to retry."""
    from sync.records import ItemError, record_errors

    now = timezone.now()
    max_retries = _setting("WEBHOOK_APPLY_MAX_RETRIES", 5)
    ids, statuses, outcomes, errors, queued, applied = [], [], [], [], [], []
    retries, failures, logged = {}, [], []
    for row in rows:
        result = results[row.pk]
        ids.append(row.pk)
        if result.status == DeliveryStatus.APPLIED:
            logged.append((row, result, "success"))
        if result.status is not None:
            statuses.append(result.status)
            outcomes.append(result.outcome)
            errors.append(None)
            queued.append(row.queued_at)
            applied.append(now)
            continue
        attempts = row.attempts + 1
        message = f"{type(result.error).__name__}: {result.error}"[:2000]
        errors.append(message)
        applied.append(None)
        if not result.permanent and attempts <= max_retries:
            delay = _retry_delay(attempts)
            retries[row.pk] = delay
            statuses.append(DeliveryStatus.PENDING)
            outcomes.append("retrying")
            queued.append(now + timedelta(seconds=delay))
            logger.warning("Webhook delivery %s: attempt %d failed, retry in %ds: %s", row.pk, attempts, delay, message)
        else:
            statuses.append(DeliveryStatus.FAILED)
            outcomes.append("failed")
            queued.append(row.queued_at)
            error = ItemError.from_exception(
                getattr(result.error, "entity_type", None) or row.resource,
                result.error,
                woo_id=row.resource_id,
                metadata={"source": "webhook", "delivery_id": str(row.pk), "attempts": attempts},
            )
            error.code = "webhook_apply"
            failures.append(error)
            logged.append((row, result, "failed"))
            logger.error("Webhook delivery %s failed for good after %d attempts: %s", row.pk, attempts, message)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE webhook_deliveries d
            SET status = u.status, outcome = u.outcome, last_error = u.error, queued_at = u.queued,
                applied_at = u.applied, attempts = d.attempts + 1
            FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])
                AS u(id, status, outcome, error, queued, applied)
            WHERE d.id = u.id
            """,
            [ids, statuses, outcomes, errors, queued, applied],
        )
    if failures:
        store_id = rows[0].store_id
        record_errors(store_id, failures)
    if logged:
        from webhooks.apply import log_outcomes

        log_outcomes(rows[0].store_id, logged)
    # A delivery that finally applied resolves the sync_errors its earlier failure left.
    resolved = [row for row in rows if results[row.pk].status is not None and row.attempts > 0]
    if resolved:
        from sync.models import SyncError

        SyncError.objects.filter(
            store_id=rows[0].store_id,
            resolved=False,
            metadata__source="webhook",
            metadata__delivery_id__in=[str(row.pk) for row in resolved],
        ).update(resolved=True, resolved_at=now)
    return retries


def _record_failure(delivery_id, exc):
    """An unexpected error outside the batch logic: count the attempt, retry or give up."""
    row = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
    if row is None:
        return ApplyResult("done")
    from webhooks.apply import RowResult

    with transaction.atomic():
        retries = _record_results([row], {row.pk: RowResult(None, error=exc)})
    return _result_for(row.pk, RowResult(None, error=exc), retries, batch=1)


def _enqueue_retries(retries):
    from webhooks.tasks import webhook_delivery_apply_task

    for delivery_id, delay in retries.items():
        try:
            webhook_delivery_apply_task.apply_async(
                (str(delivery_id),), {"drain": False}, countdown=delay, retry=False, connection=_broker_connection()
            )
        except Exception:  # noqa: BLE001 - the requeue job picks it up once it is due
            reset_broker_connection()
            logger.warning("Could not schedule the retry of webhook delivery %s", delivery_id)


def webhook_delivery_retry(*, actor, store_id, delivery_id):
    """The dashboard's retry button: a failed delivery goes back to pending and is queued."""
    access_for(actor).require(RUN_SYNC, store_id)
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery_id, store_id=store_id, status=DeliveryStatus.FAILED
        ).update(status=DeliveryStatus.PENDING, attempts=0, queued_at=timezone.now(), outcome=None)
        if updated:
            reset_enqueue_backoff()
            transaction.on_commit(partial(enqueue_apply, delivery_id))
    return bool(updated)


def webhook_deliveries_retry_failed(*, actor, store_id):
    """Retry every failed delivery of a store."""
    access_for(actor).require(RUN_SYNC, store_id)
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.filter(store_id=store_id, status=DeliveryStatus.FAILED).values_list("pk", flat=True)
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING, attempts=0, queued_at=timezone.now(), outcome=None
        )
        reset_enqueue_backoff()
        for delivery_id in ids:
            transaction.on_commit(partial(enqueue_apply, delivery_id))
    return len(ids)


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
    from sync.woo import client_for

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
    from stores.services import generate_webhook_secret

    secret = generate_webhook_secret()
    Store.objects.filter(pk=store.pk).update(webhook_secret=credentials.encrypt(secret), updated_at=timezone.now())
    store.webhook_secret = Store.objects.values_list("webhook_secret", flat=True).get(pk=store.pk)
    forget_signing_keys(store.pk)
    logger.info("Store %s had no webhook secret; one was generated.", store.pk)
    return secret


@contextlib.contextmanager
def _registration_lock(store_id):
    """One registration per store at a time, across processes (a PostgreSQL advisory lock): the
    second one waits, then finds the first one's webhooks in the shop and adopts them instead of
    creating every topic twice."""
    from sync.records import lock_key

    key = lock_key(f"webhooks-register:{store_id}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@sensitive_variables("secret")
def store_webhooks_register(*, actor, store_id, client=None, topics=None):
    """Register the standard webhooks (product and order created/updated/deleted/restored) on the
    store's WooCommerce with the store's secret and our delivery URL, and record them.

    Webhooks that already point at our URL are adopted (their secret, status and URL are set
    again) instead of duplicated. Owners only (``stores.manage_webhooks``).
    """
    access_for(actor).require(MANAGE_WEBHOOKS, store_id)
    store = Store.objects.get(pk=store_id)
    topics = list(topics or _setting("WEBHOOK_STANDARD_TOPICS", []))
    url = delivery_url(store.pk)
    result = WebhookActionResult()
    with _registration_lock(store.pk), audit_actor(actor):
        secret = _store_secret(actor, store)
        woo = _client(store, client)
        from sync.woo import WooError

        try:
            remote = [hook for hook in woo.fetch_all("webhooks") if hook.get("delivery_url") == url]
        except WooError as exc:
            result.fail(_("the store's webhook list"), exc)
            return result
        remote_by_topic = {}
        for hook in sorted(remote, key=lambda h: h.get("id") or 0):
            remote_by_topic.setdefault(hook.get("topic"), hook)
        for topic in topics:
            body = {"secret": secret, "status": WebhookStatus.ACTIVE, "delivery_url": url}
            existing = remote_by_topic.get(topic)
            try:
                if existing is not None:
                    answer = woo.put(f"webhooks/{existing['id']}", body).data
                    result.updated.append(topic)
                else:
                    answer = woo.post("webhooks", {"name": f"Storedesk: {topic}", "topic": topic, **body}).data
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
    from sync.woo import WooError, webhook_set_delivery_url

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
                webhook_set_delivery_url(woo, hook.woo_webhook_id, url)
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
    from sync.woo import WooError

    with audit_actor.system(SYSTEM_WEBHOOK):
        woo = _client(store, client)
        try:
            remote = {hook.get("id"): hook for hook in woo.fetch_all("webhooks")}
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
    woo.put(f"webhooks/{hook.woo_webhook_id}", {"secret": secret})
    hook.secret_updated_at = timezone.now()
    hook.save(update_fields=["secret_updated_at", "updated_at"])


def _alert_disabled(store, hook, *, missing):
    if missing:
        title = _("The “%(topic)s” webhook of %(store)s no longer exists in WooCommerce") % {
            "topic": hook.topic,
            "store": store.name,
        }
        message = _(
            "WooCommerce no longer has this webhook, so it sends no more %(topic)s events. Register the "
            "webhooks again on the Webhooks page; an incremental pull has been queued to fill the gap."
        ) % {"topic": hook.topic}
    else:
        title = _("WooCommerce disabled the “%(topic)s” webhook of %(store)s") % {
            "topic": hook.topic,
            "store": store.name,
        }
        message = _(
            "WooCommerce disables a webhook after repeated failed deliveries and then stops sending it. "
            "Re-enable it on the Webhooks page; an incremental pull has been queued to fill the gap."
        )
    return AgentAlert.objects.create(
        agent_type=ALERT_AGENT_TYPE,
        title=title,
        message=message,
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


def webhook_reenable(*, actor, store_id, webhook_id, client=None):
    """Set a disabled (or paused) webhook active again in WooCommerce, close its alerts and queue
    an incremental pull for what was missed. Owners only."""
    access_for(actor).require(MANAGE_WEBHOOKS, store_id)
    hook = Webhook.objects.get(pk=webhook_id, store_id=store_id)
    store = Store.objects.get(pk=store_id)
    result = WebhookActionResult()
    from sync.woo import WooError

    with audit_actor(actor):
        woo = _client(store, client)
        body = {"status": WebhookStatus.ACTIVE}
        if _secret_outdated(store, hook):
            body["secret"] = credentials.webhook_secret(store)
        try:
            answer = woo.put(f"webhooks/{hook.woo_webhook_id}", body).data
        except WooError as exc:
            result.fail(hook.topic, exc)
            return result
        status = answer.get("status") if isinstance(answer, dict) else WebhookStatus.ACTIVE
        hook.status = status if status in WebhookStatus.values else WebhookStatus.ACTIVE
        hook.disabled_at = None
        fields = ["status", "disabled_at", "updated_at"]
        if "secret" in body:
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
        from stores.services import generate_webhook_secret

        secret = generate_webhook_secret()
    with audit_actor(actor), transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store_id)
        store.previous_webhook_secret = store.webhook_secret
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
    from sync.woo import WooError

    with audit_actor(actor):
        woo = _client(store, client)
        for hook in hooks:
            try:
                woo.put(f"webhooks/{hook.woo_webhook_id}", {"secret": secret})
            except WooError as exc:
                result.fail(hook.topic, exc)
                continue
            hook.secret_updated_at = timezone.now()
            hook.save(update_fields=["secret_updated_at", "updated_at"])
            result.updated.append(hook.topic)
    return result


def webhook_alert_dismiss(*, actor, store_id, alert_id):
    """Mark one of the store's webhook alerts read (every member who can see the page may)."""
    from stores.access import VIEW_STORE

    access_for(actor).require(VIEW_STORE, store_id)
    return AgentAlert.objects.filter(
        pk=alert_id, agent_type=ALERT_AGENT_TYPE, metadata__store_id=str(store_id), is_read=False
    ).update(is_read=True, read_by=actor, read_at=timezone.now())


# =============================================================================================
# The sync's incremental pull
# =============================================================================================


def request_incremental_pull(store_id, *, reason, actor=None):
    """Queue an incremental pull of the store (``sync.services.sync_run_request``) to fill the gap
    a disabled webhook left. Returns True if a run is queued (a run already queued counts)."""
    from sync.models import SyncRunKind
    from sync.services import sync_run_request

    try:
        sync_run_request(store_id=store_id, kind=SyncRunKind.INCREMENTAL, actor=actor)
    except Exception:
        logger.exception("Could not queue an incremental pull of store %s (%s)", store_id, reason)
        return False
    logger.info("Incremental pull of store %s queued (%s)", store_id, reason)
    return True
