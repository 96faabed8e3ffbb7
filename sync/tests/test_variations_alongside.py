"""The variations step pulled alongside the products step (a thread and a database connection of
its own, outside a transaction, as in a worker): ``GET /variations`` is read while the products
are, and each batch of variations is written once the products it names are. The shop ends up
the same as when the steps ran one after another, whatever the products step leaves behind."""

import threading

import pytest

from catalog.models import ProductVariation
from stores.models import Store
from sync.models import EntityType
from sync.models import SyncError
from sync.models import SyncRunStatus
from sync.pull_runtime import ParentsGate
from sync.tests.mirror import mirror_problems

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("without_image_files")]


@pytest.fixture
def served_routes(sandbox):
    """The routes the sandbox answered, in the order it answered them."""
    routes, count = [], sandbox.request_stats.count

    def answered(route, *args):
        routes.append(route)
        return count(route, *args)

    sandbox.request_stats.count = answered
    return routes


def test_variations_are_read_while_the_products_are_and_the_shop_is_mirrored(
    shop, sandbox, pull, settings, served_routes
):
    settings.SYNC_PAGE_SIZE = 5  # many pages of each listing
    sandbox.set_faults(latency_ms=10)
    run = pull(shop, full=True)

    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert mirror_problems(shop, sandbox) == []
    assert ProductVariation.objects.filter(product__store=shop).count() == len(sandbox.data.variations)
    last_products_page = max(i for i, route in enumerate(served_routes) if route == "GET products")
    assert served_routes[:last_products_page].count("GET variations") >= 3  # the probe and pages
    entities = run.stats["entities"]
    assert entities["variations"]["listing"] == "store-wide"
    assert sum(entity["requests"] for entity in entities.values()) == len(served_routes)


def test_a_variation_whose_product_cannot_be_read_is_an_error_and_the_pull_ends(shop, sandbox, pull):
    parent = next(
        product
        for product in sandbox.data.products.values()
        if product["type"] == "variable" and product["status"] == "publish" and sandbox.data.children.get(product["id"])
    )
    # The listing returns what it stores: a record replaced, as every write in the shop does.
    sandbox.data.products[parent["id"]] = {**parent, "dimensions": "40 x 20 cm"}
    children = set(sandbox.data.children[parent["id"]])

    done = threading.Event()
    outcome = {}

    def pull_in_thread():
        outcome["run"] = pull(shop, full=True)
        done.set()

    threading.Thread(target=pull_in_thread, daemon=True).start()
    assert done.wait(60), "the pull did not end: the variations step waits for a product forever"

    assert outcome["run"].status == SyncRunStatus.PARTIAL
    errors = SyncError.objects.filter(store=shop, entity_type=EntityType.VARIATION, resolved=False)
    assert {error.woo_id for error in errors} == children
    assert {error.error_code for error in errors} == {"missing_parent"}
    stored = set(ProductVariation.objects.filter(product__store=shop).values_list("woo_id", flat=True))
    assert stored == set(sandbox.data.variations) - children


def test_a_store_that_lost_the_listing_is_asked_per_product_once_the_products_are_written(shop, sandbox, pull):
    Store.objects.filter(pk=shop.pk).update(woocommerce_version="10.3.1", variations_listing=True)
    sandbox.set_woocommerce_version("9.9.0")
    run = pull(shop, full=True)

    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert mirror_problems(shop, sandbox) == []
    assert run.stats["entities"]["variations"]["listing"] == "per-product"
    shop.refresh_from_db()
    assert shop.variations_listing is False


def test_the_gate_opens_for_committed_products_or_when_the_products_step_is_over():
    gate = ParentsGate()
    opened = []

    def wait(woo_ids, label):
        gate.wait_for(woo_ids)
        opened.append(label)

    waiters = [
        threading.Thread(target=wait, args=({1, 2}, "batch of 1 and 2")),
        threading.Thread(target=wait, args=({3}, "batch of 3")),
        threading.Thread(target=wait, args=(None, "every product")),
    ]
    for waiter in waiters:
        waiter.start()
    gate.committed([1])
    gate.committed([2, 5])
    waiters[0].join(5)
    assert opened == ["batch of 1 and 2"]
    gate.close()
    for waiter in waiters:
        waiter.join(5)
    assert sorted(opened) == ["batch of 1 and 2", "batch of 3", "every product"]
