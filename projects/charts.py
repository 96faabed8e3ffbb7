"""Sprint burndown and velocity as inline SVG geometry (like ``orders/charts.py``: no JavaScript,
no CDN). Drawn by ``templates/projects/_burndown.html`` and ``_velocity.html``. In a right-to-left
language time runs from right to left."""

from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from django.utils.translation import get_language_bidi

from config.charts import nice_ceiling

WIDTH, HEIGHT = 640, 220
PAD_TOP, PAD_BOTTOM, PAD_SIDE = 14, 26, 44


def _hours(value):
    return f"{Decimal(value).quantize(Decimal('0.1')).normalize():f}"


@dataclass
class Frame:
    """The SVG's size and plot area, shared by both charts."""

    width: int = WIDTH
    height: int = HEIGHT
    grid: list = field(default_factory=list)
    plot_left: float = PAD_SIDE
    plot_right: float = WIDTH - PAD_SIDE
    baseline: float = HEIGHT - PAD_BOTTOM
    rtl: bool = False
    empty: bool = True


@dataclass
class LineChart(Frame):
    actual: str = ""
    ideal: str = ""
    dots: list = field(default_factory=list)
    x_labels: list = field(default_factory=list)
    total: str = "0"
    remaining: str = "0"
    days: list = field(default_factory=list)


def _grid(maximum, y_of):
    return [{"y": round(y_of(maximum * step / 4), 1), "label": _hours(maximum * step / 4)} for step in range(5)]


def build_burndown(total, days):
    """``days``: ``projects.burndown.BurndownDay`` list (from ``selectors.sprint_burndown``)."""
    chart = LineChart(rtl=get_language_bidi(), days=days, total=_hours(total))
    if not days or total <= 0:
        return chart
    chart.empty = False
    maximum = nice_ceiling(float(max(total, max(day.remaining for day in days))))
    span = chart.plot_right - chart.plot_left
    steps = max(len(days) - 1, 1)

    def x_of(index):
        offset = span * index / steps
        return round(chart.plot_right - offset if chart.rtl else chart.plot_left + offset, 1)

    def y_of(value):
        return round(chart.baseline - (chart.baseline - PAD_TOP) * float(value) / maximum, 1)

    chart.grid = _grid(maximum, y_of)
    chart.ideal = " ".join(f"{x_of(i)},{y_of(day.ideal)}" for i, day in enumerate(days))
    past = [(i, day) for i, day in enumerate(days) if not day.is_future]
    chart.actual = " ".join(f"{x_of(i)},{y_of(day.remaining)}" for i, day in past)
    chart.dots = [{"x": x_of(i), "y": y_of(day.remaining), "day": day} for i, day in past]
    chart.remaining = _hours(past[-1][1].remaining) if past else chart.total
    every = max(1, len(days) // 7)
    chart.x_labels = [{"x": x_of(i), "day": day.day} for i, day in enumerate(days) if i % every == 0]
    return chart


@dataclass
class BarChart(Frame):
    bars: list = field(default_factory=list)
    average: str = "0"


def _bar(x, y, baseline):
    return {"x": round(x, 1), "y": y, "h": round(baseline - y, 1)}


def build_velocity(sprints):
    """``sprints``: oldest first, each with ``committed`` and ``completed`` estimate hours."""
    chart = BarChart(rtl=get_language_bidi())
    if not sprints:
        return chart
    chart.empty = False
    maximum = nice_ceiling(float(max(max(s.committed, s.completed) for s in sprints) or 1))
    slot = (chart.plot_right - chart.plot_left) / len(sprints)
    width = min(slot * 0.35, 48)

    def y_of(value):
        return round(chart.baseline - (chart.baseline - PAD_TOP) * float(value) / maximum, 1)

    chart.grid = _grid(maximum, y_of)
    for index, sprint in enumerate(sprints):
        center = chart.plot_left + slot * (index + 0.5)
        if chart.rtl:
            center = chart.plot_right - slot * (index + 0.5)
        committed_y, completed_y = y_of(sprint.committed), y_of(sprint.completed)
        chart.bars.append(
            {
                "sprint": sprint,
                "center": round(center, 1),
                "committed": {
                    "x": round(center - width, 1),
                    "y": committed_y,
                    "h": round(chart.baseline - committed_y, 1),
                },
                "completed": {"x": round(center, 1), "y": completed_y, "h": round(chart.baseline - completed_y, 1)},
                "width": round(width, 1),
                "committed_text": _hours(sprint.committed),
                "completed_text": _hours(sprint.completed),
            }
        )
    done = [s.completed for s in sprints]
    chart.average = _hours(sum(done) / len(done))
    return chart
