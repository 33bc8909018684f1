"""Attendance messages stay inside Telegram's limits and escape what people typed."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.attendance import Summary
from bot.domain.checkins import Trend
from bot.domain.i18n import translator
from handlers.attendance.views import names, render_report
from handlers.common import MESSAGE_LIMIT, chunks
from storage.groups import Group

EN = translator("en")


@given(st.lists(st.text(alphabet="ab <&\n", max_size=300), max_size=60))
def test_chunks_keep_every_line_and_fit(lines: list[str]) -> None:
    text = "\n".join(lines)
    pieces = chunks(text, limit=500)
    assert "\n".join(pieces) == text
    assert all(len(piece) <= 500 for piece in pieces if "\n" in piece)  # a lone long line stays whole


def test_long_lists_of_names_are_cut_and_escaped() -> None:
    many = [f"<b>Name {i}</b>" for i in range(1000)]
    shown = names(EN, many)
    assert shown.endswith("and 980 more") and "<b>" not in shown and "&lt;b&gt;Name 0" in shown
    assert names(EN, []) == "none"


def test_a_report_on_many_long_named_groups_fits_one_message() -> None:
    groups = [Group(-i, "G" * 128, "UTC", "en", True) for i in range(50)]
    summary = Summary(2600, 30000, 11.5, Trend.STEADY, tuple("N" * 64 for _ in range(500)), ())
    text = render_report(EN, groups, date(2026, 1, 1), date(2026, 12, 31), summary)
    assert len(text) < MESSAGE_LIMIT
    assert "50 groups" in text
