"""The overview's revenue-and-orders chart as inline SVG geometry, computed here and drawn by
``templates/orders/_revenue_chart.html`` (no JavaScript, no CDN).

Revenue is drawn as bars on the left axis, orders as a line on the right axis. In a right-to-left
language time runs from right to left (the x axis is mirrored on purpose), while the numbers
themselves stay left-to-right.
"""

import math
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import get_language_bidi

from catalog.templatetags.dashboard import format_money
from config.charts import nice_ceiling

WIDTH, HEIGHT = 760, 240
PAD_TOP, PAD_BOTTOM, PAD_SIDE = 16, 28, 56


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list = field(default_factory=list)
    line: str = ""
    dots: list = field(default_factory=list)
    grid: list = field(default_factory=list)
    x_labels: list = field(default_factory=list)
    plot_left: float = PAD_SIDE
    plot_right: float = WIDTH - PAD_SIDE
    baseline: float = HEIGHT - PAD_BOTTOM
    total_revenue: Decimal = Decimal("0")
    total_orders: int = 0
    days: int = 30
    rtl: bool = False
    empty: bool = True
    points: list = field(default_factory=list)


def build_chart(points, currency, days):
    rtl = get_language_bidi()
    chart = Chart(days=days, rtl=rtl, points=points)
    if not points:
        return chart
    max_revenue = nice_ceiling(float(max((p.revenue for p in points), default=0)))
    # Whole orders on the right axis: a ceiling that splits into four whole steps.
    max_orders = max(4, math.ceil(max((p.orders for p in points), default=0) / 4) * 4)
    plot_w = chart.plot_right - chart.plot_left
    plot_h = chart.baseline - PAD_TOP
    slot = plot_w / len(points)
    bar_w = max(2.0, slot * 0.68)

    def x_of(index):
        x = chart.plot_left + slot * index + slot / 2
        return chart.plot_left + chart.plot_right - x if rtl else x

    for step in range(5):
        fraction = step / 4
        y = chart.baseline - plot_h * fraction
        chart.grid.append(
            {
                "y": round(y, 1),
                "revenue": format_money(Decimal(str(max_revenue * fraction)), currency, compact=True),
                "orders": formats.number_format(round(max_orders * fraction)),
            }
        )
    coords = []
    label_every = 7 if days <= 31 else 14
    for index, point in enumerate(points):
        x = x_of(index)
        height = plot_h * float(point.revenue) / max_revenue if max_revenue else 0
        y_orders = chart.baseline - plot_h * point.orders / max_orders if max_orders else chart.baseline
        chart.bars.append(
            {
                "x": round(x - bar_w / 2, 1),
                "y": round(chart.baseline - height, 1),
                "w": round(bar_w, 1),
                "h": round(max(height, 0), 1),
                "hit_x": round(x - slot / 2, 1),
                "hit_w": round(slot, 1),
                "point": point,
                "revenue_text": format_money(point.revenue, currency),
            }
        )
        coords.append(f"{x:.1f},{y_orders:.1f}")
        if point.orders and len(points) <= 31:
            chart.dots.append({"x": round(x, 1), "y": round(y_orders, 1)})
        if (len(points) - 1 - index) % label_every == 0:
            chart.x_labels.append({"x": round(x, 1), "day": point.day})
    chart.line = " ".join(coords)
    chart.total_revenue = sum((p.revenue for p in points), Decimal("0"))
    chart.total_orders = sum(p.orders for p in points)
    chart.empty = chart.total_orders == 0
    return chart
