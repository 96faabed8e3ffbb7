"""Fault injection: the failures real shops produce in front of WooCommerce.

Each API request gets at most one fault, drawn with a seeded RNG from the configured
rates (so a run is reproducible for a given seed and request order). ``queue`` forces
faults onto the next requests in order, for tests that need exact sequences.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from typing import Any
from urllib.parse import quote

from .errors import ApiError

# Faults that replace the response; "timeout" delays a normal response instead.
RESPONSE_FAULTS = ("429", "500", "502", "503", "html", "captcha", "redirect")
# "php_notice" answers normally, with PHP's notices printed ahead of the JSON (WP_DEBUG_DISPLAY).
FAULT_KINDS = (*RESPONSE_FAULTS, "timeout", "php_notice", "strip_headers")


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_502: float = 0.0
    rate_503: float = 0.0
    rate_html: float = 0.0  # 200 text/html bot-check page
    rate_captcha: float = 0.0  # 202 text/html with SG-Captcha: challenge
    rate_redirect: float = 0.0  # 302 to /wp-login.php
    rate_timeout: float = 0.0  # answer only after timeout_s
    timeout_s: float = 6.0  # longer than the python client's 5 s default
    rate_php_notice: float = 0.0  # 200 JSON preceded by PHP notice text (WP_DEBUG_DISPLAY on)
    strip_total_headers: float = 0.0  # drop X-WP-Total / X-WP-TotalPages
    queue: list[str] = field(default_factory=list)

    def rates(self) -> list[tuple[str, float]]:
        return [
            ("429", self.rate_429),
            ("500", self.rate_500),
            ("502", self.rate_502),
            ("503", self.rate_503),
            ("html", self.rate_html),
            ("captcha", self.rate_captcha),
            ("redirect", self.rate_redirect),
            ("timeout", self.rate_timeout),
            ("php_notice", self.rate_php_notice),
        ]


@dataclass(frozen=True)
class Decision:
    fault: str | None  # one of RESPONSE_FAULTS, "timeout", or None
    strip_headers: bool


class FaultInjector:
    """Thread-safe holder of the fault configuration and its RNG."""

    def __init__(self, config: FaultConfig, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._rng = random.Random(seed)
        self._validate(config)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._config)

    @property
    def latency_s(self) -> float:
        return self._config.latency_ms / 1000

    @property
    def timeout_s(self) -> float:
        return self._config.timeout_s

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply partial changes; ``reset: true`` starts from defaults, ``seed`` reseeds the RNG."""
        known = {f.name: f for f in fields(FaultConfig)}
        unknown = set(changes) - set(known) - {"reset", "seed"}
        if unknown:
            raise ApiError(400, "sandbox_invalid_fault", f"Unknown fault setting(s): {', '.join(sorted(unknown))}")
        with self._lock:
            config = FaultConfig() if changes.get("reset") else FaultConfig(**asdict(self._config))
            for name, value in changes.items():
                if name == "queue":
                    config.queue = [str(kind) for kind in value]
                elif name in known:
                    setattr(config, name, float(value))
            self._validate(config)
            self._config = config
            if "seed" in changes:
                self._rng = random.Random(int(changes["seed"]))
            return asdict(config)

    def decide(self) -> Decision:
        with self._lock:
            config = self._config
            if config.queue:
                forced = config.queue.pop(0)
                return Decision(None if forced == "strip_headers" else forced, forced == "strip_headers")
            roll = self._rng.random()
            fault = None
            for kind, rate in config.rates():
                if roll < rate:
                    fault = kind
                    break
                roll -= rate
            strip = config.strip_total_headers > 0 and self._rng.random() < config.strip_total_headers
            return Decision(fault, strip)

    @staticmethod
    def _validate(config: FaultConfig) -> None:
        rates = [rate for _, rate in config.rates()]
        if any(not 0 <= rate <= 1 for rate in rates) or sum(rates) > 1 or not 0 <= config.strip_total_headers <= 1:
            raise ApiError(400, "sandbox_invalid_fault", "Fault rates must be within 0..1 and sum to at most 1.")
        if config.latency_ms < 0 or config.timeout_s < 0:
            raise ApiError(400, "sandbox_invalid_fault", "latency_ms and timeout_s must not be negative.")
        bad = [kind for kind in config.queue if kind not in FAULT_KINDS]
        if bad:
            raise ApiError(
                400, "sandbox_invalid_fault", f"Unknown queued fault(s): {', '.join(bad)}; use {', '.join(FAULT_KINDS)}"
            )


_HTML = "text/html; charset=UTF-8"
_BOT_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="refresh" content="5"></head><body><h1>Checking your browser before accessing the site.</h1>'
    "<p>This process is automatic. Your browser will redirect to your requested content shortly.</p>"
    "<noscript>Please enable JavaScript and cookies to continue.</noscript></body></html>"
)
_SG_CAPTCHA_PAGE = (
    '<html><head><meta http-equiv="refresh" content="0;/.well-known/sgcaptcha/?r=%2Fwp-json%2F">'
    "</head><body></body></html>"
)
_WP_CRITICAL_ERROR = {
    "code": "internal_server_error",
    "message": "<p>There has been a critical error on this website.</p>"
    '<p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">'
    "Learn more about troubleshooting WordPress.</a></p>",
    "data": {"status": 500},
    "additional_errors": [],
}


def _gateway_page(status: int, reason: str) -> str:
    return (
        f"<html><head><title>{status} {reason}</title></head>"
        f"<body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>"
    )


# What a plugin's PHP notice looks like when WordPress displays errors (html_errors on), twice.
PHP_NOTICE = (
    b"<br />\n<b>Notice</b>:  Undefined index: currency in <b>/var/www/html/wp-content/plugins/"
    b"price-helper/price-helper.php</b> on line <b>42</b><br />\n"
    b"<br />\n<b>Deprecated</b>:  Function create_function() is deprecated in <b>/var/www/html/"
    b"wp-content/themes/shop/functions.php</b> on line <b>7</b><br />\n"
)


def fault_response(kind: str, base_url: str, request_path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """``(status, headers, body)`` of a response fault, shaped like what hosts actually send."""
    if kind == "429":
        return 429, [("Content-Type", _HTML), ("Retry-After", "1")], _gateway_page(429, "Too Many Requests").encode()
    if kind == "500":
        return 500, [("Content-Type", "application/json; charset=UTF-8")], json.dumps(_WP_CRITICAL_ERROR).encode()
    if kind == "502":
        return 502, [("Content-Type", _HTML)], _gateway_page(502, "Bad Gateway").encode()
    if kind == "503":
        return 503, [("Content-Type", _HTML)], _gateway_page(503, "Service Temporarily Unavailable").encode()
    if kind == "html":
        return 200, [("Content-Type", _HTML)], _BOT_PAGE.encode()
    if kind == "captcha":
        return 202, [("Content-Type", _HTML), ("SG-Captcha", "challenge")], _SG_CAPTCHA_PAGE.encode()
    if kind == "redirect":
        location = f"{base_url}/wp-login.php?redirect_to={quote(base_url + request_path, safe='')}&reauth=1"
        return 302, [("Content-Type", _HTML), ("Location", location)], b""
    raise ValueError(kind)
