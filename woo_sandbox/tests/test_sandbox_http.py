"""The sandbox's HTTP layer: kept-alive connections answer without Nagle stalls."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Callable

import pytest

from woo_sandbox import SandboxServer
from woo_sandbox.handler import SandboxRequestHandler


def test_accepted_sockets_have_tcp_nodelay(make_shop: Callable[..., SandboxServer], monkeypatch) -> None:
    seen: list[int] = []
    handle = SandboxRequestHandler.handle

    def recording_handle(self: SandboxRequestHandler) -> None:
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        handle(self)

    monkeypatch.setattr(SandboxRequestHandler, "handle", recording_handle)
    server = make_shop(products=1, orders=1)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", "/")
        assert conn.getresponse().read()
    finally:
        conn.close()
    assert seen and all(seen), seen


@pytest.mark.parametrize("path", ["/", "/wp-json/"])
def test_keep_alive_requests_do_not_wait_for_delayed_acks(make_shop: Callable[..., SandboxServer], path: str) -> None:
    """Headers and body go out in two sends; with Nagle's algorithm on, the body would wait for
    the client's delayed ACK (40 ms on Linux) on every request of a kept-alive connection."""
    server = make_shop(products=1, orders=1)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", path)
        conn.getresponse().read()  # connection set up, first answer out of the way
        started = time.perf_counter()
        for _ in range(20):
            conn.request("GET", path)
            response = conn.getresponse()
            assert response.status == 200 and response.read()
            assert not response.will_close  # one connection throughout
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    # 20 stalls would take at least 20 x 40 ms = 800 ms; without them this takes a few ms.
    assert elapsed < 0.4, f"20 kept-alive requests took {elapsed * 1000:.0f} ms"
