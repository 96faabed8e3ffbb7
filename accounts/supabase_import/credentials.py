"""Store credentials: read from the source in whatever form it kept them, re-encrypted with ours.

The inventory says the API key, secret and webhook secret are "encrypted" without saying how.
Recognised: plain WooCommerce values (``ck_…`` / ``cs_…``; a webhook secret has no prefix),
pgcrypto ``pgp_sym_encrypt`` output (bytea as ``\\x…`` text, or ASCII-armoured), decrypted on the
source with ``--credentials-passphrase``, and Supabase Vault references (a secret's UUID, or
``vault:<uuid>``) read from ``vault.decrypted_secrets`` through the source connection. Anything
else stops the import before it writes, naming the store; ``--skip-credentials`` imports such
stores "reconnect needed" instead. Plaintext stays in this process: it is never printed, logged,
staged in a table or written anywhere but as our MultiFernet tokens.
"""

import re
from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

from stores import credentials as ours

_BYTEA_HEX = re.compile(r"^\\x[0-9a-fA-F]+$")
_ARMOR = "-----BEGIN PGP MESSAGE-----"
_VAULT = re.compile(r"^(?:vault:)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
_PREFIXES = {"api_key": "ck_", "api_secret": "cs_", "webhook_secret": ""}
_LABELS = {"api_key": "API key", "api_secret": "API secret", "webhook_secret": "webhook secret"}


class CredentialsUnreadable(Exception):
    """Stores whose credentials could not be read; the message names them and the options."""


@dataclass(frozen=True)
class StoreSecrets:
    api_key: str | None
    api_secret: str | None
    webhook_secret: str | None

    def __repr__(self):  # never print secrets, even in tracebacks
        return "StoreSecrets(…)"


@sensitive_variables("value", "plaintext")
def _read(source, value, column, passphrase):
    """The plaintext of one stored value, or ``(None, why)``."""
    if value is None:
        return None, None
    prefix = _PREFIXES[column]
    if _BYTEA_HEX.match(value) or value.startswith(_ARMOR):
        if not passphrase:
            return None, "is encrypted with pgcrypto and no --credentials-passphrase was given"
        cast = "%s::bytea" if value.startswith("\\x") else "dearmor(%s)"
        plaintext = source.scalar_or_none(f"SELECT pgp_sym_decrypt({cast}, %s)", [value, passphrase])
        if plaintext is None:
            return None, "is encrypted with pgcrypto and --credentials-passphrase does not decrypt it"
    elif vault := _VAULT.match(value):
        plaintext = source.scalar_or_none(
            "SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %s", [vault.group(1)]
        )
        if plaintext is None:
            return None, "is a Supabase Vault reference that vault.decrypted_secrets does not resolve"
    elif value.startswith(prefix):
        plaintext = value
    else:
        return None, "is in a form we do not recognise"
    if not plaintext.startswith(prefix):
        return None, f"does not decrypt to a WooCommerce value ({prefix}…)"
    return plaintext, None


def read_all(source, *, passphrase=None, skip_unreadable=False):
    """``{store_id: StoreSecrets}`` for every source store; ``None`` for a store imported
    "reconnect needed". Raises ``CredentialsUnreadable`` naming every unreadable store unless
    ``skip_unreadable``; returns the names of the skipped stores too."""
    result, problems, skipped = {}, [], []
    for store_id, name, *values in source.rows(
        "SELECT id, name, api_key, api_secret, webhook_secret FROM public.stores"
    ):
        plain, why = {}, []
        for column, value in zip(_PREFIXES, values, strict=True):
            plain[column], reason = _read(source, value, column, passphrase)
            if reason:
                why.append(f"its {_LABELS[column]} {reason}")
        if not why:
            result[store_id] = StoreSecrets(**plain)
        elif skip_unreadable:
            result[store_id] = None
            skipped.append(name)
        else:
            problems.append(f'- store "{name}" ({store_id}): ' + "; ".join(why))
    if problems:
        raise CredentialsUnreadable(
            "The credentials of these stores cannot be read:\n"
            + "\n".join(problems)
            + "\nRun again with --credentials-passphrase PASSPHRASE (the passphrase given to pgp_sym_encrypt), or"
            ' with --skip-credentials to import these stores marked "reconnect needed" (an owner then enters'
            " the consumer key and secret again). Nothing was imported."
        )
    return result, skipped


@sensitive_variables("secrets", "plaintext")
def tokens_for(secrets, existing):
    """Our column values for a store: ``(api_key, api_secret, webhook_secret, reconnect_needed)``.

    ``existing`` is our current row's ``(api_key, api_secret, webhook_secret, reconnect_needed)``
    or ``None``. A value we already hold is kept as its token, so a re-import changes nothing; a
    store that cannot be read keeps the credentials an owner has entered here since.
    """
    if secrets is None:
        if existing is not None and not existing[3]:
            return existing
        return ours.encrypt(""), ours.encrypt(""), None, True
    values = []
    for index, plaintext in enumerate((secrets.api_key, secrets.api_secret, secrets.webhook_secret)):
        token = existing[index] if existing is not None else None
        values.append(token if token is not None and _decrypts_to(token, plaintext) else ours.encrypt(plaintext))
    return (*values, False)


def _decrypts_to(token, plaintext):
    try:
        return ours.decrypt(token) == plaintext
    except ours.CredentialDecryptionError:
        return False


def fill_stage(cursor, stage, secrets_by_store):
    """Put our tokens into the staged stores (whose credential columns were staged empty)."""
    cursor.execute(
        "SELECT s.id, t.api_key, t.api_secret, t.webhook_secret, t.credentials_reconnect_needed"
        f" FROM {stage} AS s LEFT JOIN stores AS t ON t.id = s.id"
    )
    updates = []
    for store_id, *existing in cursor.fetchall():
        current = tuple(existing) if existing[0] is not None else None
        updates.append((*tokens_for(secrets_by_store.get(store_id), current), store_id))
    cursor.executemany(
        f"UPDATE {stage} SET api_key = %s, api_secret = %s, webhook_secret = %s,"
        " credentials_reconnect_needed = %s WHERE id = %s",
        updates,
    )
