"""The pacer counts a send from when Telegram answered it, so a slow call cannot open a window
early, and counts the replies sent around the outbox, which spend the same budget."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, NetworkError

from bot.runtime.rate_limiter import PatientRateLimiter
from bot.runtime.rate_limits import PACED_SEND, SWEEP_EVERY, TELEGRAM_LIMITS, Pacer, limits_for

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


def test_a_reply_spends_the_same_budget() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    for n in range(OVERALL.limit):
        pacer.note(n + 1, 0.0)
    assert pacer.delay(999, 0.5) > 0  # the outbox waits for the replies to leave the window
    assert pacer.delay(999, OVERALL.seconds + 0.001) == 0.0


def test_replies_alone_keep_the_windows_small() -> None:
    """The outbox may be idle for days while people chat: replies must not pile up in memory."""
    pacer = Pacer(TELEGRAM_LIMITS)
    for n in range(20_000):
        pacer.note(n + 1, n * 0.1)  # ten replies a second, each to someone new
    assert len(pacer._overall) <= 11
    assert len(pacer._per_chat) <= 61 * 10 + SWEEP_EVERY


async def _answered() -> dict[str, object]:
    return {"message_id": 1}


async def test_the_rate_limiter_counts_replies_but_not_paced_sends_or_answers() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    limiter = PatientRateLimiter(overall_max_rate=0, group_max_rate=0, pacer=pacer, monotonic=lambda: 5.0)

    async def call(endpoint: str, chat_id: object) -> None:
        await limiter.process_request(_answered, (), {}, endpoint, {"chat_id": chat_id}, None)

    await call("sendMessage", 42)
    await call("answerCallbackQuery", None)
    await call("sendMessage", "@channel")
    token = PACED_SEND.set(True)  # as inside the outbox's delivery task
    await call("sendMessage", 43)
    PACED_SEND.reset(token)
    assert list(pacer._overall) == [5.0]
    assert set(pacer._per_chat) == {42}


def test_the_group_rate_setting_paces_queued_sends_too() -> None:
    limits = limits_for(45)
    assert limits.group.limit == 45
    assert (limits.overall, limits.private) == (TELEGRAM_LIMITS.overall, TELEGRAM_LIMITS.private)
    pacer = Pacer(limits)
    for n in range(45):  # ten a second: the overall window never binds
        assert pacer.delay(-1, n / 10) == 0.0
        pacer.record(-1, n / 10)
    assert pacer.delay(-1, 4.5) > 55  # the 46th waits for the first to leave the minute


async def test_a_bad_request_is_not_retried_but_a_server_error_is() -> None:
    """PTB's BadRequest subclasses NetworkError; only 5xx and dropped connections deserve retries."""
    limiter = PatientRateLimiter(overall_max_rate=0, group_max_rate=0)
    calls: list[str] = []

    async def failing(error: Exception) -> dict[str, object]:
        calls.append(type(error).__name__)
        if len(calls) == 1:
            raise error
        return {"message_id": 1}

    with pytest.raises(BadRequest):
        await limiter.process_request(
            failing, (BadRequest("query is too old"),), {}, "answerCallbackQuery", {}, None
        )
    assert calls == ["BadRequest"]
    calls.clear()
    assert await limiter.process_request(failing, (NetworkError("Bad Gateway"),), {}, "sendMessage", {}, None)
    assert calls == ["NetworkError", "NetworkError"]
