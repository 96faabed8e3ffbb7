"""The adapter against the sandbox's fault injection, over real HTTP with the real client."""

import time

import pytest

from config.testing import API_KEY
from config.testing import self_signed_tls
from config.testing import wait_for
from stores.credentials import ApiCredentials
from sync.woo import WooAuthError
from sync.woo import WooClient
from sync.woo import WooClientError
from sync.woo import WooNotWooCommerceError
from sync.woo import WooPaginationError
from sync.woo import WooRateLimitedError
from sync.woo import WooServerError
from sync.woo import WooTLSError
from sync.woo import WooUnreachableError
from sync.woo import parse_retry_after


def client(url, key=API_KEY, **options):
    options.setdefault("backoff_base", 0.01)
    options.setdefault("backoff_max", 0.02)
    options.setdefault("timeout", 3)
    return WooClient(ApiCredentials(url, *key), **options)


def test_oauth_over_http_lists_with_totals(sandbox):
    woo = client(sandbox.url)
    response = woo.get("products", {"per_page": 5, "orderby": "id", "order": "asc"})
    assert response.status == 200 and len(response.data) == 5
    assert response.total == len([p for p in sandbox.data.products.values() if p["status"] != "trash"])
    assert response.total_pages == -(-response.total // 5)
    assert woo.stats.requests == 1 and woo.stats.retries == 0


def test_wrong_secret_and_unknown_key_are_auth_errors(sandbox):
    with pytest.raises(WooAuthError) as wrong:
        client(sandbox.url, key=(API_KEY[0], "cs_wrong")).get("products")
    assert wrong.value.status == 401 and "signature" in wrong.value.message.lower()
    with pytest.raises(WooAuthError):
        client(sandbox.url, key=("ck_unknown", "cs_unknown")).get("products")


@pytest.mark.parametrize("fault", ["500", "502", "503"])
def test_server_errors_are_retried(sandbox, fault):
    sandbox.set_faults(queue=[fault, fault])
    woo = client(sandbox.url)
    assert woo.get("products/categories").status == 200
    assert woo.stats.retries == 2 and woo.stats.requests == 3


def test_server_errors_after_the_retries(sandbox):
    sandbox.set_faults(queue=["500", "503", "502"])
    with pytest.raises(WooServerError) as error:
        client(sandbox.url, max_retries=2).get("products")
    assert error.value.attempts == 3


def test_429_waits_for_retry_after(sandbox):
    sandbox.set_faults(queue=["429"])
    woo = client(sandbox.url)
    started = time.monotonic()
    assert woo.get("products/tags").status == 200
    assert time.monotonic() - started >= 1.0  # the sandbox says Retry-After: 1
    assert woo.stats.retries == 1


def test_429_after_the_retries_or_too_long_a_wait(sandbox):
    sandbox.set_faults(queue=["429"])
    with pytest.raises(WooRateLimitedError) as error:
        client(sandbox.url, retry_after_max=0.5).get("products")
    assert error.value.retry_after == 1.0 and error.value.status == 429


def test_a_redirect_is_an_error_never_data(sandbox):
    sandbox.set_faults(queue=["redirect"])
    with pytest.raises(WooNotWooCommerceError) as error:
        client(sandbox.url).get("products")
    assert error.value.code == "redirect"
    assert "wp-login.php" in error.value.data["location"]


@pytest.mark.parametrize(("fault", "code"), [("html", "html_page"), ("captcha", "captcha")])
def test_a_web_page_instead_of_data_is_retried_like_a_5xx_then_named(sandbox, fault, code):
    """A firewall or security plugin's challenge (200/202 text/html) often lets the next attempt
    through; when it does not, the error says what happened in words a shop owner can act on."""
    sandbox.set_faults(queue=[fault])
    woo = client(sandbox.url)
    answer = woo.get("products")
    assert answer.status == 200 and isinstance(answer.data, list) and answer.data
    assert woo.stats.retries == 1 and woo.stats.errors == {code: 1}

    sandbox.reset_stats()
    sandbox.set_faults(queue=[fault] * 3)
    with pytest.raises(WooNotWooCommerceError) as error:
        client(sandbox.url, max_retries=2).get("products")
    assert error.value.code == code and error.value.attempts == 3
    assert error.value.message == "the store answered with a web page instead of data (a firewall or security plugin?)"
    assert sandbox.stats()["by_route"] == {"GET products": 3}


def test_a_web_page_answering_a_post_is_not_sent_again(sandbox):
    """The page may have come after WordPress acted: a POST is not repeated blindly."""
    sandbox.set_faults(queue=["html"])
    with pytest.raises(WooNotWooCommerceError) as error:
        client(sandbox.url).post("products/tags", {"name": "Once"})
    assert error.value.code == "html_page"
    assert sandbox.stats()["by_route"] == {"POST products/tags": 1}


def test_json_after_php_notices_is_read_with_one_warning_per_run(sandbox, caplog):
    """A store with WP_DEBUG_DISPLAY on prints notices ahead of its answers, single requests and
    list pages fetched in parallel alike: the data after them is read, and said once."""
    expected = client(sandbox.url).fetch_all("products", {"status": "any", "orderby": "id", "order": "asc"})
    sandbox.set_faults(rate_php_notice=1.0)
    woo = client(sandbox.url, concurrency=4)
    with caplog.at_level("WARNING", logger="sync.woo"):
        assert woo.get("products/tags").status == 200
        listed = woo.fetch_all("products", {"status": "any", "orderby": "id", "order": "asc"}, per_page=10)
    assert [p["id"] for p in listed] == [p["id"] for p in expected]
    assert woo.stats.retries == 0 and woo.stats.as_dict()["warnings"]["php_notices"] == woo.stats.requests
    assert [r.message for r in caplog.records if "PHP notices" in r.message] == [
        f"{sandbox.url} prints PHP notices ahead of its REST answers (WP_DEBUG_DISPLAY is on?); "
        "the answers were read past them"
    ]


def test_php_notices_ahead_of_something_that_is_not_json_are_not_data():
    from sync.woo.responses import _loads

    with pytest.raises(ValueError):
        _loads(b"<br />\n<b>Notice</b>:  x in <b>/a.php</b> on line <b>1</b><br />\n<html>oops</html>")
    assert _loads(b"PHP Warning:  x in /a.php on line 3\nPHP Notice:  y in /b.php on line 9\n[1]") == ([1], True)


def test_timeouts_are_retried_then_unreachable(sandbox):
    sandbox.set_faults(queue=["timeout"], timeout_s=1.0)
    woo = client(sandbox.url, timeout=0.3)
    assert woo.get("products/tags").status == 200
    assert woo.stats.retries == 1
    sandbox.set_faults(queue=["timeout", "timeout"], timeout_s=1.0)
    with pytest.raises(WooUnreachableError) as error:
        client(sandbox.url, timeout=0.3, max_retries=1).get("products/tags")
    assert error.value.code == "timeout"


def test_a_post_that_timed_out_is_not_sent_again(sandbox):
    """The write may have happened: the caller must look before creating again."""
    sandbox.set_faults(queue=["timeout"], timeout_s=1.0)
    before = len(sandbox.data.products)
    with pytest.raises(WooUnreachableError) as error:
        client(sandbox.url, timeout=0.3).post("products", {"name": "Timed out", "regular_price": "5.00"})
    assert error.value.attempts == 1
    # The sandbox did create it, after answering too late.
    assert wait_for(lambda: len(sandbox.data.products) == before + 1, timeout=10, interval=0.05)


def test_connection_refused(sandbox):
    sandbox.stop()
    with pytest.raises(WooUnreachableError) as error:
        client(sandbox.url, max_retries=1).get("products")
    assert error.value.code == "connection_error"


def _serve_cut_short_bodies(answers: int) -> tuple[str, list[int]]:
    """A server that promises a 1,000-byte JSON body and closes the connection after 10 bytes."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    served = []

    def serve():
        with listener:
            for _ in range(answers):
                connection, _address = listener.accept()
                with connection:
                    connection.recv(65536)
                    connection.sendall(
                        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"id": 1'
                    )
                    served.append(1)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", served


def test_a_body_cut_short_is_retried_then_unreachable():
    """The body is read apart from the headers (in one piece): a transfer that breaks in the
    middle is still a broken connection, retried, never data."""
    url, served = _serve_cut_short_bodies(answers=2)
    with pytest.raises(WooUnreachableError) as error:
        client(url, max_retries=1).get("products")
    assert error.value.code == "connection_error" and error.value.attempts == 2
    assert len(served) == 2


def test_client_errors_carry_woocommerce_code(sandbox):
    woo = client(sandbox.url)
    with pytest.raises(WooClientError) as missing:
        woo.get("products/999999999")
    assert missing.value.status == 404 and missing.value.code == "woocommerce_rest_product_invalid_id"
    with pytest.raises(WooClientError) as invalid:
        woo.get("products", {"per_page": 500})
    assert invalid.value.status == 400 and invalid.value.code == "rest_invalid_param"
    with pytest.raises(WooNotWooCommerceError) as no_route:
        woo.get("no/such/route")
    assert no_route.value.code == "rest_no_route"


def test_pages_without_total_headers_end_on_a_short_page(sandbox):
    expected = [p["id"] for p in client(sandbox.url).fetch_all("products", {"orderby": "id", "order": "asc"})]
    sandbox.set_faults(strip_total_headers=1.0)
    woo = client(sandbox.url, concurrency=3)
    pages = list(woo.iter_pages("products", {"orderby": "id", "order": "asc"}, per_page=7))
    assert all(page.total_pages is None for page in pages)
    assert [p["id"] for page in pages for p in page.items] == expected
    assert [page.number for page in pages] == list(range(1, len(pages) + 1))


def test_pages_are_fetched_in_parallel(sandbox):
    sandbox.set_faults(latency_ms=100)
    woo = client(sandbox.url, concurrency=5)
    started = time.monotonic()
    pages = list(woo.iter_pages("orders", {"orderby": "id", "order": "asc"}, per_page=8))
    elapsed = time.monotonic() - started
    assert len(pages) >= 6
    # Sequentially this is len(pages) x 100 ms; page 1 first, then the rest 5 at a time.
    assert elapsed < 0.1 * len(pages) * 0.75


def test_pages_are_decoded_by_the_consuming_thread_and_a_broken_body_is_fetched_again(sandbox, monkeypatch):
    import threading

    from sync import json_codec

    expected = [p["id"] for p in client(sandbox.url).fetch_all("orders", {"orderby": "id", "order": "asc"})]
    decoded_in, broken = set(), []
    real_decode, real_get_page = json_codec.decode, WooClient._get_page

    def decode(raw):
        decoded_in.add(threading.current_thread().name)
        return real_decode(raw)

    def get_page(self, endpoint, params, number, per_page, **kw):
        page = real_get_page(self, endpoint, params, number, per_page, **kw)
        if number == 2 and not broken:
            broken.append(page.raw)
            page.raw = page.raw[: len(page.raw) // 2]  # a transfer cut short
        return page

    monkeypatch.setattr(json_codec, "decode", decode)
    monkeypatch.setattr(WooClient, "_get_page", get_page)
    woo = client(sandbox.url, concurrency=3)
    pages = list(woo.iter_pages("orders", {"orderby": "id", "order": "asc"}, per_page=7))
    assert [p["id"] for page in pages for p in page.items] == expected
    assert broken and broken[0] is not None  # page 2 came from the pool, undecoded
    assert decoded_in == {threading.current_thread().name}  # never in the pool's threads
    assert woo.stats.retries == 1 and woo.stats.errors == {"invalid_json": 1}


def test_a_repeated_page_stops_the_listing(sandbox):
    # The attributes endpoint answers every attribute whatever the page: a server ignoring "page".
    with pytest.raises(WooPaginationError):
        client(sandbox.url).fetch_all("products/attributes", per_page=2)


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412475.0) == 5.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.fixture
def tls_sandbox(sandbox, tmp_path):
    """The sandbox behind TLS with a self-signed certificate (the client then uses Basic auth)."""
    context, cert_path = self_signed_tls(tmp_path)
    sandbox.stop()
    from woo_sandbox import SandboxServer

    srv = SandboxServer(products=5, orders=5, seed=3, keys=[API_KEY])
    srv._httpd.socket = context.wrap_socket(srv._httpd.socket, server_side=True)
    srv.start()
    yield f"https://127.0.0.1:{srv.port}", cert_path
    srv.stop()


def test_basic_auth_and_query_string_auth_over_https(tls_sandbox):
    url, ca = tls_sandbox
    assert len(client(url, verify_ssl=ca).get("products").data) == 5
    assert len(client(url, verify_ssl=ca, query_string_auth=True).get("products").data) == 5
    with pytest.raises(WooAuthError):
        client(url, key=(API_KEY[0], "cs_wrong"), verify_ssl=ca).get("products")


def test_untrusted_certificate_is_a_tls_error(tls_sandbox):
    url, _ = tls_sandbox
    with pytest.raises(WooTLSError):
        client(url).get("products")


def test_nonces_are_strong_and_a_repeated_one_is_retried(sandbox, monkeypatch):
    import woocommerce.oauth

    # The client's own nonces have 10^8 values; ~10,000 requests in 15 minutes repeat one.
    nonce = woocommerce.oauth.OAuth.generate_nonce()
    assert len(nonce) == 32 and nonce != woocommerce.oauth.OAuth.generate_nonce()
    values = iter(["same-nonce", "same-nonce", "fresh-nonce"])
    monkeypatch.setattr(woocommerce.oauth.OAuth, "generate_nonce", staticmethod(lambda: next(values)))
    woo = client(sandbox.url)
    assert woo.get("products/tags").status == 200
    assert woo.get("products/tags").status == 200  # 401 "nonce already used", then a fresh nonce
    assert woo.stats.retries == 1


def test_the_signed_query_is_sent_once(sandbox, monkeypatch):
    """Over plain HTTP the client signs a URL holding the query, and used to append the same
    params again: every call's query was sent (encoded, parsed) twice."""
    received = []
    authenticate = sandbox.auth.authenticate

    def recording(method, host, path, query, authorization):
        received.append([name for name, _value in query])
        return authenticate(method, host, path, query, authorization)

    monkeypatch.setattr(sandbox.auth, "authenticate", recording)
    assert client(sandbox.url).get("products", {"per_page": 5, "status": "any"}).status == 200
    assert sorted(received[0]) == sorted(set(received[0]))
    assert {"per_page", "status", "oauth_signature"} <= set(received[0])
