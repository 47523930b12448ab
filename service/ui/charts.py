"""Charts as inline SVG, drawn on the server: geometry here, markup in templates/_charts.html.

A group page has a few dozen bars at most; SVG from the template needs no script, no vendored
chart library and no client-side layout, prints, and is checked by the tests like any HTML.
"""
from __future__ import annotations

from dataclasses import dataclass, field

LABEL_ORDER = ("spam", "advertising", "flooding", "on_topic")


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    kind: str  # CSS class: the label, or "hour"
    title: str  # the tooltip: what the bar counts


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    xlabels: list[tuple[float, str]] = field(default_factory=list)
    yticks: list[tuple[float, str]] = field(default_factory=list)
    line: str = ""  # a polyline's points, for a line chart
    left: int = 36
    bottom: int = 22
    top: int = 8

    @property
    def plot_height(self) -> int:
        return self.height - self.bottom - self.top


def _nice_max(value: float) -> float:
    """A round number at or above `value`, for the top of the y axis."""
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= value:
            return m * step
    return 10.0 * step


def _yticks(chart: Chart, top: float, as_int: bool = True) -> None:
    for frac in (0.0, 0.5, 1.0):
        v = top * frac
        chart.yticks.append((chart.top + chart.plot_height * (1 - frac), f"{v:.0f}" if as_int else f"{v:.2f}"))


def stacked_days(days: list[dict], width: int = 720, height: int = 220) -> Chart:
    """One stacked bar a day, a segment a label: `days` as [{"day": "YYYY-MM-DD", "counts": {label: n}}]."""
    chart = Chart(width, height)
    top = _nice_max(max((sum(d["counts"].values()) for d in days), default=0))
    _yticks(chart, top)
    slot = (width - chart.left) / max(len(days), 1)
    every = max(1, round(len(days) / 10))  # at most ~10 dates under the axis
    for i, d in enumerate(days):
        x, y = chart.left + i * slot + slot * 0.15, chart.top + chart.plot_height
        labels = [lab for lab in LABEL_ORDER if d["counts"].get(lab)] + sorted(set(d["counts"]) - set(LABEL_ORDER))
        for lab in labels:
            n = d["counts"][lab]
            h = chart.plot_height * n / top
            y -= h
            chart.bars.append(Bar(x, y, slot * 0.7, h, lab, f"{d['day']}: {n} {lab}"))
        if i % every == 0:
            chart.xlabels.append((chart.left + (i + 0.5) * slot, d["day"][5:]))
    return chart


def hours(counts: list[int], width: int = 720, height: int = 180) -> Chart:
    """24 bars, hour 0 to 23."""
    chart = Chart(width, height)
    top = _nice_max(max(counts, default=0))
    _yticks(chart, top)
    slot = (width - chart.left) / 24
    for hour, n in enumerate(counts):
        h = chart.plot_height * n / top
        chart.bars.append(Bar(chart.left + hour * slot + slot * 0.1, chart.top + chart.plot_height - h, slot * 0.8, h,
                              "hour", f"{hour:02d}:00-{hour:02d}:59: {n}"))
        if hour % 3 == 0:
            chart.xlabels.append((chart.left + (hour + 0.5) * slot, f"{hour:02d}"))
    return chart


def line(points: list[tuple[float, float]], xlabel, width: int = 720, height: int = 160) -> Chart:
    """A line through (x, y) points (x ascending); `xlabel(x)` names an x under the axis."""
    chart = Chart(width, height)
    if not points:
        return chart
    top = _nice_max(max(y for _, y in points))
    _yticks(chart, top, as_int=top >= 5)
    x0, x1 = points[0][0], points[-1][0]
    span = (x1 - x0) or 1.0

    def sx(x: float) -> float:
        return chart.left + (width - chart.left - 8) * (x - x0) / span

    chart.line = " ".join(f"{sx(x):.1f},{chart.top + chart.plot_height * (1 - y / top):.1f}" for x, y in points)
    for x in (x0, x0 + span / 2, x1) if len(points) > 1 else (x0,):
        chart.xlabels.append((sx(x), xlabel(x)))
    return chart
