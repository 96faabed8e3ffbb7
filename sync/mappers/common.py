"""Shared conversions for the mappers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from functools import lru_cache
from functools import wraps
from typing import Any

# NUMERIC(10,2): values must stay below 10^8.
MONEY_LIMIT = Decimal("100000000")
TWO_PLACES = Decimal("0.01")
DIMENSIONS = ("length", "width", "height")


class MappingError(ValueError):
    """A payload that cannot be turned into a row (one bad item, recorded in sync_errors)."""

    def __init__(self, message: str, *, field: str | None = None, woo_id: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.woo_id = woo_id


def without_nul(value: Any) -> Any:
    """Decoded JSON with U+0000 removed from every string and key: WooCommerce stores it (a
    pasted name, a plugin's note), PostgreSQL text and jsonb cannot hold it."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


def reads_payload[**P, R](mapper: Callable[P, R]) -> Callable[P, R]:
    """A mapper reads its payload without U+0000 (see :func:`without_nul`), so every field it
    writes, jsonb included, and every error it raises fits PostgreSQL."""

    @wraps(mapper)
    def read(payload: Any, *args: Any, **kwargs: Any) -> R:
        try:
            clean = without_nul(payload)
        except RecursionError as exc:
            raise MappingError("the object is nested too deeply") from exc
        return mapper(clean, *args, **kwargs)

    return read


def require(payload: Any, key: str, kind: type | tuple[type, ...] = object) -> Any:
    if not isinstance(payload, dict):
        raise MappingError(f"expected an object, got {type(payload).__name__}")
    if key not in payload:
        raise MappingError(f"missing field {key!r}", field=key, woo_id=payload.get("id"))
    value = payload[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise MappingError(f"field {key!r} has type {type(value).__name__}", field=key, woo_id=payload.get("id"))
    return value


def woo_id(payload: Any) -> int:
    value = require(payload, "id", int)
    if value <= 0:
        raise MappingError(f"invalid id {value!r}", field="id", woo_id=value)
    return value


def text(payload: dict, key: str, default: str | None = "") -> str | None:
    value = payload.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise MappingError(f"field {key!r} is not text", field=key, woo_id=payload.get("id"))
    return value


def blank_to_none(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def decimal(value: Any, *, field: str, places: Decimal | None = None, limit: Decimal | None = None) -> Decimal | None:
    """``"21.99"`` -> Decimal; ``""``/None -> None. Numbers (order line prices) are accepted too."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MappingError(f"{field} is a boolean", field=field)
    number = _number(str(value), places) if isinstance(value, (str, int, float)) else None
    if number is None:
        raise MappingError(f"{field} is not a number: {value!r}", field=field)
    if limit is not None and abs(number) >= limit:
        raise MappingError(f"{field} {value!r} does not fit NUMERIC(10,2)", field=field)
    return number


@lru_cache(maxsize=16384)
def _number(written: str, places: Decimal | None) -> Decimal | None:
    """The finite number ``written`` reads as (rounded to ``places``), None if none. Memoized: a
    shop's prices, weights and totals repeat from item to item, and a Decimal is immutable."""
    try:
        number = Decimal(written.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return number if places is None else number.quantize(places)


def money(value: Any, *, field: str) -> Decimal | None:
    """A NUMERIC(10,2) column (products, orders)."""
    return decimal(value, field=field, places=TWO_PLACES, limit=MONEY_LIMIT)


def measures(payload: dict, dimensions: dict) -> dict:
    """A product's or variation's weight and dimensions (``dimensions``: its checked object)."""
    return {
        "weight": money(payload.get("weight"), field="weight"),
        "length": money(dimensions.get("length"), field="dimensions.length"),
        "width": money(dimensions.get("width"), field="dimensions.width"),
        "height": money(dimensions.get("height"), field="dimensions.height"),
    }


def amount(value: Decimal | None) -> str:
    """A decimal as WooCommerce takes one in a request body: a plain string, "" for none."""
    return "" if value is None else format(value, "f")


def sent(fields: dict[str, Any], only: set[str] | None) -> Callable[[str], bool]:
    """Whether a request body carries a field: it is in ``fields`` and in ``only`` (None: all)."""
    return lambda name: (only is None or name in only) and name in fields


def stock_body(fields: dict[str, Any], wanted: Callable[[str], bool]) -> dict:
    """The stock members of a product's or variation's request body (no quantity: not managed)."""
    if not wanted("stock_quantity"):
        return {}
    quantity = fields["stock_quantity"]
    return {"manage_stock": False} if quantity is None else {"manage_stock": True, "stock_quantity": quantity}


def measures_body(fields: dict[str, Any], wanted: Callable[[str], bool]) -> dict:
    """The weight and dimensions members of a product's or variation's request body."""
    body: dict[str, Any] = {}
    if wanted("weight"):
        body["weight"] = amount(fields["weight"])
    dimensions = {side: amount(fields[side]) for side in DIMENSIONS if wanted(side)}
    if dimensions:
        body["dimensions"] = dimensions
    return body


def integer(value: Any, *, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MappingError(f"{field} is a boolean", field=field)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    else:
        raise MappingError(f"{field} is not an integer: {value!r}", field=field)
    if not -(2**31) <= number < 2**31:
        raise MappingError(f"{field} {number} is out of range", field=field)
    return number


def gmt(value: Any, *, field: str) -> datetime | None:
    """A ``*_gmt`` date (``YYYY-MM-DDTHH:MM:SS``, UTC, no suffix) as an aware datetime."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MappingError(f"{field} is not a date string", field=field)
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1]
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise MappingError(f"{field} is not a date: {value!r}", field=field) from exc
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_gmt_string(moment: datetime | None) -> str | None:
    """The reverse of :func:`gmt`, for request parameters and pushed dates."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def refs(payload: dict, key: str) -> list[dict]:
    """``categories``/``tags``/``brands`` references as ``[{"id","name","slug"}]``."""
    value = payload.get(key) or []
    if not isinstance(value, list):
        raise MappingError(f"{key} is not a list", field=key, woo_id=payload.get("id"))
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise MappingError(f"{key} holds an invalid reference: {item!r}", field=key, woo_id=payload.get("id"))
        out.append({"id": item["id"], "name": item.get("name", ""), "slug": item.get("slug", "")})
    return out


def image_src(image: Any) -> str | None:
    if isinstance(image, dict):
        return blank_to_none(image.get("src"))
    return None


class _NotGiven:
    """A field left out of a partial update body (``None`` may be a value: no parent, no image)."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()


def term_image(image_url: str | None) -> dict | list:
    """A term's new image for WooCommerce: sideloaded from its URL; ``[]`` removes it.
    An unchanged image is never sent (WooCommerce would upload a duplicate)."""
    return {"src": image_url} if image_url else []


@reads_payload
def term_fields(payload: dict) -> dict:
    """The columns every WooCommerce term has (categories, tags, brands, attribute terms)."""
    return {
        "woo_id": woo_id(payload),
        "name": require(payload, "name", str),
        "slug": require(payload, "slug", str),
        "description": text(payload, "description"),
        "count": integer(payload.get("count", 0), field="count") or 0,
    }


def term_body(*, name: str | None, slug: str | None, description: str | None = None) -> dict:
    """The part of a term's update body every term has, for the fields given (an update sends
    only the changed ones; an empty slug is left for WooCommerce to derive)."""
    body: dict = {} if name is None else {"name": name}
    if slug:
        body["slug"] = slug
    if description is not None:
        body["description"] = description
    return body
