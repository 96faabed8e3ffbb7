"""HTTP layer: request parsing, the API pipeline (faults, auth, routing) and response writing."""

from __future__ import annotations

import functools
import json
import logging
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import SplitResult
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit

from . import control
from .errors import ApiError
from .errors import no_route
from .faults import PHP_NOTICE
from .faults import RESPONSE_FAULTS
from .faults import fault_response
from .item_cache import select_fields
from .item_cache import wanted_fields
from .media import png
from .responses import Response
from .responses import html_response
from .responses import json_response
from .responses import json_text_response
from .routes import ApiRequest
from .routes import ApiResult
from .routes import anonymous_error

if TYPE_CHECKING:
    from .server import SandboxServer

log = logging.getLogger(__name__)

API_PREFIX = "/wp-json"
NAMESPACE = "/wc/v3"
AUTH_REALM = "WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field."
WWW_AUTHENTICATE = f'Basic realm="{AUTH_REALM}"'


def query_params(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP's $_GET: the last value wins, ``key[]`` collects a list under ``key``."""
    params: dict[str, Any] = {}
    for key, value in pairs:
        if key.endswith("[]"):
            params.setdefault(key[:-2], []).append(value)
        else:
            params[key] = value
    return params


def query_pairs(query: str) -> list[tuple[str, str]]:
    """``parse_qsl(query, keep_blank_values=True)``, decoded one ``&``-separated part at a time:
    a client sends most of its parameters again on every page, and each part's pair is kept."""
    return [pair for part in query.split("&") for pair in _query_part(part)]


@functools.lru_cache(maxsize=4096)
def _query_part(part: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_qsl(part, keep_blank_values=True))


def encoded_param(key: str, value: str | list[str]) -> str:
    """``urlencode({key: value}, doseq=True)``: a query's links join its parameters' texts, which
    are kept (a client sends the same ``_fields``, ``per_page``... on every page)."""
    return _encoded_param(key, tuple(value) if isinstance(value, list) else value)


@functools.lru_cache(maxsize=4096)
def _encoded_param(key: str, value: str | tuple[str, ...]) -> str:
    return urlencode({key: value}, doseq=True)


def parse_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    if "application/x-www-form-urlencoded" in content_type:
        return query_params(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "rest_invalid_json", "Invalid JSON body passed.", json_error_code=4, json_error_message="Syntax error"
        ) from None


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: SandboxServer) -> None:
        super().__init__(address, SandboxRequestHandler)
        self.app = app


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY on every accepted socket (StreamRequestHandler.setup): a response goes out in
    # two sends (headers, then body), and on a kept-alive connection Nagle's algorithm would hold
    # the body back until the client's delayed ACK of the headers, about 40 ms per request.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):  # every response is logged: format it only when shown
            log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        app = self.server.app
        try:
            raw = self._read_body()
            url = urlsplit(self.path)
            if url.path.startswith(control.PREFIX):
                response = control.handle(app, self.command, url, raw)
            elif url.path == API_PREFIX or url.path.startswith(API_PREFIX + "/"):
                response = self._api(app, url, raw)
            elif url.path.startswith("/media/") and self.command in ("GET", "HEAD"):
                response = self._media(app, url.path)
            else:
                response = self._page(url.path)
            self._write(response)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired during an injected delay)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    # --- API pipeline ------------------------------------------------------------------

    def _api(self, app: SandboxServer, url: SplitResult, raw: bytes) -> Response:
        pairs = query_pairs(url.query)
        query = query_params(pairs)
        method = self.command
        if method == "POST":
            method = str(self.headers.get("X-HTTP-Method-Override") or query.get("_method") or "POST").upper()
        path = url.path[len(API_PREFIX) :]
        try:
            resolved = app.router.resolve(method, path[len(NAMESPACE) :]) if path.startswith(NAMESPACE + "/") else None
        except ApiError:
            resolved = None
        route_name = f"{method} {resolved[0].name if resolved else 'unmatched'}"

        # Faults come first: proxies, caches and security plugins answer before WordPress runs.
        decision = app.faults.decide()
        if app.faults.latency_s:
            time.sleep(app.faults.latency_s)
        if decision.fault in RESPONSE_FAULTS:
            status, headers, body = fault_response(decision.fault, app.url, self.path)
            app.request_stats.count(route_name, status, decision.fault)
            return Response(status, body, headers)
        if decision.fault == "timeout":
            # Answer normally but too late: the write may still happen after the client gave up.
            time.sleep(app.faults.timeout_s)

        extra: list[tuple[str, str]] = []
        try:
            key = app.auth.authenticate(
                method, self.headers.get("Host", ""), url.path, pairs, self.headers.get("Authorization")
            )
            if path in ("", "/"):
                result = ApiResult(
                    200, {"name": "Storedesk WooCommerce sandbox", "url": app.url, "namespaces": ["wc/v3"]}
                )
            elif path.rstrip("/") == NAMESPACE:
                result = ApiResult(200, app.router.namespace_index())
            elif resolved is None:
                raise no_route()
            else:
                route, handler, action, ids = resolved
                extra.append(("Allow", route.allow))
                if key is None:
                    raise anonymous_error(action)
                app.auth.check_permission(key, method)
                body = parse_body(raw, self.headers.get("Content-Type", ""))
                result = handler(ApiRequest(method, path[len(NAMESPACE) :], query, body), ids)
        except ApiError as exc:
            result = ApiResult(exc.status, exc.body())
            if exc.code == "woocommerce_rest_authentication_error":
                extra.append(("WWW-Authenticate", WWW_AUTHENTICATE))
        except Exception:
            log.exception("sandbox handler failed for %s %s", method, self.path)
            result = ApiResult(
                500, {"code": "internal_server_error", "message": "Sandbox error.", "data": {"status": 500}}
            )

        headers = self._api_headers(app, url, query, result, decision.strip_headers) + extra
        filtered = result.status < 300 and not url.path.endswith("/batch")
        app.request_stats.count(route_name, result.status, decision.fault)
        if filtered and result.page is not None and result.page.encode is not None:
            response = json_text_response(result.status, result.page.encode(query.get("_fields")), headers)
        else:
            data = select_fields(result.data, wanted_fields(query.get("_fields"))) if filtered else result.data
            response = json_response(result.status, data, headers)
        if decision.fault == "php_notice":
            # PHP prints the notice before WordPress's output; with output buffering on (the
            # usual php.ini) the headers, JSON content type included, still go out as they were.
            response.body = PHP_NOTICE + response.body
        return response

    def _api_headers(
        self, app: SandboxServer, url: SplitResult, query: dict[str, Any], result: ApiResult, strip: bool
    ) -> list[tuple[str, str]]:
        headers = [
            ("X-Robots-Tag", "noindex"),
            ("Link", f'<{app.url}/wp-json/>; rel="https://api.w.org/"'),
            ("X-Content-Type-Options", "nosniff"),
            ("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"),
            (
                "Access-Control-Allow-Headers",
                "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
            ),
        ]
        if result.location:
            headers.append(("Location", result.location))
        page = result.page
        if page is None:
            return headers
        if not strip:
            headers += [("X-WP-Total", str(page.total)), ("X-WP-TotalPages", str(page.pages))]
        # Like WordPress, the links repeat every query parameter the request had (oauth_* too).
        base = f"{app.url}{url.path}"
        encoded = {key: encoded_param(key, value) for key, value in query.items()}

        def link(page_number: int, rel: str) -> tuple[str, str]:
            pairs = {**encoded, "page": f"page={page_number}"}.values()
            return ("Link", f'<{base}?{"&".join(pair for pair in pairs if pair)}>; rel="{rel}"')

        if page.page > 1:
            headers.append(link(min(page.page - 1, page.pages), "prev"))
        if page.pages > page.page:
            headers.append(link(page.page + 1, "next"))
        return headers

    # --- media and pages ---------------------------------------------------------------

    def _media(self, app: SandboxServer, path: str) -> Response:
        stem = PurePosixPath(path.removeprefix("/media/")).stem
        media_id = int(stem) if stem.isdigit() else 0
        with app.data.lock:
            known = media_id in app.data.media
            stored = app.data.media_files.get(media_id)
        app.request_stats.count(f"{self.command} media/{{id}}.png", 200 if known else 404, None)
        if not known:
            return html_response(404, "Not Found", "No such image.")
        content, content_type = stored or (png(media_id), "image/png")
        return Response(200, content, [("Content-Type", content_type), ("Cache-Control", "max-age=31536000")])

    def _page(self, path: str) -> Response:
        if path in ("/", ""):
            return html_response(
                200, "Storedesk Sandbox Shop", "A WooCommerce-compatible sandbox. The API lives under /wp-json/wc/v3/."
            )
        if path == "/wp-login.php":
            return html_response(
                200,
                "Log In &lsaquo; Storedesk Sandbox Shop",
                '<form name="loginform" method="post"><input name="log"></form>',
            )
        if path.startswith("/product/"):
            return html_response(200, "Product", path)
        return html_response(404, "Page not found", path)
