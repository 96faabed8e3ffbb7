"""Encryption of store credentials at rest, and the only way to read them back.

``api_key``, ``api_secret`` and ``webhook_secret`` are MultiFernet tokens made with the keys in
``CREDENTIAL_ENCRYPTION_KEYS`` (newest first). Plaintext leaves this module only towards the
WooCommerce adapter, the webhook signature check, and an owner's logged reveal.
"""

import secrets
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db import connection
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from config import rls


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
    return _with_keys("decrypt", token)


def rotate(token):
    """Re-encrypt a token with the newest key (``MultiFernet.rotate``)."""
    return _with_keys("rotate", token)


def _with_keys(operation, token):
    """``MultiFernet.<operation>`` on a stored token (None stays None); a token none of the
    configured keys opens raises ``CredentialDecryptionError``."""
    if token is None:
        return None
    try:
        return getattr(_fernet(), operation)(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialDecryptionError("A stored credential cannot be decrypted with the configured keys.") from exc


def last4(token):
    """The last four characters of a credential, for write-only forms ("••••abcd")."""
    plaintext = decrypt(token)
    return plaintext[-4:] if plaintext else ""


def tokens(store, *fields):
    """The encrypted credential columns of ``store`` (system use). The web role may not read them
    (row-level security, config/rls.py), so a store loaded without them is read again by the
    service role, for callers that checked the permission first."""
    deferred = store.get_deferred_fields()
    if not any(name in deferred for name in fields):
        return tuple(getattr(store, name) for name in fields)
    with rls.as_service():
        return type(store)._base_manager.filter(pk=store.pk).values_list(*fields).get()


@dataclass(frozen=True)
class ApiCredentials:
    url: str
    consumer_key: str
    consumer_secret: str

    def __repr__(self):  # never print secrets, even in tracebacks
        return f"ApiCredentials(url={self.url!r}, consumer_key='…', consumer_secret='…')"


def api_credentials(store):
    """Plaintext API credentials for the WooCommerce adapter (system use, not logged)."""
    api_key, api_secret = tokens(store, "api_key", "api_secret")
    return ApiCredentials(url=store.url, consumer_key=decrypt(api_key), consumer_secret=decrypt(api_secret))


def webhook_secret(store):
    """The store's webhook secret in plaintext, for signature checks (system use)."""
    return decrypt(tokens(store, "webhook_secret")[0])


@dataclass(frozen=True)
class RevealedCredentials:
    api_key: str
    api_secret: str
    webhook_secret: str | None

    def __repr__(self):  # never print secrets, even in tracebacks
        return "RevealedCredentials(api_key='…', api_secret='…', webhook_secret='…')"


@sensitive_variables("row")
def get_store_credentials(*, user, store, ip_address=None, user_agent=None):
    """The inventory's ``get_store_credentials(store_id)``: owner-only plaintext, always logged.

    The caller (``stores.services.store_credentials_reveal``) has checked the permission and the
    re-entered password. The tokens come from the SQL function ``get_store_credentials()``
    (audit migration 0012): it checks again that the acting user owns the store (the web role
    cannot read the credential columns at all) and writes the ``credential_access_logs`` row in
    the same statement. Outside a request the acting user is passed in the same transaction.
    """
    from stores.access import MANAGE_CREDENTIALS
    from stores.access import access_for

    access_for(user).require(MANAGE_CREDENTIALS, store.pk)
    params = [store.pk, ip_address or None, (user_agent or "")[:1000] or None]
    sql = "SELECT api_key, api_secret, webhook_secret FROM get_store_credentials(%s, %s, %s)"
    if not rls.web_role_active():
        # One statement string, so nothing can run between the setting and the call.
        sql = "SELECT set_config('storedesk.actor_user_id', %s, true); " + sql
        params.insert(0, str(user.pk))
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            cursor.execute(sql, params)
        except DatabaseError as exc:
            raise PermissionDenied("Only an owner of the store may read its credentials.") from exc
        while cursor.cursor.nextset():
            pass
        row = cursor.fetchone()
    if row is None:
        raise PermissionDenied("No such store.")
    return RevealedCredentials(api_key=decrypt(row[0]), api_secret=decrypt(row[1]), webhook_secret=decrypt(row[2]))


def generate_webhook_secret():
    """A new webhook secret: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)
