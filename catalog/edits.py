"""Edits are changes, not snapshots.

An edit form carries what it was loaded from; a save writes only the fields the person changed,
and a field that someone else (or the shop, through a webhook or a pull) changed in the
meantime is an :class:`EditConflict` shown to the person with both values, never silently
overwritten. The forms and the services compare values with :func:`same_value`, so "unchanged"
means the same thing on both sides.
"""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation
from typing import Any


def _normal(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # Browsers post textareas with CRLF line ends: the same text whatever the line ends.
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:
            return value
    if isinstance(value, list | tuple):
        # Term references compare by id, whatever name or slug they carry.
        return sorted((item.get("id") if isinstance(item, dict) else item) for item in value)
    return value


def same_value(a: Any, b: Any) -> bool:
    """Whether two values of one field are the same for the person (line ends, 10.0 vs 10.00,
    empty vs None, the order of chosen terms do not count)."""
    return _normal(a) == _normal(b)


class EditConflict(Exception):
    """Fields the person changed that were also changed meanwhile, by someone else or by the shop.

    ``fields`` maps each field to ``{"mine": the person's value, "current": the value now saved}``.
    Nothing was written.
    """

    def __init__(self, fields: dict[str, dict[str, Any]], current: Any = None) -> None:
        super().__init__(f"changed meanwhile: {', '.join(sorted(fields))}")
        self.fields = fields
        self.current = current


def check_conflicts(row: Any, values: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any]:
    """The changes still to write on ``row`` (locked by the caller); raises :class:`EditConflict`.

    ``values`` are the person's changes, ``base`` what their form showed for those fields. A field
    whose saved value moved away from ``base`` conflicts, unless it already holds the person's
    value (then there is nothing to write). Without ``base`` (a caller that has no form), every
    value is written.
    """
    conflicts, changes = {}, {}
    for name, value in values.items():
        current = getattr(row, name)
        if same_value(current, value):
            continue
        if base is not None and name in base and not same_value(base[name], current):
            conflicts[name] = {"mine": value, "current": current}
            continue
        changes[name] = value
    if conflicts:
        raise EditConflict(conflicts, current=row)
    return changes
