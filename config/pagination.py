"""Pagination without COUNT(*).

An exact count of a large store's products costs tens of milliseconds on every page; a page
that fetches one row more than it shows knows whether a next page exists for free.

Page numbers are bounded here, before they become an OFFSET: anything that is not a number is
page 1, a number above ``MAX_PAGE_NUMBER`` or a page past the end is a 404 (PostgreSQL would
answer "bigint out of range" to 99999999999999999999).
"""

from dataclasses import dataclass

from django.http import Http404

MAX_PAGE_NUMBER = 1_000_000


@dataclass(frozen=True)
class WindowPage:
    rows: list
    number: int
    per_page: int
    has_next: bool

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
