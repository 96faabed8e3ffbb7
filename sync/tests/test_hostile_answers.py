"""Pulls from stores that answer in hostile but common ways: a firewall's web page instead of
data, PHP notices printed ahead of the JSON; and in a hostile way: an answer too large to hold."""

import gzip
import time

import pytest

from catalog.models import Product
from catalog.models import ProductImage
from config.testing import LocalServer
from config.testing import QuietHandler
from orders.models import Order
from sync.models import SyncError
from sync.models import SyncRunStatus
from sync.tests.mirror import mirror_problems
from sync.woo import WEB_PAGE_MESSAGE
from sync.woo import WooUnreachableError
from sync.woo import client_for

pytestmark = pytest.mark.django_db


def test_a_firewall_page_is_retried_and_then_recorded_in_words(shop, sandbox, pull, settings):
    settings.SYNC_FETCH_IMAGES = False
    sandbox.set_faults(queue=["html"])  # one challenge, passed on the next attempt
    run = pull(shop, full=True, max_retries=2)
    assert run.status == SyncRunStatus.SUCCESS and run.stats["client"]["retries"] == 1
    assert mirror_problems(shop, sandbox) == []

    sandbox.set_faults(rate_html=1.0)  # the firewall now challenges every request
    run = pull(shop, max_retries=2)
    assert run.status == SyncRunStatus.PARTIAL
    error = SyncError.objects.filter(store=shop, resolved=False, error_code="html_page").first()
    assert error is not None and WEB_PAGE_MESSAGE in error.error_message


def test_a_store_printing_php_notices_is_pulled_whole_with_one_warning(shop, sandbox, pull, settings, caplog):
    settings.SYNC_FETCH_IMAGES = False
    sandbox.set_faults(rate_php_notice=1.0)
    with caplog.at_level("WARNING", logger="sync.woo"):
        run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS
    assert mirror_problems(shop, sandbox) == []
    assert run.stats["client"]["warnings"]["php_notices"] == run.requests_made
    assert len([r for r in caplog.records if "PHP notices" in r.message]) == 1


class BombServer(LocalServer):
    """A "store" answering every request with JSON that is small on the wire and ``size`` bytes
    once decompressed: a gzip bomb (an empty list padded with spaces)."""

    def __init__(self, size):
        body = gzip.compress(b"[" + b" " * size + b"]", compresslevel=9)
        self.requests = 0
        server = self

        class Handler(QuietHandler):
            def do_GET(self):
                server.requests += 1
                self.answer(200, body, {"Content-Type": "application/json", "Content-Encoding": "gzip"})

        super().__init__(Handler)


def test_an_answer_too_large_to_hold_is_refused_with_the_reason(make_store, pull, settings):
    """A store's answer is read up to SYNC_RESPONSE_MAX_BYTES, decompressed, and no further: a
    hostile store cannot make the worker hold gigabytes (every store's pulls share it)."""
    settings.SYNC_RESPONSE_MAX_BYTES = 1024 * 1024
    with BombServer(size=32 * 1024 * 1024) as bomb:
        store = make_store(url=f"http://127.0.0.1:{bomb.port}", name="Bomb")
        run = pull(store, full=True)

    errors = list(SyncError.objects.filter(store=store, resolved=False).values_list("error_code", "error_message"))
    assert run.status == SyncRunStatus.PARTIAL and len(errors) >= 7  # every listing: taxonomies to orders
    assert {code for code, _message in errors} == {"too_large"}
    assert all("answer larger than 1048576 bytes" in message for _code, message in errors)
    assert run.stats["client"]["retries"] == 0 and bomb.requests == run.stats["client"]["requests"]


def test_odd_types_in_one_order_and_one_product_are_two_errors_and_the_rest_is_pulled(shop, sandbox, pull, settings):
    """A plugin storing a phone or an image's alt text as a number is read as text; a list where
    an e-mail should be is that order's error; either way every other object is written."""
    settings.SYNC_FETCH_IMAGES = False
    odd_order, numeric_order = sorted(sandbox.data.orders)[3:5]
    with sandbox.data.lock:
        sandbox.data.orders[odd_order]["billing"]["email"] = ["not", "an", "e-mail"]
        sandbox.data.orders[numeric_order]["billing"].update(phone=501234567, first_name=42, last_name="Levi")
        product = next(p for p in sandbox.data.products.values() if p["images"] and p["status"] == "publish")
        product["images"][0]["alt"] = 2024
        odd_product = next(p for p in sandbox.data.products.values() if p["status"] == "publish" and p is not product)
        odd_product["images"] = [{"id": 1, "src": {"url": "https://shop.example.com/a.png"}}]

    run = pull(shop, full=True)

    assert run.status == SyncRunStatus.PARTIAL
    orders = set(Order.objects.filter(store=shop).values_list("woo_id", flat=True))
    assert orders == set(sandbox.data.orders) - {odd_order}
    products = set(Product.objects.filter(store=shop).values_list("woo_id", flat=True))
    assert products == set(sandbox.data.products) - {odd_product["id"]}
    numeric = Order.objects.get(store=shop, woo_id=numeric_order)
    assert (numeric.customer_phone, numeric.customer_name) == ("501234567", "42 Levi")
    assert ProductImage.objects.filter(product__woo_id=product["id"], alt_text="2024").exists()
    errors = dict(SyncError.objects.filter(store=shop, resolved=False).values_list("woo_id", "error_message"))
    assert "billing.email" in errors[odd_order] and "images.src" in errors[odd_product["id"]]


def test_a_character_postgresql_cannot_store_costs_the_item_nothing_but_the_character(shop, sandbox, pull, settings):
    """PostgreSQL cannot store U+0000 in text or jsonb; WordPress (MySQL) can, and its JSON
    carries it as \\u0000. The product and the order are stored without it, not refused."""
    from catalog.models import Product

    settings.SYNC_FETCH_IMAGES = False
    product = sandbox.create_product(name="Mug\u0000 large", sku="MUG\u0000-1", description="<p>a\u0000b</p>")
    # A lone surrogate half: a \ud800 escape the JSON decoder reads and UTF-8 cannot encode.
    odd = sandbox.create_product(name="Cup")
    with sandbox.data.lock:
        sandbox.data.products[odd["id"]] = {**sandbox.data.products[odd["id"]], "name": "Cup\ud800"}
    order_id = sorted(sandbox.data.orders)[0]
    sandbox.update_order(order_id, billing={"first_name": "Dana\u0000", "email": "dana@example.com"})
    run = pull(shop, full=True)
    assert run.status == SyncRunStatus.SUCCESS, run.stats
    row = Product.objects.get(store=shop, woo_id=product["id"])
    assert (row.name, row.sku, row.description) == ("Mug large", "MUG-1", "<p>ab</p>")
    assert Product.objects.get(store=shop, woo_id=odd["id"]).name == "Cup\ufffd"
    assert shop.orders.get(woo_id=order_id).billing["first_name"] == "Dana"
    assert not SyncError.objects.filter(store=shop).exists()
    assert pull(shop, full=True).rows_written == 0  # and the next pull sees nothing changed


class DripServer(LocalServer):
    """A "store" that never stops answering: each byte comes ``every`` seconds (well inside the
    read time-out), ``head`` deciding whether it drips the headers or the body, for ``drip``
    seconds at most (so that a test without a deadline still ends)."""

    def __init__(self, *, head=False, every=0.2, drip=6.0):
        class Handler(QuietHandler):
            def do_GET(self):
                started = time.monotonic()
                try:
                    if head:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                        while time.monotonic() - started < drip:
                            self.wfile.write(b"X-Slow: a\r\n")
                            self.wfile.flush()
                            time.sleep(every)
                        self.wfile.write(b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[]")
                        return
                    self.send_response(200)
                    kind = "image/jpeg" if self.path.endswith(".jpg") else "application/json"
                    self.send_header("Content-Type", kind)
                    self.end_headers()  # no length: the body ends when the connection closes
                    self.wfile.write(b"[")
                    while time.monotonic() - started < drip:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(every)
                    self.wfile.write(b"]")
                except OSError:
                    pass  # the client hung up

        super().__init__(Handler)


@pytest.mark.parametrize("head", [False, True], ids=["body", "headers"])
def test_a_store_dripping_its_answer_is_cut_off_at_the_deadline(make_store, settings, head):
    """Time-outs apply to each read: a store sending a byte every few seconds would hold a sync
    worker forever. ``SYNC_REQUEST_DEADLINE_SECONDS`` bounds a whole request, image downloads too."""
    settings.SYNC_REQUEST_TIMEOUT_SECONDS = 5
    settings.SYNC_REQUEST_DEADLINE_SECONDS = 1
    with DripServer(head=head) as drip:
        store = make_store(url=f"http://127.0.0.1:{drip.port}", name="Drip")
        client = client_for(store, max_retries=0)
        for call in (lambda: client.get("products"), lambda: client.download(f"http://127.0.0.1:{drip.port}/a.jpg")):
            started = time.monotonic()
            with pytest.raises(WooUnreachableError) as caught:
                call()
            assert time.monotonic() - started < 3
            assert caught.value.code == "timeout"
            assert "no complete answer within 1 s" in str(caught.value)


def test_a_dripping_store_is_a_clear_sync_error(make_store, pull, settings):
    settings.SYNC_REQUEST_TIMEOUT_SECONDS = 5
    settings.SYNC_REQUEST_DEADLINE_SECONDS = 1
    with DripServer() as drip:
        store = make_store(url=f"http://127.0.0.1:{drip.port}", name="Drip")
        run = pull(store, full=True, entities=["products"], max_retries=0)
    assert run.status == SyncRunStatus.PARTIAL
    messages = set(SyncError.objects.filter(store=store, resolved=False).values_list("error_message", flat=True))
    assert messages and all("no complete answer within 1 s" in message for message in messages)
