"""Every time shown to people reads the same way: 24-hour clock and the zone's name (issue 21, 10)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.domain.attendance import AttendedMeeting, ProofLetter
from bot.domain.i18n import translator
from bot.domain.time_format import format_clock, format_when
from handlers.attendance.views import render_closed, render_history, render_roll_call, render_verified
from handlers.checkins_views import prompt_set_text, saved_text
from handlers.groups import render_timezone_set
from storage.attendance import HistoryItem
from storage.groups import Group

EN, ES = translator("en"), translator("es")
ZONE = "Europe/Madrid"
SEVEN_PM = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 19:00 in Madrid


def test_the_formatter_names_the_zone_on_a_24_hour_clock() -> None:
    assert format_when(EN, SEVEN_PM, ZONE) == "Tue 1 Dec 2026, 19:00 (Europe/Madrid)"
    assert format_when(EN, datetime(2026, 12, 1, 19, 0), ZONE) == "Tue 1 Dec 2026, 19:00 (Europe/Madrid)"
    assert format_clock(EN, SEVEN_PM, ZONE) == "19:00 (Europe/Madrid)"
    assert format_clock(ES, time(7, 5), ZONE) == "07:05 (Europe/Madrid)"


def test_a_start_in_a_spring_forward_gap_shows_the_real_wall_time() -> None:
    # 02:30 on 29 March 2026 does not exist in Madrid; the meeting really starts at 03:30.
    start = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert format_when(EN, start, ZONE) == "Sun 29 Mar 2026, 03:30 (Europe/Madrid)"


@pytest.mark.parametrize("tr", [EN, ES], ids=["en", "es"])
def test_roll_call_history_and_verify_show_the_zone(tr) -> None:
    closes = datetime(2026, 12, 1, 19, 15, tzinfo=UTC)
    texts = [
        render_roll_call(tr, "Circle", SEVEN_PM, ZONE, closes),
        render_closed(tr, "Circle", SEVEN_PM, ZONE, 3),
        render_history(tr, [HistoryItem("Group", "Circle", SEVEN_PM, 60, ZONE, True)], 1),
        render_verified(
            tr,
            ProofLetter(
                "Maya",
                SEVEN_PM.date(),
                SEVEN_PM.date(),
                SEVEN_PM,
                (AttendedMeeting("Group", "Circle", datetime(2026, 12, 1, 19, 0), 60, ZONE),),
            ),
        ),
    ]
    for text in texts:
        assert "19:00 (Europe/Madrid)" in text, text
        assert "PM" not in text and "p. m." not in text, text
    assert "20:15 (Europe/Madrid)" in texts[0]


def test_other_times_use_the_same_formatter() -> None:
    group = Group(-1, "Circle", ZONE, "en", True)
    assert "digest at 19:00 (Europe/Madrid)" in saved_text(EN, group, SEVEN_PM, False)
    assert "every day at 20:00 (Europe/Madrid)." in prompt_set_text(EN, time(20, 0), ZONE)
    assert "It is 19:00 (Europe/Madrid) there now" in render_timezone_set(EN, ZONE, SEVEN_PM)
