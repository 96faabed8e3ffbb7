"""A full pull removes what its listings no longer hold; an order or product that the shop
created after the listing was read, and that a webhook delivery wrote meanwhile, is not gone."""

import pytest

from catalog.models import Product
from catalog.models import ProductVariation
from orders.models import Order
from sync.models import SyncRunStatus
from sync.pull import Puller
from sync.writer import apply_payloads

pytestmark = pytest.mark.django_db(transaction=True)  # each write commits, as the pull's and the worker's do


def test_objects_a_webhook_wrote_during_a_full_pull_are_not_removed_by_it(shop, sandbox, pull, settings, monkeypatch):
    settings.SYNC_FETCH_IMAGES = False
    remove_unlisted = Puller._remove_unlisted
    created = {}

    def delivered_meanwhile(self, table, stats, seen):
        # The shop creates one more after the pull's listing; its delivery is applied.
        if table == "products":
            created["product"] = sandbox.create_product(name="Created during the pull", regular_price="12.00")["id"]
            apply_payloads(self.store_id, "product", [sandbox.get_product(created["product"])])
        elif table == "orders":
            created["order"] = sandbox.create_order(status="processing")["id"]
            apply_payloads(self.store_id, "order", [sandbox.get_order(created["order"])])
        return remove_unlisted(self, table, stats, seen)

    monkeypatch.setattr(Puller, "_remove_unlisted", delivered_meanwhile)
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS

    assert Product.objects.filter(store=shop, woo_id=created["product"]).exists()
    assert Order.objects.filter(store=shop, woo_id=created["order"]).exists()


def test_a_variation_a_webhook_wrote_after_its_products_list_was_read_is_kept(
    shop, sandbox, pull, settings, monkeypatch
):
    """A store without ``GET /variations`` is asked each product's list; the lists are written
    in batches, so a variation added meanwhile (and delivered) is missing from its list."""
    settings.SYNC_FETCH_IMAGES = False
    sandbox.set_woocommerce_version("9.9.0")
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS  # the products are here: lists replace
    write_lists = Puller.write_variations
    created = {}

    def delivered_meanwhile(self, batch, stats, errors, **options):
        if not created:
            parent = batch[0][0]
            added = sandbox.create_variation(parent, regular_price="9.00")
            created["variation"] = added["id"]
            apply_payloads(self.store_id, "variation", [added], parent_woo_id=parent)
        return write_lists(self, batch, stats, errors, **options)

    monkeypatch.setattr(Puller, "write_variations", delivered_meanwhile)
    assert pull(shop, full=True).status == SyncRunStatus.SUCCESS

    assert ProductVariation.objects.filter(store=shop, woo_id=created["variation"]).exists()
