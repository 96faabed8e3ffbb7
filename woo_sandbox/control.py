"""Sandbox control endpoints under ``/__sandbox__/`` (JSON, no authentication).

GET  /__sandbox__/                 info: url, credentials, object counts
GET  /__sandbox__/stats            request counters      POST /__sandbox__/stats/reset
GET  /__sandbox__/faults           fault settings        POST /__sandbox__/faults  {"rate_429": 0.1, ...}
                                                         POST /__sandbox__/faults/reset
GET  /__sandbox__/deliveries       webhook delivery log (?webhook_id=N)
POST /__sandbox__/deliveries/reset POST /__sandbox__/deliveries/wait?timeout=10
GET  /__sandbox__/emails           order notes e-mailed to customers
GET  /__sandbox__/webhooks         webhooks with secret, failure_count, pending_delivery
POST /__sandbox__/mutate           {"fraction": 0.1, "rng_seed": 1}: random admin edits
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import SplitResult
from urllib.parse import parse_qsl

from .errors import ApiError
from .responses import Response
from .responses import json_response

if TYPE_CHECKING:
    from .server import SandboxServer

PREFIX = "/__sandbox__"


def handle(app: SandboxServer, method: str, url: SplitResult, raw: bytes) -> Response:
    query = dict(parse_qsl(url.query))
    action = url.path[len(PREFIX) :].strip("/")
    try:
        body = json.loads(raw) if raw else {}
        if not isinstance(body, dict):
            raise ApiError(400, "sandbox_invalid_body", "Expected a JSON object.")
        return json_response(200, _dispatch(app, method, action, query, body))
    except ApiError as exc:
        return json_response(exc.status, exc.body())
    except (ValueError, TypeError) as exc:
        return json_response(400, {"code": "sandbox_invalid_request", "message": str(exc), "data": {"status": 400}})


def _dispatch(app: SandboxServer, method: str, action: str, query: dict[str, str], body: dict[str, Any]) -> Any:
    route = (method, action)
    if route in (("GET", ""), ("GET", "info")):
        return app.info()
    if route == ("GET", "stats"):
        return app.stats()
    if route == ("POST", "stats/reset"):
        app.reset_stats()
        return app.stats()
    if route == ("GET", "faults"):
        return app.fault_settings()
    if route == ("POST", "faults"):
        return app.set_faults(**body)
    if route == ("POST", "faults/reset"):
        return app.set_faults(reset=True)
    if route == ("GET", "deliveries"):
        webhook_id = int(query["webhook_id"]) if "webhook_id" in query else None
        return app.deliveries(webhook_id)
    if route == ("POST", "deliveries/reset"):
        app.clear_deliveries()
        return []
    if route == ("POST", "deliveries/wait"):
        return {"idle": app.wait_for_deliveries(float(query.get("timeout", body.get("timeout", 10))))}
    if route == ("GET", "emails"):
        with app.data.lock:
            return list(app.data.customer_emails)
    if route == ("GET", "webhooks"):
        with app.data.lock:
            return list(app.data.webhooks.values())
    if route == ("POST", "mutate"):
        return app.mutate_random(float(body.get("fraction", 0.1)), int(body.get("rng_seed", 0)))
    raise ApiError(404, "sandbox_no_route", f"No sandbox control endpoint {method} {PREFIX}/{action}")
