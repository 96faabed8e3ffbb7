"""Consumer key authentication: HTTP Basic, query-string keys and one-legged OAuth 1.0a.

Real WooCommerce only accepts Basic/query keys over HTTPS and only OAuth over HTTP; the
sandbox accepts all three over plain HTTP so each client mode can be exercised. OAuth is
verified exactly the way the ``woocommerce`` 3.0.0 Python client signs (see its
``oauth.py``); the RFC/PHP encoding WooCommerce itself uses is accepted as well.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote
from urllib.parse import unquote

from .errors import ApiError

OAUTH_WINDOW_S = 15 * 60
OAUTH_REQUIRED = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method")
_HASHES = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
PERMISSIONS = ("read", "write", "read_write")


@dataclass(frozen=True)
class ApiKey:
    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"


def auth_error(message: str) -> ApiError:
    return ApiError(401, "woocommerce_rest_authentication_error", message)


class Authenticator:
    """Resolves a request to an :class:`ApiKey`, to ``None`` (anonymous), or raises a 401."""

    def __init__(self, keys: Iterable[ApiKey], now: Callable[[], float] = time.time) -> None:
        self.keys = {k.consumer_key: k for k in keys}
        self._now = now
        self._nonces: dict[tuple[str, str], float] = {}
        self._nonce_lock = threading.Lock()

    def authenticate(
        self,
        method: str,
        host: str,
        path: str,
        query: list[tuple[str, str]],
        authorization: str | None,
    ) -> ApiKey | None:
        params = dict(query)
        if authorization and authorization.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(authorization[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            return self._check_secret(user, password)
        if "consumer_key" in params and "consumer_secret" in params:
            return self._check_secret(params["consumer_key"], params["consumer_secret"])
        if "oauth_consumer_key" in params:
            return self._oauth(method, f"http://{host}{unquote(path)}", query)
        return None

    def check_permission(self, key: ApiKey, method: str) -> None:
        writing = method not in ("GET", "HEAD", "OPTIONS")
        if writing and key.permissions == "read":
            raise auth_error("The API key provided does not have write permissions.")
        if not writing and key.permissions == "write":
            raise auth_error("The API key provided does not have read permissions.")

    def _check_secret(self, consumer_key: str, secret: str) -> ApiKey | None:
        # An unknown key is not an error here: the request simply stays anonymous.
        key = self.keys.get(consumer_key)
        if key is None:
            return None
        if not hmac.compare_digest(key.consumer_secret.encode(), secret.encode()):
            raise auth_error("Consumer secret is invalid.")
        return key

    def _oauth(self, method: str, url: str, query: list[tuple[str, str]]) -> ApiKey:
        # The python client appends its params twice (in the signed URL and again via
        # requests' ``params``); PHP's $_GET keeps one copy, so exact duplicates collapse.
        pairs = list(dict.fromkeys(query))
        params = dict(pairs)
        missing = [name for name in OAUTH_REQUIRED if not params.get(name)]
        if missing:
            label = "parameters" if len(missing) > 1 else "parameter"
            raise auth_error(f"Missing OAuth {label} {', '.join(missing)}")
        key = self.keys.get(params["oauth_consumer_key"])
        if key is None:
            raise auth_error("Consumer key is invalid.")
        digest = _HASHES.get(params["oauth_signature_method"])
        if digest is None:
            raise auth_error("Signature method is invalid.")
        # rawurldecode(str_replace(' ', '+', ...)): a raw '+' that arrived as a space.
        given = params["oauth_signature"].replace(" ", "+")
        signed = [(k, v) for k, v in pairs if k != "oauth_signature"]
        secret = (key.consumer_secret + "&").encode()
        candidates = (base_string(method, url, signed, php_style) for php_style in (False, True))
        if not any(
            hmac.compare_digest(base64.b64encode(hmac.new(secret, text.encode(), digest).digest()).decode(), given)
            for text in candidates
        ):
            raise auth_error("Invalid signature - provided signature does not match.")
        self._check_timestamp_and_nonce(key.consumer_key, params["oauth_timestamp"], params["oauth_nonce"])
        return key

    def _check_timestamp_and_nonce(self, consumer_key: str, timestamp: str, nonce: str) -> None:
        now = self._now()
        try:
            stamp = int(timestamp)
        except ValueError:
            raise auth_error("Invalid timestamp.") from None
        if not now - OAUTH_WINDOW_S <= stamp <= now + OAUTH_WINDOW_S:
            raise auth_error("Invalid timestamp.")
        with self._nonce_lock:
            if len(self._nonces) > 10_000:
                self._nonces = {k: t for k, t in self._nonces.items() if t > now - OAUTH_WINDOW_S}
            seen = self._nonces.get((consumer_key, nonce))
            if seen is not None and seen > now - OAUTH_WINDOW_S:
                raise auth_error("Invalid nonce - nonce has already been used.")
            self._nonces[(consumer_key, nonce)] = now


def base_string(method: str, url: str, params: list[tuple[str, str]], php_style: bool) -> str:
    """OAuth signature base string.

    Python client style (``php_style=False``): blank values are dropped (its parse_qsl
    drops them), keys are sorted by their part before ``[``, and ``quote`` keeps ``/``.
    WooCommerce style: every value kept, keys sorted after encoding, ``/`` encoded.
    Both then escape ``%`` as ``%25`` and join with ``%3D``/``%26``.
    """
    safe = "" if php_style else "/"
    if php_style:
        encoded = sorted((_encoded(k, safe), _encoded(v, safe)) for k, v in params)
    else:
        ordered = sorted((p for p in params if p[1] != ""), key=lambda p: p[0].split("[")[0])
        encoded = [(_encoded(k, safe), _encoded(v, safe)) for k, v in ordered]
    query = "%26".join(f"{k}%3D{v}" for k, v in encoded)
    return f"{method}&{quote(url, safe='')}&{query}"


@functools.lru_cache(maxsize=4096)
def _encoded(text: str, safe: str) -> str:
    """A base string's key or value; kept, as a client signs the same names and most of the same
    values (``per_page``, ``_fields``...) on every request."""
    return quote(unquote(text), safe=safe).replace("%", "%25")
