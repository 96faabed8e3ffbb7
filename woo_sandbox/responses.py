"""Plain HTTP response values shared by the API, control and page handlers."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .text import wp_json_encode

JSON_TYPE = "application/json; charset=UTF-8"
HTML_TYPE = "text/html; charset=UTF-8"


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return json_text_response(status, wp_json_encode(payload), headers)


def json_text_response(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Response:
    """A JSON answer encoded already (``wp_json_encode``'s output)."""
    return Response(status, text.encode(), [("Content-Type", JSON_TYPE), *(headers or [])])


def html_response(status: int, title: str, text: str) -> Response:
    page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
    return Response(status, page.encode(), [("Content-Type", HTML_TYPE)])
