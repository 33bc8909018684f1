"""Care for the carers: peer workers' weekly self-check, their load, and what coordinators may see.

Peer workers are facilitators (a group's Telegram admins) and peer mentors.  Their self-check
answers are their own: stored under their id so they can see their trend, but coordinators only
ever get averages across workers, week by week, and a week with fewer distinct workers than
``SMALL_CELL_THRESHOLD`` shows nothing (the same rule as ``/wellbeing``:
:func:`bot.domain.checkins.too_few`).  A coordinator sees a person only when that person asks
for supervision.

Times reuse the meetings' recurrence (:mod:`bot.domain.recurrence`): the weekly prompt is a
weekly series, and a supervision session is a meeting series with reminders planned by
:mod:`bot.domain.meetings`.  Pure functions of an injected ``now``; no Telegram, no storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.checkins import CheckInError, parse_prompt_time, too_few
from bot.domain.i18n import N_
from bot.domain.meetings import DEFAULT_REMINDER_OFFSETS
from bot.domain.recurrence import Recurrence, RecurrenceKind, Schedule, next_occurrence, to_utc

SCALE = range(1, 6)  # energy, stress and sense of support: 1 (low) .. 5 (high)
HOURS_CHOICES = (0, 2, 5, 10, 15, 20, 30)  # "about how many hours did you give this week?"
MAX_HOURS = 168
SESSION_LENGTH = timedelta(minutes=45)
SUPERVISION_REMINDERS = DEFAULT_REMINDER_OFFSETS  # 24 h and 1 h before, like meetings
FOLLOW_UP_AT = time(10, 0)  # the next-day check after a crisis, local time
SLOT_HOURS = (10, 14, 18)  # times a coordinator can propose with one press
SLOT_DAYS = 3
LOAD_WINDOW = timedelta(days=30)
MAX_AWAY_DAYS = 120
DEFAULT_PROMPT_WEEKDAY, DEFAULT_PROMPT_TIME = 4, time(17, 0)  # Friday 17:00

# Load points: what one item of a peer worker's last 30 days weighs (README "Care for the carers").
WEIGHT_MEETING = 1
WEIGHT_ROLL_CALL = 1
WEIGHT_MENTEE = 2
WEIGHT_CRISIS = 3
WEIGHT_GROUP = 1

_WEEKDAYS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: i for i, name in enumerate(("lun", "mar", "mie", "jue", "vie", "sab", "dom"))},
    "mié": 2,
    "sáb": 5,
}


class CareError(ValueError):
    """Input that cannot be used; ``message`` is an ``N_`` template shown to the person."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


MSG_WEEKLY_SYNTAX = N_(
    "Write a day and a time, like /care weekly fri 17:00 (your own time zone), or /care weekly off."
)
MSG_AWAY_SYNTAX = N_(
    "Write the first and last day away, like /timeoff 2026-12-20 2027-01-03, or /timeoff until "
    "2027-01-03 to start today; /timeoff off ends it early. At most 120 days."
)


@dataclass(frozen=True)
class SelfCheck:
    """One weekly answer: energy, stress and sense of support on 1-5, hours given, and whether
    the worker would like to talk to someone."""

    energy: int
    stress: int
    support: int
    hours: int
    wants_talk: bool

    def __post_init__(self) -> None:
        if not all(value in SCALE for value in (self.energy, self.stress, self.support)):
            raise ValueError("self-check scales run from 1 to 5")
        if not 0 <= self.hours <= MAX_HOURS:
            raise ValueError("hours given run from 0 to 168")


@dataclass(frozen=True)
class WeeklyTime:
    weekday: int  # 0 = Monday
    at: time


def parse_weekly_time(words: Sequence[str]) -> WeeklyTime | None:
    """``["fri", "17:00"]`` -> Friday 17:00; ``["off"]`` -> None; else :class:`CareError`."""
    folded = [word.strip().casefold() for word in words if word.strip()]
    if folded == ["off"]:
        return None
    if len(folded) != 2 or folded[0][:3] not in _WEEKDAYS:
        raise CareError(MSG_WEEKLY_SYNTAX)
    try:
        at = parse_prompt_time(folded[1])
    except CheckInError as error:
        raise CareError(MSG_WEEKLY_SYNTAX) from error
    return WeeklyTime(_WEEKDAYS[folded[0][:3]], at)


def weekly_schedule(when: WeeklyTime, zone: str, today: date) -> Schedule:
    """The weekly prompt as a weekly series (the meetings' recurrence handles clock changes)."""
    first = today - timedelta(days=(today.weekday() - when.weekday) % 7)
    return Schedule(
        datetime.combine(first, when.at),
        zone,
        timedelta(minutes=15),
        Recurrence(RecurrenceKind.WEEKLY),
    )


def next_prompt(when: WeeklyTime, zone: str, now: datetime) -> datetime:
    """The next instant strictly after *now* when the worker's weekly self-check is due."""
    today = now.astimezone(ZoneInfo(zone)).date()
    occurrence = next_occurrence(weekly_schedule(when, zone, today - timedelta(days=7)), now)
    if occurrence is None:  # a weekly series without an end always has a next one
        raise ValueError("no next weekly prompt")
    return occurrence.start


def follow_up_time(acknowledged_at: datetime, zone: str) -> datetime:
    """When to ask "how are you after yesterday?": the next local day at :data:`FOLLOW_UP_AT`."""
    local = acknowledged_at.astimezone(ZoneInfo(zone))
    return to_utc(datetime.combine(local.date() + timedelta(days=1), FOLLOW_UP_AT), ZoneInfo(zone))


def proposal_slots(now: datetime, zone: str) -> list[datetime]:
    """Naive local times a coordinator can propose with one press: the next
    :data:`SLOT_DAYS` days (from tomorrow) at :data:`SLOT_HOURS`."""
    local = now.astimezone(ZoneInfo(zone))
    slots: list[datetime] = []
    for offset in range(1, SLOT_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        slots.extend(datetime.combine(day, time(hour)) for hour in SLOT_HOURS)
    return slots


def session_schedule(start_local: datetime, zone: str, *, weekly: bool = False) -> Schedule:
    """A supervision session as a meeting series: one-off, or weekly for group supervision."""
    recurrence = Recurrence(RecurrenceKind.WEEKLY) if weekly else Recurrence()
    return Schedule(start_local, zone, SESSION_LENGTH, recurrence)


# -- time off --


@dataclass(frozen=True)
class AwayPeriod:
    first_day: date
    last_day: date

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """UTC instants: the first day's start and the last day's end in *zone*."""
        tz = ZoneInfo(zone)
        start = to_utc(datetime.combine(self.first_day, time()), tz)
        end = to_utc(datetime.combine(self.last_day + timedelta(days=1), time()), tz)
        return start, end


def parse_away(words: Sequence[str], today: date) -> AwayPeriod | None:
    """``["2026-12-20", "2027-01-03"]`` or ``["until", "2027-01-03"]``; ``["off"]`` -> None."""
    folded = [word.strip().casefold() for word in words if word.strip()]
    if folded == ["off"]:
        return None
    if len(folded) != 2:
        raise CareError(MSG_AWAY_SYNTAX)
    try:
        first = today if folded[0] in ("until", "hasta") else date.fromisoformat(folded[0])
        last = date.fromisoformat(folded[1])
    except ValueError as error:
        raise CareError(MSG_AWAY_SYNTAX) from error
    if last < first or last < today or (last - first).days >= MAX_AWAY_DAYS:
        raise CareError(MSG_AWAY_SYNTAX)
    return AwayPeriod(max(first, today), last)


# -- aggregates --


@dataclass(frozen=True)
class CheckRow:
    """One stored self-check as aggregates read it: whose (to count distinct workers) and when."""

    user_id: int
    at: datetime
    energy: int
    stress: int
    support: int
    hours: int


@dataclass(frozen=True)
class WeekShown:
    """A week with enough workers: averages across everyone who answered."""

    week: date  # the Monday
    contributors: int
    energy: float
    stress: float
    support: float
    hours: float


@dataclass(frozen=True)
class WeekHidden:
    """Too few workers answered that week: deliberately carries no numbers."""

    week: date


WeekCell = WeekShown | WeekHidden


def monday_of(at: datetime) -> date:
    day = at.astimezone(ZoneInfo("UTC")).date()
    return day - timedelta(days=day.weekday())


def weekly_aggregates(rows: Iterable[CheckRow], *, min_contributors: int) -> list[WeekCell]:
    """Per ISO week (UTC), averages across workers; a worker who answered twice in a week counts
    once among the contributors (their answers are averaged first, so nobody weighs double)."""
    per_week: dict[date, dict[int, list[CheckRow]]] = {}
    for row in rows:
        per_week.setdefault(monday_of(row.at), {}).setdefault(row.user_id, []).append(row)
    cells: list[WeekCell] = []
    for week in sorted(per_week):
        workers = per_week[week]
        if too_few(len(workers), min_contributors=min_contributors):
            cells.append(WeekHidden(week))
            continue

        def mean(pick: str, people: dict[int, list[CheckRow]] = workers) -> float:
            each = [
                sum(float(getattr(r, pick)) for r in answers) / len(answers) for answers in people.values()
            ]
            return float(sum(each) / len(each))

        cells.append(
            WeekShown(week, len(workers), mean("energy"), mean("stress"), mean("support"), mean("hours"))
        )
    return cells


def own_trend(rows: Iterable[CheckRow]) -> dict[str, list[tuple[date, float]]]:
    """The worker's own answers as chart series, one point per day (averaged if several)."""
    by_day: dict[date, list[CheckRow]] = {}
    for row in rows:
        by_day.setdefault(row.at.astimezone(ZoneInfo("UTC")).date(), []).append(row)
    series: dict[str, list[tuple[date, float]]] = {"energy": [], "stress": [], "support": []}
    for day in sorted(by_day):
        answers = by_day[day]
        for name, points in series.items():
            points.append((day, sum(getattr(r, name) for r in answers) / len(answers)))
    return series


# -- load --


@dataclass(frozen=True)
class WorkerLoad:
    """One peer worker's last 30 days, as /team shows it."""

    user_id: int
    name: str
    groups: int
    meetings_led: int
    roll_calls: int  # occurrences where they took attendance
    mentees: int
    capacity: int | None  # None: not a mentor
    crises_handled: int
    open_requests: int
    away_until: date | None

    @property
    def points(self) -> int:
        return (
            WEIGHT_GROUP * self.groups
            + WEIGHT_MEETING * self.meetings_led
            + WEIGHT_ROLL_CALL * self.roll_calls
            + WEIGHT_MENTEE * self.mentees
            + WEIGHT_CRISIS * self.crises_handled
        )

    def over(self, threshold: int) -> bool:
        """The over-load rule: load points above the configured ``CARE_LOAD_THRESHOLD``, or more
        mentees than the mentor's own capacity."""
        return self.points > threshold or (self.capacity is not None and self.mentees > self.capacity)
