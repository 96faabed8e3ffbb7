"""Fixtures for the WooCommerce sandbox tests (plain pytest, no Django database)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from woocommerce import API

from woo_sandbox import SandboxServer

KEY, SECRET = "ck_sandbox_test", "cs_sandbox_test"


def wc_client(server: SandboxServer, **kwargs: Any) -> API:
    """The real ``woocommerce`` client; over plain HTTP it signs every request with OAuth 1.0a."""
    return API(url=server.url, consumer_key=KEY, consumer_secret=SECRET, version="wc/v3", **kwargs)


@pytest.fixture(scope="module")
def shop() -> Iterator[SandboxServer]:
    """A shared, read-mostly shop; tests that write use ``make_shop`` instead."""
    with SandboxServer(products=150, orders=120, seed=7, keys=[(KEY, SECRET)]) as server:
        yield server


@pytest.fixture(scope="module")
def wc(shop: SandboxServer) -> API:
    return wc_client(shop)


@pytest.fixture
def make_shop() -> Iterator[Callable[..., SandboxServer]]:
    started: list[SandboxServer] = []

    def factory(**kwargs: Any) -> SandboxServer:
        kwargs.setdefault("products", 20)
        kwargs.setdefault("orders", 20)
        kwargs.setdefault("keys", [(KEY, SECRET)])
        server = SandboxServer(**kwargs).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny webhook endpoint that records requests and answers ``status``."""

    url: str
    status: int = 200
    requests: list[Received] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    yield state
    httpd.shutdown()
    httpd.server_close()
