"""``manage.py connect_store``: connect a WooCommerce store for scripted set-ups; prints its id."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.core.management.base import CommandParser
from django.db import transaction

from accounts.models import User
from accounts.services import user_create
from stores.models import Store
from stores.models import StoreRole
from stores.services import store_create
from sync.models import SyncRunKind
from sync.services import sync_run_queue


class Command(BaseCommand):
    help = "Connect a WooCommerce store (credentials stored encrypted) and print its id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--url", required=True, help="the shop's address, e.g. https://shop.example.com")
        parser.add_argument("--key", required=True, help="WooCommerce consumer key (ck_...)")
        parser.add_argument("--secret", required=True, help="WooCommerce consumer secret (cs_...)")
        parser.add_argument("--webhook-secret", default=None)
        parser.add_argument("--owner", required=True, metavar="EMAIL", help="created without a password if missing")
        parser.add_argument("--currency", default="ILS")
        parser.add_argument("--sync-interval", type=int, default=15, help="minutes between pulls (0 = never)")
        parser.add_argument(
            "--no-sync", action="store_true", help="do not queue the first full pull (by default it starts at once)"
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="if this owner already has a store at this URL, print its id"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"].strip().rstrip("/")
        with transaction.atomic():
            owner = User.objects.filter(email__iexact=options["owner"]).first()
            if owner is None:
                owner = user_create(email=options["owner"])
                self.stderr.write(f"Created user {owner.email} (no password: set one to log in).")
            if options["if_missing"]:
                existing = Store.objects.filter(
                    url=url, memberships__user=owner, memberships__role=StoreRole.OWNER
                ).first()
                if existing is not None:
                    self.stdout.write(str(existing.pk))
                    return
            try:
                store = store_create(
                    actor=owner,
                    name=options["name"],
                    url=url,
                    api_key=options["key"],
                    api_secret=options["secret"],
                    webhook_secret=options["webhook_secret"],
                    currency=options["currency"],
                    sync_interval_minutes=options["sync_interval"],
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            except PermissionDenied as exc:
                raise CommandError(
                    f"STORE_CONNECT=admins: {owner.email} is not an app admin, so cannot connect a store"
                ) from exc
            if not options["no_sync"]:
                # Queued on commit; a worker started later still finds it on the broker.
                sync_run_queue(store.pk, kind=SyncRunKind.FULL)
        self.stdout.write(str(store.pk))
