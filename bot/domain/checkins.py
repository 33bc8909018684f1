"""Anonymous check-ins: validation, personal trends, k-anonymous aggregates and digest timing.

A check-in is stored under a pseudonym (:mod:`bot.domain.pseudonym`), never a user id.  Three further
rules keep it anonymous, and each lives in exactly one function here:

* Aggregates go through :func:`suppress`: a (group, ISO week) cell with fewer distinct people
  than the small-cell threshold (``SMALL_CELL_THRESHOLD``, default
  :data:`DEFAULT_SMALL_CELL_THRESHOLD`, never below :data:`SMALL_CELL_FLOOR`) shows no numbers at
  all, because an average over two people is nearly a disclosure.  The SQL layer's rows pass
  through the same function.
* Shared check-ins are posted in a digest at fixed local times (:func:`next_digest_time`), never
  when sent, and in random order (:func:`digest_order`), so timing cannot point at the sender.
* Nothing here formats messages: the handler turns these numbers into words.

Pure functions of their arguments; time comes in as an aware ``now``.
"""

from __future__ import annotations

import random
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TypeVar

from bot.domain.i18n import N_

MOOD_MIN, MOOD_MAX = 1, 5
CRAVING_MIN, CRAVING_MAX = 0, 10
NOTE_MAX_LENGTH = 500
# The small-cell threshold is a setting (SMALL_CELL_THRESHOLD); these are its default and floor.
# Below three, a person who knows their own numbers can work out the other one's from an average.
DEFAULT_SMALL_CELL_THRESHOLD = 5
SMALL_CELL_FLOOR = 3
STATS_WINDOWS = (30, 90)
# A fitted mood change smaller than this (in mood points) across the window reads as "steady".
TREND_THRESHOLD = 0.5
DIGEST_HOURS = (9, 18)
DIGEST_MIN_DELAY = timedelta(minutes=30)

_ALLOWED_CONTROLS = frozenset("\n\t")


class CheckInError(ValueError):
    """A value the member typed cannot be used; ``message`` is an ``N_`` string to translate.

    Render with ``tr._(error.message).format(**error.params)``.
    """

    def __init__(self, message: str, **params: int) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


def _whole_number(value: int | str, low: int, high: int, message: str) -> int:
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            raise CheckInError(message, low=low, high=high)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CheckInError(message, low=low, high=high)
    return value


def validate_mood(value: int | str) -> int:
    """A mood from 1 (very low) to 5 (very good)."""
    return _whole_number(value, MOOD_MIN, MOOD_MAX, N_("Mood must be a whole number from {low} to {high}."))


def validate_craving(value: int | str) -> int:
    """A craving from 0 (none) to 10 (overwhelming)."""
    return _whole_number(
        value, CRAVING_MIN, CRAVING_MAX, N_("Craving must be a whole number from {low} to {high}.")
    )


def validate_note(text: str | None) -> str | None:
    """Strip the note; an empty note is no note.  Control characters are refused."""
    if text is None:
        return None
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return None
    if len(text) > NOTE_MAX_LENGTH:
        raise CheckInError(N_("Please keep the note to {limit} characters or fewer."), limit=NOTE_MAX_LENGTH)
    if any(unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS for c in text):
        raise CheckInError(N_("The note contains characters that cannot be saved."))
    return text


@dataclass(frozen=True)
class CheckIn:
    """One check-in.  Construction validates, so an invalid check-in cannot exist."""

    pseudonym: str
    at: datetime
    mood: int
    craving: int
    note: str | None = None
    shared_group_id: int | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("CheckIn.at must be timezone-aware")
        if not self.pseudonym:
            raise ValueError("CheckIn.pseudonym must not be empty")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        object.__setattr__(self, "mood", validate_mood(self.mood))
        object.__setattr__(self, "craving", validate_craving(self.craving))
        object.__setattr__(self, "note", validate_note(self.note))


# --- personal stats --------------------------------------------------------------------------


class Trend(StrEnum):
    RISING = "rising"
    FALLING = "falling"
    STEADY = "steady"
    UNKNOWN = "unknown"  # too few check-ins to tell


@dataclass(frozen=True)
class PeriodStats:
    """Numbers over the last ``days`` local days, today included."""

    days: int
    checkins: int
    days_checked_in: int
    average_mood: float | None
    average_craving: float | None
    mood_trend: Trend
    mood_slope_per_day: float | None


@dataclass(frozen=True)
class PersonalStats:
    current_streak: int
    best_streak: int
    periods: tuple[PeriodStats, ...]

    def period(self, days: int) -> PeriodStats:
        return next(p for p in self.periods if p.days == days)


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The member's calendar day for *moment*."""
    return moment.astimezone(tz).date()


def personal_stats(
    checkins: Iterable[CheckIn], now: datetime, tz: tzinfo, windows: Sequence[int] = STATS_WINDOWS
) -> PersonalStats:
    """Averages, streaks and mood trend for ``/mystats``; check-ins on local days after today are
    ignored.

    The rule is by local day, not by instant: personal rows keep only their day (anonymity), and
    :func:`at_local_noon` stands in for the hour, so a morning check-in sits "after now" until
    noon.  Comparing instants would hide today's morning check-ins until midday.
    """
    today = local_day(now, tz)
    past = [c for c in checkins if local_day(c.at, tz) <= today]
    days = {local_day(c.at, tz) for c in past}
    current, best = streaks(days, today)
    return PersonalStats(current, best, tuple(_period(past, now, tz, today, n) for n in windows))


def streaks(days: set[date], today: date) -> tuple[int, int]:
    """(current, best) runs of consecutive days.

    The current streak still counts when the last check-in was yesterday: the member has until
    the end of today to keep it going.
    """
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    best = run = 0
    previous: date | None = None
    for day in sorted(d for d in days if d <= today):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    return current, best


def _period(past: list[CheckIn], now: datetime, tz: tzinfo, today: date, days: int) -> PeriodStats:
    first_day = today - timedelta(days=days - 1)
    rows = [c for c in past if local_day(c.at, tz) >= first_day]
    start = datetime.combine(first_day, time(), tzinfo=tz)
    points = [((c.at - start).total_seconds() / 86_400, float(c.mood)) for c in rows]
    slope = mood_slope(points)
    span = max(x for x, _ in points) - min(x for x, _ in points) if points else 0.0
    return PeriodStats(
        days=days,
        checkins=len(rows),
        days_checked_in=len({local_day(c.at, tz) for c in rows}),
        average_mood=statistics.fmean(c.mood for c in rows) if rows else None,
        average_craving=statistics.fmean(c.craving for c in rows) if rows else None,
        mood_trend=trend(slope, span),
        mood_slope_per_day=slope,
    )


def mood_slope(points: Sequence[tuple[float, float]], min_points: int = 3) -> float | None:
    """Least-squares slope (mood points per day), or None with too few or same-day points."""
    if len(points) < min_points or len({round(x) for x, _ in points}) < 2:
        return None
    xs, ys = zip(*points, strict=True)
    return statistics.linear_regression(xs, ys).slope


def trend(slope: float | None, span_days: float, threshold: float = TREND_THRESHOLD) -> Trend:
    """Rising or falling when the fitted change across the check-ins' span reaches *threshold*.

    The span is from the first to the last check-in in the window, not the window itself, so
    a few days of data are not extrapolated over a whole month.
    """
    if slope is None:
        return Trend.UNKNOWN
    change = slope * span_days
    if change >= threshold:
        return Trend.RISING
    if change <= -threshold:
        return Trend.FALLING
    return Trend.STEADY


# --- k-anonymous aggregates ------------------------------------------------------------------


@dataclass(frozen=True)
class CellKey:
    group_id: int
    iso_year: int
    iso_week: int


@dataclass(frozen=True)
class RawCell:
    """A (group, ISO week) cell before suppression, as computed here or by SQL."""

    key: CellKey
    checkins: int
    contributors: int
    average_mood: float
    average_craving: float


@dataclass(frozen=True)
class PublishedCell(RawCell):
    """A cell that passed :func:`suppress`: only this type may be shown (a RawCell is not one)."""


@dataclass(frozen=True)
class SuppressedCell:
    """Too few people to show anything: deliberately carries no numbers."""

    key: CellKey


Cell = PublishedCell | SuppressedCell


def too_few(contributors: int, *, min_contributors: int) -> bool:
    """The k-anonymity rule itself, for every aggregate of people's answers (check-ins here,
    peer workers' self-checks in :mod:`bot.domain.care`): fewer than *min_contributors* distinct
    people show nothing.  A threshold below the floor is a programming error."""
    if min_contributors < SMALL_CELL_FLOOR:
        raise ValueError(
            f"min_contributors below {SMALL_CELL_FLOOR} would nearly publish a single person's numbers"
        )
    return contributors < min_contributors


def suppress(cell: RawCell, *, min_contributors: int) -> Cell:
    """The one place the k-anonymity threshold is applied; callers pass the configured threshold
    (``Settings.small_cell_threshold``), so there is no default to forget it with."""
    if too_few(cell.contributors, min_contributors=min_contributors):
        return SuppressedCell(cell.key)
    return PublishedCell(cell.key, cell.checkins, cell.contributors, cell.average_mood, cell.average_craving)


def cell_key(group_id: int, at: datetime, tz: tzinfo) -> CellKey:
    """The ISO week of *at* in the group's time zone."""
    iso = at.astimezone(tz).isocalendar()
    return CellKey(group_id, iso.year, iso.week)


def aggregate_cells(rows: Iterable[tuple[int, CheckIn]], tz: tzinfo, *, min_contributors: int) -> list[Cell]:
    """Per (group, ISO week): counts and averages, suppressed below *min_contributors* people.

    *rows* pairs each check-in with the group it counts for.  Sorted by group, then week.
    """
    buckets: dict[CellKey, list[CheckIn]] = defaultdict(list)
    for group_id, checkin in rows:
        buckets[cell_key(group_id, checkin.at, tz)].append(checkin)
    cells = []
    for key in sorted(buckets, key=lambda k: (k.group_id, k.iso_year, k.iso_week)):
        items = buckets[key]
        raw = RawCell(
            key=key,
            checkins=len(items),
            contributors=len({c.pseudonym for c in items}),
            average_mood=statistics.fmean(c.mood for c in items),
            average_craving=statistics.fmean(c.craving for c in items),
        )
        cells.append(suppress(raw, min_contributors=min_contributors))
    return cells


# --- shared check-in digests -----------------------------------------------------------------


def next_digest_time(
    after: datetime,
    tz: tzinfo,
    digest_hours: Sequence[int] = DIGEST_HOURS,
    min_delay: timedelta = DIGEST_MIN_DELAY,
) -> datetime:
    """The first fixed local digest time at least *min_delay* after *after*, in UTC.

    Wall-clock hours are resolved in *tz* each day, so the digest stays at 09:00 local across
    DST changes; an hour that does not exist that day (spring-forward gap) resolves to the
    instant just after the gap, and a repeated hour (fall-back) to its first occurrence.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    hours = sorted(set(digest_hours))
    if not hours or any(not 0 <= h <= 23 for h in hours):
        raise ValueError("digest_hours must be hours from 0 to 23")
    earliest = after.astimezone(UTC) + min_delay
    day = earliest.astimezone(tz).date() - timedelta(days=1)
    while True:
        for hour in hours:
            candidate = datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)
            if candidate >= earliest:
                return candidate
        day += timedelta(days=1)


T = TypeVar("T")


def digest_order(items: Iterable[T], rng: random.Random) -> list[T]:
    """A shuffled copy, so a digest's order says nothing about when each item was sent."""
    shuffled = list(items)
    rng.shuffle(shuffled)
    return shuffled


# --- storage granularity, daily prompts and retention ----------------------------------------


def iso_week_label(at: datetime, tz: tzinfo) -> str:
    """The ISO week of *at* in *tz*, as ``2026-W48`` (zero-padded, so text order is week order)."""
    iso = at.astimezone(tz).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_label_of(key: CellKey) -> str:
    return f"{key.iso_year}-W{key.iso_week:02d}"


def parse_week_label(label: str) -> tuple[int, int]:
    """``2026-W48`` -> (2026, 48)."""
    year, _, week = label.partition("-W")
    return int(year), int(week)


def week_start(iso_year: int, iso_week: int) -> date:
    """The Monday of an ISO week."""
    return date.fromisocalendar(iso_year, iso_week, 1)


def at_local_noon(day: date, tz: tzinfo) -> datetime:
    """A stand-in instant for a stored day: personal rows keep the day only, on purpose."""
    return datetime.combine(day, time(12), tzinfo=tz).astimezone(UTC)


def parse_prompt_time(text: str) -> time:
    """``20:00``, ``8:30`` or ``7`` as a wall-clock time; :class:`CheckInError` otherwise."""
    raw = text.strip()
    hours, _, minutes = raw.partition(":")
    if (
        not hours.isascii()
        or not hours.isdigit()
        or (minutes and (not minutes.isascii() or not minutes.isdigit() or len(minutes) != 2))
        or len(hours) > 2
    ):
        raise CheckInError(N_("Please give a time like 20:00 (24-hour clock)."))
    hour, minute = int(hours), int(minutes or 0)
    if hour > 23 or minute > 59:
        raise CheckInError(N_("Please give a time like 20:00 (24-hour clock)."))
    return time(hour, minute)


def next_prompt_time(after: datetime, at: time, tz: tzinfo) -> datetime:
    """The next instant strictly after *after* when the wall clock in *tz* shows *at*, in UTC.

    A time skipped by a spring-forward change resolves to the instant just after the gap.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    day = after.astimezone(tz).date()
    while True:
        candidate = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        if candidate > after:
            return candidate
        day += timedelta(days=1)
