"""What the apps built on ``stores`` plug into it, so that ``stores`` imports none of them.

The webhooks app owns the rotation of a store's webhook secret (the grace period, the new secret
set on the store's webhooks in WooCommerce); the credentials form of this app starts it. The
webhooks app registers its rotation here in ``ready()``:

    from stores.hooks import register_webhook_secret_rotation
    register_webhook_secret_rotation(store_webhook_secret_rotate)
"""

_webhook_secret_rotation = []


def register_webhook_secret_rotation(func):
    """``func(*, actor, store_id, secret, client)`` rotates a store's webhook secret and returns
    what it did; registering again replaces it."""
    _webhook_secret_rotation[:] = [func]
    return func


def rotate_webhook_secret(*, actor, store_id, secret, client=None):
    if not _webhook_secret_rotation:
        raise RuntimeError("No webhook secret rotation is registered (is the webhooks app installed?)")
    return _webhook_secret_rotation[0](actor=actor, store_id=store_id, secret=secret, client=client)
