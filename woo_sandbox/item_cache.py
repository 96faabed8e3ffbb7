"""The JSON text of each listed item, kept between requests.

A pull pages through tens of thousands of products, variations and orders, and a client pages
through them again and again: building each item's REST shape (the record and its ``_links``),
keeping its ``_fields`` and encoding it cost most of the sandbox's time per page. Each item's
JSON text is kept per set of ``_fields``, built from the record with only the wanted keys (the
``_links`` only when asked for); a page's body is its items' texts joined, which is byte for
byte what encoding the page's list gives (compact separators, ``\\/``).

A text is valid while its record is the same object: the store replaces a record on every write
(API writes, generation, mutation, taxonomy renames), never changes one in place, so a write is
seen by the next listing whatever path it took. A page's whole text is kept on the same terms:
while the page lists the very same record objects.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from .params import Page
from .text import wp_json_encode

Record = dict[str, Any]
FieldSet = frozenset[str] | None


def wanted_fields(fields: Any) -> FieldSet:
    """``_fields=a,b`` (or ``_fields[]=a&_fields[]=b``) as a set of keys; None keeps every key."""
    if not fields:
        return None
    return frozenset(f.strip() for f in (fields if isinstance(fields, list) else str(fields).split(",")) if f.strip())


def select_fields(data: Any, wanted: FieldSet) -> Any:
    """Only the ``wanted`` top-level keys, on an object or on every item of a list."""
    if wanted is None:
        return data
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k in wanted}
    if isinstance(data, list):
        return [{k: v for k, v in item.items() if k in wanted} if isinstance(item, dict) else item for item in data]
    return data


Extras = dict[str, Callable[[Record], Any]]


def shaped(record: Record, extras: Extras, wanted: FieldSet = None) -> Record:
    """``{**record, name: extra(record) ...}`` with only the ``wanted`` keys, an extra computed
    only when it is wanted (a key of both keeps the record's place and takes the extra's value)."""
    if wanted is None:
        return {**record, **{name: extra(record) for name, extra in extras.items()}}
    selected = {k: v for k, v in record.items() if k in wanted}
    for name, extra in extras.items():
        if name in wanted:
            selected[name] = extra(record)
    return selected


class ItemCache:
    """The JSON texts of listed items, by kind (``product``, ``order``...), id and ``_fields``.
    A kind's REST shape is its record and ``extras`` (name -> value of a record), e.g. the
    ``_links``. Used from the server's threads: a race encodes a text twice, never mixes two
    records (an entry is replaced whole, and a text is written to its own record's entry)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, int], tuple[Record, dict[FieldSet, str]]] = {}
        # Whole pages too, as a client pages through the same listing again and again: a page's
        # text is valid while it lists the very same records (one identity check per item).
        self._pages: dict[tuple[str, FieldSet, int, int], tuple[list[Record], str]] = {}

    def page_json(self, kind: str, records: list[Record], extras: Extras, fields: Any) -> str:
        """The JSON text of the records' shapes with only ``fields`` (a ``_fields`` value)."""
        wanted = wanted_fields(fields)
        page_key = (kind, wanted, records[0]["id"] if records else 0, len(records))
        cached = self._pages.get(page_key)
        if cached is not None and all(map(operator.is_, cached[0], records)):
            return cached[1]
        text = self._joined(kind, records, extras, wanted)
        self._pages[page_key] = (list(records), text)
        return text

    def _joined(self, kind: str, records: list[Record], extras: Extras, wanted: FieldSet) -> str:
        entries = self._entries
        texts = []
        for record in records:
            key = (kind, record["id"])
            entry = entries.get(key)
            if entry is None or entry[0] is not record:
                entry = entries[key] = (record, {})
            text = entry[1].get(wanted)
            if text is None:
                text = entry[1][wanted] = wp_json_encode(shaped(record, extras, wanted))
            texts.append(text)
        return "[" + ",".join(texts) + "]"

    def page(self, kind: str, page: Page, extras: Extras) -> None:
        """Turn a page of records into a page of REST shapes whose JSON comes from this cache."""
        records = page.items
        page.items = Shapes(records, extras)
        page.encode = lambda fields: self.page_json(kind, records, extras, fields)


class Shapes(Sequence):
    """A page's REST shapes, built when first read: the HTTP answer is made of the cached texts,
    and only a caller in the same process (a test) reads the items themselves."""

    def __init__(self, records: list[Record], extras: Extras) -> None:
        self._records = records
        self._extras = extras
        self._shapes: list[Record] | None = None

    def _built(self) -> list[Record]:
        if self._shapes is None:
            self._shapes = [shaped(record, self._extras) for record in self._records]
        return self._shapes

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index):
        return self._built()[index]
