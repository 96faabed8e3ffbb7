"""Pagination without COUNT(*).

An exact count of a large store's products costs tens of milliseconds on every page; a page
that fetches one row more than it shows knows whether a next page exists for free.
"""

from dataclasses import dataclass


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
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def window_page(queryset, page_number, per_page=50):
    """One query: the requested page plus one row to learn whether there is a next page."""
    number = parse_page_number(page_number)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return WindowPage(rows=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page)
