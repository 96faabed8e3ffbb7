"""Pure arithmetic of sprint progress, shared by the burndown chart and the sprint_delay rule."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

ZERO = Decimal("0")


def remaining_hours(estimated, logged, done):
    """What is left of one task: nothing once done, else its estimate minus the hours logged (not below 0)."""
    if done or not estimated:
        return ZERO
    return max(Decimal(estimated) - Decimal(logged or 0), ZERO)


def elapsed_fraction(start, end, now):
    """How much of the sprint's time has passed, 0..1."""
    total = (end - start).total_seconds()
    if total <= 0:
        return 1.0
    return min(max((now - start).total_seconds() / total, 0.0), 1.0)


def ideal_remaining(total, start, end, now):
    """The ideal line: the whole estimate at the start, nothing left at the end."""
    return Decimal(total) * Decimal(str(1 - elapsed_fraction(start, end, now)))


@dataclass
class BurndownDay:
    day: object
    remaining: Decimal
    ideal: Decimal
    is_future: bool


def burndown_days(tasks, logs_by_task_day, start_day, end_day, today):
    """Remaining estimate at the end of each day of the sprint, and the ideal line.

    ``tasks``: ``[(task_id, estimated_hours, completed_on or None)]``; ``logs_by_task_day``:
    ``{(task_id, day): hours}``. Days after ``today`` have no actual value (``is_future``).
    """
    total = sum((Decimal(est or 0) for _id, est, _done in tasks), ZERO)
    span = max((end_day - start_day).days, 1)
    logged = {}
    days = []
    day = start_day
    index = 0
    while day <= end_day:
        for task_id, _est, _done in tasks:
            logged[task_id] = logged.get(task_id, ZERO) + Decimal(logs_by_task_day.get((task_id, day), 0))
        remaining = sum(
            (
                remaining_hours(est, logged[task_id], done_on is not None and done_on <= day)
                for task_id, est, done_on in tasks
            ),
            ZERO,
        )
        ideal = total * (1 - Decimal(min(index, span)) / Decimal(span))
        days.append(BurndownDay(day=day, remaining=remaining, ideal=ideal, is_future=day > today))
        day += timedelta(days=1)
        index += 1
    return total, days
