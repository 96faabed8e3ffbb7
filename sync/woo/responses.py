"""What the WooCommerce transport answers: one response, one list page, and the counters a
sync run and the benchmarks report."""

from __future__ import annotations

import collections
import email.utils
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import requests

from sync import json_codec
from sync.woo.errors import WooError


@dataclass
class WooResponse:
    status: int
    data: Any
    headers: Any
    attempts: int = 1
    elapsed_ms: float = 0.0

    def _int_header(self, name: str) -> int | None:
        value = self.headers.get(name)
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    @property
    def total(self) -> int | None:
        return self._int_header("X-WP-Total")

    @property
    def total_pages(self) -> int | None:
        return self._int_header("X-WP-TotalPages")


@dataclass
class Page:
    """One list page. ``error`` is set instead of ``items`` when the page could not be read
    and the caller asked for errors to be yielded rather than raised. ``raw`` is the body of a
    page fetched by a pool thread and not decoded yet (``iter_pages`` decodes it)."""

    number: int
    items: list[dict] | None
    total: int | None = None
    total_pages: int | None = None
    error: WooError | None = None
    raw: bytes | None = field(default=None, repr=False)


class _Undecoded:
    """The body of a successful JSON answer, left for the consuming thread to decode."""

    __slots__ = ("content",)

    def __init__(self, content: bytes) -> None:
        self.content = content


@dataclass
class ClientStats:
    requests: int = 0
    downloads: int = 0
    retries: int = 0
    errors: dict[str, int] = field(default_factory=lambda: collections.defaultdict(int))
    # Answers read in spite of something (PHP notices ahead of the JSON), by what.
    warnings: dict[str, int] = field(default_factory=lambda: collections.defaultdict(int))
    request_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_request(self, seconds: float) -> None:
        with self._lock:
            self.requests += 1
            self.request_seconds += seconds

    def add_download(self, seconds: float) -> None:
        with self._lock:
            self.downloads += 1
            self.request_seconds += seconds

    def add_retry(self, reason: str) -> None:
        with self._lock:
            self.retries += 1
            self.errors[reason] += 1

    def add_warning(self, reason: str) -> bool:
        """Count one more; True the first time (the one to say out loud)."""
        with self._lock:
            self.warnings[reason] += 1
            return self.warnings[reason] == 1

    def add_error(self, reason: str) -> None:
        with self._lock:
            self.errors[reason] += 1

    @staticmethod
    def combined(many: Iterable[ClientStats]) -> dict[str, Any]:
        """``as_dict()`` of several clients' counters added up (the clients of one run)."""
        total: dict[str, Any] = {"requests": 0, "downloads": 0, "retries": 0, "errors": {}, "request_seconds": 0.0}
        for stats in many:
            for key, value in stats.as_dict().items():
                if isinstance(value, dict):
                    bucket = total.setdefault(key, {})
                    for reason, count in value.items():
                        bucket[reason] = bucket.get(reason, 0) + count
                else:
                    total[key] = total[key] + value
        total["request_seconds"] = round(total["request_seconds"], 3)
        return total

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "downloads": self.downloads,
                "retries": self.retries,
                "errors": dict(self.errors),
                "request_seconds": round(self.request_seconds, 3),
                **({"warnings": dict(self.warnings)} if self.warnings else {}),
            }


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


def _is_json(response: requests.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    return "json" in content_type


_NOT_JSON = object()
# What PHP prints ahead of a REST answer when a store displays its errors (WP_DEBUG_DISPLAY):
# "<br />\n<b>Notice</b>:  Undefined index: x in <b>/path/file.php</b> on line <b>42</b><br />",
# or the same as plain text ("PHP Warning:  ... on line 42"), one after another.
_PHP_MESSAGE = re.compile(
    rb"\s*(?:<br\s*/?>\s*)?(?:<b>)?(?:PHP )?(?:Notice|Warning|Deprecated|Strict Standards)(?:</b>)?:"
    rb".*?\bon line\s*(?:<b>)?\d+(?:</b>)?(?:<br\s*/?>)?",
    re.DOTALL | re.IGNORECASE,
)
# What a 2xx web page instead of data is recorded as.
WEB_PAGE_MESSAGE = "the store answered with a web page instead of data (a firewall or security plugin?)"


def _after_php_messages(content: bytes) -> bytes | None:
    """The body after the PHP notices printed ahead of it, or None when it starts with none."""
    position = 0
    while match := _PHP_MESSAGE.match(content, position):
        position = match.end()
    return content[position:] if position else None


def _loads(content: bytes) -> tuple[Any, bool]:
    """``(data, True when PHP notices ahead of the JSON were skipped)``; ValueError when the
    body is not JSON, notices skipped or not."""
    try:
        return json_codec.decode(content), False
    except ValueError:
        rest = _after_php_messages(content)
        if rest is None:
            raise
        return json_codec.decode(rest), True


def _json_body(response: requests.Response) -> tuple[Any, bool]:
    """The decoded body of a JSON answer, or ``_NOT_JSON`` (another content type, or a body
    that does not parse), and whether PHP notices ahead of it were skipped (a store that printed
    them before its headers went out answers ``text/html``). Decoded once per answer: a page of
    100 orders takes milliseconds to parse, with the GIL held, while the database thread waits."""
    if not _is_json(response) and not _PHP_MESSAGE.match(response.content):
        return _NOT_JSON, False
    try:
        return _loads(response.content)
    except ValueError:
        return _NOT_JSON, False


def _error_fields(body: Any) -> tuple[str | None, str | None, Any]:
    """WooCommerce's ``{"code","message","data"}`` from an error answer's body, if it has one."""
    if isinstance(body, dict):
        return body.get("code"), body.get("message"), body.get("data")
    return None, None, None


def _excerpt(response: requests.Response, limit: int = 200) -> str:
    text = response.text[:limit] if response.content else ""
    return " ".join(text.split())


__all__ = [
    "WEB_PAGE_MESSAGE",
    "ClientStats",
    "Page",
    "WooResponse",
    "parse_retry_after",
]
