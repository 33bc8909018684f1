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
from datetime import date, timedelta

DEFAULT_SIZE = (800, 400)
_DPI = 100


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
) -> bytes:
    """A line chart of day-indexed series as PNG bytes of exactly *size* pixels.

    A NaN value breaks the line, which is how missing days show as gaps.  *format_day* labels
    the x ticks (pass Babel's ``format_date`` for the member's locale); matplotlib's English
    short dates are the fallback.
    """
    # matplotlib costs most of a second to import: load it when the first chart is drawn,
    # not at every start of the bot.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, num2date  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

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
    if x_limits is not None:
        axes.set_xlim(*x_limits)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    if format_day is None:
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    else:
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: format_day(num2date(value).date())))
    axes.grid(alpha=0.3)
    if any(line.label and line.points for line in series):
        axes.legend(loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


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
    first = today - timedelta(days=days - 1)
    by_day = {day: value for day, value in points if first <= day <= today}
    daily = [
        (first + timedelta(days=i), by_day.get(first + timedelta(days=i), math.nan)) for i in range(days)
    ]
    return line_chart_png(
        [Series(daily)],
        title,
        y_label,
        size,
        y_limits=(0.5, 5.5),
        x_limits=(first, today),
        y_ticks=range(1, 6),
        format_day=format_day,
    )
