"""Walking WooCommerce list endpoints: the paging half of the client (mixed into ``WooClient``).

* ``iter_pages`` yields one listing's pages in order: page 1 first, then the rest by a bounded
  pool (``X-WP-TotalPages`` when present, otherwise speculatively until a short or empty page),
  with a guard against a server that repeats a page; the pool's threads only fetch, each page is
  decoded in the caller's thread;
* ``fetch_all`` is every item of one listing, ``fetch_many`` many listings at once (e.g. each
  variable product's variations), consumed lazily.

Single requests, retries and errors are ``sync.woo.client``'s.
"""

from __future__ import annotations

import collections
import queue
from collections.abc import Iterable
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sync.woo.errors import WooError
from sync.woo.errors import WooNotWooCommerceError
from sync.woo.errors import WooPaginationError
from sync.woo.responses import Page
from sync.woo.responses import _loads
from sync.woo.responses import _Undecoded

MAX_PER_PAGE = 100
# fetch_many keeps this many jobs per thread ahead of its caller.
FETCH_MANY_AHEAD = 16


class Paging:
    """The list endpoints of :class:`sync.woo.client.WooClient`, which provides ``get``,
    ``_final``, ``_notices_skipped``, ``stats``, ``page_size`` and ``concurrency``."""

    def _get_page(self, endpoint: str, params: dict, number: int, per_page: int, *, decode: bool = True) -> Page:
        response = self.get(endpoint, {**params, "page": number, "per_page": per_page}, decode=decode)
        if isinstance(response.data, _Undecoded):
            return Page(number, None, total=response.total, total_pages=response.total_pages, raw=response.data.content)
        return self._list_page(endpoint, number, response.data, response.total, response.total_pages)

    def _list_page(self, endpoint: str, number: int, data: Any, total: int | None, pages: int | None) -> Page:
        if not isinstance(data, list):
            raise self._final(
                WooNotWooCommerceError(
                    f"expected a JSON list, got {type(data).__name__}", code="not_a_list", url=endpoint
                )
            )
        return Page(number, data, total=total, total_pages=pages)

    def _decoded(self, page: Page, endpoint: str, params: dict, per_page: int) -> Page:
        """A page fetched by a pool thread, decoded in the calling thread.

        The pool's threads only wait for the network: decoding a page of 100 orders holds the GIL
        for several milliseconds, and the thread writing to the database would wait for it after
        every round trip. A body that turns out not to be JSON is fetched again here, with the
        usual retries (as an undecodable answer is when it is decoded at once)."""
        if page.raw is None:
            return page
        try:
            data, after_notices = _loads(page.raw)
        except ValueError:
            self.stats.add_retry("invalid_json")
            return self._get_page(endpoint, params, page.number, per_page)
        if after_notices:
            self._notices_skipped()
        return self._list_page(endpoint, page.number, data, page.total, page.total_pages)

    def iter_pages(
        self,
        endpoint: str,
        params: dict | None = None,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        errors: str = "raise",
    ) -> Iterator[Page]:
        """Yield the pages of a list endpoint in order.

        Page 1 is read first; if it says how many pages there are, the rest are fetched by a
        bounded pool (``concurrency`` in flight). Without ``X-WP-TotalPages`` (stripped by a
        proxy) pages are fetched speculatively, ``concurrency`` ahead, until a short or empty
        page. A listing whose last page is full is followed further (items added meanwhile).
        A page identical to the previous one raises :class:`WooPaginationError`.

        ``errors="yield"`` yields a :class:`Page` with ``error`` set for a page that failed
        after the retries and goes on with the next pages; the listing is then incomplete.

        The pool's threads only fetch: each page is decoded here, in the calling thread, when
        its turn comes (see ``_decoded``).
        """
        if errors not in ("raise", "yield"):
            raise ValueError("errors must be 'raise' or 'yield'")
        per_page = max(1, min(per_page or self.page_size, MAX_PER_PAGE))
        params = dict(params or {})
        width = max(1, concurrency or self.concurrency)

        try:
            first = self._get_page(endpoint, params, 1, per_page)
        except WooError as exc:
            if errors == "raise":
                raise
            yield Page(1, None, error=exc)
            return
        yield first
        if len(first.items) < per_page:
            return
        known_last = first.total_pages if first.total_pages and first.total_pages >= 1 else None
        previous_ids = _ids(first.items)

        executor = ThreadPoolExecutor(max_workers=width, thread_name_prefix="woo-page")
        # Known page counts are queued two widths ahead; speculative ones (no headers) one.
        ahead = width * 2 if known_last is not None else width
        in_flight: collections.deque[tuple[int, Future]] = collections.deque()
        next_number = 2
        try:

            def fill() -> None:
                nonlocal next_number
                # Twice the pool's width is queued, so fetching goes on while the caller writes.
                while len(in_flight) < ahead and (known_last is None or next_number <= known_last):
                    future = executor.submit(self._get_page, endpoint, params, next_number, per_page, decode=False)
                    in_flight.append((next_number, future))
                    next_number += 1

            fill()
            while in_flight:
                number, future = in_flight.popleft()
                try:
                    page = self._decoded(future.result(), endpoint, params, per_page)
                except WooError as exc:
                    if errors == "raise":
                        raise
                    yield Page(number, None, error=exc)
                    previous_ids = None
                    fill()
                    continue
                ids = _ids(page.items)
                if ids and previous_ids is not None and ids == previous_ids:
                    raise WooPaginationError(
                        f"page {number} repeats page {number - 1} (the server ignores 'page'); stopping",
                        url=endpoint,
                    )
                previous_ids = ids
                yield page
                if len(page.items) < per_page:
                    return  # a short or empty page ends the list, whatever the headers said
                if known_last is not None and number >= known_last and not in_flight:
                    known_last = None  # the last page was full: follow on, one window at a time
                fill()
        finally:
            for _, future in in_flight:
                future.cancel()
            executor.shutdown(wait=True, cancel_futures=True)

    def fetch_all(
        self,
        endpoint: str,
        params: dict | None = None,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
    ) -> list[dict]:
        """Every item of a list endpoint (raises on the first page that fails)."""
        items: list[dict] = []
        for page in self.iter_pages(endpoint, params, per_page=per_page, concurrency=concurrency):
            items.extend(page.items)
        return items

    def fetch_many(
        self,
        jobs: Iterable[tuple[Any, str, dict | None]],
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
    ) -> Iterator[tuple[Any, list[dict] | WooError]]:
        """Fetch many list endpoints concurrently, e.g. the variations of many products.

        ``jobs`` yields ``(key, endpoint, params)``; results come back as ``(key, items)`` or
        ``(key, WooError)`` in completion order. At most ``concurrency`` endpoints are in
        flight (each walks its own pages one after another) and ``jobs`` is consumed lazily.
        """
        width = max(1, concurrency or self.concurrency)
        # Jobs run ahead of the caller, so the pool goes on fetching while the caller writes what
        # it got: writing a batch of variations takes a second or so, in which 8 threads at
        # 50 ms a request finish some 160 lists (a list is a product's variations: kilobytes).
        window = width * FETCH_MANY_AHEAD
        jobs = iter(jobs)
        finished: queue.SimpleQueue = queue.SimpleQueue()

        def run(key: Any, endpoint: str, params: dict | None) -> None:
            try:
                result: list[dict] | WooError = self.fetch_all(endpoint, params, per_page=per_page, concurrency=1)
            except WooError as exc:
                result = exc
            except Exception as exc:  # noqa: BLE001 - handed over and raised in the caller's thread
                finished.put((key, None, exc))
                return
            finished.put((key, result, None))

        executor = ThreadPoolExecutor(max_workers=width, thread_name_prefix="woo-many")
        submitted = 0  # running, queued, or finished and not handed to the caller yet

        def fill() -> None:
            nonlocal submitted
            while submitted < window:
                try:
                    key, endpoint, params = next(jobs)
                except StopIteration:
                    return
                executor.submit(run, key, endpoint, params)
                submitted += 1

        try:
            fill()
            while submitted:
                key, result, error = finished.get()
                submitted -= 1
                if error is not None:
                    raise error
                yield key, result
                fill()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


def _ids(items: list[dict]) -> tuple:
    return tuple(item.get("id") for item in items if isinstance(item, dict))


__all__ = [
    "MAX_PER_PAGE",
]
