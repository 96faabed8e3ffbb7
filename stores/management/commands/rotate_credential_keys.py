"""Re-encrypt every stored credential with the newest key in CREDENTIAL_ENCRYPTION_KEYS.

Rotation: put a new key first in CREDENTIAL_ENCRYPTION_KEYS (keep the old ones after it), run
this command, then drop the old keys. Rows are locked and rewritten in batches; a row that no
configured key can decrypt is reported (by store id only) and left as it is.
"""

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.db import transaction

from stores.credentials import CredentialDecryptionError
from stores.credentials import rotate
from stores.models import Store

FIELDS = ("api_key", "api_secret", "webhook_secret", "previous_webhook_secret")


class Command(BaseCommand):
    help = "Re-encrypt every store's API key, API secret and webhook secrets with the newest key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, batch_size, **options):
        rotated, failed = 0, []
        ids = list(Store.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            with transaction.atomic():
                batch = Store.objects.select_for_update().filter(pk__in=ids[start : start + batch_size]).order_by("pk")
                for store in batch.only("pk", *FIELDS):
                    try:
                        for name in FIELDS:
                            setattr(store, name, rotate(getattr(store, name)))
                    except CredentialDecryptionError:
                        failed.append(str(store.pk))
                        continue
                    store.save(update_fields=list(FIELDS))
                    rotated += 1
        self.stdout.write(f"Re-encrypted the credentials of {rotated} store(s) with the newest key.")
        if failed:
            raise CommandError(
                f"{len(failed)} store(s) could not be decrypted with any configured key: {', '.join(failed)}"
            )
