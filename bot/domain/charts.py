"""PNG charts for /mystats and attendance reports, drawn with matplotlib's Agg backend.

Charts are built on :class:`matplotlib.figure.Figure` directly rather than through ``pyplot``:
pyplot keeps global figure state (and picks a GUI backend), which is unsafe in a long-running
bot that renders charts in worker threads.  Labels arrive already translated; this module
never translates or escapes anything.  Rendering is CPU-bound: call it through
``asyncio.to_thread`` from handlers.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_SIZE = (800, 400)
_DPI = 100
MAX_DAY_TICKS = 8


@dataclass(frozen=True)
class Series:
    """One line: ``points`` are (day, value) pairs; ``label`` goes in the legend when set."""

    points: Sequence[tuple[date, float]]
    label: str | None = None


def line_chart_png(
    series: Sequence[Series],
    title: str,
    y_label: str,
    size: tuple[int, int] = DEFAULT_SIZE,
    *,
    y_limits: tuple[float, float] | None = None,
    x_limits: tuple[date, date] | None = None,
    y_ticks: Sequence[float] | None = None,
    format_day: Callable[[date], str] | None = None,
    whole_numbers: bool = False,
) -> bytes:
    """A line chart of day-indexed series as PNG bytes of exactly *size* pixels (see
    :func:`line_chart_figure`)."""
    return figure_png(
        line_chart_figure(
            series,
            title,
            y_label,
            size,
            y_limits=y_limits,
            x_limits=x_limits,
            y_ticks=y_ticks,
            format_day=format_day,
            whole_numbers=whole_numbers,
        )
    )


def figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def day_ticks(first: date, last: date, most: int = MAX_DAY_TICKS) -> list[date]:
    """Evenly spaced whole days from *first* (always labelled, so the chart says where it starts)
    to at most *last*, no more than *most* of them."""
    span = (last - first).days
    step = max(1, math.ceil((span + 1) / most))
    return [first + timedelta(days=offset) for offset in range(0, span + 1, step)]


def short_day(day: date) -> str:
    """``5 Dec``: the fallback label, day and month always together."""
    return f"{day.day} {day:%b}"


def line_chart_figure(
    series: Sequence[Series],
    title: str,
    y_label: str,
    size: tuple[int, int] = DEFAULT_SIZE,
    *,
    y_limits: tuple[float, float] | None = None,
    x_limits: tuple[date, date] | None = None,
    y_ticks: Sequence[float] | None = None,
    format_day: Callable[[date], str] | None = None,
    whole_numbers: bool = False,
) -> Figure:
    """A line chart of day-indexed series, drawn but not yet saved (tests read its axes).

    A NaN value breaks the line, which is how missing days show as gaps.  *x_limits* is the
    period asked for, first and last day included: the axis spans exactly those days, half a day
    of margin either side so a point on the first or last day is drawn whole; without it, the days
    of the data.  Every x label names day and month (*format_day*, e.g. Babel's ``format_date``
    for the reader's locale; ``5 Dec`` otherwise).  *whole_numbers* keeps the y ticks on
    integers, for counts of people.
    """
    # matplotlib costs most of a second to import: load it when the first chart is drawn,
    # not at every start of the bot.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.dates import date2num, num2date  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator  # noqa: PLC0415

    width, height = size
    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for line in series:
        if line.points:
            days, values = zip(*sorted(line.points), strict=True)
            axes.plot(days, values, marker="o", markersize=3, linewidth=1.5, label=line.label)
    axes.set_title(title)
    axes.set_ylabel(y_label)
    if y_limits is not None:
        axes.set_ylim(*y_limits)
    if y_ticks is not None:
        axes.set_yticks(list(y_ticks))
    elif whole_numbers:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    plotted = sorted(day for line in series for day, _ in line.points)
    if x_limits is not None or plotted:
        first, last = x_limits or (plotted[0], plotted[-1])
        margin = timedelta(hours=12)
        axes.set_xlim(
            date2num(datetime.combine(first, time()) - margin),
            date2num(datetime.combine(last, time()) + margin),
        )
        axes.xaxis.set_major_locator(FixedLocator([date2num(day) for day in day_ticks(first, last)]))
        label = format_day or short_day
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: label(num2date(value).date())))
    axes.grid(alpha=0.3)
    if any(line.label and line.points for line in series):
        axes.legend(loc="upper left")
    figure.tight_layout()
    return figure


def mood_chart_png(
    points: Sequence[tuple[date, float]],
    days: int,
    today: date,
    title: str,
    y_label: str,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
    format_day: Callable[[date], str] | None = None,
) -> bytes:
    """Daily mood (1-5) over the last *days* days up to *today*; gaps stay gaps."""
    return figure_png(
        mood_chart_figure(points, days, today, title, y_label, size=size, format_day=format_day)
    )


def mood_chart_figure(
    points: Sequence[tuple[date, float]],
    days: int,
    today: date,
    title: str,
    y_label: str,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
    format_day: Callable[[date], str] | None = None,
) -> Figure:
    """The figure behind :func:`mood_chart_png`; today's point is drawn whole at the right edge."""
    first = today - timedelta(days=days - 1)
    by_day = {day: value for day, value in points if first <= day <= today}
    daily = [
        (first + timedelta(days=i), by_day.get(first + timedelta(days=i), math.nan)) for i in range(days)
    ]
    return line_chart_figure(
        [Series(daily)],
        title,
        y_label,
        size,
        y_limits=(0.5, 5.5),
        x_limits=(first, today),
        y_ticks=range(1, 6),
        format_day=format_day,
    )
