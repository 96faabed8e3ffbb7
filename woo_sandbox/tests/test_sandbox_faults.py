"""Fault injection and the /__sandbox__/ control endpoints."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from woo_sandbox import SandboxServer

from .conftest import KEY
from .conftest import SECRET
from .conftest import wc_client


def api(server: SandboxServer, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{server.url}/wp-json/wc/v3/{path}", auth=(KEY, SECRET), timeout=5, **kwargs)


def test_429_has_retry_after(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    server.set_faults(queue=["429"])
    limited = api(server, "products")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["Content-Type"].startswith("text/html")
    assert api(server, "products").status_code == 200


def test_html_captcha_and_redirect_pages(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    server.set_faults(queue=["html", "captcha", "redirect", "redirect"])

    bot_page = wc_client(server).get("products")
    assert bot_page.status_code == 200
    assert bot_page.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert bot_page.text.startswith("<!DOCTYPE html>")

    captcha = api(server, "products")
    assert captcha.status_code == 202 and captcha.headers["SG-Captcha"] == "challenge"

    redirect = api(server, "products", allow_redirects=False)
    assert redirect.status_code == 302 and "/wp-login.php?" in redirect.headers["Location"]
    followed = api(server, "products")  # requests follows it to the login page
    assert followed.status_code == 200 and followed.url.startswith(server.url + "/wp-login.php")


def test_timeout_answers_too_late_but_still_writes(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    wc = wc_client(server, timeout=0.3)
    server.set_faults(queue=["timeout"], timeout_s=0.8)
    before = len(server.data.products)

    with pytest.raises(requests.exceptions.ReadTimeout):
        wc.post("products", {"name": "Slow"})
    assert wc.get("products").status_code == 200

    time.sleep(0.7)
    assert len(server.data.products) == before + 1


def test_stripped_totals_and_latency(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    server.set_faults(strip_total_headers=1.0, latency_ms=150)
    started = time.monotonic()
    response = api(server, "products")
    assert time.monotonic() - started >= 0.15
    assert response.status_code == 200 and response.json()
    assert "X-WP-Total" not in response.headers and "X-WP-TotalPages" not in response.headers
    assert "next" in response.links


def test_fault_rates_are_reproducible_for_a_seed(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()

    def run() -> list[int]:
        server.set_faults(reset=True, rate_503=0.3, rate_502=0.2, seed=3)
        return [api(server, "products/tags").status_code for _ in range(30)]

    first = run()
    assert {503, 502, 200} == set(first)
    assert run() == first


def test_control_endpoints(make_shop: Callable[..., SandboxServer]) -> None:
    server = make_shop()
    control = f"{server.url}/__sandbox__"
    assert requests.post(f"{control}/stats/reset", timeout=5).json()["total"] == 0

    assert requests.post(f"{control}/faults", json={"queue": ["503"]}, timeout=5).json()["queue"] == ["503"]
    assert api(server, "products").status_code == 503
    api(server, "products/7")
    api(server, "orders")

    stats = requests.get(f"{control}/stats", timeout=5).json()
    assert stats["total"] == 3
    assert stats["by_route"] == {"GET products": 1, "GET products/{id}": 1, "GET orders": 1}
    assert stats["faults"] == {"503": 1}
    assert server.stats()["total"] == 3

    bad = requests.post(f"{control}/faults", json={"rate_429": 2}, timeout=5)
    assert bad.status_code == 400
    info = requests.get(f"{control}/", timeout=5).json()
    assert info["keys"][0]["consumer_key"] == KEY and info["counts"]["products"] == 20
    assert requests.get(f"{control}/deliveries", timeout=5).json() == []
    assert requests.post(f"{control}/deliveries/wait", timeout=5).json() == {"idle": True}
    mutated = requests.post(f"{control}/mutate", json={"fraction": 0.2, "rng_seed": 1}, timeout=5).json()
    assert mutated["products_trashed"]
