"""A full pull removes what its listings no longer hold; an order or product that the shop
created after the listing was read, and that a webhook delivery wrote meanwhile, is not gone."""

import pytest

from catalog.models import Product
from orders.models import Order
from sync.models import SyncRunStatus
from sync.pull import Puller
from sync.writer import apply_payloads

pytestmark = pytest.mark.django_db(transaction=True)  # each write commits, as the pull's and the worker's do


def test_objects_a_webhook_wrote_during_a_full_pull_are_not_removed_by_it(shop, sandbox, pull, settings, monkeypatch):
    settings.SYNC_FETCH_IMAGES = False
    remove_missing = Puller._delete_missing
    created = {}

    def delivered_meanwhile(self, table, seen, entity_types, **options):
        # The shop creates one more after the pull's listing; its delivery is applied.
        if table == "products":
            created["product"] = sandbox.create_product(name="Created during the pull", regular_price="12.00")["id"]
            apply_payloads(self.store_id, "product", [sandbox.get_product(created["product"])])
        elif table == "orders":
            created["order"] = sandbox.create_order(status="processing")["id"]
            apply_payloads(self.store_id, "order", [sandbox.get_order(created["order"])])
        return remove_missing(self, table, seen, entity_types, **options)

    monkeypatch.setattr(Puller, "_delete_missing", delivered_meanwhile)
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS

    assert Product.objects.filter(store=shop, woo_id=created["product"]).exists()
    assert Order.objects.filter(store=shop, woo_id=created["order"]).exists()
