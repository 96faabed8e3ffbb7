"""Pagination without a slow COUNT(*).

An exact count of a large store's products costs tens of milliseconds on every page; a page
that fetches one row more than it shows knows whether a next page exists for free. Totals
("1–50 of 1,234") come from a count the caller already keeps (e.g. orders per status), or from a
count capped at ``EXACT_COUNT_LIMIT`` rows that rides in the page's own query; beyond it, from
PostgreSQL's own row estimate for the query ("of about 200,000"), which costs one EXPLAIN.

Page numbers are bounded here, before they become an OFFSET: anything that is not a number is
page 1, a number above ``MAX_PAGE_NUMBER`` or a page past the end is a 404 (PostgreSQL would
answer "bigint out of range" to 99999999999999999999).
"""

import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.http import Http404

MAX_PAGE_NUMBER = 1_000_000
# Beyond this many rows a total is PostgreSQL's estimate, not a count.
EXACT_COUNT_LIMIT = 1000
# An estimate this many times the limit is taken as it is, without counting.
ESTIMATE_TRUSTED = 10
# The page's rows carry the capped count of the whole list under this name.
CAPPED_TOTAL = "list_capped_total"


@dataclass(frozen=True)
class WindowPage:
    rows: list
    number: int
    per_page: int
    has_next: bool
    total: int | None = None  # None: not asked for
    total_exact: bool = True

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def start_index(self):
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self):
        return self.start_index + len(self.rows) - 1 if self.rows else 0

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


def parse_page_number(value):
    """1 for anything that is not a positive number; ``Http404`` above ``MAX_PAGE_NUMBER``."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    if number > MAX_PAGE_NUMBER:
        raise Http404("No such page.")
    return max(1, number)


def page_of(rows, number, per_page):
    """The page from ``rows`` (up to ``per_page + 1`` of them, fetched from the page's offset).
    A page past the end is a 404, like a page that never existed."""
    if number > 1 and not rows:
        raise Http404("No such page.")
    return WindowPage(rows=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page)


def window_page(queryset, page_number, per_page=50):
    """One query: the requested page plus one row to learn whether there is a next page."""
    number = parse_page_number(page_number)
    offset = (number - 1) * per_page
    return page_of(list(queryset[offset : offset + per_page + 1]), number, per_page)


def estimated_rows(queryset):
    """The planner's row estimate for ``queryset`` (one EXPLAIN, no rows read)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # drivers that do not decode json
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _keys(queryset):
    # Only the keys: a list's annotations (subqueries per row) are not worth computing to count.
    return queryset.order_by().values("pk")


def _counts_below(estimate, limit):
    """Whether a list of ``estimate`` rows (the planner's guess) is worth counting: a capped count
    of a broad search still reads thousands of rows to find ``limit + 1`` matches."""
    return estimate < ESTIMATE_TRUSTED * limit


def _total(estimate, capped, limit):
    """``(total, exact)`` from the estimate and the capped count (None: not counted)."""
    if capped is None:
        return estimate, False
    if capped <= limit:
        return capped, True
    return max(estimate, limit + 1), False


def total_of(queryset, limit=EXACT_COUNT_LIMIT):
    """``(total, exact)``: an exact count when there are at most ``limit`` rows (the count stops
    reading after ``limit + 1``), else PostgreSQL's estimate, never below ``limit``.

    The estimate comes first (an EXPLAIN reads no rows): when it is ten times the limit or more,
    it is the answer and nothing is counted. Otherwise the capped count follows."""
    keys = _keys(queryset)
    estimate = estimated_rows(keys)
    capped = keys[: limit + 1].count() if _counts_below(estimate, limit) else None
    return _total(estimate, capped, limit)


def _capped_count(keys_sql, params):
    """The number of rows ``keys_sql`` returns (it stops after ``limit + 1``) as a column: an
    uncorrelated scalar subquery, which PostgreSQL runs once per statement (an InitPlan)."""
    # The SQL is Django's own compilation of the list's query; its values stay parameters.
    count_sql = f"SELECT COUNT(*) FROM ({keys_sql}) AS capped"  # noqa: S608
    return RawSQL(count_sql, params, output_field=IntegerField())  # noqa: S611


def counted_page(queryset, page_number, per_page=50, *, known_total=None):
    """``window_page`` with a total: ``known_total`` when the caller keeps one (exact and free),
    else ``total_of``'s answer in two queries and no COUNT of its own: the planner's estimate,
    then the page, which brings the capped count along when the estimate is small. The total
    never contradicts the page itself."""
    estimate = None
    if known_total is None:
        limit = EXACT_COUNT_LIMIT
        estimate = estimated_rows(queryset)
        if _counts_below(estimate, limit):
            sql, params = _keys(queryset)[: limit + 1].query.sql_with_params()
            queryset = queryset.annotate(**{CAPPED_TOTAL: _capped_count(sql, params)})
    page = window_page(queryset, page_number, per_page)
    if known_total is not None:
        total, exact = known_total, True
    elif not page.has_next and (page.rows or page.number == 1):
        total, exact = page.end_index, True  # the last page: the total is known without counting
    else:
        capped = getattr(page.rows[0], CAPPED_TOTAL, None)
        total, exact = _total(estimate, capped, limit)
    floor = page.end_index + (1 if page.has_next else 0)
    if total < floor:
        total = floor
    return WindowPage(page.rows, page.number, per_page, page.has_next, total=total, total_exact=exact)
