"""Geometry of the inline SVG charts in the HTML report.

The view model computes every coordinate here, so the template only places
shapes where it is told. Coordinates are rounded to a tenth of a pixel so the
HTML stays stable across runs and platforms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditkit.report import _format

__all__ = [
    "Bar",
    "BarChart",
    "Column",
    "Histogram",
    "Level",
    "Limit",
    "Tick",
    "bar_chart",
    "histogram",
]

_WIDTH = 640
_LABEL_WIDTH = 170
_VALUE_WIDTH = 70
_ROW_HEIGHT = 30
_AXIS_HEIGHT = 26
_TOP = 10


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis, or a threshold line."""

    x: float
    text: str


@dataclass(frozen=True)
class Limit:
    """A threshold drawn as a dashed line, with its label below the axis."""

    x: float
    text: str
    text_y: float
    anchor: str


@dataclass(frozen=True)
class Level:
    """A labelled height on a histogram's count axis."""

    y: float
    text: str
    text_y: float


@dataclass(frozen=True)
class Bar:
    """One horizontal bar with its interval whisker, and where its text goes."""

    label: str
    value_text: str
    interval_text: str
    bar_y: float
    bar_height: float
    bar_width: float
    text_y: float
    whisker_y: float
    cap_top: float
    cap_bottom: float
    low_x: float | None
    high_x: float | None
    is_emphasized: bool


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars of shares on a 0-100% axis, with interval whiskers."""

    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_width: int
    plot_top: int
    label_x: float
    value_x: float
    axis_y: float
    tick_y: float
    bars: list[Bar]
    ticks: list[Tick]
    limits: list[Limit]


@dataclass(frozen=True)
class Column:
    """One histogram bin."""

    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Histogram:
    """Vertical bars counting profiles per bin."""

    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_width: int
    plot_height: int
    axis_y: float
    tick_y: float
    level_x: float
    axis_title_x: float
    axis_title_y: float
    columns: list[Column]
    ticks: list[Tick]
    levels: list[Level]


def _px(value: float) -> float:
    return round(value, 1)


def _clamp(share: float) -> float:
    return min(1.0, max(0.0, share))


def bar_chart(
    title: str,
    description: str,
    rows: Sequence[tuple[str, float | None, float | None, float | None, bool]],
    limits: Sequence[tuple[float, str]] = (),
) -> BarChart:
    """Lay out bars for ``(label, value, low, high, is_emphasized)`` rows.

    Args:
        title: The chart's accessible name.
        description: A sentence that says what the chart shows, for screen readers.
        rows: One bar each; values are shares in [0, 1], None when undefined.
        limits: Threshold lines as ``(share, label)``.
    """
    plot_width = _WIDTH - _LABEL_WIDTH - _VALUE_WIDTH

    def x(share: float) -> float:
        return _px(_LABEL_WIDTH + _clamp(share) * plot_width)

    bars = []
    for index, (label, value, low, high, is_emphasized) in enumerate(rows):
        top = _TOP + index * _ROW_HEIGHT
        middle = top + _ROW_HEIGHT / 2
        whisker = (x(low), x(high)) if low is not None and high is not None else None
        bars.append(
            Bar(
                label=label,
                value_text=_format.percent(value),
                interval_text=_format.interval(low, high, _format.percent),
                bar_y=_px(top + 7),
                bar_height=_ROW_HEIGHT - 14,
                bar_width=_px(_clamp(value or 0.0) * plot_width),
                text_y=_px(middle + 4),
                whisker_y=_px(middle),
                cap_top=_px(middle - 6),
                cap_bottom=_px(middle + 6),
                low_x=whisker[0] if whisker else None,
                high_x=whisker[1] if whisker else None,
                is_emphasized=is_emphasized,
            )
        )

    axis_y = _TOP + len(rows) * _ROW_HEIGHT
    ticks = [
        Tick(x(share), _format.percent(share)) for share in (0, 0.25, 0.5, 0.75, 1)
    ]
    lines = [
        Limit(
            x=x(at),
            text=text,
            text_y=axis_y + 34 + 16 * index,
            anchor="end" if _clamp(at) > 0.5 else "start",
        )
        for index, (at, text) in enumerate(limits)
    ]
    return BarChart(
        title=title,
        description=description,
        width=_WIDTH,
        height=axis_y + _AXIS_HEIGHT + 16 * len(lines),
        plot_left=_LABEL_WIDTH,
        plot_right=_LABEL_WIDTH + plot_width,
        plot_width=plot_width,
        plot_top=_TOP,
        label_x=_LABEL_WIDTH - 8,
        value_x=_WIDTH - 4,
        axis_y=axis_y,
        tick_y=axis_y + 16,
        bars=bars,
        ticks=ticks,
        limits=lines,
    )


def histogram(
    title: str, description: str, edges: Sequence[float], counts: Sequence[int]
) -> Histogram:
    """Lay out a histogram of ``counts`` over bins bounded by ``edges``."""
    left, top, plot_width, plot_height = 64, 12, _WIDTH - 84, 170
    low, high = edges[0], edges[-1]
    span = (high - low) or 1.0
    tallest = max(counts, default=0)
    axis_y = top + plot_height

    def x(at: float) -> float:
        return _px(left + (at - low) / span * plot_width)

    columns = []
    for index, number in enumerate(counts):
        start, end = edges[index], edges[index + 1]
        height = number / (tallest or 1) * plot_height
        columns.append(
            Column(
                x=_px(x(start) + 1),
                y=_px(axis_y - height),
                width=_px(max(x(end) - x(start) - 2, 1.0)),
                height=_px(height),
                title=f"{_format.decimal(start)}{_format.DASH}{_format.decimal(end)}: "
                f"{_format.plural(number, 'profile')}",
            )
        )

    ticks = [
        Tick(x(low + step / 4 * span), _format.decimal(low + step / 4 * span))
        for step in range(5)
    ]
    levels = [
        Level(y=axis_y, text="0", text_y=axis_y + 4),
        Level(y=top, text=_format.count(tallest), text_y=top + 4),
    ]
    return Histogram(
        title=title,
        description=description,
        width=_WIDTH,
        height=axis_y + 44,
        plot_left=left,
        plot_right=left + plot_width,
        plot_top=top,
        plot_width=plot_width,
        plot_height=plot_height,
        axis_y=axis_y,
        tick_y=axis_y + 16,
        level_x=left - 8,
        axis_title_x=_px(left + plot_width / 2),
        axis_title_y=axis_y + 36,
        columns=columns,
        ticks=ticks,
        levels=levels,
    )
