"""Site clock: WordPress date strings in the site timezone and in GMT.

WooCommerce answers dates as ``YYYY-MM-DDTHH:MM:SS`` without a zone: ``date_*`` in the
site's timezone and ``date_*_gmt`` in UTC. Records keep both strings, so list filters
and sorting compare strings exactly as MySQL compares the two DATETIME columns.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

FMT = "%Y-%m-%dT%H:%M:%S"

# rest_parse_date()'s accepted shape (RFC 3339 with optional fraction/offset).
_REST_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)


# "HH:MM:SS" for every second of a day: formatting dates is the hot path of data generation.
_TIMES_OF_DAY = [f"T{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


def gmt_to_ts(value: str) -> int:
    return calendar.timegm(time.strptime(value, FMT))


class SiteClock:
    """Time source plus site-timezone formatting.

    ``now`` is injectable so tests can freeze or advance the shop's clock.
    """

    def __init__(self, tz_name: str = "Asia/Jerusalem", now: Callable[[], float] = time.time) -> None:
        self.tz_name = tz_name
        self.tz = ZoneInfo(tz_name)
        self._now = now
        # Data generation formats ~10^5 dates; zone lookups are cached per day, and per quarter
        # hour (offsets change on quarter-hour boundaries) only on days with a transition.
        self._quarter_offset = lru_cache(maxsize=8192)(self._offset_for_quarter)
        self._day_offsets: dict[int, int | None] = {}
        self._days: dict[int, str] = {}

    def _offset_for_quarter(self, quarter: int) -> int:
        moment = datetime.fromtimestamp(quarter * 900, UTC).astimezone(self.tz)
        offset = moment.utcoffset()
        return int(offset.total_seconds()) if offset else 0

    def _offset(self, ts: int) -> int:
        day = ts // 86400
        if day not in self._day_offsets:
            first, last = self._quarter_offset(day * 96), self._quarter_offset(day * 96 + 95)
            self._day_offsets[day] = first if first == last else None
        offset = self._day_offsets[day]
        return self._quarter_offset(ts // 900) if offset is None else offset

    def now(self) -> int:
        return int(self._now())

    def gmt(self, ts: int) -> str:
        # strftime(FMT, gmtime(ts)) from cached day and time-of-day strings, several times faster.
        day, second = divmod(ts, 86400)
        date = self._days.get(day)
        if date is None:
            date = self._days[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
        return date + _TIMES_OF_DAY[second]

    def local(self, ts: int) -> str:
        return self.gmt(ts + self._offset(ts))

    def pair(self, ts: int) -> tuple[str, str]:
        """``(site-local, gmt)`` strings for a UTC timestamp."""
        return self.local(ts), self.gmt(ts)

    def stamp(self, previous_gmt: str | None = None) -> tuple[str, str]:
        """Modification stamp for an object that was last stamped at ``previous_gmt``.

        Second resolution like MySQL DATETIME, and never earlier than the previous stamp,
        so one object's date_modified never goes backwards even if the clock does.
        """
        ts = self.now()
        if previous_gmt and previous_gmt > self.gmt(ts):
            ts = gmt_to_ts(previous_gmt)
        return self.pair(ts)

    def query_date(self, value: str) -> str | None:
        """A date filter value as WP_Date_Query compares it, or None if rest_parse_date rejects it.

        Like WordPress, a value without zone is compared verbatim against whichever column
        is queried; a value with ``Z``/offset is converted to *site* time first, even when
        ``dates_are_gmt`` selects the GMT column.
        """
        match = _REST_DATE.match(value.strip())
        if not match:
            return None
        naive = "{}-{}-{}T{}:{}:{}".format(*match.groups()[:6])
        zone = match.group("zone")
        if not zone:
            return naive
        moment = datetime.strptime(naive, FMT).replace(tzinfo=UTC) - _zone_offset(zone)
        return self.local(int(moment.timestamp()))

    def input_date(self, value: str, is_gmt: bool) -> int | None:
        """A date written by a client (e.g. ``date_on_sale_from``) as UTC timestamp.

        WC_Data::set_date_prop: explicit offsets win, otherwise ``*_gmt`` fields are UTC and
        the others are site time.
        """
        match = _REST_DATE.match(value.strip())
        if not match:
            return None
        naive = datetime.strptime("{}-{}-{}T{}:{}:{}".format(*match.groups()[:6]), FMT)
        zone = match.group("zone")
        if zone:
            return int((naive.replace(tzinfo=UTC) - _zone_offset(zone)).timestamp())
        if is_gmt:
            return int(naive.replace(tzinfo=UTC).timestamp())
        return int(naive.replace(tzinfo=self.tz).timestamp())


def _zone_offset(zone: str) -> timedelta:
    if zone in ("Z", "z"):
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
