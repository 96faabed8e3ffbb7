"""WooCommerce's webhook signature: ``base64(HMAC-SHA256(raw body, secret))`` (FACTS.md §9).

The body is hashed exactly as it arrived: WooCommerce signs ``wp_json_encode``'s bytes (escaped
``\\/`` and ``\\uXXXX``), so re-serialised JSON would not match. The secret is used byte for byte
as UTF-8; WooCommerce passes its stored secret through ``wp_specialchars_decode`` first, so a
secret that was stored HTML-escaped (``&amp;``) signs as the decoded one: both are tried.
"""

import base64
import hashlib
import hmac
import re

# wp_specialchars_decode($string, ENT_QUOTES): the five entities WordPress decodes, and the
# numeric forms of the quotes it also accepts.
_WP_SPECIALCHARS = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#039;", "'"),
    ("&#39;", "'"),
    ("&#x27;", "'"),
    ("&#034;", '"'),
    ("&#34;", '"'),
    ("&#x22;", '"'),
    ("&amp;", "&"),
)
_PING_BODY = re.compile(rb"\s*webhook_id=(\d{1,18})\s*")


def wp_specialchars_decode(value):
    """Decode the HTML entities ``wp_specialchars_decode(..., ENT_QUOTES)`` decodes (``&amp;`` last)."""
    if "&" not in value:
        return value
    for entity, char in _WP_SPECIALCHARS:
        value = value.replace(entity, char)
    return value


def signing_keys(secret):
    """The HMAC keys a delivery signed with ``secret`` may have used: as typed, and decoded."""
    if not secret:
        return ()
    keys = [secret.encode("utf-8")]
    decoded = wp_specialchars_decode(secret)
    if decoded != secret:
        keys.append(decoded.encode("utf-8"))
    return tuple(keys)


def sign(body, secret):
    """The ``X-WC-Webhook-Signature`` WooCommerce sends for ``body`` (bytes) and ``secret``."""
    key = wp_specialchars_decode(secret).encode("utf-8")
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii")


def verify(body, signature, keys):
    """True when ``signature`` (the header's text) matches ``body`` under one of ``keys``.

    Every comparison is constant-time; a header that is not ASCII never matches.
    """
    if not signature or not keys:
        return False
    try:
        provided = signature.strip().encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        return False
    matched = False
    for key in keys:
        expected = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest())
        # No early exit: the time taken does not tell which key matched.
        matched |= hmac.compare_digest(expected, provided)
    return matched


def ping_webhook_id(body):
    """The webhook id of a ping body (``webhook_id=N``, form-encoded), or None."""
    if body is None or len(body) > 64:
        return None
    match = _PING_BODY.fullmatch(body)
    return int(match.group(1)) if match else None
