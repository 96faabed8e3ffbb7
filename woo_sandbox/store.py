"""In-memory shop state shared by the HTTP handlers, the webhook dispatcher and tests."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .clock import SiteClock
from .item_cache import ItemCache
from .params import StatusFilter

EventListener = Callable[[str, int], None]


class VersionedDict(dict):
    """A dict that counts its writes (``version``): records are replaced, never changed in
    place, so a cache derived from the dict is valid while its version stays the same, however
    the dict is written (API writes, generation, mutation, taxonomy renames, tests)."""

    version = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.version += 1
        super().__delitem__(key)

    def pop(self, *args: Any) -> Any:
        self.version += 1
        return super().pop(*args)

    def popitem(self) -> tuple[Any, Any]:
        self.version += 1
        return super().popitem()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.version += 1
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.version += 1
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self.version += 1
        super().clear()

    def __ior__(self, other: Any) -> VersionedDict:
        self.update(other)
        return self


class Store:
    """Every WooCommerce object the sandbox serves, keyed by id, in REST shape.

    All reads and writes hold ``lock`` (re-entrant). Writes run inside :meth:`tx`, which
    collects the webhook events they :meth:`emit` and hands them to ``listener`` after
    the outermost transaction has released the lock, so a slow delivery queue can never
    block the API.

    Ids come from shared sequences as in WordPress: products, variations, orders and
    image attachments are all posts (so ids have gaps from a client's point of view), and
    categories, tags, brands and attribute terms are all terms.
    """

    def __init__(self, clock: SiteClock, base_url: str, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.api = f"{self.base_url}/wp-json/wc/v3"
        # Randomness for values the shop invents on API writes (order keys, webhook secrets).
        self.rng = random.Random(seed + 7919)

        self.products: dict[int, dict[str, Any]] = {}
        self.variations: VersionedDict = VersionedDict()  # sorted_values caches its sorts
        self.variation_parent: dict[int, int] = {}
        self.children: dict[int, list[int]] = {}  # product id -> every variation id, trashed included
        self.orders: dict[int, dict[str, Any]] = {}
        self.categories: dict[int, dict[str, Any]] = {}
        self.tags: dict[int, dict[str, Any]] = {}
        self.brands: dict[int, dict[str, Any]] = {}
        self.attributes: dict[int, dict[str, Any]] = {}
        self.terms: dict[int, dict[str, Any]] = {}  # attribute terms
        self.term_attribute: dict[int, int] = {}  # attribute term id -> attribute id
        self.media: dict[int, dict[str, Any]] = {}  # image attachments by id
        self.media_files: dict[int, tuple[bytes, str]] = {}  # sideloaded files: (bytes, content type)
        self.sideloads: list[dict[str, Any]] = []  # every file downloaded from a client's src URL
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.order_notes: dict[int, list[dict[str, Any]]] = {}  # order id -> notes (comments)
        self.refunds: dict[int, list[dict[str, Any]]] = {}  # order id -> shop_order_refund posts
        self.customer_emails: list[dict[str, Any]] = []  # notes WooCommerce e-mailed to customers

        self.skus: dict[str, int] = {}  # non-trashed product/variation id by SKU
        self.product_slugs: set[str] = set()
        self.trashed_status: dict[int, str] = {}  # status to restore on untrash (_wp_trash_meta_status)
        self.stock_reduced: set[int] = set()  # orders whose stock was reduced (_order_stock_reduced)

        self._sequences = {"post": 0, "term": 0, "attribute": 0, "webhook": 0, "item": 0, "meta": 0, "comment": 0}
        self._versions: Counter[str] = Counter()
        self._count_cache: tuple[tuple[int, int], Counter[int]] | None = None
        self._term_index: tuple[int, dict[tuple[int, str], dict[str, Any]]] | None = None
        # Listed items' REST shapes and JSON texts, valid while their record is the same object.
        self.item_cache = ItemCache()
        self._sorted: dict[tuple[str, str, StatusFilter | None], tuple[int, list[dict[str, Any]]]] = {}
        self._events: list[tuple[str, int]] = []
        self._depth = 0
        self.listener: EventListener | None = None

    # --- ids, versions, transactions -------------------------------------------------

    def next_id(self, sequence: str) -> int:
        self._sequences[sequence] += 1
        return self._sequences[sequence]

    def bump(self, collection: str) -> None:
        """Invalidate caches derived from ``collection`` (e.g. term counts from products)."""
        self._versions[collection] += 1

    def version(self, collection: str) -> int:
        return self._versions[collection]

    @contextmanager
    def tx(self) -> Iterator[None]:
        """Hold the lock for a write; deliver emitted events once the outermost tx ends."""
        with self.lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                events, outermost = self._events, self._depth == 0
                if outermost:
                    self._events = []
        if outermost and events and self.listener is not None:
            for topic, resource_id in events:
                self.listener(topic, resource_id)

    def emit(self, topic: str, resource_id: int) -> None:
        self._events.append((topic, resource_id))

    # --- indexes ------------------------------------------------------------------------

    def sku_owner(self, sku: str) -> int | None:
        return self.skus.get(sku)

    def reindex_sku(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        """Keep the SKU index in step with a record change (trashed records free their SKU)."""
        if old is not None and old["sku"] and self.skus.get(old["sku"]) == old["id"]:
            del self.skus[old["sku"]]
        if new is not None and new["sku"] and new["status"] != "trash":
            self.skus[new["sku"]] = new["id"]

    def unique_product_slug(self, wanted: str, current: str = "") -> str:
        """wp_unique_post_slug(): append -2, -3... to a slug already in use."""
        if wanted == current or wanted not in self.product_slugs:
            return wanted
        suffix = 2
        while f"{wanted}-{suffix}" in self.product_slugs:
            suffix += 1
        return f"{wanted}-{suffix}"

    def sorted_values(
        self, collection: str, name: str, key: Callable[[dict[str, Any]], Any], where: StatusFilter | None = None
    ) -> list[dict[str, Any]]:
        """``products``, ``orders`` or ``variations`` kept by ``where`` (all without it), sorted
        ascending by ``key`` (named ``name``), cached until a write.

        Sorting 20,000 records costs tens of milliseconds, and keeping those of a status some
        more; paging through a collection would pay both on every page. Callers must not modify
        the returned list.
        """
        if collection == "variations":
            version, table = self.variations.version, self.variations
        else:
            version = self.version(collection)
            table = self.products if collection == "products" else self.orders
        cached = self._sorted.get((collection, name, where))
        if cached is None or cached[0] != version:
            records = table.values() if where is None else [r for r in table.values() if where.keeps(r)]
            cached = (version, sorted(records, key=key))
            self._sorted[(collection, name, where)] = cached
        return cached[1]

    def term_counts(self) -> Counter[int]:
        """Published products per category/tag/brand/attribute term, recomputed after writes."""
        with self.lock:
            return self._term_counts()

    def _term_counts(self) -> Counter[int]:
        version = (self.version("products"), self.version("terms"))
        if self._count_cache is None or self._count_cache[0] != version:
            counts: Counter[int] = Counter()
            term_ids = {(self.term_attribute[t], term["name"]): t for t, term in self.terms.items()}
            for product in self.products.values():
                if product["status"] != "publish":
                    continue
                for group in (product["categories"], product["tags"], product["brands"]):
                    counts.update(ref["id"] for ref in group)
                for attribute in product["attributes"]:
                    if attribute["id"]:
                        counts.update(
                            term_ids[key]
                            for key in ((attribute["id"], o) for o in attribute["options"])
                            if key in term_ids
                        )
            self._count_cache = (version, counts)
        return self._count_cache[1]

    def attribute_term(self, attribute_id: int, option: str) -> dict[str, Any] | None:
        """The term of a global attribute whose name or slug is ``option``."""
        version = self.version("terms")
        if self._term_index is None or self._term_index[0] != version:
            index: dict[tuple[int, str], dict[str, Any]] = {}
            for term_id, term in self.terms.items():
                attribute_id_of_term = self.term_attribute[term_id]
                index.setdefault((attribute_id_of_term, term["slug"]), term)
                index[(attribute_id_of_term, term["name"])] = term
            self._term_index = (version, index)
        return self._term_index[1].get((attribute_id, option))

    def now_gmt(self) -> str:
        return self.clock.gmt(self.clock.now())
