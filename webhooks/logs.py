"""The webhook log and its cap: the inventory's ``check_webhook_log_rate_limit()`` and
``validate_webhook_log()`` (at most ``WEBHOOK_LOG_CAP_PER_HOUR`` log rows per store and hour, one
atomic upsert of the hour bucket), and the prepared statements of the receiver's hot path."""

from __future__ import annotations

import logging

import psycopg
from django.conf import settings
from django.db import connection

from config import rls
from webhooks.models import WebhookLogStatus

logger = logging.getLogger(__name__)

# webhook_logs.topic / error_message limits (attacker-controlled text before the signature check).
_TOPIC_MAX = 100
_ERROR_MAX = 500


def webhook_setting(name, default):
    return getattr(settings, name, default)


def log_cap():
    return webhook_setting("WEBHOOK_LOG_CAP_PER_HOUR", 1000)


def fetchone_prepared(sql, params):
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
                if connection.in_atomic_block and not rls.web_role_active():
                    # This cursor bypasses Django's execute wrapper: back to the service login in
                    # case a web statement set a role earlier in this transaction (row-level
                    # security). In autocommit mode (the receiver's usual case) nothing lingers.
                    cursor.execute("SELECT set_config('role', 'none', true)")
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
BUCKET_CTE = """
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
        cursor.execute(f"WITH {BUCKET_CTE} SELECT log_count FROM bucket", {"store": store_id})  # noqa: S608
        return cursor.fetchone()[0] <= log_cap()


def validate_webhook_log(*, store_id, topic, status, error_message=None):
    """The inventory's ``validate_webhook_log()`` trigger: a log row is written only with a valid
    status and while the store is under the hourly cap. Returns True when the row was written."""
    if status not in WebhookLogStatus.values:
        raise ValueError(f"webhook_logs.status must be one of {WebhookLogStatus.values}")
    return write_log(store_id, topic, status, error_message)


def _clean_text(value, limit):
    if value is None:
        return None
    text = str(value)[:limit]
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text


def write_log(store_id, topic, status, error_message, *, webhook_id=None, failure=False):
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
WITH {BUCKET_CTE},
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
    return fetchone_prepared(sql, params)[0] <= log_cap()
