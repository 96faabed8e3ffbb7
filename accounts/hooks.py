"""What the apps built on ``accounts`` provide to it, as ``stores.hooks`` does for stores: the
providing app fills the slot in its ``AppConfig.ready()`` (``webhooks/apps.py``)."""

from stores.hooks import Slot

# webhooks: after ``import_supabase --repoint-webhooks``, point the imported stores' WooCommerce
# webhooks at this installation: ``() -> [one report line per webhook]``.
imported_webhooks_repoint = Slot("the imported webhooks' repointing (webhooks)")
