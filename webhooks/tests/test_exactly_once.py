"""2,000 signed deliveries sent while the worker is stopped, 10% of them sent twice (half with
the same delivery id, half as a new delivery of the same event), in random order; then a real
Celery worker (``celery -A config worker -Q webhooks -c 2``, a subprocess on the test database)
is started: every event is applied exactly once and the database equals the sandbox's data."""

import hashlib
import itertools
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection

from catalog.models import Product
from catalog.models import ProductVariation
from config.testing import API_KEY
from config.testing import IsolatedBroker
from config.testing import background_process
from orders.models import Order
from orders.models import OrderStatusLog
from sync.mappers.orders import order_fields
from sync.mappers.products import PRODUCT_FIELDS
from sync.mappers.products import product_fields
from sync.mappers.variations import variation_fields
from sync.models import SyncError
from webhooks import inbox
from webhooks.models import DeliveryStatus
from webhooks.models import WebhookDelivery
from webhooks.signing import sign
from woo_sandbox.mutate import NEXT_ORDER_STATUS

from .conftest import SECRET
from .conftest import receiver_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TOTAL = 2000
WEBHOOK_IDS = {
    f"{resource}.{event}": n
    for n, (resource, event) in enumerate(
        itertools.product(("product", "order"), ("created", "updated", "deleted", "restored")), start=1
    )
}
# Derived from the variations on a variable product, changed without an event (as in WooCommerce).
DERIVED = {"price", "sale_price", "stock_quantity", "stock_status"}


@pytest.fixture
def isolated_broker():
    """This test process's keys on the tests' broker, empty before and after."""
    inbox.reset_broker_connection()
    inbox.reset_enqueue_backoff()
    broker = IsolatedBroker()
    broker.flush()
    yield broker
    broker.flush()
    inbox.reset_broker_connection()


class Recorder:
    """Stands in for the sandbox's webhook dispatcher: every event becomes a signed delivery
    built from the resource as the API answers it right after the change."""

    def __init__(self, srv):
        self.srv = srv
        self.events = []
        self.deliveries = []
        self.serial = itertools.count(1)
        srv.data.listener = lambda topic, resource_id: self.events.append((topic, resource_id))

    def flush(self):
        from woo_sandbox.text import wp_json_encode

        events, self.events = self.events, []
        # Like Action Scheduler, one pending delivery per webhook and object: the events of one
        # change (an order reducing the stock of one product twice) collapse into one delivery.
        events = list(dict.fromkeys(events))
        for topic, resource_id in events:
            resource, event = topic.split(".")
            payload = {"id": resource_id} if event == "deleted" else self.srv._payload(resource, resource_id)
            body = wp_json_encode(payload).encode()
            delivery_id = hashlib.md5(f"{topic}:{resource_id}:{next(self.serial)}".encode()).hexdigest()
            self.deliveries.append(
                {
                    "X-WC-Webhook-Source": self.srv.url + "/",
                    "X-WC-Webhook-Topic": topic,
                    "X-WC-Webhook-Resource": resource,
                    "X-WC-Webhook-Event": event,
                    "X-WC-Webhook-Signature": sign(body, SECRET),
                    "X-WC-Webhook-ID": str(WEBHOOK_IDS[topic]),
                    "X-WC-Webhook-Delivery-ID": delivery_id,
                    "body": body,
                }
            )


def _shop_activity(srv, recorder, rng):
    """Admin activity until exactly TOTAL deliveries exist."""
    data = srv.data
    once_trashed = set()
    while len(recorder.deliveries) < TOTAL:
        with data.lock:
            live = [p for p in data.products.values() if p["status"] != "trash"]
            simple = [p["id"] for p in live if p["type"] == "simple"]
            variable = [p["id"] for p in live if p["type"] == "variable" and p["variations"]]
            trashed = [p["id"] for p in data.products.values() if p["status"] == "trash" and p["type"] == "simple"]
            orders = [o["id"] for o in data.orders.values() if o["status"] != "trash"]
            trashed_orders = [o["id"] for o in data.orders.values() if o["status"] == "trash"]
        # An object is trashed at most once here: with no date in {"id": N}, a second trash of
        # the same object is told from a repeat only by arriving after the restore in between.
        fresh = [pid for pid in simple if pid not in once_trashed]
        fresh_orders = [oid for oid in orders if oid not in once_trashed]
        near_the_end = len(recorder.deliveries) >= TOTAL - 10
        roll = 0.0 if near_the_end else rng.random()
        if roll < 0.30:
            srv.update_product(rng.choice(simple + variable), name=f"Renamed {rng.randrange(10**6)} / ✨")
        elif roll < 0.40:
            srv.update_product(rng.choice(simple), regular_price=f"{rng.randrange(100, 99999) / 100:.2f}")
        elif roll < 0.55 and variable:
            product_id = rng.choice(variable)
            variation_id = rng.choice(srv.get_product(product_id)["variations"])
            srv.update_variation(product_id, variation_id, regular_price=f"{rng.randrange(100, 9999) / 100:.2f}")
        elif roll < 0.85:
            order_id = rng.choice(orders)
            status = srv.get_order(order_id)["status"]
            srv.update_order(order_id, status=NEXT_ORDER_STATUS.get(status, "processing"))
        elif roll < 0.89 and fresh:
            once_trashed.add(srv.trash_product(rng.choice(fresh))["id"])
        elif roll < 0.92 and trashed:
            srv.restore_product(rng.choice(trashed))
        elif roll < 0.95 and fresh_orders:
            once_trashed.add(srv.trash_order(rng.choice(fresh_orders))["id"])
        elif roll < 0.97 and trashed_orders:
            srv.restore_order(rng.choice(trashed_orders))
        else:
            srv.create_product(name=f"New {rng.randrange(10**6)}", regular_price="10.00")
        recorder.flush()


def _database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(log_path):
    from config.celery import app

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": app.conf.broker_url,  # and the same key prefix (settings)
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": os.environ.get("DEBUG", "true"),
        "SYNC_BACKOFF_BASE_SECONDS": "0.05",
    }
    celery = Path(sys.executable).with_name("celery")
    command = [str(celery), "-A", "config", "worker", "-Q", "webhooks", "-c", "2", "--loglevel", "WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"webhooks-test-{os.getpid()}@%h"]
    return background_process(command, log_path, env=env)


def _pull_baseline(store):
    from sync.models import SyncRunKind
    from sync.runs import run_pull
    from sync.services import sync_run_queue

    run = sync_run_queue(store.pk, kind=SyncRunKind.FULL, enqueue=False)
    run = run_pull(run.pk)
    assert run.status == "success", (run.status, run.error_message)


def _assert_database_equals_sandbox(store, srv):
    with srv.data.lock:
        product_ids = sorted(srv.data.products)
        variations = {vid: srv.data.variation_parent[vid] for vid in srv.data.variations}
        order_ids = sorted(srv.data.orders)
    local = {p.woo_id: p for p in Product.objects.filter(store=store)}
    assert set(local) == set(product_ids)
    for product_id in product_ids:
        expected = product_fields(srv.get_product(product_id))
        row = local[product_id]
        fields = [*PRODUCT_FIELDS, "woo_modified_at"]
        if expected["type"] == "variable":
            fields = [f for f in fields if f not in DERIVED]
        assert {f: getattr(row, f) for f in fields} == {f: expected[f] for f in fields}, product_id
    local_variations = {v.woo_id: v for v in ProductVariation.objects.filter(store=store)}
    assert set(local_variations) == set(variations)
    for variation_id in variations:
        expected = variation_fields(srv.catalog.get_variation(variations[variation_id], variation_id))
        row = local_variations[variation_id]
        fields = ("sku", "price", "regular_price", "sale_price", "stock_quantity", "stock_status", "status")
        assert {f: getattr(row, f) for f in (*fields, "woo_modified_at")} == {
            f: expected[f] for f in (*fields, "woo_modified_at")
        }, variation_id
    local_orders = {o.woo_id: o for o in Order.objects.filter(store=store)}
    assert set(local_orders) == set(order_ids)
    for order_id in order_ids:
        expected = order_fields(srv.get_order(order_id))
        row = local_orders[order_id]
        fields = ("status", "total", "woo_modified_at", "date_paid", "date_completed", "customer_name")
        assert {f: getattr(row, f) for f in fields} == {f: expected[f] for f in fields}, order_id


def test_2000_deliveries_with_the_worker_stopped_are_applied_exactly_once(
    make_store, live_server, settings, isolated_broker, tmp_path
):
    from woo_sandbox import SandboxServer

    settings.SYNC_FETCH_IMAGES = False
    ticks = itertools.count(1_800_000_000)  # the shop's clock moves one second per reading
    srv = SandboxServer(products=80, orders=150, seed=11, keys=[API_KEY], clock=lambda: next(ticks)).start()
    try:
        store = make_store(url=srv.url, name="Busy shop")
        _pull_baseline(store)
        baseline_status = dict(Order.objects.filter(store=store).values_list("woo_id", "status"))

        rng = random.Random(2000)
        recorder = Recorder(srv)
        _shop_activity(srv, recorder, rng)
        deliveries = recorder.deliveries
        assert len(deliveries) == TOTAL
        # Repeats go out right after their original (several hooks of one change, or a resend);
        # the events themselves are sent in random order.
        twice = set(rng.sample(range(TOTAL), TOTAL // 10))
        units = []
        for index, delivery in enumerate(deliveries):
            unit = [delivery]
            if index in twice:
                again = dict(delivery)
                if index % 2:  # the same event delivered again by another hook: a new delivery id
                    again["X-WC-Webhook-Delivery-ID"] = hashlib.md5(f"again:{index}".encode()).hexdigest()
                unit.append(again)
            units.append(unit)
        rng.shuffle(units)

        url = live_server.url + receiver_url(store.pk)
        # Each sending thread keeps its connection open (as WooCommerce's queue runner does):
        # a new connection costs the live server a new thread and a new database connection.
        sessions, opened = threading.local(), []

        def send(unit):
            if not hasattr(sessions, "http"):
                sessions.http = requests.Session()
                opened.append(sessions.http)
            codes = []
            for delivery in unit:
                headers = {k: v for k, v in delivery.items() if k != "body"}
                headers["Content-Type"] = "application/json"
                codes.append(sessions.http.post(url, data=delivery["body"], headers=headers, timeout=60).status_code)
            return codes

        sending = time.monotonic()
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = [code for codes in pool.map(send, units) for code in codes]
        sent_in = time.monotonic() - sending
        for http in opened:
            http.close()
        assert statuses == [200] * (TOTAL + len(twice))
        assert WebhookDelivery.objects.filter(store=store).count() == TOTAL
        assert WebhookDelivery.objects.filter(store=store, status=DeliveryStatus.PENDING).count() == TOTAL
        # Queued, nobody consuming yet: one task per burst, not one per delivery.
        messages = isolated_broker.queue_length("webhooks")
        assert 1 <= messages < TOTAL // 10, messages

        started = time.monotonic()
        with _worker(tmp_path / "worker.log") as process:
            deadline = started + 300
            while time.monotonic() < deadline:
                if not WebhookDelivery.objects.filter(store=store, status=DeliveryStatus.PENDING).exists():
                    break
                assert process.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
                time.sleep(0.1)
        worker_log = (tmp_path / "worker.log").read_text()
        rows = WebhookDelivery.objects.filter(store=store)
        assert not rows.filter(status=DeliveryStatus.PENDING).exists(), worker_log[-3000:]
        assert not rows.filter(status=DeliveryStatus.FAILED).exists(), list(
            rows.filter(status=DeliveryStatus.FAILED).values_list("last_error", flat=True)[:5]
        )
        # Exactly once: one row per event, each applied by a single attempt.
        assert set(rows.values_list("attempts", flat=True)) == {1}
        assert not SyncError.objects.filter(store=store, resolved=False).exists()
        first, last = (
            rows.order_by("applied_at").values_list("applied_at", flat=True).first(),
            rows.order_by("-applied_at").values_list("applied_at", flat=True).first(),
        )
        rate = TOTAL / max((last - first).total_seconds(), 0.001)
        print(
            f"\n{TOTAL} deliveries received in {sent_in:.1f}s, applied by one worker (-c 2) at {rate:.0f}/s "
            f"({time.monotonic() - started:.1f}s including worker start-up)"
        )

        _assert_database_equals_sandbox(store, srv)

        # Status logs form one unbroken chain per order, from the baseline to the final status.
        final_status = dict(Order.objects.filter(store=store).values_list("woo_id", "status"))
        chains = {}
        for log_row in OrderStatusLog.objects.filter(store=store).order_by("created_at", "pk"):
            chains.setdefault(log_row.order_woo_id, []).append(log_row)
        for order_id, chain in chains.items():
            assert all(log_row.changed_by == "woocommerce" for log_row in chain)
            assert chain[0].old_status == baseline_status.get(order_id, chain[0].old_status)
            assert all(a.new_status == b.old_status for a, b in itertools.pairwise(chain)), order_id
            assert chain[-1].new_status == final_status[order_id]
            assert all(log_row.old_status != log_row.new_status for log_row in chain)
    finally:
        srv.stop()
