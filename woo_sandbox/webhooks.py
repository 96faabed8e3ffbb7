"""Webhooks: the REST resource and the asynchronous delivery machinery.

Delivery mirrors WC_Webhook::deliver(): the payload is built when the job runs (not when
the event fired), the body is ``wp_json_encode``-d and signed with
base64(HMAC-SHA256(body, secret)), 200-302 counts as success, and a webhook is disabled
on the 7th consecutive failure. Like Action Scheduler, only one pending job per webhook
and resource exists at a time, so bursts of changes collapse into one delivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import logging
import queue
import random
import string
import threading
import time
from collections import deque
from collections.abc import Callable
from operator import itemgetter
from typing import Any
from urllib.parse import urlparse

import requests

from .errors import ApiError
from .errors import invalid_id
from .errors import trash_not_supported
from .model import webhook_out
from .params import Args
from .params import FieldSpec
from .params import Page
from .params import apply_common_filters
from .params import collection_args
from .params import order_records
from .params import paginate
from .params import search_filter
from .params import validate_body
from .store import Store
from .text import wp_json_encode

log = logging.getLogger(__name__)

USER_AGENT = "WooCommerce/9.6.0 Hookshot (WordPress/6.7)"
DELIVERY_TIMEOUT_S = 60
PING_TIMEOUT_S = 5  # WordPress's default HTTP timeout, used by deliver_ping()
MAX_FAILURES = 5  # woocommerce_max_webhook_delivery_failures
DELIVERY_LOG_SIZE = 10_000

TOPIC_HOOKS: dict[str, list[str]] = {
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
    "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded", "woocommerce_delete_order_refund"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
}
WEBHOOK_STATUSES = ("active", "paused", "disabled")
WEBHOOK_SCHEMA: dict[str, FieldSpec] = {
    "name": "string",
    "status": ("enum", WEBHOOK_STATUSES),
    "topic": "string",
    "secret": "string",
    "delivery_url": "string",
}
WEBHOOK_SORT_KEYS = {
    "date": itemgetter("date_created_gmt", "id"),
    "id": itemgetter("id"),
    "title": lambda r: (r["name"].casefold(), r["id"]),
}
_SPECIAL_CHARS = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#039;": "'"}


def signing_key(secret: str) -> bytes:
    """wp_specialchars_decode($secret, ENT_QUOTES): a stored ``&amp;`` signs as ``&``."""
    for entity, char in _SPECIAL_CHARS.items():
        secret = secret.replace(entity, char)
    return secret.encode()


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(signing_key(secret), body, hashlib.sha256).digest()).decode()


class Dispatcher:
    """Delivery queue and worker threads; every attempt is kept in a bounded in-memory log.

    ``payload(resource, id)`` builds the body of non-deleted events (the GET of the
    resource, or its error body if it no longer exists).
    """

    def __init__(
        self,
        store: Store,
        payload: Callable[[str, int], Any],
        source_url: str,
        workers: int = 4,
        duplicate_delivery_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.store = store
        self.payload = payload
        self.source_url = source_url
        self.duplicate_delivery_rate = duplicate_delivery_rate
        self._rng = random.Random(seed + 104729)
        self._rng_lock = threading.Lock()
        self._jobs: queue.Queue[tuple[str, int, str, int] | None] = queue.Queue()
        self._pending: set[tuple[int, int]] = set()
        self._unfinished = 0
        self._idle = threading.Condition()
        self._log: deque[dict[str, Any]] = deque(maxlen=DELIVERY_LOG_SIZE)
        self._serial = itertools.count(1)
        self._threads = [
            threading.Thread(target=self._work, name=f"woo-sandbox-webhooks-{n}", daemon=True) for n in range(workers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)

    # --- producers ---------------------------------------------------------------------

    def on_event(self, topic: str, resource_id: int) -> None:
        """Queue a delivery for every active webhook subscribed to ``topic``."""
        with self.store.lock:
            hook_ids = [
                h["id"] for h in self.store.webhooks.values() if h["topic"] == topic and h["status"] == "active"
            ]
        for hook_id in hook_ids:
            with self._idle:
                if (hook_id, resource_id) in self._pending:
                    continue
                self._pending.add((hook_id, resource_id))
                self._unfinished += 1
            self._jobs.put(("deliver", hook_id, topic, resource_id))

    def ping(self, webhook_id: int) -> None:
        with self._idle:
            self._unfinished += 1
        self._jobs.put(("ping", webhook_id, "", 0))

    # --- inspection --------------------------------------------------------------------

    def deliveries(self, webhook_id: int | None = None) -> list[dict[str, Any]]:
        with self._idle:
            entries = list(self._log)
        return [dict(e) for e in entries if webhook_id is None or e["webhook_id"] == webhook_id]

    def clear_log(self) -> None:
        with self._idle:
            self._log.clear()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery and ping has been attempted."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    # --- workers -----------------------------------------------------------------------

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            kind, hook_id, topic, resource_id = job
            try:
                if kind == "ping":
                    self._ping(hook_id)
                else:
                    with self._idle:
                        self._pending.discard((hook_id, resource_id))
                    self._deliver(hook_id, topic, resource_id)
            except Exception:  # a bug here must not kill the worker thread
                log.exception("webhook job %s failed", job)
            finally:
                with self._idle:
                    self._unfinished -= 1
                    self._idle.notify_all()

    def _deliver(self, hook_id: int, topic: str, resource_id: int) -> None:
        with self.store.lock:
            hook = self.store.webhooks.get(hook_id)
            if hook is None or hook["status"] != "active":
                return
            url, secret = hook["delivery_url"], hook["secret"]
        resource, event = topic.split(".", 1)
        payload = {"id": resource_id} if event == "deleted" else self.payload(resource, resource_id)
        body = wp_json_encode(payload).encode()
        with self._rng_lock:
            copies = 2 if self._rng.random() < self.duplicate_delivery_rate else 1
        for copy in range(copies):
            delivery_id = hashlib.md5(
                f"{hook_id}:{time.time()}:{next(self._serial)}".encode(), usedforsecurity=False
            ).hexdigest()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-WC-Webhook-Source": self.source_url,
                "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Resource": resource,
                "X-WC-Webhook-Event": event,
                "X-WC-Webhook-Signature": sign(body, secret),
                "X-WC-Webhook-ID": str(hook_id),
                "X-WC-Webhook-Delivery-ID": delivery_id,
            }
            status, error, duration = _post(url, body, headers, DELIVERY_TIMEOUT_S)
            ok = status is not None and 200 <= status < 303
            self._record(delivery_id, hook_id, topic, resource_id, url, status, ok, error, duration, duplicate=copy > 0)
            self._count_result(hook_id, ok)

    def _ping(self, hook_id: int) -> None:
        """deliver_ping(): form body, User-Agent only, no signature; success is exactly 200."""
        with self.store.lock:
            hook = self.store.webhooks.get(hook_id)
            if hook is None:
                return
            url = hook["delivery_url"]
        headers = {"User-Agent": USER_AGENT, "Content-Type": "application/x-www-form-urlencoded"}
        status, error, duration = _post(url, f"webhook_id={hook_id}".encode(), headers, PING_TIMEOUT_S)
        ok = status == 200
        self._record("", hook_id, "ping", 0, url, status, ok, error, duration, ping=True)
        if ok:
            with self.store.lock:
                if hook_id in self.store.webhooks:
                    self.store.webhooks[hook_id] = dict(self.store.webhooks[hook_id], pending_delivery=False)

    def _count_result(self, hook_id: int, ok: bool) -> None:
        with self.store.lock:
            hook = self.store.webhooks.get(hook_id)
            if hook is None:
                return
            if ok:
                hook = dict(hook, failure_count=0)
            elif hook["failure_count"] > MAX_FAILURES:
                # WC_Webhook::failed_delivery(): the count stops at 6, the 7th failure disables.
                hook = dict(hook, status="disabled")
            else:
                hook = dict(hook, failure_count=hook["failure_count"] + 1)
            self.store.webhooks[hook_id] = hook

    def _record(
        self,
        delivery_id: str,
        hook_id: int,
        topic: str,
        resource_id: int,
        url: str,
        status: int | None,
        ok: bool,
        error: str,
        duration: float,
        duplicate: bool = False,
        ping: bool = False,
    ) -> None:
        entry = {
            "delivery_id": delivery_id,
            "webhook_id": hook_id,
            "topic": topic,
            "resource_id": resource_id,
            "url": url,
            "status_code": status,
            "ok": ok,
            "error": error,
            "duplicate": duplicate,
            "ping": ping,
            "duration_ms": round(duration * 1000, 1),
            "delivered_at_gmt": self.store.now_gmt(),
        }
        with self._idle:
            self._log.append(entry)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str, float]:
    """POST without following redirects (redirection=0); transport errors become ``(None, error)``."""
    started = time.monotonic()
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
        response.close()
        return response.status_code, "", time.monotonic() - started
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}", time.monotonic() - started


class Webhooks:
    """The ``/webhooks`` REST resource."""

    def __init__(self, store: Store, dispatcher: Dispatcher) -> None:
        self.s = store
        self.dispatcher = dispatcher

    def list_webhooks(self, params: dict[str, Any]) -> Page:
        args = Args(params, self.s.clock)
        coll = collection_args(args, ("date", "id", "title"))
        status = args.enum("status", ("all", *WEBHOOK_STATUSES), "all")
        args.check()
        with self.s.lock:
            records = [r for r in self.s.webhooks.values() if status in ("all", r["status"])]
            records = apply_common_filters(records, coll)
            if coll.search:
                records = search_filter(records, coll.search, ("name",))
            page = paginate(order_records(records, coll, WEBHOOK_SORT_KEYS), coll)
            page.items = [webhook_out(r, self.s.api) for r in page.items]
        return page

    def get_webhook(self, webhook_id: int) -> dict[str, Any]:
        with self.s.lock:
            return webhook_out(self._webhook(webhook_id), self.s.api)

    def create_webhook(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a webhook and send its ping in the background (the REST API ignores the result)."""
        fields = validate_body(body, WEBHOOK_SCHEMA, self.s.clock)
        _check_topic(fields.get("topic", ""))
        _check_delivery_url(fields.get("delivery_url", ""))
        with self.s.tx():
            webhook_id = self.s.next_id("webhook")
            local, gmt = self.s.clock.stamp()
            rec = {
                "id": webhook_id,
                "name": fields.get("name")
                or "Webhook created on "
                + time.strftime("%b %d, %Y @ %I:%M %p", time.strptime(local, "%Y-%m-%dT%H:%M:%S")),
                "status": fields.get("status", "active"),
                "topic": "",
                "resource": "",
                "event": "",
                "hooks": [],
                "delivery_url": fields["delivery_url"],
                "date_created": local,
                "date_created_gmt": gmt,
                "date_modified": local,
                "date_modified_gmt": gmt,
                "secret": fields.get("secret") or _generate_password(self.s.rng),
                "failure_count": 0,
                "pending_delivery": True,
                "api_version": "wp_api_v3",
                "user_id": 1,
            }
            _set_topic(rec, fields["topic"])
            self.s.webhooks[webhook_id] = rec
            out = webhook_out(rec, self.s.api)
        self.dispatcher.ping(webhook_id)
        return out

    def update_webhook(self, webhook_id: int, body: dict[str, Any]) -> dict[str, Any]:
        fields = validate_body(body, WEBHOOK_SCHEMA, self.s.clock)
        with self.s.tx():
            old = self._webhook(webhook_id, status=400)
            rec = dict(old)
            if "topic" in fields:
                _check_topic(fields["topic"])
                _set_topic(rec, fields["topic"])
            if "delivery_url" in fields:
                _check_delivery_url(fields["delivery_url"])
                rec["delivery_url"] = fields["delivery_url"]
            for key in ("name", "status", "secret"):
                if key in fields:
                    rec[key] = fields[key]
            rec["date_modified"], rec["date_modified_gmt"] = self.s.clock.stamp(old["date_modified_gmt"])
            self.s.webhooks[webhook_id] = rec
            return webhook_out(rec, self.s.api)

    def delete_webhook(self, webhook_id: int, force: bool) -> dict[str, Any]:
        with self.s.tx():
            rec = self._webhook(webhook_id)
            if not force:
                raise trash_not_supported("Webhooks do not support trashing.")
            del self.s.webhooks[webhook_id]
            return webhook_out(rec, self.s.api)

    def _webhook(self, webhook_id: int, status: int = 404) -> dict[str, Any]:
        rec = self.s.webhooks.get(webhook_id)
        if rec is None:
            raise invalid_id("shop_webhook", status)
        return rec


def _check_topic(topic: str) -> None:
    if topic not in TOPIC_HOOKS:
        raise ApiError(400, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is required and must be valid.")


def _check_delivery_url(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ApiError(
            400,
            "woocommerce_rest_webhook_invalid_delivery_url",
            "Webhook delivery URL must be a valid URL starting with http:// or https://.",
        )


def _set_topic(rec: dict[str, Any], topic: str) -> None:
    rec["topic"] = topic
    rec["resource"], rec["event"] = topic.split(".", 1)
    rec["hooks"] = list(TOPIC_HOOKS[topic])


def _generate_password(rng: random.Random, length: int = 50) -> str:
    """wp_generate_password(50): letters, digits and ``!@#$%^&*()``."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*()"
    return "".join(rng.choice(alphabet) for _ in range(length))
