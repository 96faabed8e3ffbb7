"""A pull that runs while a local edit waits to be pushed leaves the edit alone, whatever row
it sits on: the pull must not overwrite what the push is about to send."""

from decimal import Decimal

import pytest

from catalog import services as catalog_services
from catalog.models import Product
from catalog.models import ProductVariation
from config.testing import wait_for
from sync.models import PushStatus
from sync.models import SyncRunStatus
from sync.push import PushRetryLater
from sync.push import execute_push
from sync.woo import client_for
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


def test_a_variation_created_here_and_pulled_before_its_push_is_recorded_stays_one_row(synced, sandbox, manager, pull):
    """The push's request reaches the shop but its answer times out; a pull then brings the new
    variation in as a row of its own before the retried push finds it by its marker."""
    remote = sandbox.create_product(
        name="Linen shirt",
        type="variable",
        status="publish",
        attributes=[{"name": "Size", "options": ["S", "M"], "variation": True, "visible": True, "position": 0}],
    )
    pull(synced)
    product = Product.objects.get(store=synced, woo_id=remote["id"])
    variation, push = catalog_services.variation_create(
        actor=manager, store_id=synced.pk, product_id=product.pk, attributes={"Size": "S"}, regular_price=Decimal("10")
    )
    # The product is read back as usual, the variations batch answers too late.
    sandbox.set_faults(queue=["strip_headers", "timeout"], timeout_s=0.8)
    with pytest.raises(PushRetryLater):
        execute_push(push.pk, client=client_for(synced, timeout=0.3, max_retries=1))
    assert wait_for(lambda: sandbox.data.children.get(remote["id"]), timeout=10, interval=0.05)
    (woo_id,) = sandbox.data.children[remote["id"]]

    assert pull(synced).status == SyncRunStatus.SUCCESS
    assert execute_push(push.pk).status == PushStatus.DONE
    assert list(ProductVariation.objects.filter(store=synced, woo_id=woo_id).values_list("pk", flat=True)) == [
        variation.pk
    ]
