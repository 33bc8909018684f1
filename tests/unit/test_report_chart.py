"""The /report chart spans the period asked for and counts whole people (issue 21, item 16)."""

from __future__ import annotations

from datetime import date

from matplotlib.dates import num2date

from bot.domain.i18n import translator
from handlers.attendance.reports import _chart
from storage.groups import Group
from tests.domain.test_charts import drawn

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 29)  # "last 4 weeks"


def test_one_meeting_in_four_weeks_spans_four_weeks_of_whole_people() -> None:
    groups = [Group(-1, "Circle", "UTC", "en", True)]
    figure = drawn(lambda: _chart(translator("en"), groups, {-1: [(date(2026, 11, 16), 2.0)]}, (FIRST, LAST)))
    axes = figure.axes[0]
    left, right = (num2date(value).date() for value in axes.get_xlim())
    assert (left, right) == (date(2026, 11, 1), date(2026, 11, 29))  # half a day of margin each side
    assert all(float(tick).is_integer() for tick in axes.get_yticks()), axes.get_yticks()
    labels = [label.get_text() for label in axes.get_xticklabels()]
    assert labels[0] == "2 Nov" and all(label.endswith(" Nov") for label in labels), labels
