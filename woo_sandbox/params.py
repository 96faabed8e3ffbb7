"""Request argument validation with WordPress REST semantics, and collection paging.

Validation errors are collected and raised together as one ``rest_invalid_param``
error, with WordPress's wording (``per_page must be between 1 (inclusive) and 100
(inclusive)``), because clients log and sometimes parse those strings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .clock import SiteClock
from .errors import invalid_params

_INTEGER = re.compile(r"^\s*-?\d+(?:\.0*)?\s*$")
_TRUE = ("1", "true")
_FALSE = ("0", "false", "")

MAX_PER_PAGE = 100


def wp_sprintf_l(items: Sequence[str]) -> str:
    """WordPress's ``%l`` list formatting: ``a, b, and c``."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def parse_bool(value: Any) -> bool | None:
    """rest_sanitize_boolean()'s accepted inputs; None when rest_is_boolean() would reject it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return None


def parse_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value):
        return int(float(value))
    return None


def as_list(value: Any) -> list[Any]:
    """WP list arguments arrive as ``a,b``, as ``a[]=x&a[]=y`` or as JSON arrays."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


class Args:
    """Typed access to request parameters; errors accumulate until :meth:`check`."""

    def __init__(self, params: dict[str, Any], clock: SiteClock | None = None) -> None:
        self.params = params
        self.clock = clock
        self.errors: dict[str, tuple[str, str]] = {}

    def has(self, name: str) -> bool:
        return name in self.params

    def fail(self, name: str, code: str, message: str) -> None:
        self.errors.setdefault(name, (code, message))

    def integer(
        self, name: str, default: int | None = None, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        if name not in self.params:
            return default
        value = parse_int(self.params[name])
        if value is None:
            self.fail(name, "rest_invalid_type", f"{name} is not of type integer.")
            return default
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            self.fail(
                name, "rest_out_of_bounds", f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)"
            )
            return default
        if minimum is not None and value < minimum:
            self.fail(name, "rest_out_of_bounds", f"{name} must be greater than or equal to {minimum}")
            return default
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        if name not in self.params:
            return default
        value = parse_bool(self.params[name])
        if value is None:
            self.fail(name, "rest_invalid_type", f"{name} is not of type boolean.")
            return default
        return value

    def string(self, name: str, default: str = "") -> str:
        if name not in self.params:
            return default
        value = self.params[name]
        if not isinstance(value, str):
            self.fail(name, "rest_invalid_type", f"{name} is not of type string.")
            return default
        return value

    def enum(self, name: str, choices: Sequence[str], default: str) -> str:
        value = self.string(name, default)
        if value not in choices:
            self.fail(name, "rest_not_in_enum", f"{name} is not one of {wp_sprintf_l(list(choices))}.")
            return default
        return value

    def enum_list(self, name: str, choices: Sequence[str], default: list[str]) -> list[str]:
        if name not in self.params:
            return default
        values = [str(v) for v in as_list(self.params[name])]
        bad = [v for v in values if v not in choices]
        if bad:
            self.fail(name, "rest_not_in_enum", f"{name}[0] is not one of {wp_sprintf_l(list(choices))}.")
            return default
        return values

    def ids(self, name: str) -> list[int]:
        """wp_parse_id_list(): non-numeric parts become 0 and are dropped, like absint."""
        if name not in self.params:
            return []
        ids = (parse_int(v) for v in as_list(self.params[name]))
        return list(dict.fromkeys(abs(i) for i in ids if i))

    def strings(self, name: str) -> list[str]:
        return [str(v) for v in as_list(self.params[name])] if name in self.params else []

    def date(self, name: str) -> str | None:
        if name not in self.params or self.clock is None:
            return None
        value = self.params[name]
        parsed = self.clock.query_date(value) if isinstance(value, str) else None
        if parsed is None:
            self.fail(name, "rest_invalid_date", "Invalid date.")
        return parsed

    def check(self) -> None:
        if self.errors:
            raise invalid_params(self.errors)


@dataclass
class Collection:
    """Validated common collection arguments (WC_REST_CRUD_Controller::get_collection_params)."""

    page: int = 1
    per_page: int = 10
    offset: int | None = None
    order: str = "desc"
    orderby: str = "date"
    include: list[int] = field(default_factory=list)
    exclude: list[int] = field(default_factory=list)
    search: str = ""
    date_filters: list[tuple[str, str, str]] = field(default_factory=list)  # (column, op, value)


def collection_args(
    args: Args,
    orderby_choices: Sequence[str],
    default_orderby: str = "date",
    default_order: str = "desc",
    dated: bool = True,
) -> Collection:
    coll = Collection(
        page=args.integer("page", 1, minimum=1) or 1,
        per_page=args.integer("per_page", 10, minimum=1, maximum=MAX_PER_PAGE) or 10,
        offset=args.integer("offset"),
        order=args.enum("order", ("asc", "desc"), default_order),
        orderby=args.enum("orderby", orderby_choices, default_orderby),
        include=args.ids("include"),
        exclude=args.ids("exclude"),
        search=args.string("search").strip(),
    )
    if coll.offset is not None:
        coll.offset = abs(coll.offset)
    if dated:
        gmt = args.boolean("dates_are_gmt")
        for name, column, op in (
            ("after", "date_created", ">"),
            ("before", "date_created", "<"),
            ("modified_after", "date_modified", ">"),
            ("modified_before", "date_modified", "<"),
        ):
            value = args.date(name)
            if value is not None:
                coll.date_filters.append((column + "_gmt" if gmt else column, op, value))
    return coll


def apply_common_filters(records: list[dict[str, Any]], coll: Collection) -> list[dict[str, Any]]:
    """include/exclude/date filters shared by every post-type collection."""
    if coll.include:
        wanted = set(coll.include)
        records = [r for r in records if r["id"] in wanted]
    if coll.exclude:
        unwanted = set(coll.exclude)
        records = [r for r in records if r["id"] not in unwanted]
    for column, op, value in coll.date_filters:
        if op == ">":
            records = [r for r in records if r[column] > value]
        else:
            records = [r for r in records if r[column] < value]
    return records


SortKey = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class StatusFilter:
    """The statuses a listing keeps: ``only`` these, or every one but ``but`` (``status=any``
    leaves out the trash). Hashable: big collections cache their filtered sorts by it."""

    only: frozenset[str] | None = None
    but: str | None = None

    def keeps(self, record: dict[str, Any]) -> bool:
        if self.only is not None:
            return record["status"] in self.only
        return record["status"] != self.but


def order_records(
    records: Iterable[dict[str, Any]],
    coll: Collection,
    keys: dict[str, SortKey],
    cached: Callable[[str, SortKey, StatusFilter | None], list[dict[str, Any]]] | None = None,
    where: StatusFilter | None = None,
) -> list[dict[str, Any]]:
    """Sort like WP_Query, keeping the records ``where`` keeps (all without it). ``keys`` maps
    orderby values to sort keys; ``include`` keeps request order.

    ``cached(name, key, where)``, if given, returns ``records`` kept by ``where``, already sorted
    ascending by that key (big collections keep their filtered sorts between writes instead of
    filtering and sorting on every request). Every sort key ends with the id, so the order is
    total: filtering before sorting gives what filtering after would.
    """
    if coll.orderby == "include" and coll.include:
        position = {record_id: index for index, record_id in enumerate(coll.include)}
        ordered = sorted(_kept(records, where), key=lambda r: position.get(r["id"], len(position)))
    else:
        name = coll.orderby if coll.orderby in keys else "id"
        if cached:
            # The cached list itself (callers filter into new lists and slice, never modify it).
            ascending = cached(name, keys[name], where)
            return ascending[::-1] if coll.order == "desc" else ascending
        ordered = sorted(_kept(records, where), key=keys[name])
    if coll.order == "desc":
        ordered.reverse()
    return ordered


def _kept(records: Iterable[dict[str, Any]], where: StatusFilter | None) -> Iterable[dict[str, Any]]:
    return records if where is None else (r for r in records if where.keeps(r))


@dataclass
class Page:
    items: list[Any]
    total: int
    pages: int
    page: int
    # The page's JSON for a ``_fields`` value, when the listing keeps its items' texts (see
    # ``woo_sandbox.item_cache``); otherwise the items are encoded on each request.
    encode: Callable[[Any], str] | None = None


def paginate(records: Sequence[Any], coll: Collection) -> Page:
    """One page; ``offset`` overrides ``page`` like WP_Query, totals always count everything."""
    total = len(records)
    start = coll.offset if coll.offset is not None else (coll.page - 1) * coll.per_page
    return Page(list(records[start : start + coll.per_page]), total, math.ceil(total / coll.per_page), coll.page)


def search_filter(records: Iterable[dict[str, Any]], needle: str, fields: Sequence[str]) -> list[dict[str, Any]]:
    lowered = needle.casefold()
    return [r for r in records if any(lowered in str(r[f]).casefold() for f in fields)]


# Body field kinds for :func:`validate_body`: a type name, or ("enum", choices).
FieldSpec = str | tuple[str, Sequence[str]]


def validate_body(body: dict[str, Any], schema: dict[str, FieldSpec], clock: SiteClock) -> dict[str, Any]:
    """Check the fields of a create/update body against its schema, as WP does before the handler runs.

    Returns the known fields with booleans and integers normalised; unknown fields are
    ignored like WordPress ignores them.
    """
    args = Args(body, clock)
    clean: dict[str, Any] = {}
    for name, spec in schema.items():
        if name not in body:
            continue
        value = body[name]
        nullable = isinstance(spec, str) and spec.endswith("|null")
        kind = spec.removesuffix("|null") if isinstance(spec, str) else spec
        if value is None and nullable:
            clean[name] = None
        elif isinstance(kind, tuple):
            clean[name] = args.enum(name, kind[1], "")
        elif kind == "string":
            clean[name] = args.string(name)
        elif kind == "integer":
            clean[name] = args.integer(name)
        elif kind == "boolean":
            clean[name] = args.boolean(name)
        elif kind == "date":
            if not isinstance(value, str) or clock.input_date(value, is_gmt=True) is None:
                args.fail(name, "rest_invalid_date", "Invalid date.")
            else:
                clean[name] = value
        elif kind in ("array", "object"):
            if not isinstance(value, list if kind == "array" else dict):
                args.fail(name, "rest_invalid_type", f"{name} is not of type {kind}.")
            else:
                clean[name] = value
    args.check()
    return clean


def coerce_body(body: Any, schema: dict[str, FieldSpec]) -> dict[str, Any]:
    """PHP-style scalar casts for batch items, which WooCommerce never validates.

    ``batch_items()`` hands each item straight to the setters, so ``"regular_price": 10.5``
    works in a batch although the same value is a 400 on ``PUT /products/<id>``. Values a
    setter could not take are dropped.
    """
    if not isinstance(body, dict):
        return {}
    coerced = dict(body)
    for name, spec in schema.items():
        if name not in body or body[name] is None:
            continue
        value = body[name]
        kind = spec.removesuffix("|null") if isinstance(spec, str) else "string"
        if kind == "string" and not isinstance(value, str):
            if isinstance(value, bool):
                coerced[name] = "1" if value else ""
            elif isinstance(value, (int, float)):
                coerced[name] = str(int(value)) if float(value).is_integer() else repr(value)
            else:
                del coerced[name]
        elif kind == "integer" and parse_int(value) is None:
            del coerced[name]
        elif kind == "boolean" and parse_bool(value) is None:
            coerced[name] = bool(value)
    return coerced
