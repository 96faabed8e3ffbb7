"""Receiving WooCommerce's deliveries: the signature check with the store's signing keys, the
log row, and one prepared statement that stores the delivery in the inbox.

``webhook_delivery_receive`` is the hot path: a verified delivery costs one prepared SQL
statement (inbox row + log-cap bucket + log row + delivery stats + the store's apply-task flag,
implicitly atomic) and, once per burst, one broker message (``webhooks.inbox``).

Secrets: plaintext webhook secrets exist only in memory here (``_signing_keys``); they never
reach a log line, a log row, an exception message or a template.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import psycopg
from django.db import IntegrityError
from django.db import connection
from django.db import transaction
from django.utils import timezone
from django.utils.datastructures import CaseInsensitiveMapping
from django.views.decorators.debug import sensitive_variables

from audit.actor import SYSTEM_WEBHOOK
from audit.actor import audit_actor
from config.rls import as_service
from stores import credentials
from stores.models import Store
from sync import json_codec
from sync.mappers import MappingError
from sync.mappers.common import gmt
from webhooks import inbox
from webhooks import signing
from webhooks.anomalies import record_invalid_webhook_signature
from webhooks.logs import BUCKET_CTE
from webhooks.logs import fetchone_prepared
from webhooks.logs import log_cap
from webhooks.logs import webhook_setting
from webhooks.logs import write_log
from webhooks.models import WebhookApplyRequest
from webhooks.models import WebhookLogStatus

logger = logging.getLogger(__name__)

HANDLED_RESOURCES = ("product", "order")
HANDLED_EVENTS = ("created", "updated", "deleted", "restored")
# Header values kept in a log row (attacker-controlled text before the signature check).
_HEADER_MAX = 200
# last_delivery_at is rewritten at most this often per webhook (one hot row per webhook).
_STATS_RESOLUTION_SECONDS = 5
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
    with as_service():  # the web role may not read secrets; the receiver checks the signature
        row = (
            Store.objects.filter(pk=store_id)
            .values_list("webhook_secret", "previous_webhook_secret", "webhook_secret_rotated_at")
            .first()
        )
    if row is None:
        return None
    token, previous_token, rotated_at = row
    now = time.monotonic()
    ttl = webhook_setting("WEBHOOK_SECRET_CACHE_SECONDS", 30.0)
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
            rotated_at + timedelta(seconds=webhook_setting("WEBHOOK_SECRET_GRACE_SECONDS", 86400)) - timezone.now()
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
    under_cap = write_log(
        store_id, topic, WebhookLogStatus.FAILED, message, webhook_id=webhook_id, failure=webhook_id is not None
    )
    if not under_cap:
        return Receipt(429, "rate_limited", "Too many invalid requests for this store; try again later.")
    if reason == "bad_signature":
        # The audit app's anomaly rule counts these log rows (a burst of forged deliveries).
        record_invalid_webhook_signature(store_id)
    return Receipt(status, reason, message)


_UNKNOWN_STORE = Receipt(404, "unknown_store", "No such store.")


def webhook_delivery_receive(*, store_id, headers, body, too_large=False):
    """Verify one POST to the receiver and store it in the inbox. Never raises for bad input.

    ``headers`` is any (case-insensitive) mapping of the request headers; ``body`` the raw bytes
    (``None`` with ``too_large`` when the body was over ``WEBHOOK_MAX_BODY_BYTES``).
    """
    try:
        return _receive(store_id, headers, body, too_large)
    except (IntegrityError, psycopg.IntegrityError):
        # The store was deleted while this process still held its signing keys: its rows'
        # foreign key refused them (the hot path's statements run on psycopg's own cursor).
        if Store.objects.filter(pk=store_id).exists():
            raise
        forget_signing_keys(store_id)
        return _UNKNOWN_STORE


def _receive(store_id, headers, body, too_large):
    if not isinstance(headers, CaseInsensitiveMapping):
        headers = CaseInsensitiveMapping(dict(headers))
    entry = _signing_keys(store_id)
    if entry is None:
        return _UNKNOWN_STORE

    topic = _text_header(headers, "X-WC-Webhook-Topic")
    webhook_id = _int_header(headers, "X-WC-Webhook-ID")
    signature = _text_header(headers, "X-WC-Webhook-Signature")

    if too_large:
        limit = webhook_setting("WEBHOOK_MAX_BODY_BYTES", 5 * 1024 * 1024)
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
            return _UNKNOWN_STORE
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
        write_log(store_id, topic, WebhookLogStatus.SUCCESS, "Ignored: this topic is not handled.")
        return Receipt(200, "ignored", "Topic not handled; ignored.")

    try:
        payload = json_codec.decode(body)
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
    if not inbox.enqueue_apply(delivery_id):
        # Nothing was queued: let the next delivery (or the requeue job) try again.
        WebhookApplyRequest.objects.filter(store_id=store_id).update(requested_at=None)


def _payload_modified(payload):
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
SELECT (SELECT id FROM ins), EXISTS (SELECT 1 FROM task)""".replace("BUCKET", BUCKET_CTE.strip()).replace(
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
        "window": webhook_setting("WEBHOOK_DELETE_DEDUPE_SECONDS", 600),
        "stale": webhook_setting("WEBHOOK_APPLY_REQUEST_STALE_SECONDS", 60),
    }
    # Nothing here is audited (no audit actor needed), and it is the hot path: prepared statements.
    if event != "deleted":
        return fetchone_prepared(_INSERT_SQL, params)
    # Two copies of one deletion arriving together must not both pass the check.
    with transaction.atomic():
        fetchone_prepared(
            "SELECT count(pg_advisory_xact_lock(%(key)s))", {"key": _object_lock_key(store_id, resource, resource_id)}
        )
        return fetchone_prepared(_INSERT_DELETED_SQL, params)


_PING_SQL = f"""
WITH verified AS (
    UPDATE webhooks SET verified_at = now(), updated_at = now()
    WHERE store_id = %(store)s AND woo_webhook_id = %(webhook)s
    RETURNING 1
), {BUCKET_CTE},
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
