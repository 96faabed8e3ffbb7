"""The WooCommerce adapter: the only module that imports the ``woocommerce`` client.

The client (3.0.0) returns raw ``requests.Response`` objects, raises nothing, and opens a new
connection per call. This module wraps every call with what the client leaves out:

* timeouts, bounded retries with exponential backoff and jitter on 429, 5xx, timeouts and
  connection errors, honouring ``Retry-After``;
* error translation into the typed errors below (a non-JSON answer is an error, never data);
* pagination (``X-WP-TotalPages`` when present, otherwise until a short or empty page), with
  bounded parallel page fetches and a guard against a server that repeats a page;
* keep-alive: the client's module-level ``requests.request`` is routed through a per-thread
  ``requests.Session``, so a run reuses its connections;
* counters (requests, retries, errors, time) that sync runs and benchmarks report.

Every connection it opens (API calls, image files, test connection, webhook registration) goes
through the guard in ``sync.egress``: public addresses only, unless ``STORE_ALLOWED_NETWORKS``.

Auth is the client's own: Basic over HTTPS, OAuth 1.0a (HMAC-SHA256) over plain HTTP.
"""

from __future__ import annotations

import collections
import email.utils
import json
import logging
import queue
import random
import re
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests
import woocommerce.api
import woocommerce.oauth
from django.conf import settings
from woocommerce import API

from sync import egress

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 100
# fetch_many keeps this many jobs per thread ahead of its caller.
FETCH_MANY_AHEAD = 16
# A file URL may redirect (a CDN, http -> https) this many times; each hop is checked by the guard.
# API calls follow none: a redirected REST call is reported (a login page, a moved site), and
# following it would re-send the credentials to wherever the store points.
MAX_DOWNLOAD_REDIRECTS = 3
USER_AGENT = "Storedesk-Sync/1.0 (WooCommerce-Python-REST-API/3.0.0)"


# ---------------------------------------------------------------------------------------------
# Errors. Another feature ("Test connection") relies on exactly these names.
# ---------------------------------------------------------------------------------------------


class WooError(Exception):
    """Base of every error this adapter raises.

    ``status`` is the HTTP status (None for transport errors), ``code``/``message`` the
    WooCommerce error code and message when the answer carried one, ``attempts`` how many
    requests were made, ``url`` the endpoint (never with credentials).
    """

    default_code = "woo_error"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        url: str | None = None,
        attempts: int = 1,
        data: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code or self.default_code
        self.url = url
        self.attempts = attempts
        self.data = data
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f" [{self.url}]" if self.url else ""
        status = f"HTTP {self.status} " if self.status else ""
        return f"{status}{self.code}: {self.message}{where}"


class WooAuthError(WooError):
    """401/403: the keys are wrong, revoked or lack the needed permission."""

    default_code = "woocommerce_rest_authentication_error"


class WooUnreachableError(WooError):
    """Connection refused, DNS failure or timeouts, still failing after the retries."""

    default_code = "unreachable"


class WooNotWooCommerceError(WooError):
    """The answer is not WooCommerce's REST API: HTML, a captcha, a redirect to a login page,
    a body that is not JSON, or 404 ``rest_no_route``."""

    default_code = "not_woocommerce"


class WooTLSError(WooError):
    """The TLS handshake failed (bad or self-signed certificate, wrong host name...)."""

    default_code = "tls_error"


class WooAddressRefusedError(WooError):
    """The store's host (or an image URL) is on an address the guard refuses: loopback, a
    private network, link-local (cloud metadata)... unless ``STORE_ALLOWED_NETWORKS`` allows
    it; or the URL is not http(s). Nothing was sent to it, and retrying will not help."""

    default_code = "address_refused"


class WooRateLimitedError(WooError):
    """429, still after the retries (or with a ``Retry-After`` longer than we wait)."""

    default_code = "rate_limited"


class WooServerError(WooError):
    """5xx, still after the retries."""

    default_code = "server_error"


class WooClientError(WooError):
    """Any other 4xx, with WooCommerce's code and message (e.g. 400 ``rest_invalid_param``,
    404 ``woocommerce_rest_product_invalid_id``, 413 ``woocommerce_rest_request_entity_too_large``)."""

    default_code = "client_error"


class WooPaginationError(WooError):
    """The server answered the same page twice: paging would loop, so the listing stops."""

    default_code = "repeated_page"


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying; carries the final error."""

    def __init__(self, error: WooError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


# ---------------------------------------------------------------------------------------------
# Keep-alive: route the client's module-level requests.request through a per-thread Session.
# ---------------------------------------------------------------------------------------------

_local = threading.local()


def _session() -> requests.Session:
    """This thread's session; every connection it opens goes through the guard (``egress``)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = egress.guarded_session(pool_size=4)
    return session


def _pooled_request(method: str, url: str, **kwargs: Any) -> requests.Response:
    return _session().request(method=method, url=url, **kwargs)


# The client does ``from requests import request``; replacing that name in its module is the
# documented way to change its transport (FACTS.md §1). Only this module imports the client.
woocommerce.api.request = _pooled_request


def _strong_nonce() -> str:
    return secrets.token_hex(16)


# The client's OAuth nonce is an HMAC of 8 random digits: 10^8 values. WooCommerce refuses a
# nonce seen in the last 15 minutes, so a pull of ~10,000 requests over plain HTTP hits a
# repeat about every other run (birthday bound) and gets a 401. 128 random bits instead.
woocommerce.oauth.OAuth.generate_nonce = staticmethod(_strong_nonce)


# ---------------------------------------------------------------------------------------------
# Responses and statistics
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


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
        return json.loads(content), False
    except ValueError:
        rest = _after_php_messages(content)
        if rest is None:
            raise
        return json.loads(rest), True


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


class WooClient:
    """A WooCommerce REST v3 client for one store.

    ``get/post/put/delete`` return a :class:`WooResponse` (``.data`` is the decoded JSON) or
    raise a :class:`WooError`. ``iter_pages``/``fetch_all`` walk a list endpoint; ``fetch_many``
    walks many list endpoints at once. Thread-safe: pages are fetched by a bounded pool.
    """

    def __init__(
        self,
        credentials,
        *,
        timeout: float | tuple[float, float] | None = None,
        max_retries: int | None = None,
        concurrency: int | None = None,
        backoff_base: float | None = None,
        backoff_max: float | None = None,
        retry_after_max: float | None = None,
        verify_ssl: bool | str = True,
        query_string_auth: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = credentials.url.rstrip("/")
        self.timeout = timeout if timeout is not None else _setting("SYNC_REQUEST_TIMEOUT_SECONDS", 30)
        self.max_retries = max_retries if max_retries is not None else _setting("SYNC_MAX_RETRIES", 4)
        self.concurrency = max(1, concurrency if concurrency is not None else _setting("SYNC_PAGE_CONCURRENCY", 4))
        self.backoff_base = backoff_base if backoff_base is not None else _setting("SYNC_BACKOFF_BASE_SECONDS", 0.5)
        self.backoff_max = backoff_max if backoff_max is not None else _setting("SYNC_BACKOFF_MAX_SECONDS", 30)
        self.retry_after_max = (
            retry_after_max if retry_after_max is not None else _setting("SYNC_RETRY_AFTER_MAX_SECONDS", 120)
        )
        self.page_size = _setting("SYNC_PAGE_SIZE", MAX_PER_PAGE)
        self.stats = ClientStats()
        self._sleep = sleep
        self._api = API(
            url=self.url,
            consumer_key=credentials.consumer_key,
            consumer_secret=credentials.consumer_secret,
            version="wc/v3",
            timeout=self.timeout,
            verify_ssl=verify_ssl,
            query_string_auth=query_string_auth,
            user_agent=USER_AGENT,
        )

    def __repr__(self) -> str:
        return f"WooClient({self.url!r})"

    # -- single requests ------------------------------------------------------------------

    def get(self, endpoint: str, params: dict | None = None, **kw: Any) -> WooResponse:
        return self.request("GET", endpoint, params=params, **kw)

    def post(self, endpoint: str, data: Any, params: dict | None = None, **kw: Any) -> WooResponse:
        return self.request("POST", endpoint, params=params, data=data, **kw)

    def put(self, endpoint: str, data: Any, params: dict | None = None, **kw: Any) -> WooResponse:
        return self.request("PUT", endpoint, params=params, data=data, **kw)

    def delete(self, endpoint: str, params: dict | None = None, **kw: Any) -> WooResponse:
        return self.request("DELETE", endpoint, params=params, **kw)

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: dict | None = None,
        data: Any = None,
        retry_unsent_only: bool | None = None,
        decode: bool = True,
    ) -> WooResponse:
        """One API call with retries.

        ``retry_unsent_only`` (default: True for POST) limits retries to answers that prove the
        server did not act (429, 502/503/504, connection refused): a POST that timed out may
        have created something, so the caller must look before sending it again.
        ``decode=False`` leaves a successful JSON body undecoded (``data`` is an ``_Undecoded``).
        """
        method = method.upper()
        if retry_unsent_only is None:
            retry_unsent_only = method == "POST"
        endpoint = endpoint.lstrip("/")
        started = time.monotonic()

        def attempt(number: int) -> WooResponse:
            response = self._send(method, endpoint, params, data)
            return self._interpret(response, endpoint, number, started, retry_unsent_only, decode)

        return self._retrying(f"{method} {endpoint}", attempt)

    def _retrying(self, label: str, attempt_fn: Callable[[int], Any]) -> Any:
        """Call ``attempt_fn(n)`` until it stops raising :class:`_Retry`, at most
        ``max_retries`` more times, sleeping with backoff (or ``Retry-After``) in between."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return attempt_fn(attempt)
            except _Retry as retry:
                error = retry.error
                error.attempts = attempt
                self.stats.add_retry(error.code)
                if attempt > self.max_retries:
                    self._raise_final(error, attempt)
                delay = self._backoff(attempt)
                if retry.retry_after is not None:
                    if retry.retry_after > self.retry_after_max:
                        self._raise_final(error, attempt)
                    delay = max(delay, retry.retry_after)
                logger.info("woo %s: %s; retry %d in %.2fs", label, error, attempt, delay)
                self._sleep(delay)

    def download(self, url: str, *, max_bytes: int | None = None) -> tuple[bytes, str | None]:
        """A file from the store (product images), with the same retries; (content, type).

        Redirects are followed one hop at a time, at most ``MAX_DOWNLOAD_REDIRECTS``, each hop
        through the guard like the first (an http(s) URL, on an address it allows).
        Anything that is not a file (an HTML page, a redirect to a login) is a
        :class:`WooNotWooCommerceError`; an unreachable host a :class:`WooUnreachableError`; a
        refused address :class:`WooAddressRefusedError`. Whether the bytes are an image is the
        caller's to check.
        """
        limit = max_bytes or _setting("SYNC_IMAGE_MAX_BYTES", 20 * 1024 * 1024)

        def attempt(number: int) -> tuple[bytes, str | None]:
            response = self._follow(url)
            with response:
                if response.status_code == 429 or response.status_code >= 500:
                    raise _Retry(
                        WooServerError(f"HTTP {response.status_code}", status=response.status_code, url=url),
                        retry_after=parse_retry_after(response.headers.get("Retry-After")),
                    )
                content_type = response.headers.get("Content-Type")
                if response.status_code != 200 or (content_type or "").lower().startswith(
                    ("text/html", "application/json")
                ):
                    raise self._final(
                        WooNotWooCommerceError(
                            f"HTTP {response.status_code} ({content_type}) instead of a file",
                            status=response.status_code,
                            code="not_a_file",
                            url=url,
                        )
                    )
                chunks, size = [], 0
                try:
                    for chunk in response.iter_content(64 * 1024):
                        size += len(chunk)
                        if size > limit:
                            raise self._final(
                                WooClientError(f"file larger than {limit} bytes", code="too_large", url=url)
                            )
                        chunks.append(chunk)
                except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                    raise _Retry(WooUnreachableError(f"transfer broken: {_reason(exc)}", url=url)) from exc
                return b"".join(chunks), content_type

        return self._retrying(f"GET {url}", attempt)

    def _follow(self, url: str) -> requests.Response:
        """GET ``url`` (streamed), following redirects one checked hop at a time."""
        timeout = _setting("SYNC_IMAGE_TIMEOUT_SECONDS", 15)
        current = url
        for _hop in range(MAX_DOWNLOAD_REDIRECTS + 1):
            t0 = time.monotonic()
            try:
                egress.check_url(current)
                response = _session().get(
                    current, timeout=timeout, stream=True, allow_redirects=False, headers={"user-agent": USER_AGENT}
                )
            except egress.AddressRefused as exc:
                raise self._final(WooAddressRefusedError(exc.message, code=exc.code, url=current)) from exc
            except requests.exceptions.SSLError as exc:
                raise self._final(WooTLSError(f"TLS error: {_reason(exc)}", url=current)) from exc
            except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
                raise _Retry(WooUnreachableError(f"cannot fetch: {_reason(exc)}", url=current)) from exc
            except requests.exceptions.RequestException as exc:
                raise self._final(WooUnreachableError(f"cannot fetch: {_reason(exc)}", url=current)) from exc
            finally:
                self.stats.add_download(time.monotonic() - t0)
            if not response.is_redirect:
                return response
            response.close()
            current = urljoin(current, response.headers["Location"])
        raise self._final(
            WooNotWooCommerceError(f"more than {MAX_DOWNLOAD_REDIRECTS} redirects", code="too_many_redirects", url=url)
        )

    def _raise_final(self, error: WooError, attempts: int) -> None:
        error.attempts = attempts
        self.stats.add_error(error.code)
        raise error

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with "equal jitter": half fixed, half random.
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _send(self, method: str, endpoint: str, params: dict | None, data: Any) -> requests.Response:
        kwargs: dict[str, Any] = {"params": dict(params or {}), "allow_redirects": False}
        t0 = time.monotonic()
        try:
            if method in ("POST", "PUT"):
                return getattr(self._api, method.lower())(endpoint, data, **kwargs)
            return getattr(self._api, method.lower())(endpoint, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise self._final(WooTLSError(f"TLS handshake failed: {_reason(exc)}", url=endpoint)) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise _Retry(WooUnreachableError(f"connect timeout: {_reason(exc)}", code="timeout", url=endpoint)) from exc
        except requests.exceptions.Timeout as exc:
            error = WooUnreachableError(f"read timeout: {_reason(exc)}", code="timeout", url=endpoint)
            if method == "POST":
                # The server may have acted; the caller decides (look before re-creating).
                raise self._final(error) from exc
            raise _Retry(error) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            if isinstance(getattr(exc, "__context__", None), ssl.SSLError):
                raise self._final(WooTLSError(f"TLS error: {_reason(exc)}", url=endpoint)) from exc
            error = WooUnreachableError(f"connection failed: {_reason(exc)}", code="connection_error", url=endpoint)
            if method == "POST" and not _refused(exc):
                raise self._final(error) from exc
            raise _Retry(error) from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            raise self._final(WooUnreachableError(f"invalid store URL: {exc}", code="invalid_url")) from exc
        except egress.AddressRefused as exc:
            raise self._final(WooAddressRefusedError(exc.message, code=exc.code, url=endpoint)) from exc
        finally:
            self.stats.add_request(time.monotonic() - t0)

    def _notices_skipped(self) -> None:
        """An answer was read past the PHP notices printed ahead of it: counted, and said once
        per client (a run)."""
        if self.stats.add_warning("php_notices"):
            logger.warning(
                "%s prints PHP notices ahead of its REST answers (WP_DEBUG_DISPLAY is on?); "
                "the answers were read past them",
                self.url,
            )

    def _final(self, error: WooError) -> WooError:
        self.stats.add_error(error.code)
        return error

    def _interpret(
        self,
        response: requests.Response,
        endpoint: str,
        attempt: int,
        started: float,
        retry_unsent_only: bool,
        decode: bool = True,
    ) -> WooResponse:
        status = response.status_code
        if not decode and 200 <= status < 300 and _is_json(response):
            return WooResponse(
                status=status,
                data=_Undecoded(response.content),
                headers=response.headers,
                attempts=attempt,
                elapsed_ms=(time.monotonic() - started) * 1000,
            )
        body, after_notices = _json_body(response)
        if after_notices:
            self._notices_skipped()
        code, message, data = _error_fields(body)

        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise _Retry(
                WooRateLimitedError(
                    message or "Too many requests", status=status, code=code, url=endpoint, retry_after=retry_after
                ),
                retry_after=retry_after,
            )
        if status >= 500:
            error = WooServerError(
                message or f"server error ({_excerpt(response) or 'no body'})", status=status, code=code, url=endpoint
            )
            if retry_unsent_only and status not in (502, 503, 504):
                raise self._final(error)
            raise _Retry(error, retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            raise self._final(
                WooNotWooCommerceError(
                    f"redirected to {location or 'another page'} (a login page, a security plugin, or a "
                    "different site address) instead of answering the REST API",
                    status=status,
                    code="redirect",
                    url=endpoint,
                    data={"location": location},
                )
            )
        if status in (401, 403):
            error = WooAuthError(message or f"access denied (HTTP {status})", status=status, code=code, url=endpoint)
            if "nonce" in (message or "").lower():
                raise _Retry(error)  # a repeated OAuth nonce: the next attempt signs with a new one
            raise self._final(error)
        if body is _NOT_JSON and not _is_json(response):
            captcha = response.headers.get("SG-Captcha") or "captcha" in response.text[:4000].lower()
            if 200 <= status < 300 and "html" in response.headers.get("Content-Type", "").lower():
                # A firewall or security plugin's challenge: often passed on the next attempt.
                error = WooNotWooCommerceError(
                    WEB_PAGE_MESSAGE,
                    status=status,
                    code="captcha" if captcha else "html_page",
                    url=endpoint,
                    data={"excerpt": _excerpt(response)},
                )
                if retry_unsent_only:
                    raise self._final(error)
                raise _Retry(error)
            kind = "a captcha/challenge page" if captcha else "a non-JSON page"
            raise self._final(
                WooNotWooCommerceError(
                    f"answered HTTP {status} with {kind} "
                    f"({response.headers.get('Content-Type', 'no content type')}): {_excerpt(response)!r}",
                    status=status,
                    code="captcha" if captcha else "not_json",
                    url=endpoint,
                )
            )
        if body is _NOT_JSON:
            # JSON content type but an unreadable body: usually a truncated transfer.
            raise _Retry(
                WooNotWooCommerceError(
                    f"answered HTTP {status} with a body that is not valid JSON: {_excerpt(response)!r}",
                    status=status,
                    code="invalid_json",
                    url=endpoint,
                )
            )
        if status == 404 and code == "rest_no_route":
            raise self._final(
                WooNotWooCommerceError(message or "no such route", status=status, code=code, url=endpoint, data=data)
            )
        if status >= 400:
            raise self._final(
                WooClientError(message or f"HTTP {status}", status=status, code=code, url=endpoint, data=data)
            )
        return WooResponse(
            status=status,
            data=body,
            headers=response.headers,
            attempts=attempt,
            elapsed_ms=(time.monotonic() - started) * 1000,
        )

    # -- lists ------------------------------------------------------------------------------

    def _get_page(self, endpoint: str, params: dict, number: int, per_page: int, *, decode: bool = True) -> Page:
        response = self.get(endpoint, {**params, "page": number, "per_page": per_page}, decode=decode)
        if isinstance(response.data, _Undecoded):
            return Page(number, None, total=response.total, total_pages=response.total_pages, raw=response.data.content)
        return self._list_page(endpoint, number, response.data, response.total, response.total_pages)

    def _list_page(self, endpoint: str, number: int, data: Any, total: int | None, pages: int | None) -> Page:
        if not isinstance(data, list):
            raise self._final(
                WooNotWooCommerceError(
                    f"expected a JSON list, got {type(data).__name__}", code="not_a_list", url=endpoint
                )
            )
        return Page(number, data, total=total, total_pages=pages)

    def _decoded(self, page: Page, endpoint: str, params: dict, per_page: int) -> Page:
        """A page fetched by a pool thread, decoded in the calling thread.

        The pool's threads only wait for the network: decoding a page of 100 orders holds the GIL
        for several milliseconds, and the thread writing to the database would wait for it after
        every round trip. A body that turns out not to be JSON is fetched again here, with the
        usual retries (as an undecodable answer is when it is decoded at once)."""
        if page.raw is None:
            return page
        try:
            data, after_notices = _loads(page.raw)
        except ValueError:
            self.stats.add_retry("invalid_json")
            return self._get_page(endpoint, params, page.number, per_page)
        if after_notices:
            self._notices_skipped()
        return self._list_page(endpoint, page.number, data, page.total, page.total_pages)

    def iter_pages(
        self,
        endpoint: str,
        params: dict | None = None,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        errors: str = "raise",
    ) -> Iterator[Page]:
        """Yield the pages of a list endpoint in order.

        Page 1 is read first; if it says how many pages there are, the rest are fetched by a
        bounded pool (``concurrency`` in flight). Without ``X-WP-TotalPages`` (stripped by a
        proxy) pages are fetched speculatively, ``concurrency`` ahead, until a short or empty
        page. A listing whose last page is full is followed further (items added meanwhile).
        A page identical to the previous one raises :class:`WooPaginationError`.

        ``errors="yield"`` yields a :class:`Page` with ``error`` set for a page that failed
        after the retries and goes on with the next pages; the listing is then incomplete.

        The pool's threads only fetch: each page is decoded here, in the calling thread, when
        its turn comes (see ``_decoded``).
        """
        if errors not in ("raise", "yield"):
            raise ValueError("errors must be 'raise' or 'yield'")
        per_page = max(1, min(per_page or self.page_size, MAX_PER_PAGE))
        params = dict(params or {})
        width = max(1, concurrency or self.concurrency)

        try:
            first = self._get_page(endpoint, params, 1, per_page)
        except WooError as exc:
            if errors == "raise":
                raise
            yield Page(1, None, error=exc)
            return
        yield first
        if len(first.items) < per_page:
            return
        known_last = first.total_pages if first.total_pages and first.total_pages >= 1 else None
        previous_ids = _ids(first.items)

        executor = ThreadPoolExecutor(max_workers=width, thread_name_prefix="woo-page")
        # Known page counts are queued two widths ahead; speculative ones (no headers) one.
        ahead = width * 2 if known_last is not None else width
        in_flight: collections.deque[tuple[int, Future]] = collections.deque()
        next_number = 2
        try:

            def fill() -> None:
                nonlocal next_number
                # Twice the pool's width is queued, so fetching goes on while the caller writes.
                while len(in_flight) < ahead and (known_last is None or next_number <= known_last):
                    future = executor.submit(self._get_page, endpoint, params, next_number, per_page, decode=False)
                    in_flight.append((next_number, future))
                    next_number += 1

            fill()
            while in_flight:
                number, future = in_flight.popleft()
                try:
                    page = self._decoded(future.result(), endpoint, params, per_page)
                except WooError as exc:
                    if errors == "raise":
                        raise
                    yield Page(number, None, error=exc)
                    previous_ids = None
                    fill()
                    continue
                ids = _ids(page.items)
                if ids and previous_ids is not None and ids == previous_ids:
                    raise WooPaginationError(
                        f"page {number} repeats page {number - 1} (the server ignores 'page'); stopping",
                        url=endpoint,
                    )
                previous_ids = ids
                yield page
                if len(page.items) < per_page:
                    return  # a short or empty page ends the list, whatever the headers said
                if known_last is not None and number >= known_last and not in_flight:
                    known_last = None  # the last page was full: follow on, one window at a time
                fill()
        finally:
            for _, future in in_flight:
                future.cancel()
            executor.shutdown(wait=True, cancel_futures=True)

    def fetch_all(
        self,
        endpoint: str,
        params: dict | None = None,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
    ) -> list[dict]:
        """Every item of a list endpoint (raises on the first page that fails)."""
        items: list[dict] = []
        for page in self.iter_pages(endpoint, params, per_page=per_page, concurrency=concurrency):
            items.extend(page.items)
        return items

    def fetch_many(
        self,
        jobs: Iterable[tuple[Any, str, dict | None]],
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
    ) -> Iterator[tuple[Any, list[dict] | WooError]]:
        """Fetch many list endpoints concurrently, e.g. the variations of many products.

        ``jobs`` yields ``(key, endpoint, params)``; results come back as ``(key, items)`` or
        ``(key, WooError)`` in completion order. At most ``concurrency`` endpoints are in
        flight (each walks its own pages one after another) and ``jobs`` is consumed lazily.
        """
        width = max(1, concurrency or self.concurrency)
        # Jobs run ahead of the caller, so the pool goes on fetching while the caller writes what
        # it got: writing a batch of variations takes a second or so, in which 8 threads at
        # 50 ms a request finish some 160 lists (a list is a product's variations: kilobytes).
        window = width * FETCH_MANY_AHEAD
        jobs = iter(jobs)
        finished: queue.SimpleQueue = queue.SimpleQueue()

        def run(key: Any, endpoint: str, params: dict | None) -> None:
            try:
                result: list[dict] | WooError = self.fetch_all(endpoint, params, per_page=per_page, concurrency=1)
            except WooError as exc:
                result = exc
            except Exception as exc:  # noqa: BLE001 - handed over and raised in the caller's thread
                finished.put((key, None, exc))
                return
            finished.put((key, result, None))

        executor = ThreadPoolExecutor(max_workers=width, thread_name_prefix="woo-many")
        submitted = 0  # running, queued, or finished and not handed to the caller yet

        def fill() -> None:
            nonlocal submitted
            while submitted < window:
                try:
                    key, endpoint, params = next(jobs)
                except StopIteration:
                    return
                executor.submit(run, key, endpoint, params)
                submitted += 1

        try:
            fill()
            while submitted:
                key, result, error = finished.get()
                submitted -= 1
                if error is not None:
                    raise error
                yield key, result
                fill()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


def _ids(items: list[dict]) -> tuple:
    return tuple(item.get("id") for item in items if isinstance(item, dict))


def _reason(exc: Exception) -> str:
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    return str(reason)[:300]


def _refused(exc: Exception) -> bool:
    """True when the connection was never established, so a POST cannot have been received."""
    text = repr(exc).lower()
    return any(
        marker in text
        for marker in ("connection refused", "newconnectionerror", "name or service not known", "nodename nor servname")
    )


# ---------------------------------------------------------------------------------------------
# Named operations: what the rest of Storedesk asks of WooCommerce, without REST paths or bodies.
# ---------------------------------------------------------------------------------------------

_TERM_PATHS = {"category": "products/categories", "tag": "products/tags", "brand": "products/brands"}
# Terms and attributes cannot be trashed: WooCommerce refuses a delete without force=true.
_FOR_GOOD = {"force": "true"}


def term_delete(client: WooClient, *, taxonomy: str, term_id: int) -> dict:
    """Delete a product category, tag or brand (``taxonomy``) for good; WooCommerce takes it
    off every product (a category's children move up to its parent)."""
    return client.delete(f"{_TERM_PATHS[taxonomy]}/{int(term_id)}", _FOR_GOOD).data


def attribute_delete(client: WooClient, *, attribute_id: int) -> dict:
    """Delete a global product attribute and its terms for good."""
    return client.delete(f"products/attributes/{int(attribute_id)}", _FOR_GOOD).data


def attribute_term_delete(client: WooClient, *, attribute_id: int, term_id: int) -> dict:
    """Delete one term of a global attribute for good."""
    return client.delete(f"products/attributes/{int(attribute_id)}/terms/{int(term_id)}", _FOR_GOOD).data


def product_variations_batch(
    client: WooClient,
    *,
    product_id: int,
    create: Iterable[dict] = (),
    update: Iterable[dict] = (),
    delete: Iterable[int] = (),
) -> dict:
    """Create, update and delete (for good: batch deletes are forced) variations of one product in
    one request; WooCommerce takes at most 100 items per request. Returns its answer, per item."""
    body = {"create": list(create), "update": list(update), "delete": [int(i) for i in delete]}
    if sum(len(items) for items in body.values()) > MAX_PER_PAGE:
        raise ValueError("WooCommerce takes at most 100 items per batch request")
    return client.post(f"products/{int(product_id)}/variations/batch", {k: v for k, v in body.items() if v}).data or {}


def woocommerce_version(client: WooClient) -> str | None:
    """The store's WooCommerce version from ``GET /system_status`` (None when it does not say)."""
    data = client.get("system_status", {"_fields": "environment"}).data
    environment = data.get("environment") if isinstance(data, dict) else None
    version = environment.get("version") if isinstance(environment, dict) else None
    return str(version)[:40] if version else None


def has_variations_listing(client: WooClient) -> bool:
    """Whether the store lists every variation at ``GET /variations`` (WooCommerce 10.3+); an
    older one answers ``404 rest_no_route``."""
    try:
        client.get("variations", {"per_page": 1, "_fields": "id"})
    except WooNotWooCommerceError as exc:
        if exc.code == "rest_no_route":
            return False
        raise
    return True


def variations_pages(
    client: WooClient,
    *,
    status: str,
    modified_after: str | None = None,
    include: Iterable[int] = (),
    fields: Iterable[str] = (),
    errors: str = "yield",
) -> Iterator[Page]:
    """The pages of ``GET /variations`` (every variation of the store, each with its
    ``parent_id``), in id order, fetched in parallel like any listing. ``modified_after`` is a
    GMT time; ``fields`` limits each item to those keys (``_fields``)."""
    params: dict[str, Any] = {"orderby": "id", "order": "asc", "status": status}
    if modified_after:
        params.update(modified_after=modified_after, dates_are_gmt="true")
    if include := ",".join(map(str, include)):
        params["include"] = include
    if fields := ",".join(fields):
        params["_fields"] = fields
    return client.iter_pages("variations", params, errors=errors)


def webhook_set_delivery_url(client: WooClient, woo_webhook_id: int, url: str) -> Any:
    """Point one WooCommerce webhook at ``url``; WooCommerce keeps its secret, topic and status."""
    return client.put(f"webhooks/{woo_webhook_id}", {"delivery_url": url}).data


# -- order notes and refunds (FACTS.md §11) ---------------------------------------------------


def order_fetch(client: WooClient, order_woo_id: int) -> dict:
    """One order as WooCommerce holds it now."""
    return client.get(f"orders/{int(order_woo_id)}").data


def order_notes_list(client: WooClient, order_woo_id: int) -> list[dict]:
    """Every note of an order (private, to the customer, and the system's), newest first."""
    data = client.get(f"orders/{int(order_woo_id)}/notes", {"type": "any"}).data
    return [note for note in data if isinstance(note, dict)] if isinstance(data, list) else []


def order_note_create(client: WooClient, order_woo_id: int, note: str, *, to_customer: bool) -> dict:
    """Add a note written by the API user; ``to_customer`` makes WooCommerce e-mail it to the customer."""
    body = {"note": note, "customer_note": bool(to_customer), "added_by_user": True}
    return client.post(f"orders/{int(order_woo_id)}/notes", body).data


def order_refunds_list(client: WooClient, order_woo_id: int) -> list[dict]:
    """Every refund of an order with its line items."""
    return client.fetch_all(f"orders/{int(order_woo_id)}/refunds")


def order_refund_create(
    client: WooClient,
    order_woo_id: int,
    *,
    amount: str,
    reason: str,
    line_items: list[dict],
    api_refund: bool,
    restock: bool,
) -> dict:
    """Create a refund. Both flags are always sent: WooCommerce defaults ``api_refund`` to true,
    which would ask the payment gateway to return real money unless told otherwise."""
    body = {
        "amount": amount,
        "reason": reason,
        "line_items": line_items,
        "api_refund": bool(api_refund),
        "api_restock": bool(restock),
    }
    return client.post(f"orders/{int(order_woo_id)}/refunds", body).data


def client_for(store, **kwargs: Any) -> WooClient:
    """A client for a store's stored credentials (decrypted by ``stores.credentials``)."""
    from stores.credentials import api_credentials

    return WooClient(api_credentials(store), **kwargs)


__all__ = [
    "has_variations_listing",
    "variations_pages",
    "webhook_set_delivery_url",
    "woocommerce_version",
    "MAX_PER_PAGE",
    "Page",
    "WooAddressRefusedError",
    "WooAuthError",
    "WooClient",
    "WooClientError",
    "WooError",
    "WooNotWooCommerceError",
    "WooPaginationError",
    "WooRateLimitedError",
    "WooResponse",
    "WooServerError",
    "WooTLSError",
    "WooUnreachableError",
    "attribute_delete",
    "attribute_term_delete",
    "client_for",
    "order_fetch",
    "order_note_create",
    "order_notes_list",
    "order_refund_create",
    "order_refunds_list",
    "product_variations_batch",
    "term_delete",
]
