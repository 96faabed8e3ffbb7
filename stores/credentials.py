"""Encryption of store credentials at rest, and the only way to read them back.

``api_key``, ``api_secret`` and ``webhook_secret`` are MultiFernet tokens made with the keys in
``CREDENTIAL_ENCRYPTION_KEYS`` (newest first). Plaintext leaves this module only towards the
WooCommerce adapter, the webhook signature check, and an owner's logged reveal.
"""

import secrets
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialDecryptionError(Exception):
    """A stored credential cannot be decrypted with any configured key."""


@cache
def _fernet_for(keys):
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _fernet():
    # Keyed by the configured keys so a rotation (or a test's override) takes effect at once.
    return _fernet_for(tuple(settings.CREDENTIAL_ENCRYPTION_KEYS))


def encrypt(plaintext):
    if plaintext is None:
        return None
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token):
    if token is None:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialDecryptionError("A stored credential cannot be decrypted with the configured keys.") from exc


def rotate(token):
    """Re-encrypt a token with the newest key (``MultiFernet.rotate``)."""
    if token is None:
        return None
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialDecryptionError("A stored credential cannot be decrypted with the configured keys.") from exc


def last4(token):
    """The last four characters of a credential, for write-only forms ("••••abcd")."""
    plaintext = decrypt(token)
    return plaintext[-4:] if plaintext else ""


@dataclass(frozen=True)
class ApiCredentials:
    url: str
    consumer_key: str
    consumer_secret: str

    def __repr__(self):  # never print secrets, even in tracebacks
        return f"ApiCredentials(url={self.url!r}, consumer_key='…', consumer_secret='…')"


def api_credentials(store):
    """Plaintext API credentials for the WooCommerce adapter (system use, not logged)."""
    return ApiCredentials(url=store.url, consumer_key=decrypt(store.api_key), consumer_secret=decrypt(store.api_secret))


def webhook_secret(store):
    """The store's webhook secret in plaintext, for signature checks (system use)."""
    return decrypt(store.webhook_secret)


@dataclass(frozen=True)
class RevealedCredentials:
    api_key: str
    api_secret: str
    webhook_secret: str | None

    def __repr__(self):  # never print secrets, even in tracebacks
        return "RevealedCredentials(api_key='…', api_secret='…', webhook_secret='…')"


def log_credential_access(*, user, store, ip_address=None, user_agent=None):
    """The inventory's ``log_credential_access(store_id, ip, user_agent)``: one row per reveal."""
    from audit.models import CredentialAccessLog

    return CredentialAccessLog.objects.create(
        store=store, user=user, ip_address=ip_address or None, user_agent=(user_agent or "")[:1000] or None
    )


def get_store_credentials(*, user, store, ip_address=None, user_agent=None):
    """The inventory's ``get_store_credentials(store_id)``: owner-only plaintext, always logged.

    The caller (``stores.services.store_credentials_reveal``) has checked the permission and the
    re-entered password; the log row is written in the same transaction as the read.
    """
    from stores.access import MANAGE_CREDENTIALS, access_for

    access_for(user).require(MANAGE_CREDENTIALS, store.pk)
    log_credential_access(user=user, store=store, ip_address=ip_address, user_agent=user_agent)
    return RevealedCredentials(
        api_key=decrypt(store.api_key),
        api_secret=decrypt(store.api_secret),
        webhook_secret=decrypt(store.webhook_secret),
    )


def generate_webhook_secret():
    """A new webhook secret: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)
