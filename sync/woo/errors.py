"""The typed errors of the WooCommerce adapter. Another feature ("Test connection") relies on
exactly these names."""

from __future__ import annotations

from typing import Any


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

    @property
    def object_gone(self) -> bool:
        """WooCommerce says the object asked for is not there (any more): 410, or a 404 with its
        ``woocommerce_rest_<post type>_invalid_id`` code. A 404 of anything else (a security
        plugin, a proxy) says nothing about the object."""
        code = self.code or ""
        return self.status == 410 or (
            self.status == 404 and code.startswith("woocommerce_rest_") and code.endswith("_invalid_id")
        )


class WooPaginationError(WooError):
    """The server answered the same page twice: paging would loop, so the listing stops."""

    default_code = "repeated_page"


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying; carries the final error."""

    def __init__(self, error: WooError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


__all__ = [
    "WooAddressRefusedError",
    "WooAuthError",
    "WooClientError",
    "WooError",
    "WooNotWooCommerceError",
    "WooPaginationError",
    "WooRateLimitedError",
    "WooServerError",
    "WooTLSError",
    "WooUnreachableError",
]
