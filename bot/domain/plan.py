"""A member's personal recovery plan and safety plan (issue 17), as plain rules.

*Recovery plan*: up to :data:`MAX_GOALS` goals in the member's own words, each in a life area,
with an optional small weekly step.  A goal's progress is either *measured* from what Kindred
already knows (meetings attended, check-ins made, days since the milestone date) or
*self-reported* in the weekly review (done / partly / not this week).  A weekly review happens at
the weekday and time the member chose, in their zone; a "review week" is the seven local days that
end on the review's local date, and it is named by that date.

*Safety plan*: the seven optional sections of the Stanley-Brown structure, in the member's words.

Nothing here knows Telegram or storage; text limits and validation live here so that every way in
(a typed answer, an edit) keeps the same rules.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.i18n import N_

MAX_GOALS = 5  # active and paused goals together; completed ones stay as a record
GOAL_MAX_LENGTH = 200
STEP_MAX_LENGTH = 200
SECTION_MAX_LENGTH = 450  # seven of them, with titles, still fit one Telegram message (4,096 characters)
MAX_WEEKLY_TARGET = 14
CHART_WEEKS = 8
DEFAULT_REVIEW_WEEKDAY = 6  # Sunday (Monday is 0)
DEFAULT_REVIEW_TIME = time(18, 0)

_ALLOWED_CONTROLS = frozenset("\n")


class LifeArea(StrEnum):
    EMOTIONAL = "emotional"
    HEALTH = "health"
    RELATIONSHIPS = "relationships"
    HOUSING = "housing"
    WORK = "work"
    INDEPENDENCE = "independence"


AREA_NAMES: Mapping[LifeArea, str] = {
    LifeArea.EMOTIONAL: N_("Emotional stability"),
    LifeArea.HEALTH: N_("Health"),
    LifeArea.RELATIONSHIPS: N_("Relationships"),
    LifeArea.HOUSING: N_("Housing"),
    LifeArea.WORK: N_("Work and learning"),
    LifeArea.INDEPENDENCE: N_("Independent living"),
}


class Measure(StrEnum):
    SELF = "self"  # the member says how it went in the weekly review
    MEETINGS = "meetings"  # meetings attended in the review week, against a weekly target
    CHECKINS = "checkins"  # check-ins made in the review week, against a weekly target
    DAYS = "days"  # days since the milestone date (/milestone); no target


MEASURE_NAMES: Mapping[Measure, str] = {
    Measure.SELF: N_("I'll say how it went"),
    Measure.MEETINGS: N_("Meetings I attend"),
    Measure.CHECKINS: N_("Check-ins I make"),
    Measure.DAYS: N_("Days since my milestone date"),
}

WEEKLY_MEASURES = frozenset({Measure.MEETINGS, Measure.CHECKINS})


class GoalStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


class Outcome(StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT = "not"  # not this week: no judgement, just a fact


OUTCOME_SCORES: Mapping[Outcome, float] = {Outcome.DONE: 1.0, Outcome.PARTLY: 0.5, Outcome.NOT: 0.0}


class SafetySection(StrEnum):
    """The Stanley-Brown safety plan, in its order."""

    WARNING_SIGNS = "warning_signs"
    COPING = "coping"
    DISTRACTIONS = "distractions"
    PEOPLE = "people"
    PROFESSIONALS = "professionals"
    SURROUNDINGS = "surroundings"
    REASONS = "reasons"


SECTION_TITLES: Mapping[SafetySection, str] = {
    SafetySection.WARNING_SIGNS: N_("My warning signs"),
    SafetySection.COPING: N_("Things I can do on my own"),
    SafetySection.DISTRACTIONS: N_("People and places that take my mind off it"),
    SafetySection.PEOPLE: N_("People I can ask for help"),
    SafetySection.PROFESSIONALS: N_("Professionals and crisis lines"),
    SafetySection.SURROUNDINGS: N_("Making my surroundings safer"),
    SafetySection.REASONS: N_("My reasons for living"),
}

SECTION_EXAMPLES: Mapping[SafetySection, str] = {
    SafetySection.WARNING_SIGNS: N_(
        "For example: I stop answering messages; I can't sleep; I think 'what's the point'."
    ),
    SafetySection.COPING: N_(
        "For example: a walk round the block; a cold shower; my playlist; breathing 4-7-8."
    ),
    SafetySection.DISTRACTIONS: N_(
        "For example: the café on Main Street; my cousin Ana; the Tuesday meeting."
    ),
    SafetySection.PEOPLE: N_("For example: my sister Lucía 555-0142; my mentor; my neighbour Tom."),
    SafetySection.PROFESSIONALS: N_("For example: Dr Ruiz 555-0100; my counsellor on weekdays; 988."),
    SafetySection.SURROUNDINGS: N_("For example: give my pills to my partner to keep; no alcohol at home."),
    SafetySection.REASONS: N_("For example: my daughter; my dog; seeing the sea again."),
}

TOO_MANY_GOALS = N_(
    "Your plan holds five open goals already. Complete, pause or drop one first, if you like: "
    "fewer goals, well looked after, often help more."
)

# What /sos and a crisis reply show of the member's own plan, first: what to notice, what to do,
# whom to call.  The rest stays in /safetyplan.
CRISIS_SECTIONS = (SafetySection.WARNING_SIGNS, SafetySection.COPING, SafetySection.PEOPLE)


class PlanError(ValueError):
    """Something the member typed cannot be kept; ``message`` is an ``N_`` string to translate
    with ``tr._(error.message).format(**error.params)``.  Nothing was saved, nothing was lost."""

    def __init__(self, message: str, **params: int) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


def clean_text(text: str | None, limit: int) -> str:
    """The member's words as they will be kept: trimmed, Windows line ends made plain.  Empty,
    too long, or with control characters: :class:`PlanError` (kindly worded)."""
    cleaned = (text or "").replace("\r\n", "\n").strip()
    if not cleaned:
        raise PlanError(N_("That was empty. Please write a few words, or press Skip."))
    if len(cleaned) > limit:
        raise PlanError(
            N_(
                "That is a little long for me to keep: at most {limit} characters, and this had "
                "{length}. Could you shorten it? Nothing was changed."
            ),
            limit=limit,
            length=len(cleaned),
        )
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in _ALLOWED_CONTROLS for c in cleaned):
        raise PlanError(N_("That has characters I can't keep. Please type it again in plain words."))
    return cleaned


def weekly_target(text: str) -> int:
    """A weekly number like ``2``; :class:`PlanError` for anything else."""
    raw = text.strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_WEEKLY_TARGET:
        raise PlanError(
            N_("Please send a whole number from 1 to {high}."),
            high=MAX_WEEKLY_TARGET,
        )
    return int(raw)


# -- the weekly review -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewTime:
    """When the member's weekly review comes: a weekday (Monday 0), a wall-clock time, a zone."""

    weekday: int
    at: time
    timezone: str


_WEEKDAYS = {
    # English and Spanish names and their short forms; accents optional.
    **{name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday"))},
    **{name: 5 + i for i, name in enumerate(("saturday", "sunday"))},
    **{name: i for i, name in enumerate(("lunes", "martes", "miercoles", "jueves", "viernes"))},
    **{name: 5 + i for i, name in enumerate(("sabado", "domingo"))},
}


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_weekday(word: str) -> int | None:
    """``Sunday``, ``sun``, ``domingo``, ``dom``, ``miércoles``: Monday is 0; None if unknown."""
    plain = _plain(word.strip().rstrip(".,"))
    if len(plain) < 2:
        return None
    found = {day for name, day in _WEEKDAYS.items() if name.startswith(plain)}
    return found.pop() if len(found) == 1 else None


def parse_clock(text: str) -> time | None:
    """``18:00``, ``8:30`` or ``7`` as a wall-clock time, else None."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isascii() and hours.isdigit() and len(hours) <= 2):
        return None
    if minutes and not (minutes.isascii() and minutes.isdigit() and len(minutes) == 2):
        return None
    hour, minute = int(hours), int(minutes or 0)
    return time(hour, minute) if hour <= 23 and minute <= 59 else None


def parse_review_time(text: str) -> tuple[int, time, str | None]:
    """``Sunday 18:00`` or ``domingo 18:00 Europe/Madrid``: weekday, time and an optional zone name
    (checked by the caller); :class:`PlanError` otherwise."""
    words = text.split()
    if len(words) in (2, 3):
        weekday, at = parse_weekday(words[0]), parse_clock(words[1])
        if weekday is not None and at is not None:
            return weekday, at, words[2] if len(words) == 3 else None
    raise PlanError(N_("Please send a day and a time, like: Sunday 18:00"))


def next_review(after: datetime, review: ReviewTime) -> datetime:
    """The next review instant strictly after *after* (UTC); a time skipped by a clock change
    comes just after the gap, as the daily check-in prompt does."""
    zone = ZoneInfo(review.timezone)
    day = after.astimezone(zone).date()
    day += timedelta(days=(review.weekday - day.weekday()) % 7)
    while True:
        candidate = datetime.combine(day, review.at, tzinfo=zone).astimezone(UTC)
        if candidate > after:
            return candidate
        day += timedelta(days=7)


def last_review(now: datetime, review: ReviewTime) -> datetime:
    """The latest review instant at or before *now* (the one a late bot still owes)."""
    candidate = next_review(now - timedelta(days=7), review)
    return candidate if candidate <= now else next_review(now - timedelta(days=8), review)


def review_day(instant: datetime, timezone: str) -> date:
    """The local date naming the review week that ends at *instant*."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def week_days(last_day: date) -> tuple[date, date]:
    """The seven local days of a review week, first and last included."""
    return last_day - timedelta(days=6), last_day


def recent_review_days(today: date, weekday: int, weeks: int = CHART_WEEKS) -> list[date]:
    """The last *weeks* review days up to *today* (the review weekday), oldest first."""
    latest = today - timedelta(days=(today.weekday() - weekday) % 7)
    return [latest - timedelta(weeks=n) for n in reversed(range(weeks))]


def local_bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """UTC instants from the start of *first* to the end of *last*, local days in *timezone*."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


# -- progress --------------------------------------------------------------------------------


def week_score(measure: Measure, target: int | None, count: int | None, outcome: Outcome | None) -> float:
    """How far a week went, from 0 to 1, for the chart: a measured count against its target, or
    the member's own answer; NaN where there is nothing to say (a gap in the line)."""
    if measure in WEEKLY_MEASURES and target and count is not None:
        return min(count / target, 1.0)
    if outcome is not None:
        return OUTCOME_SCORES[outcome]
    return math.nan


def count_in_week(days: Sequence[date], last_day: date) -> int:
    """How many of *days* fall in the review week ending on *last_day*."""
    first, last = week_days(last_day)
    return sum(1 for day in days if first <= day <= last)


def days_since(start: date | None, today: date) -> int | None:
    return None if start is None else max(0, (today - start).days)
