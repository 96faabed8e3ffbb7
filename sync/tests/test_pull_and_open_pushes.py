"""A pull that runs while a local edit waits to be pushed leaves the edit alone, whatever row
it sits on: the pull must not overwrite what the push is about to send."""

from decimal import Decimal

import pytest

from catalog import services as catalog_services
from catalog.models import ProductVariation
from sync.models import PushStatus
from sync.models import SyncRunStatus
from sync.push import execute_push
from sync.writer import apply_payloads

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["full", "incremental", "reconcile", "webhook"])
@pytest.mark.parametrize("version", ["10.3.0", "9.9.0"])  # store-wide variations listing, or per product
def test_a_variation_edit_waiting_to_be_pushed_survives_a_pull(synced, sandbox, manager, pull, kind, version):
    sandbox.set_woocommerce_version(version)
    variation = ProductVariation.objects.filter(
        product__store=synced, product__status="publish", sale_price__isnull=True
    ).order_by("woo_id")[0]
    parent_woo_id = variation.product.woo_id
    # The shop changes the same variation meanwhile: the pull has something to write.
    sandbox.update_variation(parent_woo_id, variation.woo_id, regular_price="11.00")
    _, push = catalog_services.variation_update(
        actor=manager,
        store_id=synced.pk,
        product_id=variation.product_id,
        variation_id=variation.pk,
        regular_price=Decimal("77.00"),
    )
    assert push.status == PushStatus.PENDING

    if kind == "webhook":  # product.updated for the variation, as WooCommerce sends it
        apply_payloads(synced.pk, "product", [sandbox.get_product(variation.woo_id)])
    else:
        assert pull(synced, full=kind == "full", reconcile=kind == "reconcile").status == SyncRunStatus.SUCCESS
    variation.refresh_from_db()
    assert variation.regular_price == Decimal("77.00")
    # and the push sends the edit, not the shop's own value read back
    execute_push(push.pk)
    assert sandbox.data.variations[variation.woo_id]["regular_price"] == "77.00"


@pytest.mark.parametrize("kind", ["full", "reconcile", "webhook"])
def test_a_variation_deleted_here_and_waiting_to_be_pushed_does_not_come_back(synced, sandbox, manager, pull, kind):
    variation = ProductVariation.objects.filter(product__store=synced, product__status="publish").order_by("woo_id")[0]
    woo_id, product = variation.woo_id, variation.product
    sandbox.update_variation(product.woo_id, woo_id, regular_price="11.00")  # a change the pull would bring
    push = catalog_services.variation_delete(
        actor=manager, store_id=synced.pk, product_id=product.pk, variation_id=variation.pk
    )
    assert push.status == PushStatus.PENDING

    if kind == "webhook":
        apply_payloads(synced.pk, "product", [sandbox.get_product(woo_id)])
    else:
        assert pull(synced, full=kind == "full", reconcile=kind == "reconcile").status == SyncRunStatus.SUCCESS
    assert not ProductVariation.objects.filter(product=product, woo_id=woo_id).exists()
    execute_push(push.pk)
    assert woo_id not in sandbox.data.variations
    assert not ProductVariation.objects.filter(product=product, woo_id=woo_id).exists()
