"""Receiving and applying WooCommerce webhook deliveries, on the production server setup.

    .venv/bin/python benchmarks/webhooks_receive.py [--requests 20000] [--concurrency 8]
                                                    [--body-kb 5] [--web-workers 2] [--apply-concurrency 2]

gunicorn (``config.wsgi``, ``--web-workers`` sync workers, DEBUG off, persistent database
connections as in production) serves the receiver on loopback; a load generator in its own
process keeps ``--concurrency`` requests in flight (a bounded, closed-loop load) with signed
``--body-kb`` KB product deliveries, each a new event. Then one Celery worker
(``celery -A config worker -Q webhooks -c --apply-concurrency``) is started on the queued
deliveries and timed until the inbox is empty. The database is a separate one
(``storedesk_bench_webhooks``, or ``BENCH_DATABASE_URL``), the broker an otherwise unused Redis
database (``BENCH_BROKER_URL``, default redis://127.0.0.1:6379/12).

Figures: accepted per second, p50/p99 latency, and deliveries applied per second per worker.
Floors (printed with each figure): at least 500 accepted/s with p99 under 25 ms, and at least
200 applied/s per worker.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storedesk_bench_webhooks")
os.environ.setdefault("DB_CONN_MAX_AGE", "600")  # production's persistent connections
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
os.environ["CELERY_BROKER_URL"] = BROKER
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

from _benchdb import BASE_DIR  # noqa: E402
from _benchdb import percentile  # noqa: E402
from _benchdb import setup  # noqa: E402

SECRET = ">Zx3&b;X|~<x-bench"
FLOOR_ACCEPTED = 500
FLOOR_P99_MS = 25
FLOOR_APPLIED = 200


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bodies(count, body_kb):
    """Signed product.updated deliveries of about body_kb KB, each a new version of a product."""
    from webhooks.signing import sign

    bodies = []
    for n in range(count):
        product_id = 1000 + n % 2000
        minute, second = divmod(n // 2000, 60)
        payload = {
            "id": product_id,
            "name": f"Bench product {product_id} / ✨",
            "slug": f"bench-product-{product_id}",
            "type": "simple",
            "status": "publish",
            "sku": f"BENCH-{product_id}",
            "regular_price": f"{10 + n % 90}.90",
            "sale_price": "",
            "stock_quantity": n % 50,
            "stock_status": "instock",
            "manage_stock": True,
            "short_description": "",
            "weight": "",
            "dimensions": {"length": "", "width": "", "height": ""},
            "categories": [{"id": 15, "name": "Clothing", "slug": "clothing"}],
            "tags": [],
            "brands": [],
            "images": [{"id": 7, "src": f"https://shop.example.com/wp-content/uploads/{product_id}.jpg", "alt": ""}],
            "attributes": [
                {
                    "id": 0,
                    "name": "Size",
                    "options": ["S", "M", "L"],
                    "position": 0,
                    "visible": True,
                    "variation": False,
                }
            ],
            "date_created_gmt": "2025-01-01T00:00:00",
            "date_modified_gmt": f"2026-01-01T{10 + minute // 60:02d}:{minute % 60:02d}:{second:02d}",
            "meta_data": [],
        }
        filler = body_kb * 1024 - len(json.dumps(payload)) - 20
        payload["description"] = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 200)[: max(0, filler)]
        body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()
        bodies.append((body, sign(body, SECRET), f"{n:032x}"))
    return bodies


def _request(path, body, signature, delivery_id):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nUser-Agent: WooCommerce/9.6.0 Hookshot (WordPress/6.7)\r\n"
        "X-WC-Webhook-Source: https://shop.example.com/\r\nX-WC-Webhook-Topic: product.updated\r\n"
        "X-WC-Webhook-Resource: product\r\nX-WC-Webhook-Event: updated\r\n"
        f"X-WC-Webhook-Signature: {signature}\r\nX-WC-Webhook-ID: 1\r\nX-WC-Webhook-Delivery-ID: {delivery_id}\r\n\r\n"
    )
    return head.encode("latin-1") + body


async def _client(port, requests, concurrency):
    """Closed loop: ``concurrency`` requests in flight, a new one when one is answered."""
    latencies, statuses = [], {}
    queue = iter(requests)

    async def exchange(reader, writer, request):
        writer.write(request)
        status_line = await reader.readline()
        length, close = 0, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        if length:
            await reader.readexactly(length)
        parts = status_line.split()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0  # 0: a broken answer
        return status, close

    async def one_connection():
        reader = writer = None
        for request in queue:
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                status, close = await exchange(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status, close = 0, True
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            if close or not status:
                if writer is not None:
                    writer.close()
                writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - started


def _load(port, requests, concurrency, conn):
    conn.send(asyncio.run(_client(port, requests, concurrency)))


def _run_load(port, requests, concurrency):
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_load, args=(port, requests, concurrency, child))
    process.start()
    while not parent.poll(1):
        if not process.is_alive():
            raise SystemExit("the load generator died; see its traceback above")
    result = parent.recv()
    process.join()
    return result


def _env():
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "webhooks_settings", "PYTHONPATH": str(BASE_DIR / "benchmarks")}


def _wait_until_up(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on port {port}")


def _ratio(value, floor, lower_is_better=False):
    ratio = floor / value if lower_is_better and value else value / floor
    verdict = "meets" if (value <= floor if lower_is_better else value >= floor) else "BELOW"
    return f"{ratio:.2f}x the floor ({verdict})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--body-kb", type=int, default=5)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="gunicorn gthread threads per worker (0: the sync worker, as scripts/run)",
    )
    parser.add_argument("--apply-concurrency", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1000)
    args = parser.parse_args()

    setup()
    import redis
    from django.db import connection
    from django.db.models import Count

    from accounts.services import user_create
    from config.testing import background_process
    from stores.models import Store
    from stores.services import store_create
    from webhooks.models import DeliveryStatus
    from webhooks.models import WebhookDelivery

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM stores WHERE name = 'Webhook bench'")
    from accounts.models import User

    owner = User.objects.filter(email="bench-webhooks@example.com").first() or user_create(
        email="bench-webhooks@example.com", password="bench-Pass-9876"
    )
    store = store_create(
        actor=owner,
        name="Webhook bench",
        url="http://127.0.0.1:9",
        api_key="ck_bench",
        api_secret="cs_bench",
        webhook_secret=SECRET,
    )
    assert Store.objects.filter(pk=store.pk).exists()
    broker = redis.Redis.from_url(BROKER)
    broker.flushdb()
    path = f"/webhooks/woocommerce/{store.pk}/"
    total = args.warmup + args.requests
    print(f"building {total} signed {args.body_kb} KB deliveries...", flush=True)
    bodies = _bodies(total, args.body_kb)
    requests = [_request(path, *item) for item in bodies]
    print(
        f"body size: {len(bodies[0][0])} bytes; cpu cores: {os.cpu_count()}; "
        f"load average before: {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    port = _free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [
        gunicorn,
        "config.wsgi",
        "-w",
        str(args.web_workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    if args.threads:
        command += ["--worker-class", "gthread", "--threads", str(args.threads)]
    server = f"gunicorn -w {args.web_workers} " + (f"(gthread, {args.threads} threads)" if args.threads else "(sync)")
    bare_path = f"/webhooks/bench-bare/{store.pk}/"  # under webhooks/: exempt from the HTTPS redirect too
    bare_requests = [_request(bare_path, *item) for item in bodies[args.warmup : args.warmup + args.requests // 2]]
    with background_process(command, "/tmp/storedesk-bench-gunicorn.log", env=_env(), stop_timeout=20):
        _wait_until_up(port)
        _run_load(port, requests[: args.warmup], args.concurrency)
        bare_latencies, bare_statuses, bare_elapsed = _run_load(port, bare_requests, args.concurrency)
        latencies, statuses, elapsed = _run_load(port, requests[args.warmup :], args.concurrency)
    broker.delete("bench-bare")
    bare_rate = bare_statuses.get(200, 0) / bare_elapsed
    accepted = statuses.get(200, 0)
    rate = accepted / elapsed
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    stored = WebhookDelivery.objects.filter(store=store).count()
    print()
    print(f"receive: {args.requests} deliveries, {args.concurrency} in flight, {server}")
    print(f"  statuses: {dict(sorted(statuses.items()))}; inbox rows: {stored} (of {total} sent with the warm-up)")
    print(f"  accepted/s: {rate:,.0f}  -> {_ratio(rate, FLOOR_ACCEPTED)} of {FLOOR_ACCEPTED}/s")
    print(
        f"  p50: {p50:.1f} ms   p99: {p99:.1f} ms  -> {_ratio(p99, FLOOR_P99_MS, lower_is_better=True)} "
        f"of {FLOOR_P99_MS} ms   max: {max(latencies) * 1000:.1f} ms"
    )
    print(f"  broker queue: {broker.llen('webhooks')} messages (one apply task per burst)")
    print(
        f"  yardstick, same server and load: a bare view (check signature, insert a row, enqueue a task): "
        f"{bare_rate:,.0f}/s, p50 {percentile(bare_latencies, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(bare_latencies, 0.99) * 1000:.1f} ms ({dict(bare_statuses)})"
    )
    print(f"  receiver / bare view: {rate / bare_rate:.2f}x the throughput", flush=True)

    celery = str(Path(sys.executable).with_name("celery"))
    command = [celery, "-A", "config", "worker", "-Q", "webhooks", "-c", str(args.apply_concurrency)]
    command += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["-n", f"bench-{os.getpid()}@%h"]
    pending = WebhookDelivery.objects.filter(store=store, status=DeliveryStatus.PENDING)
    with background_process(command, "/tmp/storedesk-bench-worker.log", env=_env(), stop_timeout=20) as worker:
        started = time.monotonic()
        while pending.exists():
            if time.monotonic() - started > 600 or worker.poll() is not None:
                print("  worker stopped or took too long; see /tmp/storedesk-bench-worker.log")
                break
            time.sleep(0.2)
        wall = time.monotonic() - started
    rows = WebhookDelivery.objects.filter(store=store)
    first = rows.order_by("applied_at").values_list("applied_at", flat=True).first()
    last = rows.order_by("-applied_at").values_list("applied_at", flat=True).first()
    done = rows.exclude(status=DeliveryStatus.PENDING).count()
    span = (last - first).total_seconds() if first and last else 0
    apply_rate = done / span if span else 0
    outcomes = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
    print()
    print(f"apply: one worker, -c {args.apply_concurrency}, {done} deliveries ({outcomes})")
    print(
        f"  applied/s (first to last applied): {apply_rate:,.0f}  -> {_ratio(apply_rate, FLOOR_APPLIED)} "
        f"of {FLOOR_APPLIED}/s"
    )
    print(f"  wall time including worker start-up: {wall:.1f} s ({done / wall:,.0f}/s)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
