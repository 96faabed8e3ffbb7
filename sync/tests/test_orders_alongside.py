"""Orders are pulled alongside the catalog steps (a thread and a database connection of their
own, outside a transaction, as in a worker): everything is written as when the steps ran one
after another, each step counts its own requests, and the store never sees more than
``SYNC_PAGE_CONCURRENCY`` API calls in flight from the run."""

import threading

import pytest

from orders.models import Order
from sync.models import EntityType
from sync.models import SyncLog
from sync.models import SyncRunStatus
from sync.tests.mirror import mirror_problems

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("without_image_files")]


@pytest.fixture
def in_flight(sandbox):
    """The most API calls the sandbox had in flight at once (each waits its latency)."""
    lock, now, peak = threading.Lock(), [0], [0]
    decide, count = sandbox.faults.decide, sandbox.request_stats.count

    def arrived():
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        return decide()

    def answered(*args):
        with lock:
            now[0] -= 1
        return count(*args)

    sandbox.faults.decide, sandbox.request_stats.count = arrived, answered
    sandbox.set_faults(latency_ms=10)
    return peak


def test_a_full_pull_with_orders_alongside_writes_everything_within_the_bound(shop, sandbox, pull, settings, in_flight):
    settings.SYNC_PAGE_SIZE = 5  # listings of many pages: each fills its pool
    sandbox.request_stats.reset()
    run = pull(shop, full=True)

    assert run.status == SyncRunStatus.SUCCESS
    assert mirror_problems(shop, sandbox) == []
    assert Order.objects.filter(store=shop).count() == len(sandbox.data.orders)
    served = sandbox.request_stats.snapshot()
    # The run's requests are both clients' together, and each step counted its own.
    assert run.requests_made == run.stats["client"]["requests"] == served["total"]
    entities = run.stats["entities"]
    assert entities["orders"]["requests"] == served["by_route"]["GET orders"]
    assert sum(entity["requests"] for entity in entities.values()) == served["total"]
    steps = ["categories", "tags", "brands", "attributes", "products", "variations", "orders", "images"]
    assert list(entities) == steps
    assert SyncLog.objects.filter(store_id=shop.pk, entity_type=EntityType.ORDER).count() == 1
    # Both listings were read at once, through one bound.
    assert 2 <= in_flight[0] <= settings.SYNC_PAGE_CONCURRENCY
