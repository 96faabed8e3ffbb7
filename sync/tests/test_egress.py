"""The guarded way out: what a store may make the product fetch, over real HTTP.

The sandbox listens on 127.0.0.1, which these tests allow (``STORE_ALLOWED_NETWORKS``), as
``scripts/run`` does. Files are served by tiny HTTP servers on 127.0.0.1 (allowed) and
127.0.0.2 (loopback too, but not allowed: it stands for the machine's private services). No
test sends a packet outside 127.0.0.0/8: the ``no_traffic_outside_loopback`` fixture blocks
(and records) any attempt.
"""

import io
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from catalog.models import ProductImage
from config.testing import LocalServer
from config.testing import QuietHandler
from sync.models import SyncError
from sync.models import SyncRunStatus

pytestmark = pytest.mark.django_db


def _image_bytes(kind):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 90)).save(buffer, kind)
    return buffer.getvalue()


PNG = _image_bytes("PNG")
JPEG = _image_bytes("JPEG")
HTML = b"<!doctype html><script>fetch('/accounts/profile/').then(r => r.text()).then(alert)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><rect width="4" height="3"/></svg>'


class FileServer(LocalServer):
    """An HTTP server on ``host`` answering ``routes`` (path -> (status, headers, body)) and
    recording every request it receives."""

    def __init__(self, host, routes=None):
        self.routes = dict(routes or {})
        self.requests = []
        server = self

        class Handler(QuietHandler):
            def do_GET(self):
                server.requests.append(self.path)
                status, headers, body = server.routes.get(self.path, (404, {}, b"not here"))
                self.answer(status, body, headers)

        super().__init__(Handler, host)

    def url(self, path):
        return f"http://{self.host}:{self.port}{path}"


@pytest.fixture
def serve():
    """serve(host, routes) -> a running FileServer, stopped after the test."""
    servers = []

    def start(host, routes=None):
        servers.append(FileServer(host, routes))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(autouse=True)
def no_traffic_outside_loopback(monkeypatch, settings):
    """Only 127.0.0.1 is allowed for stores; any connection attempt outside 127.0.0.0/8 is blocked
    here (and recorded), so a guard that failed would not send a packet anywhere."""
    settings.STORE_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    attempts = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not host.startswith("127.") and sock.family != socket.AF_UNIX:
            attempts.append(host)
            raise OSError(f"test: no traffic to {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def _list_images(sandbox, urls):
    """The shop's first products list ``urls`` as their image URLs, one each (the rest keep the
    sandbox's own images). Records are replaced, as the shop's own writes do (its listings keep
    each record's answer while the record is the same object)."""
    products = [p for p in sandbox.data.products.values() if p.get("images")][: len(urls)]
    assert len(products) == len(urls)
    with sandbox.data.lock:
        for product, url in zip(products, urls, strict=True):
            images = [{**product["images"][0], "src": url}, *product["images"][1:]]
            sandbox.data.products[product["id"]] = {**product, "images": images}
        sandbox.data.bump("products")


def _pull_images(pull, shop):
    return pull(shop, full=True, entities=["products", "images"])


def _image(shop, url):
    return ProductImage.objects.get(product__store=shop, original_url=url)


def _open_error(shop, url):
    return SyncError.objects.get(store=shop, resolved=False, metadata__url=url)


def test_a_shop_cannot_make_the_worker_fetch_from_a_private_address(shop, sandbox, pull, serve, client, owner):
    internal = serve("127.0.0.2", {"/admin/secrets.png": (200, {"Content-Type": "image/png"}, PNG)})
    url = internal.url("/admin/secrets.png")
    _list_images(sandbox, [url])

    run = _pull_images(pull, shop)

    assert internal.requests == []  # not a single request reached it
    image = _image(shop, url)
    assert image.storage_url is None and image.original_url == url
    error = _open_error(shop, url)
    assert error.error_code == "address_refused"
    assert "127.0.0.2" in error.error_message and "private network" in error.error_message
    assert "STORE_ALLOWED_NETWORKS" in error.error_message
    # The shop's own images (on the allowed sandbox address) are copied as before.
    copied = ProductImage.objects.filter(product__store=shop, storage_url__isnull=False)
    assert copied.count() == ProductImage.objects.filter(product__store=shop).count() - 1
    assert run.status == SyncRunStatus.PARTIAL
    # The owner sees it among the sync errors, with the reason and the setting to change.
    client.force_login(owner)
    page = client.get(reverse("sync:sync_error_list", kwargs={"store_id": shop.pk})).content.decode()
    assert "this address is on a private network" in page and "STORE_ALLOWED_NETWORKS" in page
    # A later products listing does not mark the image's error as solved: the file is still not here.
    pull(shop, full=True, entities=["products"])
    assert _open_error(shop, url).resolved is False


def test_a_redirect_to_a_refused_address_is_not_followed(shop, sandbox, pull, serve):
    internal = serve("127.0.0.2", {"/secret.png": (200, {"Content-Type": "image/png"}, PNG)})
    cdn = serve("127.0.0.1", {"/moved.png": (302, {"Location": internal.url("/secret.png")}, b"")})
    _list_images(sandbox, [cdn.url("/moved.png")])

    _pull_images(pull, shop)

    assert cdn.requests == ["/moved.png"] and internal.requests == []
    error = _open_error(shop, cdn.url("/moved.png"))
    assert error.error_code == "address_refused" and "127.0.0.2" in error.error_message
    assert _image(shop, cdn.url("/moved.png")).storage_url is None


# 127.0.0.2 (refused here) as browsers and resolvers also read it.
ODD_SPELLINGS = ["2130706434", "0177.0.0.2", "0x7f000002", "127.2", "[::ffff:127.0.0.2]", "[::ffff:7f00:2]"]


def test_odd_spellings_of_a_refused_address_are_refused_as_image_urls_and_redirect_targets(shop, sandbox, pull, serve):
    internal = serve("127.0.0.2", {"/secret.png": (200, {"Content-Type": "image/png"}, PNG)})
    direct = [f"http://{host}:{internal.port}/secret.png" for host in ODD_SPELLINGS]
    cdn = serve(
        "127.0.0.1",
        {f"/moved-{n}.png": (302, {"Location": url}, b"") for n, url in enumerate(direct)},
    )
    redirected = [cdn.url(f"/moved-{n}.png") for n in range(len(direct))]
    _list_images(sandbox, direct + redirected)

    _pull_images(pull, shop)

    assert internal.requests == []
    for url in direct + redirected:
        assert _image(shop, url).storage_url is None, url
        assert _open_error(shop, url).error_code == "address_refused", url


def test_redirects_between_allowed_hosts_are_followed_one_checked_hop_at_a_time(shop, sandbox, pull, serve):
    cdn = serve(
        "127.0.0.1",
        {
            "/a.jpg": (301, {"Location": "/b.jpg"}, b""),
            "/b.jpg": (302, {"Location": "/final.jpg"}, b""),
            "/final.jpg": (200, {"Content-Type": "image/jpeg"}, JPEG),
            "/loop.png": (302, {"Location": "/loop.png"}, b""),
        },
    )
    _list_images(sandbox, [cdn.url("/a.jpg"), cdn.url("/loop.png")])

    _pull_images(pull, shop)

    stored = _image(shop, cdn.url("/a.jpg")).storage_url
    assert stored and Path(_media_path(stored)).read_bytes() == JPEG
    assert cdn.requests.count("/loop.png") == 4  # the URL and 3 redirects, then it gives up
    assert _open_error(shop, cdn.url("/loop.png")).error_code == "too_many_redirects"


def test_only_http_and_https_image_urls_are_fetched(shop, sandbox, pull, settings):
    urls = ["file:///etc/passwd", "ftp://127.0.0.1/image.png"]
    _list_images(sandbox, urls)

    _pull_images(pull, shop)

    for url in urls:
        assert _image(shop, url).storage_url is None
        assert _open_error(shop, url).error_code == "unsupported_scheme"


def test_html_and_svg_served_as_png_are_refused(shop, sandbox, pull, serve, settings):
    host = serve(
        "127.0.0.1",
        {
            "/page.png": (200, {"Content-Type": "image/png"}, HTML),
            "/logo.png": (200, {"Content-Type": "image/png"}, SVG),
            "/notes.png": (200, {"Content-Type": "image/png"}, b"just some text, not a picture"),
        },
    )
    urls = [host.url("/page.png"), host.url("/logo.png"), host.url("/notes.png")]
    _list_images(sandbox, urls)

    _pull_images(pull, shop)

    for url in urls:
        assert _image(shop, url).storage_url is None
        error = _open_error(shop, url)
        assert error.error_code == "not_an_image" and "served as image/png" in error.error_message
    stored = list(Path(settings.MEDIA_ROOT).rglob("*.*"))
    assert stored and all(HTML not in path.read_bytes() and SVG not in path.read_bytes() for path in stored)


def test_a_real_image_is_stored_with_the_extension_of_what_it_is(shop, sandbox, pull, serve):
    host = serve(
        "127.0.0.1",
        {
            "/photo.txt": (200, {"Content-Type": "text/plain"}, JPEG),
            "/picture.gif": (200, {"Content-Type": "application/octet-stream"}, PNG),
            "/page.html": (200, {"Content-Type": "image/jpeg"}, JPEG),
        },
    )
    _list_images(sandbox, [host.url("/photo.txt"), host.url("/picture.gif"), host.url("/page.html")])

    _pull_images(pull, shop)

    for path, extension, content in (
        ("/photo.txt", ".jpg", JPEG),
        ("/picture.gif", ".png", PNG),
        ("/page.html", ".jpg", JPEG),
    ):
        image = _image(shop, host.url(path))
        assert image.storage_url.endswith(f"/{image.pk}{extension}"), image.storage_url
        assert Path(_media_path(image.storage_url)).read_bytes() == content


def test_a_store_on_a_refused_address_fails_the_pull_with_the_reason(make_store, pull, serve):
    fake_shop = serve("127.0.0.2", {})
    store = make_store(url=fake_shop.url(""), name="Shop behind the firewall")

    run = pull(store, full=True)

    assert run.status == SyncRunStatus.FAILED
    assert "STORE_ALLOWED_NETWORKS" in run.error_message
    assert fake_shop.requests == []
    error = SyncError.objects.get(store=store, resolved=False)
    assert error.error_code == "address_refused" and "127.0.0.2" in error.error_message


def test_webhook_registration_goes_through_the_same_guard(make_store, owner, serve):
    from webhooks.remote import store_webhooks_register

    fake_shop = serve("127.0.0.2", {})
    store = make_store(url=fake_shop.url(""))

    result = store_webhooks_register(actor=owner, store_id=store.pk)

    assert result.created == [] and "STORE_ALLOWED_NETWORKS" in str(result.failed)
    assert fake_shop.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8000",
        "https://192.168.0.10",
        "http://[fec0::1]:8000",  # IPv6 site-local: the LAN of networks that still number with it
        "http://168.63.129.16/?comp=versions",  # Azure's platform service (WireServer)
    ],
)
def test_test_connection_refuses_private_addresses_without_connecting(
    url, client, owner, make_store, no_traffic_outside_loopback
):
    store = make_store(url=url)
    client.force_login(owner)
    page = client.post(reverse("stores:test_connection", kwargs={"store_id": store.pk}), follow=True)

    text = page.content.decode()
    assert "this address is on a private network" in text and "STORE_ALLOWED_NETWORKS" in text
    assert no_traffic_outside_loopback == []  # refused before any connection attempt


def test_the_store_api_is_reached_only_on_the_address_that_was_checked(shop, sandbox, serve, monkeypatch):
    """A DNS answer that changes between lookups (rebinding) cannot slip a private address in:
    every connection is made to the very address its own lookup returned and the guard checked."""
    from sync.woo import WooAddressRefusedError
    from sync.woo import client_for

    internal = serve("127.0.0.2", {"/wp-json/wc/v3/products": (200, {"Content-Type": "application/json"}, b"[]")})
    answers = iter(["127.0.0.1", "127.0.0.2"])  # first the shop, then a private address
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_dns(host, port, *args, **kwargs):
        if host == "shop.rebinding.test":
            return real_getaddrinfo(next(answers), port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    shop.url = f"http://shop.rebinding.test:{sandbox.port}"
    shop.save(update_fields=["url"])

    client = client_for(shop, max_retries=0)
    # Each thread has its own connections: a request from a new thread resolves the name again.
    with ThreadPoolExecutor(max_workers=1) as first:
        assert first.submit(client.get, "products", params={"per_page": 1}).result().status == 200
    refused = pytest.raises(WooAddressRefusedError, match=r"shop\.rebinding\.test resolves to 127\.0\.0\.2")
    with ThreadPoolExecutor(max_workers=1) as second, refused:
        second.submit(client.get, "products", params={"per_page": 1}).result()
    assert internal.requests == []


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.20", True),
        ("100.64.0.1", True),  # shared address space (carrier-grade NAT)
        ("169.254.169.254", True),  # cloud metadata
        ("168.63.129.16", True),  # Azure's WireServer: public in form, answers only inside Azure
        ("::ffff:168.63.129.16", True),
        ("100.100.100.200", True),  # Alibaba Cloud metadata (shared address space)
        ("fd00:ec2::254", True),  # AWS metadata over IPv6 (unique local)
        ("127.0.0.2", True),
        ("0.0.0.0", True),
        ("224.0.0.251", True),
        ("240.0.0.1", True),
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("fe80::1%eth0", True),
        ("fd12:3456::1", True),
        ("ff02::1", True),
        ("::ffff:10.0.0.1", True),  # IPv4-mapped
        ("::ffff:169.254.169.254", True),
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of 169.254.169.254
        ("2002:a00:1::1", True),  # 6to4 of 10.0.0.1
        ("fec0::1", True),  # site-local (deprecated, still a private network where it is used)
        ("fec0:0:0:1::80", True),
        ("93.184.215.14", False),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", False),
        ("::ffff:93.184.215.14", False),
        ("127.0.0.1", False),  # allowed by the tests' STORE_ALLOWED_NETWORKS
    ],
)
def test_which_addresses_are_refused(address, refused):
    from sync.egress import refusal

    assert (refusal("shop.example", address) is not None) is refused


def test_allowed_networks_open_a_lan_shop_and_nothing_else(settings):
    from sync.egress import refusal

    settings.STORE_ALLOWED_NETWORKS = ["192.168.1.0/24", "fd00:1::/64"]
    assert refusal("shop.lan", "192.168.1.40") is None
    assert refusal("shop.lan", "::ffff:192.168.1.40") is None
    assert refusal("shop.lan", "fd00:1::5") is None
    assert refusal("shop.lan", "192.168.2.40") is not None
    assert refusal("shop.lan", "127.0.0.1") is not None


def _media_path(storage_url):
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / storage_url.removeprefix(settings.MEDIA_URL)
