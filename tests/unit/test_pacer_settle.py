"""The pacer counts a send from when Telegram answered it, so a slow call cannot open a window early."""

from __future__ import annotations

from bot.rate_limits import TELEGRAM_LIMITS, Pacer

OVERALL = TELEGRAM_LIMITS.overall


def test_a_slow_answer_holds_its_place_in_the_window() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    for n in range(OVERALL.limit):
        pacer.record(1000 + n, 0.0)
    pacer.settle(1000, launched=0.0, now=0.4)  # this call was answered late: it may have arrived late
    after_window = OVERALL.seconds + 0.001
    for n in range(OVERALL.limit - 1):  # a new window's worth, less the late one still in it
        assert pacer.delay(2000 + n, after_window) == 0.0
        pacer.record(2000 + n, after_window)
    assert pacer.delay(5000, after_window) > 0  # launch times alone would allow a 31st now
    assert pacer.delay(5000, 0.4 + OVERALL.seconds + 0.001) == 0.0


def test_settling_keeps_the_per_chat_window_too() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    pacer.record(7, 0.0)
    pacer.settle(7, launched=0.0, now=0.5)
    assert pacer.delay(7, TELEGRAM_LIMITS.private.seconds + 0.1) > 0
    assert pacer.delay(7, 0.5 + TELEGRAM_LIMITS.private.seconds) == 0.0


def test_a_call_slower_than_a_window_still_counts_from_its_answer() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    for n in range(OVERALL.limit):
        pacer.record(-n - 1, 0.0)
    assert pacer.delay(1, OVERALL.seconds * 2) == 0.0  # the launches left the window...
    pacer.settle(-1, launched=0.0, now=OVERALL.seconds * 2)  # ...and the late answer is counted anew
    assert len(pacer._overall) == 1
