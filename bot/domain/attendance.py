"""Attendance: roll-call windows, report summaries, the CSV table, and proof-of-attendance codes.

Pure functions of their arguments (time comes in as an aware ``now``); no Telegram, no SQL.
The rules that decide what people see live here, one function each:

* :func:`roll_call_window` / :func:`roll_call_state`: a roll call opens ``window`` before the
  meeting starts and closes ``window`` after it *ends*, so someone arriving late to a long
  meeting can still say they came.  Presses outside the window are refused.
* :func:`correctable`: facilitators may correct the last :data:`CORRECTION_DAYS` days only.
* :func:`summarize`: meetings held, average attendance, trend, dropped away, newcomers.
  **Dropped away** (per group): present at :data:`DROPPED_MIN_EARLY` or more of the group's
  meetings in the first half of the range, and at none in the second half, when that half held
  at least :data:`DROPPED_MIN_LATE_MEETINGS` of them (with fewer, absence says little).
  **Newcomer** (per group): first ever present at one of the group's meetings inside the range.
  The storage layer does the counting in SQL; these rules only read the aggregated rows.
* :func:`proof_code`: a proof-of-attendance letter's verification code is an HMAC over the
  letter's canonical contents, under a key derived from the deployment's pseudonym secret with
  its own label, so it cannot be forged without the secret and changes with any altered detail.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.checkins import Trend, trend
from bot.domain.i18n import N_

DEFAULT_WINDOW = timedelta(minutes=15)
CORRECTION_DAYS = 7
DROPPED_MIN_EARLY = 2
DROPPED_MIN_LATE_MEETINGS = 2
# A fitted change in attendance smaller than this share of the average (and than one person)
# across the range reads as "steady".
TREND_SHARE = 0.1
PROOF_LABEL = b"kindred:proof:v1"
CODE_BYTES = 10  # 80 bits: 16 base32 characters, typed as four groups of four


# --- roll calls ---------------------------------------------------------------------------------


class RollCallState(StrEnum):
    EARLY = "early"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime


def roll_call_window(start: datetime, end: datetime, window: timedelta = DEFAULT_WINDOW) -> Window:
    """From *window* before the start until *window* after the end of the meeting."""
    _require_aware(start, end)
    return Window(start - window, end + window)


def roll_call_state(window: Window, now: datetime) -> RollCallState:
    _require_aware(now)
    if now < window.opens:
        return RollCallState.EARLY
    return RollCallState.OPEN if now < window.closes else RollCallState.CLOSED


def correctable(occurrence_start: datetime, now: datetime, window: timedelta = DEFAULT_WINDOW) -> bool:
    """Facilitators may mark an occurrence from its roll call's opening until 7 days after its start."""
    _require_aware(occurrence_start, now)
    return now - timedelta(days=CORRECTION_DAYS) <= occurrence_start <= now + window


# --- reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """Instants ``[start, end)``; ``mid`` splits it in halves for the "dropped away" rule."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)
        if self.end <= self.start:
            raise ValueError("a range ends after it starts")

    @property
    def mid(self) -> datetime:
        return self.start + (self.end - self.start) / 2


@dataclass(frozen=True)
class OccurrenceCount:
    """One meeting held (a roll call was taken) and how many were present."""

    chat_id: int
    group_title: str
    meeting_id: int
    meeting_title: str
    start: datetime
    time_zone: str
    present: int


@dataclass(frozen=True)
class MemberCount:
    """A member's presence in one group: meetings in each half of the range, or first ever."""

    chat_id: int
    user_id: int
    name: str | None  # None once the person erased their data
    early: int = 0
    late: int = 0


@dataclass(frozen=True)
class Summary:
    meetings_held: int
    total_present: int
    average: float | None
    trend: Trend
    dropped_away: tuple[str, ...] = ()
    newcomers: tuple[str, ...] = ()
    by_group: dict[int, int] = field(default_factory=dict)  # meetings held per group


def summarize(
    occurrences: Sequence[OccurrenceCount],
    candidates: Iterable[MemberCount],
    newcomers: Iterable[MemberCount],
    period: DateRange,
    former_member: str = "",
) -> Summary:
    """The report's numbers from aggregated rows (see the module docstring for the rules).

    *candidates* may hold any members; only those matching the "dropped away" rule are kept,
    so the storage layer can pre-filter in SQL.  *former_member* names erased people.
    """
    held = len(occurrences)
    total = sum(o.present for o in occurrences)
    average = total / held if held else None
    late_held: dict[int, int] = defaultdict(int)
    for occurrence in occurrences:
        if occurrence.start >= period.mid:
            late_held[occurrence.chat_id] += 1
    dropped = sorted({c.name or former_member for c in candidates if _dropped_away(c, late_held)})
    by_group: dict[int, int] = defaultdict(int)
    for occurrence in occurrences:
        by_group[occurrence.chat_id] += 1
    return Summary(
        meetings_held=held,
        total_present=total,
        average=average,
        trend=attendance_trend(occurrences, average),
        dropped_away=tuple(dropped),
        newcomers=tuple(sorted({n.name or former_member for n in newcomers})),
        by_group=dict(by_group),
    )


def _dropped_away(member: MemberCount, late_held: dict[int, int]) -> bool:
    return (
        member.early >= DROPPED_MIN_EARLY
        and member.late == 0
        and late_held[member.chat_id] >= DROPPED_MIN_LATE_MEETINGS
    )


def attendance_trend(occurrences: Sequence[OccurrenceCount], average: float | None) -> Trend:
    """Least-squares slope of people present per meeting against time, over the meetings' span."""
    if len(occurrences) < 3 or average is None:
        return Trend.UNKNOWN
    first = min(o.start for o in occurrences)
    xs = [(o.start - first).total_seconds() / 86400 for o in occurrences]
    if len({round(x) for x in xs}) < 2:
        return Trend.UNKNOWN
    slope = statistics.linear_regression(xs, [float(o.present) for o in occurrences]).slope
    return trend(slope, max(xs), threshold=max(1.0, TREND_SHARE * average))


def per_meeting_series(occurrences: Iterable[OccurrenceCount]) -> dict[int, list[tuple[date, float]]]:
    """People present per meeting held, by group, as (local date, count) points for a chart."""
    series: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for occurrence in occurrences:
        day = local_date(occurrence.start, occurrence.time_zone)
        series[occurrence.chat_id].append((day, occurrence.present))
    return dict(series)


def local_date(instant: datetime, zone: str) -> date:
    return local_time(instant, zone).date()


def local_time(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


# --- the CSV table ------------------------------------------------------------------------------

CSV_HEADER = ("group", "meeting", "date", "time", "member", "present")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AttendanceRow:
    group_title: str
    meeting_title: str
    start: datetime
    time_zone: str
    name: str | None
    present: bool


def csv_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(...)``) is quoted with ``'``."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def attendance_csv(rows: Iterable[AttendanceRow], former_member: str = "") -> bytes:
    """UTF-8 CSV with a header row: one line per recorded attendance (present 1, absent 0).

    Dates and times are local to the meeting's time zone, as members read them.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    local: dict[tuple[datetime, str], tuple[str, str]] = {}  # many rows share one occurrence
    for row in rows:
        key = (row.start, row.time_zone)
        if key not in local:
            moment = local_time(row.start, row.time_zone)
            local[key] = (moment.date().isoformat(), moment.strftime("%H:%M"))
        day, clock = local[key]
        writer.writerow(
            (
                csv_cell(row.group_title),
                csv_cell(row.meeting_title),
                day,
                clock,
                csv_cell(row.name or former_member),
                1 if row.present else 0,
            )
        )
    return buffer.getvalue().encode("utf-8")


# --- proof of attendance ------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendedMeeting:
    """One line of a letter: which group and meeting, and when (local wall time and zone)."""

    group_title: str
    meeting_title: str
    local_start: datetime  # naive wall time in time_zone
    minutes: int
    time_zone: str


@dataclass(frozen=True)
class ProofLetter:
    """Everything a letter shows, and nothing else: first name only, as mutual-help custom asks."""

    first_name: str
    first_day: date
    last_day: date
    issued_at: datetime
    meetings: tuple[AttendedMeeting, ...]

    def canonical(self) -> bytes:
        """A stable byte encoding of the contents; the code is computed over exactly this."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def to_json(self) -> dict[str, object]:
        return {
            "v": 1,
            "first_name": self.first_name,
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "issued_at": self.issued_at.isoformat(),
            "meetings": [
                [m.group_title, m.meeting_title, m.local_start.isoformat(), m.minutes, m.time_zone]
                for m in self.meetings
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ProofLetter:
        meetings = data["meetings"]
        assert isinstance(meetings, list)  # noqa: S101 - written by to_json
        return cls(
            first_name=str(data["first_name"]),
            first_day=date.fromisoformat(str(data["from"])),
            last_day=date.fromisoformat(str(data["to"])),
            issued_at=datetime.fromisoformat(str(data["issued_at"])),
            meetings=tuple(
                AttendedMeeting(g, t, datetime.fromisoformat(s), int(n), z) for g, t, s, n, z in meetings
            ),
        )


def proof_key(secret: bytes | str) -> bytes:
    """The letters' own key: the pseudonym secret under a distinct label, never the secret itself."""
    raw = secret.encode() if isinstance(secret, str) else secret
    if not raw:
        raise ValueError("the secret must not be empty")
    return hmac.new(raw, PROOF_LABEL, hashlib.sha256).digest()


def proof_code(letter: ProofLetter, key: bytes) -> str:
    """``XXXX-XXXX-XXXX-XXXX``: base32 (no 0/1/8 to confuse) of a truncated HMAC-SHA256."""
    digest = hmac.new(key, letter.canonical(), hashlib.sha256).digest()[:CODE_BYTES]
    text = base64.b32encode(digest).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_CODE = re.compile(r"^[A-Z2-7]{16}$")


def normalize_code(text: str) -> str | None:
    """A typed code in canonical form, forgiving case, spaces, dashes and 0/O 1/I 8/B; else None."""
    compact = re.sub(r"[\s\-]", "", text).upper().translate(_LOOKALIKES)
    if not _CODE.match(compact):
        return None
    return "-".join(compact[i : i + 4] for i in range(0, 16, 4))


def code_matches(letter: ProofLetter, code: str, key: bytes) -> bool:
    """Whether *code* is the code of exactly these contents (constant-time comparison)."""
    return hmac.compare_digest(proof_code(letter, key), code)


def _require_aware(*instants: datetime) -> None:
    if any(instant.tzinfo is None or instant.utcoffset() is None for instant in instants):
        raise TypeError("expected timezone-aware datetimes (domain time is injected, in UTC)")


# --- ranges people choose -----------------------------------------------------------------------

MAX_RANGE_DAYS = 3 * 366
_DATES = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|to|a|–|—|-|\s)\s*(\d{4}-\d{1,2}-\d{1,2})\s*$")


class RangeError(ValueError):
    """A typed date range that cannot be used; ``message`` is an ``N_`` string to translate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_date_range(text: str, today: date) -> tuple[date, date]:
    """``2026-09-01 2026-11-30`` (inclusive) into two dates; refuses what is not a usable range."""
    match = _DATES.match(text)
    if match is None:
        raise RangeError(N_("Please write two dates like 2026-09-01 2026-11-30 (first day, last day)."))
    try:
        first, last = (date.fromisoformat(_padded(part)) for part in match.groups())
    except ValueError:
        raise RangeError(N_("One of those dates does not exist. Please check them.")) from None
    if last < first:
        raise RangeError(N_("The last day comes before the first day. Please swap them."))
    if first > today:
        raise RangeError(N_("That range is in the future: there is nothing to show yet."))
    if (last - first).days > MAX_RANGE_DAYS:
        raise RangeError(N_("Please choose at most three years."))
    return first, last


def _padded(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def local_day_range(first: date, last: date, zone: str) -> DateRange:
    """Whole local days *first*..*last* in *zone* as UTC instants."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return DateRange(start.astimezone(UTC), end.astimezone(UTC))
