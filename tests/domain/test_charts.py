"""Charts are PNGs of the requested size, whatever the data."""

from __future__ import annotations

import math
import re
import struct
import zlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from babel.dates import format_date

from bot.domain.charts import Series, line_chart_png, mood_chart_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TODAY = date(2026, 11, 23)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, checking the signature and the chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR"
    assert length == 13
    (crc,) = struct.unpack(">I", data[29:33])
    assert crc == zlib.crc32(data[12:29])
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    "points",
    [
        [],
        [(TODAY, 3)],
        [(TODAY - timedelta(days=i), 1 + i % 5) for i in range(120)],
        [(TODAY - timedelta(days=i), 4) for i in range(0, 30, 3)],
    ],
    ids=["empty", "one", "long", "sparse"],
)
def test_mood_chart_is_an_800_by_400_png(points) -> None:
    assert png_size(mood_chart_png(points, 30, TODAY, "Mood", "Mood (1-5)")) == (800, 400)


def test_mood_chart_with_localised_dates() -> None:
    png = mood_chart_png(
        [(TODAY, 2), (TODAY - timedelta(days=1), 3)],
        30,
        TODAY,
        "Tu ánimo",
        "Ánimo",
        format_day=lambda day: format_date(day, "d MMM", locale="es"),
    )
    assert png_size(png) == (800, 400)


def test_line_chart_honours_size_and_several_series() -> None:
    series = [
        Series([(TODAY - timedelta(days=i), float(i)) for i in range(10)], "Attended"),
        Series([(TODAY - timedelta(days=i), math.nan if i % 2 else 2.0) for i in range(10)], "Absent"),
    ]
    png = line_chart_png(series, "Attendance", "People", size=(640, 320))
    assert png_size(png) == (640, 320)


def test_different_data_gives_a_different_picture() -> None:
    low = mood_chart_png([(TODAY, 1)], 30, TODAY, "Mood", "Mood")
    high = mood_chart_png([(TODAY, 5)], 30, TODAY, "Mood", "Mood")
    assert low != high


def drawn(render: Callable[[], bytes]) -> Figure:
    """The figure a chart function saved to PNG, to read its axes as a person would see them."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    saved: list[Figure] = []
    original = Figure.savefig

    def spy(figure: Figure, *args: Any, **kwargs: Any) -> None:
        saved.append(figure)
        original(figure, *args, **kwargs)

    with mock.patch.object(Figure, "savefig", spy):
        render()
    return saved[-1]


def x_days(figure: Figure) -> tuple[float, float]:
    from matplotlib.dates import date2num  # noqa: PLC0415

    left, right = figure.axes[0].get_xlim()
    return left - date2num(TODAY), right - date2num(TODAY)


def test_mood_chart_shows_today_whole_and_names_the_month_it_starts_in() -> None:
    figure = drawn(lambda: mood_chart_png([(TODAY, 4)], 30, TODAY, "Mood", "Mood"))
    left, right = x_days(figure)
    assert right >= 0.4, "today's point sits on the right edge, cut in half"
    assert -30 < left <= -29.4  # 30 days, today included, and nothing more
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels[0] == "25 Oct"  # where the 30 days start, month included
    assert all(re.fullmatch(r"[0-9]{1,2} [A-Z][a-z]{2}", label) for label in labels), labels
