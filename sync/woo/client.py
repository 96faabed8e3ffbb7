"""The WooCommerce transport: the only module that imports the ``woocommerce`` client.

The client (3.0.0) returns raw ``requests.Response`` objects, raises nothing, and opens a new
connection per call. This module wraps every call with what the client leaves out:

* timeouts, bounded retries with exponential backoff and jitter on 429, 5xx, timeouts and
  connection errors, honouring ``Retry-After``; besides the time-out of each read, a whole
  request (an answer, an image file) has ``SYNC_REQUEST_DEADLINE_SECONDS`` (``egress.Deadline``);
* error translation into the typed errors of ``errors.py`` (a non-JSON answer is an error, never data);
* pagination: the list endpoints' iterators (``iter_pages``, ``fetch_all``, ``fetch_many``) are
  ``sync.woo.paging``'s, mixed into the client;
* keep-alive: the client's module-level ``requests.request`` is routed through a per-thread
  ``requests.Session``, so a run reuses its connections;
* counters (requests, retries, errors, time) that sync runs and benchmarks report.

Every connection it opens (API calls, image files, test connection, webhook registration) goes
through the guard in ``sync.egress``: public addresses only, unless ``STORE_ALLOWED_NETWORKS``.

Auth is the client's own: Basic over HTTPS, OAuth 1.0a (HMAC-SHA256) over plain HTTP.
"""

from __future__ import annotations

import copy
import logging
import random
import secrets
import ssl
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin

import requests
import woocommerce.api
import woocommerce.oauth
from django.conf import settings
from woocommerce import API

from stores.credentials import api_credentials
from sync import egress
from sync.woo.errors import WooAddressRefusedError
from sync.woo.errors import WooAuthError
from sync.woo.errors import WooClientError
from sync.woo.errors import WooError
from sync.woo.errors import WooNotWooCommerceError
from sync.woo.errors import WooRateLimitedError
from sync.woo.errors import WooServerError
from sync.woo.errors import WooTLSError
from sync.woo.errors import WooUnreachableError
from sync.woo.errors import _Retry
from sync.woo.paging import MAX_PER_PAGE
from sync.woo.paging import Paging
from sync.woo.responses import _NOT_JSON
from sync.woo.responses import WEB_PAGE_MESSAGE
from sync.woo.responses import ClientStats
from sync.woo.responses import WooResponse
from sync.woo.responses import _error_fields
from sync.woo.responses import _excerpt
from sync.woo.responses import _is_json
from sync.woo.responses import _json_body
from sync.woo.responses import _Undecoded
from sync.woo.responses import parse_retry_after

logger = logging.getLogger(__name__)

# A file URL may redirect (a CDN, http -> https) this many times; each hop is checked by the guard.
# API calls follow none: a redirected REST call is reported (a login page, a moved site), and
# following it would re-send the credentials to wherever the store points.
MAX_DOWNLOAD_REDIRECTS = 3
_READ_PIECE = 1024 * 1024
USER_AGENT = "Storedesk-Sync/1.0 (WooCommerce-Python-REST-API/3.0.0)"


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


class _AnswerTooLarge(Exception):
    """The body of an API answer passed ``SYNC_RESPONSE_MAX_BYTES`` (decompressed)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"answer larger than {limit} bytes")


def _pooled_request(method: str, url: str, **kwargs: Any) -> requests.Response:
    if "&oauth_signature=" in url:
        # Over plain HTTP the client signs a URL that holds the query already (OAuth 1.0a) and
        # hands requests the same params again, which would append them a second time: every
        # call's query sent, encoded and parsed twice (the server keeps the last of each).
        kwargs["params"] = None
    response = _session().request(method=method, url=url, stream=True, **kwargs)
    # Unstreamed, requests reads a body in 10 KB pieces, each through several layers of Python:
    # ~0.5 ms of CPU for a page of 100 orders (280 KB), a third of the call. Read in pieces of
    # _READ_PIECE (a page is one), through the same ``iter_content`` (its errors translated as
    # requests does), and kept as ``content`` is (the connection goes back to the pool at the
    # end of the body, as before). The store chooses the size: past the limit it is refused,
    # so a huge or endless answer (or a gzip bomb) cannot fill the worker's memory.
    limit = _setting("SYNC_RESPONSE_MAX_BYTES", 64 * 1024 * 1024)
    pieces, size = [], 0
    for piece in response.iter_content(chunk_size=_READ_PIECE):
        size += len(piece)
        if size > limit:
            response.close()
            raise _AnswerTooLarge(limit)
        pieces.append(piece)
    response._content = b"".join(pieces)
    return response


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
# The client
# ---------------------------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


class WooClient(Paging):
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
        # At most ``concurrency`` API calls in flight, whatever pools and siblings ask for them.
        self._in_flight = threading.BoundedSemaphore(self.concurrency)
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

    def sibling(self) -> WooClient:
        """A client for another thread's listings of the same run: the same store and settings,
        counters of its own, and the same bound on the API calls in flight (the store sees
        ``concurrency`` at most from both)."""
        twin = copy.copy(self)
        twin.stats = ClientStats()
        return twin

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
            with self._deadline(url, retry=True):
                return fetch()

        def fetch() -> tuple[bytes, str | None]:
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

    @contextmanager
    def _deadline(self, url: str, *, retry: bool) -> Iterator[None]:
        """The request inside, with its answer read, takes ``SYNC_REQUEST_DEADLINE_SECONDS`` at
        most; past it, whatever the cut-off made of it (an error, a short body) is reported as a
        time-out, retried when ``retry`` (the server did not act, or may act again safely)."""
        seconds = _setting("SYNC_REQUEST_DEADLINE_SECONDS", 120)
        with egress.Deadline(seconds) as deadline:
            try:
                yield
            except (_Retry, WooError) as exc:
                if not deadline.expired:
                    raise
                raise self._overdue(url, seconds, retry) from exc
            if deadline.expired:
                raise self._overdue(url, seconds, retry)

    def _overdue(self, url: str, seconds: float, retry: bool) -> Exception:
        error = WooUnreachableError(
            f"no complete answer within {seconds:g} s (SYNC_REQUEST_DEADLINE_SECONDS)", code="timeout", url=url
        )
        return _Retry(error) if retry else self._final(error)

    def _send(self, method: str, endpoint: str, params: dict | None, data: Any) -> requests.Response:
        # A POST cut off may have created something: the caller looks before sending it again.
        with self._deadline(endpoint, retry=method != "POST"):
            return self._send_once(method, endpoint, params, data)

    def _send_once(self, method: str, endpoint: str, params: dict | None, data: Any) -> requests.Response:
        kwargs: dict[str, Any] = {"params": dict(params or {}), "allow_redirects": False}
        self._in_flight.acquire()
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
        except _AnswerTooLarge as exc:
            raise self._final(WooClientError(str(exc), code="too_large", url=endpoint)) from exc
        finally:
            self._in_flight.release()
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


def client_for(store, **kwargs: Any) -> WooClient:
    """A client for a store's stored credentials (decrypted by ``stores.credentials``)."""
    return WooClient(api_credentials(store), **kwargs)


__all__ = [
    "WooClient",
    "client_for",
]
