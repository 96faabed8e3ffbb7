"""The "Test connection" check: call a store with its saved credentials and name what failed.

The stores app's service asks through ``stores.hooks.connection_check`` (filled in
``SyncConfig.ready``) and words the answer for the owner.
"""

import logging

from stores.credentials import api_credentials
from sync.egress import REFUSED_EXPLANATION
from sync.woo import WooAddressRefusedError
from sync.woo import WooAuthError
from sync.woo import WooClient
from sync.woo import WooError
from sync.woo import WooNotWooCommerceError
from sync.woo import WooRateLimitedError
from sync.woo import WooServerError
from sync.woo import WooTLSError
from sync.woo import WooUnreachableError
from sync.woo import store_ping

logger = logging.getLogger(__name__)

ERROR_CODES = (
    (WooAddressRefusedError, "refused"),
    (WooAuthError, "auth"),
    (WooTLSError, "tls"),
    (WooUnreachableError, "unreachable"),
    (WooNotWooCommerceError, "not_woocommerce"),
    (WooRateLimitedError, "rate_limited"),
    (WooServerError, "server"),
)


def store_connection_check(*, store):
    """``(code, detail)``: ``("success", None)``, or what failed (``auth``, ``tls``, ...); the
    detail of a refused address says which address and why (the owner typed it). Raises
    ``stores.credentials.CredentialDecryptionError`` when the saved keys cannot be read."""
    client = WooClient(api_credentials(store), timeout=(5, 15), max_retries=0)
    try:
        store_ping(client)
    except WooError as exc:
        for error_class, code in ERROR_CODES:
            if isinstance(exc, error_class):
                return code, f"{REFUSED_EXPLANATION} ({exc.message})" if code == "refused" else None
        logger.warning("test connection failed", extra={"store_id": str(store.pk), "error": type(exc).__name__})
        return "error", None
    return "success", None
