"""Test support shared by every app (the fixtures themselves are in the root ``conftest.py``): a
generic row maker for any model, row factories, a real Celery worker and other background
processes.

``make(Model, **overrides)`` fills every required column with a valid, unique value and creates
required parents on the way, so tests state only what matters to them. ``make_product``,
``make_variation`` and ``make_order`` make realistic synced rows for the dashboard pages.
"""

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import redis
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

_counter = itertools.count(1)
_synced_rows = itertools.count(1)  # numbers the rows of make_product/make_variation/make_order

# The password of every user the shared fixtures make (long enough for the validators).
PASSWORD = "a-Long-enough-passw0rd"
# A port nothing listens on: a store that must never be reached fails fast as unreachable.
UNREACHABLE_URL = "http://127.0.0.1:9"
# The REST API key of the shared ``store`` fixture, and of the sandbox shops tests start.
API_KEY = ("ck_storedesk_test_key_00000000000000000000", "cs_storedesk_test_secret_0000000000000000")
# Debian's Chromium, which the browser tests drive through Playwright (root conftest ``browser``);
# their screenshots go to ARTIFACTS.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


class IsolatedBroker:
    """This test process's part of the broker: a Redis client on the tests' broker database and
    the prefix of this process's keys in it (parallel test processes share the database)."""

    def __init__(self):
        from config.celery import app

        self.client = redis.Redis.from_url(app.conf.broker_url)
        # Only set when STOREDESK_TESTING: without it this fails rather than flush a product's keys.
        self.prefix = settings.TEST_REDIS_PREFIX

    def queue_length(self, queue):
        return self.client.llen(self.prefix + queue)

    def messages(self, queue):
        return self.client.lrange(self.prefix + queue, 0, -1)

    def flush(self):
        """Delete this process's queues, unacknowledged messages and bindings; no one else's."""
        for key in self.client.scan_iter(match=f"{self.prefix}*", count=1000):
            self.client.delete(key)


def sample_value(field):
    n = next(_counter)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, ArrayField):
        return []
    if isinstance(field, models.EmailField):
        return f"user{n}@example.com"
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.DecimalField):
        return Decimal("1.00")
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.BigIntegerField | models.IntegerField | models.PositiveIntegerField):
        return n
    if isinstance(field, models.DateTimeField):
        return timezone.now() + timedelta(seconds=n)
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.TextField | models.CharField):
        return f"{field.name}-{n}"
    raise TypeError(f"config.testing.make cannot fill {field!r}")


def _needs_value(field):
    if field.primary_key and not field.is_relation:
        return False
    if field.null or field.has_default() or field.has_db_default():
        return False
    return not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False)


def make(model, **overrides):
    """Create and return one valid row of ``model``."""
    from accounts.models import Profile
    from accounts.models import User

    if model is User:
        from accounts.services import user_create

        return user_create(email=overrides.pop("email", f"user{next(_counter)}@example.com"), **overrides)
    if model is Profile:
        # The handle_new_user trigger makes the profile together with its user.
        profile = make(User).profile
        Profile.objects.filter(pk=profile.pk).update(**overrides)
        profile.refresh_from_db()
        return profile
    if model._meta.label in ("stores.StoreUserObjectPermission", "stores.StoreGroupObjectPermission"):
        # Guardian only accepts permissions of the object's own model.
        from django.contrib.auth.models import Permission

        run_sync = Permission.objects.get(content_type__app_label="stores", codename="run_sync")
        overrides.setdefault("permission", run_sync)
    if model._meta.label == "accounts.Invitation" and "permission" not in overrides:
        # An invitation offers a role or a permission (a CHECK): a role unless told otherwise.
        overrides.setdefault("role", "viewer")
    values = {}
    for field in model._meta.concrete_fields:
        if field.name in overrides or field.attname in overrides or not _needs_value(field):
            continue
        if field.is_relation:
            values[field.name] = _parent_for(field, overrides)
        else:
            values[field.name] = sample_value(field)
    values.update(overrides)
    return model.objects.create(**values)


def _parent_for(field, overrides):
    """A parent row. Children of a given store get parents in that same store."""
    related = field.related_model
    store_field_names = {f.name for f in related._meta.concrete_fields}
    if "store" in overrides and "store" in store_field_names:
        return make(related, store=overrides["store"])
    return make(related)


def export_csv(client, export_url, query=None):
    """What the list's "Export CSV" button gets: a POST to the export, the list's filters in its
    query string."""
    return client.post(f"{export_url}?{urlencode(query)}" if query else export_url)


def finished_background_export(client, start_url, query, capture_on_commit_callbacks):
    """Ask for an export too large to stream (the test lowered its stream limit), run its task as
    the request commits, and check that the progress page offers the file. Returns the progress
    page's URL and the export's id."""
    with capture_on_commit_callbacks(execute=True):
        started = export_csv(client, start_url, query)
    assert started.status_code == 302
    progress_url = started["Location"]
    progress = client.get(progress_url).content.decode()
    assert 'id="export-download"' in progress and 'aria-valuenow="100"' in progress
    return progress_url, progress_url.rstrip("/").rsplit("/", 1)[1]


def wait_for(predicate, timeout=60.0, interval=0.05):
    """Poll ``predicate`` every ``interval`` seconds until it is true (True) or ``timeout``
    seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def run_at_once(*targets, timeout=60):
    """Run each of ``targets`` in a thread of its own, all started together (a race); returns
    when every one has finished or ``timeout`` seconds have passed for it."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)


@contextmanager
def celery_worker(queues, **environment):
    """A real Celery worker (solo pool) consuming ``queues`` from the tests' broker, against the
    test database (use with ``django_db(transaction=True)``); the queues are purged first."""
    from django.conf import settings
    from django.db import connection

    from config.celery import app

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": app.conf.broker_url,  # the tests' own Redis database (settings)
        "DEBUG": "true",
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", ",".join(queues), "-P", "solo"]
    command += ["-c", "1", "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "WARNING"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def background_process(command, log_path, *, env, stop_timeout=30):
    """``command`` (a server or a prefork worker) running in a session of its own, its output in
    ``log_path``; on exit it is asked to stop (SIGTERM: a graceful shutdown of its children), and
    its whole process group is killed if it has not after ``stop_timeout`` seconds."""
    from django.conf import settings

    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter's tools and fixed arguments
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=stop_timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def store_url(namespace, name, store, **kwargs):
    """The URL of the store page ``namespace:name`` for ``store``, with its other ``kwargs``."""
    return reverse(f"{namespace}:{name}", kwargs={"store_id": store.pk, **kwargs})


@contextmanager
def web_request_of(user):
    """What AuditActorMiddleware sets for a request of ``user``: every statement as the web role
    for the user (row-level security, config/rls.py), writes attributed to them."""
    from audit.actor import audit_actor
    from config import rls

    token = rls.enter_web_request()
    try:
        with audit_actor(user):
            yield
    finally:
        rls.leave(token)


def make_product(store, **fields):
    from catalog.models import Product

    n = next(_synced_rows)
    values = {
        "woo_id": 10_000 + n,
        "name": f"Product {n:04d}",
        "sku": f"SKU-{n:04d}",
        "price": Decimal("10.00") + n,
        "status": "publish",
        "type": "simple",
        "source": "woo",
        "stock_quantity": 10,
        "stock_status": "instock",
        "woo_modified_at": timezone.now() - timedelta(days=1),
        "categories": [{"id": 5, "name": "Kitchen", "slug": "kitchen"}],
        "tags": [],
        "brands": [],
    }
    values.update(fields)
    return Product.objects.create(store=store, **values)


def make_variation(product, **fields):
    from catalog.models import ProductVariation

    n = next(_synced_rows)
    values = {
        "woo_id": 50_000 + n,
        "sku": f"{product.sku}-{n}",
        "price": Decimal("20.00"),
        "regular_price": Decimal("20.00"),
        "stock_quantity": 3,
        "attributes": [{"id": 1, "name": "Size", "option": "M"}],
        "source": "woo",
    }
    values.update(fields)
    return ProductVariation.objects.create(product=product, store=product.store, **values)


CUSTOMER = {
    "first_name": "Dana",
    "last_name": "Levi",
    "email": "dana.levi@gmail.com",
    "phone": "+972-52-555-0143",
    "address_1": "Herzl St 12",
    "city": "Tel Aviv",
    "country": "IL",
}


def make_order(store, **fields):
    from orders.models import Order

    n = next(_synced_rows)
    values = {
        "woo_id": 70_000 + n,
        "number": str(70_000 + n),
        "status": "processing",
        "total": Decimal("100.00"),
        "customer_name": "Dana Levi",
        "customer_email": CUSTOMER["email"],
        "customer_phone": CUSTOMER["phone"],
        "billing": CUSTOMER,
        "shipping": CUSTOMER,
        "line_items": [{"id": 1, "name": "Linen apron", "product_id": 1, "quantity": 2, "total": "100.00"}],
        "woo_created_at": timezone.now() - timedelta(hours=1),
    }
    values.update(fields)
    return Order.objects.create(store=store, **values)


def self_signed_tls(directory):
    """A TLS server context with a new self-signed certificate for 127.0.0.1 (and localhost),
    and the certificate's PEM file (a client trusts the server with ``verify=<that file>``)."""
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = timezone.now()
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = Path(directory) / "cert.pem", Path(directory) / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_path.write_bytes(private)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)


class QuietHandler(BaseHTTPRequestHandler):
    """The request handler of a test's own HTTP server: ``answer`` writes a whole response, and
    nothing is logged to stderr."""

    def answer(self, status, body, headers=None):
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class LocalServer:
    """``handler`` served on a free port of ``host`` by a thread until ``stop`` (or the end of a
    ``with`` block); with ``ssl_context``, over TLS."""

    def __init__(self, handler, host="127.0.0.1", ssl_context=None):
        self.httpd = ThreadingHTTPServer((host, 0), handler)
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.host, self.port = self.httpd.server_address[:2]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class ShopClock:
    """The sandbox shop's clock: real time plus the seconds a test moved it on. WooCommerce's
    modified dates have one-second steps; a test that needs a later one advances this clock
    instead of sleeping a second."""

    def __init__(self):
        self.offset = 0.0

    def __call__(self):
        return time.time() + self.offset

    def advance(self, seconds=1.0):
        self.offset += seconds
