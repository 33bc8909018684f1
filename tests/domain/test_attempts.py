"""The sliding window per person behind /verify's and /import's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.attempts import SWEEP_EVERY, AttemptLimiter, Limit

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_the_attempt_over_the_limit_is_refused_with_the_wait() -> None:
    limiter = AttemptLimiter(Limit(3, HOUR))
    assert all(limiter.attempt(1, T0 + timedelta(minutes=m)) for m in (0, 10, 20))
    refused = limiter.attempt(1, T0 + timedelta(minutes=30))
    assert not refused
    assert refused.retry_in == timedelta(minutes=30)  # when the 12:00 attempt leaves the window
    assert refused.retry_minutes == 30
    assert refused.refusals == 1
    assert limiter.attempt(1, T0 + timedelta(minutes=31)).refusals == 2


def test_the_window_slides_and_refusals_do_not_count() -> None:
    limiter = AttemptLimiter(Limit(2, HOUR))
    assert limiter.attempt(1, T0) and limiter.attempt(1, T0 + timedelta(minutes=40))
    for minute in range(41, 60):  # someone hammering meanwhile does not push their turn back
        assert not limiter.attempt(1, T0 + timedelta(minutes=minute))
    assert limiter.attempt(1, T0 + HOUR)  # the 12:00 attempt has left the window
    assert not limiter.attempt(1, T0 + HOUR)
    assert limiter.attempt(1, T0 + timedelta(minutes=100))


def test_people_are_limited_separately() -> None:
    limiter = AttemptLimiter(Limit(1, HOUR))
    assert limiter.attempt(1, T0)
    assert not limiter.attempt(1, T0)
    assert limiter.attempt(2, T0)


def test_a_wait_under_a_minute_is_told_as_one_minute() -> None:
    limiter = AttemptLimiter(Limit(1, HOUR))
    limiter.attempt(1, T0)
    assert limiter.attempt(1, T0 + HOUR - timedelta(seconds=5)).retry_minutes == 1


def test_people_whose_windows_emptied_are_forgotten() -> None:
    limiter = AttemptLimiter(Limit(5, HOUR))
    for person in range(SWEEP_EVERY - 1):
        limiter.attempt(person, T0)
    assert len(limiter) == SWEEP_EVERY - 1
    limiter.attempt(-1, T0 + 2 * HOUR)  # the sweep runs every SWEEP_EVERY attempts
    assert len(limiter) == 1


@pytest.mark.parametrize(("attempts", "window"), [(0, HOUR), (1, timedelta(0))])
def test_a_limit_must_allow_something(attempts: int, window: timedelta) -> None:
    with pytest.raises(ValueError, match="at least one attempt"):
        Limit(attempts, window)


@given(
    st.integers(min_value=1, max_value=5),
    st.lists(st.integers(min_value=0, max_value=7200), max_size=60),
)
def test_never_more_than_the_limit_in_any_window(limit: int, offsets: list[int]) -> None:
    limiter = AttemptLimiter(Limit(limit, HOUR))
    allowed = [
        T0 + timedelta(seconds=s) for s in sorted(offsets) if limiter.attempt(7, T0 + timedelta(seconds=s))
    ]
    for i, start in enumerate(allowed):
        assert len([t for t in allowed[i:] if t < start + HOUR]) <= limit
