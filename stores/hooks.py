"""What the apps built on ``stores`` provide to it, so that ``stores`` imports none of them.

``stores`` is the lowest layer: every other app imports it, never the reverse.
Where a stores page or service needs what a higher app knows, it calls a slot here, and that
app fills the slot in its ``AppConfig.ready()``:

    # webhooks/apps.py
    from stores import hooks
    hooks.webhook_secret_rotation.provide(store_webhook_secret_rotate)

    # stores/services.py
    hooks.webhook_secret_rotation(actor=actor, store_id=store.pk, secret=secret, client=client)
"""

from django.core.exceptions import ImproperlyConfigured


class Slot:
    """One function another app provides; calling the slot calls it."""

    def __init__(self, description):
        self.description = description
        self._func = None

    def provide(self, func):
        """Fill the slot (providing again replaces it); usable as a decorator."""
        self._func = func
        return func

    def __call__(self, *args, **kwargs):
        if self._func is None:
            raise ImproperlyConfigured(f"Nothing provides {self.description}: is its app installed?")
        return self._func(*args, **kwargs)

    def __repr__(self):
        return f"Slot({self.description!r})"


# webhooks: rotate a store's webhook secret (the grace period, the new secret set in WooCommerce):
# ``(*, actor, store_id, secret, client=None) -> WebhookActionResult``.
webhook_secret_rotation = Slot("the webhook secret rotation (webhooks)")
# sync: call the store with its saved credentials: ``(*, store) -> (code, detail or None)``.
connection_check = Slot("the store connection check (sync)")
# orders: the overview page's figures, sizes, and the home page's store cards (see orders.overview).
store_overview = Slot("the store overview figures (orders)")
store_counts = Slot("the store size figures (orders)")
stores_health = Slot("the home page's store health (orders)")
# audit: the anomaly check after a reveal of a store's credentials, ``(user_id) -> [anomaly ids]``
# (never raises); who revealed them, ``(access, store_id) -> queryset``; an object's History card,
# ``(table_name, record_id, access, store, *, limit) -> entries``.
credential_reveal_check = Slot("the credential-reveal anomaly check (audit)")
credential_access_log = Slot("the credential access log (audit)")
history = Slot("an object's history card (audit)")
