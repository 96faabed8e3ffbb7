"""Request counters for the control endpoint and benchmarks."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any


class RequestStats:
    """Counts API requests in total, by route template, by status code and by injected fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._since = time.time()
            self._total = 0
            self._routes: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()

    def count(self, route: str, status: int, fault: str | None) -> None:
        with self._lock:
            self._total += 1
            self._routes[route] += 1
            self._statuses[str(status)] += 1
            if fault:
                self._faults[fault] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "since": self._since,
                "total": self._total,
                "by_route": dict(self._routes),
                "by_status": dict(self._statuses),
                "faults": dict(self._faults),
            }
