"""Helpers shared by the inline SVG charts (``orders/charts.py``, ``projects/charts.py``)."""


def nice_ceiling(value):
    """The smallest "nice" number (1, 2, 2.5, 5 x 10^n) at or above ``value``."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude
