"""The one-line meeting form, for facilitators who would rather type than tap through a wizard.

Syntax (also :data:`FORM_SYNTAX`, shown by ``/help``)::

    /schedule Title | start | duration | repeat | place or https link | notes

Fields are separated by ``|``; only *title* and *start* are required.  Trailing fields may be left
out and any field may be left empty to take its default.  Everything after the fifth ``|`` is the
notes, so notes may themselves contain ``|``.  Keywords are case- and accent-insensitive and exist
in English and Spanish.

* **start**: ``2026-12-01 19:00`` (also ``2026/12/01``, ``T`` between date and time, ``7pm``,
  ``7:30 pm``, ``19h``, ``19.30``), or a day word and a time: ``tue 19:00``, ``tuesday at 7pm``,
  ``martes 19:00``, ``today 19:00``, ``tomorrow 18:30`` (``hoy``, ``mañana``).  A weekday means
  the next such day whose time is still ahead of *now* (today if it is later today).
* **duration** (default 60m): ``90m``, ``90 min``, ``90``, ``1h30``, ``1h 30m``, ``1.5h``,
  ``1,5 h``, ``2h``, ``1:30``; between 5 minutes and 8 hours.
* **repeat** (default once): ``once``, ``weekly``, ``every 2 weeks``, ``every other week``,
  ``fortnightly``, ``monthly first monday``, ``monthly on the last friday``, ``monthly`` (the
  start's position, e.g. "third Thursday"), each optionally followed by ``until 2027-06-30``.
  Spanish: ``una vez``, ``semanal``, ``cada 2 semanas``, ``quincenal``, ``mensual primer lunes``,
  ``mensual último viernes``, ``hasta 2027-06-30``.  A monthly meeting whose start date is not on
  its rule moves to the first date on or after it that is ("monthly first monday" with start
  2026-12-01 starts on 2026-12-07); the confirmation shows the real date.
* **place**: free text, or an ``https://`` link for an online meeting.
* **notes**: free text.

:func:`parse_meeting_line` raises only :class:`FormError`, naming the field and what it accepts.
:func:`format_meeting_line` writes the canonical form back, which parses to the same draft.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.domain.i18n import N_
from bot.domain.meetings import validate_title
from bot.domain.recurrence import (
    FIRST_YEAR,
    LAST_YEAR,
    MeetingError,
    MeetingErrorCode,
    Recurrence,
    RecurrenceKind,
    Schedule,
    first_on_rule,
    local_datetime,
    monthly_position,
    to_utc,
    validate_new_schedule,
    zone_for,
)
from bot.domain.recurrence import escape_params as _escape_params

if TYPE_CHECKING:
    from bot.domain.i18n import Translator

FORM_SYNTAX = N_(
    "/schedule Title | start | duration | repeat | place or https link | notes\n"
    "Example: /schedule Tuesday Circle | 2026-12-01 19:00 | 90m | weekly | "
    "Community Centre, Room 2 | Bring a friend\n"
    "Start: 2026-12-01 19:00, tue 19:00, tomorrow 7pm. "
    "Duration (default 60m): 90m, 1h30, 1.5h. "
    "Repeat (default once): once, weekly, every 2 weeks, monthly first monday, monthly last friday, "
    "optionally followed by until 2027-06-30.\n"
    "Only the title and the start are required; leave a field empty to use its default."
)

DEFAULT_DURATION = timedelta(minutes=60)
PLACE_MAX_LENGTH = 200
LINK_MAX_LENGTH = 500
NOTES_MAX_LENGTH = 1000


class FormField(Enum):
    """A field of the one-line form: its position (0 = the line as a whole) and its name."""

    LINE = (0, N_("the line"))
    TITLE = (1, N_("title"))
    START = (2, N_("start"))
    DURATION = (3, N_("duration"))
    REPEAT = (4, N_("repeat"))
    PLACE = (5, N_("place"))
    NOTES = (6, N_("notes"))

    @property
    def number(self) -> int:
        return self.value[0]

    @property
    def label(self) -> str:
        return self.value[1]


MSG_EMPTY = N_("Write the meeting on one line, fields separated by “|”: at least a title and a start.")
MSG_START = N_(
    "I could not read the start “{value}”. Write a date and time like 2026-12-01 19:00, "
    "or a day and time like tue 19:00 or tomorrow 7pm."
)
MSG_DURATION = N_(
    "I could not use the duration “{value}”. Write it like 90m, 1h30 or 1.5h, between 5 minutes and 8 hours."
)
MSG_REPEAT = N_(
    "I could not read the repeat rule “{value}”. Use once, weekly, every 2 weeks, "
    "monthly first monday or monthly last friday, optionally followed by until 2027-06-30."
)
MSG_HTTP_LINK = N_("Online meeting links must start with https://")
MSG_BAD_LINK = N_("That link does not look right. Write it in full, like https://meet.example.org/circle")
MSG_TOO_LONG = N_("This field is too long: at most {limit} characters, please.")
MSG_FIELD = N_("Field {number} ({name}): {problem}")


class FormError(ValueError):
    """What is wrong with a one-line form: which field, and an ``N_`` message saying what it accepts."""

    def __init__(self, field: FormField, message: str, **params: Any) -> None:
        self.field = field
        self.message = message
        self.params = params
        super().__init__(f"{field.name}: {message.format(**params)}")

    @classmethod
    def from_meeting_error(cls, field: FormField, error: MeetingError) -> FormError:
        return cls(field, error.message, **error.params)

    def render(self, tr: Translator) -> str:
        """Translated, HTML-safe text (parameters echo user input, so they are escaped)."""
        problem = tr._(self.message).format(**_escape_params(self.params))
        if self.field is FormField.LINE:
            return problem
        return tr._(MSG_FIELD).format(number=self.field.number, name=tr._(self.field.label), problem=problem)


@dataclass(frozen=True)
class MeetingDraft:
    """A meeting as typed, validated and ready to be stored (the storage layer assigns the id)."""

    title: str
    schedule: Schedule
    place: str | None = None
    link: str | None = None
    notes: str | None = None


# --- keywords (matched after casefolding and removing accents) ---------------------------------

_WEEKDAYS = {
    **dict.fromkeys(("monday", "mon", "lunes", "lun"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues", "martes", "mar"), 1),
    **dict.fromkeys(("wednesday", "wed", "miercoles", "mie"), 2),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs", "jueves", "jue"), 3),
    **dict.fromkeys(("friday", "fri", "viernes", "vie"), 4),
    **dict.fromkeys(("saturday", "sat", "sabado", "sab"), 5),
    **dict.fromkeys(("sunday", "sun", "domingo", "dom"), 6),
}
_RELATIVE_DAYS = {"today": 0, "hoy": 0, "tomorrow": 1, "manana": 1}
_ORDINALS = {
    **dict.fromkeys(("first", "1st", "1", "primer", "primero", "primera"), 1),
    **dict.fromkeys(("second", "2nd", "2", "segundo", "segunda"), 2),
    **dict.fromkeys(("third", "3rd", "3", "tercer", "tercero", "tercera"), 3),
    **dict.fromkeys(("fourth", "4th", "4", "cuarto", "cuarta"), 4),
    **dict.fromkeys(("last", "ultimo", "ultima"), -1),
}
_ONCE = {"once", "one-off", "one off", "single", "una vez", "unica vez", "puntual"}
_WEEKLY = {"weekly", "every week", "each week", "semanal", "semanalmente", "cada semana"}
_FORTNIGHTLY = {"every other week", "fortnightly", "quincenal", "cada dos semanas"}
_MONTHLY = {"monthly", "every month", "each month", "mensual", "mensualmente", "cada mes"}
_CANONICAL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CANONICAL_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}

_DATE = r"(?P<y>[0-9]{4})[-/.](?P<mo>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})"
_PREFIX = re.compile(r"^\s*/schedule(?:@\w+)?(?=\s|$)", re.IGNORECASE)
_DATE_START = re.compile(rf"^{_DATE}(?:t|[\s,]+)(?P<rest>.+)$")
_WORD_START = re.compile(r"^(?P<word>[a-z]+)[\s,]+(?P<rest>.+)$")
_AT = re.compile(r"^(?:at|a las|a la|@)\s*")
_TIME = re.compile(
    r"^(?P<h>[0-9]{1,2})(?:(?::|\.|h)(?P<m>[0-9]{2})?)?\s*(?:(?P<ap>[ap])\.?\s?m\.?|hs?|horas?)?$"
)
_MINUTES = r"(?:m|min|mins|minute|minutes|minuto|minutos)"
_HOURS = r"(?:h|hr|hrs|hour|hours|hora|horas)"
_DURATIONS = (
    (re.compile(rf"^(?P<m>[0-9]{{1,3}}){_MINUTES}?$"), "m"),
    (re.compile(rf"^(?P<h>[0-9]{{1,2}}){_HOURS}(?:(?P<m>[0-9]{{1,2}}){_MINUTES}?)?$"), "hm"),
    (re.compile(rf"^(?P<h>[0-9]{{1,2}})[.,](?P<f>[0-9]{{1,2}}){_HOURS}$"), "fraction"),
    (re.compile(r"^(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})$"), "hm"),
)
_UNTIL = re.compile(rf"^(?P<body>.*?)\s*(?:until|till|through|hasta(?: el)?)\s+{_DATE}$")
_EVERY_N_WEEKS = re.compile(r"^(?:every|cada)\s+(?P<n>[0-9]{1,2})\s+(?:weeks?|semanas?)$")
_MONTHLY_AT = re.compile(
    r"^(?P<monthly>\S+(?:\s(?:month|mes))?)(?:\s+(?:on|el))?(?:\s+the)?\s+(?P<ord>\S+)\s+(?P<wd>\S+)"
    r"(?:\s+(?:of the month|of each month|del mes|de cada mes))?$"
)


def parse_meeting_line(text: str, *, time_zone: str, now: datetime) -> MeetingDraft:
    """Parse the one-line form (with or without the leading ``/schedule``) into a draft.

    *time_zone* is the group's IANA zone and *now* an aware datetime; both are injected.
    Raises :class:`FormError` and nothing else for any text.
    """
    try:
        zone_for(time_zone)
    except MeetingError as error:
        raise FormError.from_meeting_error(FormField.LINE, error) from None
    fields = [part.strip() for part in _PREFIX.sub("", text, count=1).split("|", 5)]
    fields += [""] * (6 - len(fields))
    title, start, duration, repeat, place, notes = fields
    if not title or not start:
        raise FormError(FormField.LINE, MSG_EMPTY)
    return MeetingDraft(
        title=_title(title),
        schedule=_schedule(start, duration, repeat, time_zone, now),
        place=_place(place),
        link=_link(place),
        notes=_clean_notes(notes) or None,
    )


def format_meeting_line(draft: MeetingDraft) -> str:
    """The canonical one-line form of *draft*; :func:`parse_meeting_line` reads it back unchanged.

    The form carries one of place or link: a draft with both is written with its link.
    Monthly series repeating every N > 1 months have no one-line form (``ValueError``).
    """
    schedule = draft.schedule
    fields = [
        draft.title,
        f"{schedule.first_start:%Y-%m-%d %H:%M}",
        f"{int(schedule.duration.total_seconds() // 60)}m",
        format_recurrence(schedule.recurrence),
        draft.link or draft.place or "",
        draft.notes or "",
    ]
    while fields[-1] == "":
        fields.pop()
    return "/schedule " + " | ".join(fields)


def format_recurrence(recurrence: Recurrence) -> str:
    """The canonical English repeat field, e.g. ``monthly last friday until 2027-06-30``."""
    if recurrence.kind is RecurrenceKind.ONCE:
        return "once"
    if recurrence.kind is RecurrenceKind.WEEKLY:
        text = "weekly" if recurrence.interval == 1 else f"every {recurrence.interval} weeks"
    elif recurrence.interval == 1:
        ordinal = _CANONICAL_ORDINALS[recurrence.ordinal or 1]
        text = f"monthly {ordinal} {_CANONICAL_WEEKDAYS[recurrence.weekday or 0]}"
    else:
        raise ValueError("monthly series repeating every N > 1 months have no one-line form")
    if recurrence.until is not None:
        text += f" until {recurrence.until:%Y-%m-%d}"
    return text


# --- fields ----------------------------------------------------------------------------------


def _title(text: str) -> str:
    try:
        return validate_title(_collapse(text))
    except MeetingError as error:
        raise FormError.from_meeting_error(FormField.TITLE, error) from None


def _schedule(start: str, duration: str, repeat: str, time_zone: str, now: datetime) -> Schedule:
    first_start = _start(start, time_zone, now)
    length = _duration(duration)
    recurrence = _recurrence(repeat, first_start)
    try:
        schedule = Schedule(first_on_rule(first_start, recurrence), time_zone, length, recurrence)
        validate_new_schedule(schedule, now)
    except MeetingError as error:
        raise FormError.from_meeting_error(_field_for(error.code), error) from None
    return schedule


def _field_for(code: MeetingErrorCode) -> FormField:
    """Which form field a domain error is about."""
    if code in {MeetingErrorCode.START_IN_PAST, MeetingErrorCode.START_OUT_OF_RANGE}:
        return FormField.START
    if code is MeetingErrorCode.DURATION_OUT_OF_RANGE:
        return FormField.DURATION
    if code is MeetingErrorCode.UNKNOWN_TIME_ZONE:
        return FormField.LINE
    return FormField.REPEAT


def _start(text: str, time_zone: str, now: datetime) -> datetime:
    """A naive local start from an ISO-ish date and time, or a day word and a time."""
    folded = _collapse(_fold(text))
    date_match = _DATE_START.match(folded)
    word_match = _WORD_START.match(folded)
    rest = date_match["rest"] if date_match else word_match["rest"] if word_match else ""
    clock = _time(rest)
    try:
        if date_match and clock:
            year = int(date_match["y"])
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise MeetingError(MeetingErrorCode.START_OUT_OF_RANGE, first=FIRST_YEAR, last=LAST_YEAR)
            return local_datetime(year, int(date_match["mo"]), int(date_match["d"]), *clock)
        if word_match and clock and _is_day_word(word_match["word"]):
            return _next_day_at(word_match["word"], *clock, time_zone, now)
    except MeetingError as error:
        raise FormError.from_meeting_error(FormField.START, error) from None
    raise FormError(FormField.START, MSG_START, value=_echo(text))


def _is_day_word(word: str) -> bool:
    return word in _WEEKDAYS or word in _RELATIVE_DAYS


def _time(text: str) -> tuple[int, int] | None:
    """``(hour, minute)`` from ``19:00``, ``7pm``, ``7:30 p.m.``, ``19h``, ``19.30``; else ``None``."""
    match = _TIME.match(_AT.sub("", text.strip()))
    if match is None:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ap"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ap"] == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def _next_day_at(word: str, hour: int, minute: int, time_zone: str, now: datetime) -> datetime:
    """The next *word* (weekday, today, tomorrow) at ``hour:minute`` local, after *now*."""
    zone = zone_for(time_zone)
    today = now.astimezone(zone).date()
    if word in _RELATIVE_DAYS:
        day = today + timedelta(days=_RELATIVE_DAYS[word])
        return local_datetime(day.year, day.month, day.day, hour, minute)
    day = today + timedelta(days=(_WEEKDAYS[word] - today.weekday()) % 7)
    candidate = local_datetime(day.year, day.month, day.day, hour, minute)
    if to_utc(candidate, zone) <= now:
        candidate += timedelta(days=7)
    return candidate


def _duration(text: str) -> timedelta:
    if not text:
        return DEFAULT_DURATION
    folded = re.sub(r"\s+", "", _fold(text))
    for pattern, shape in _DURATIONS:
        if match := pattern.match(folded):
            return _duration_from(match, shape)
    raise FormError(FormField.DURATION, MSG_DURATION, value=_echo(text))


def _duration_from(match: re.Match[str], shape: str) -> timedelta:
    groups = match.groupdict()
    if shape == "fraction":
        hours = Decimal(f"{groups['h']}.{groups['f']}")
        minutes = (hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return timedelta(minutes=int(minutes))
    return timedelta(hours=int(groups.get("h") or 0), minutes=int(groups.get("m") or 0))


def _recurrence(text: str, first_start: datetime) -> Recurrence:
    """The repeat field; monthly rules without a position take the start date's position."""
    folded = _collapse(_fold(text))
    until = None
    try:
        if match := _UNTIL.match(folded):
            folded = match["body"]
            until = local_datetime(int(match["y"]), int(match["mo"]), int(match["d"])).date()
        recurrence = _recurrence_body(folded, first_start.date(), until)
    except MeetingError as error:
        raise FormError.from_meeting_error(FormField.REPEAT, error) from None
    if recurrence is None:
        raise FormError(FormField.REPEAT, MSG_REPEAT, value=_echo(text))
    return recurrence


def _recurrence_body(text: str, start: date, until: date | None) -> Recurrence | None:
    if text in _ONCE or (not text and until is None):
        return Recurrence() if until is None else None
    return _weekly(text, until) or _monthly(text, start, until)


def _weekly(text: str, until: date | None) -> Recurrence | None:
    """``weekly`` (also implied by a bare ``until``), ``every N weeks``, ``fortnightly``."""
    interval = None
    if text in _WEEKLY or not text:
        interval = 1
    elif text in _FORTNIGHTLY:
        interval = 2
    elif match := _EVERY_N_WEEKS.match(text):
        interval = int(match["n"])
    return None if interval is None else Recurrence(RecurrenceKind.WEEKLY, interval, until=until)


def _monthly(text: str, start: date, until: date | None) -> Recurrence | None:
    """``monthly first monday`` and friends; bare ``monthly`` takes the start date's position."""
    if text in _MONTHLY:
        weekday, ordinal = monthly_position(start)
    elif (match := _MONTHLY_AT.match(text)) and (
        match["monthly"] in _MONTHLY and match["ord"] in _ORDINALS and match["wd"] in _WEEKDAYS
    ):
        weekday, ordinal = _WEEKDAYS[match["wd"]], _ORDINALS[match["ord"]]
    else:
        return None
    return Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, weekday, ordinal, until)


def _place(text: str) -> str | None:
    if _looks_like_link(text):
        return None
    return _limited(_collapse(text), PLACE_MAX_LENGTH, FormField.PLACE) or None


def _link(text: str) -> str | None:
    """An ``https://`` link for an online meeting; ``http://`` is refused, not silently used."""
    if not _looks_like_link(text):
        return None
    if not text.casefold().startswith("https://"):
        raise FormError(FormField.PLACE, MSG_HTTP_LINK)
    link = _limited(text, LINK_MAX_LENGTH, FormField.PLACE)
    try:
        valid = bool(urlsplit(link).hostname)
    except ValueError:
        valid = False
    if not valid or any(char.isspace() or not char.isprintable() for char in link):
        raise FormError(FormField.PLACE, MSG_BAD_LINK)
    return link


def _looks_like_link(text: str) -> bool:
    return text.casefold().startswith(("https://", "http://"))


# --- text helpers ----------------------------------------------------------------------------


def _limited(text: str, limit: int, field: FormField) -> str:
    if len(text) > limit:
        raise FormError(field, MSG_TOO_LONG, limit=limit)
    return text


def _collapse(text: str) -> str:
    """One line of text: runs of whitespace become one space, control characters go."""
    words = ("".join(char for char in word if unicodedata.category(char) != "Cc") for word in text.split())
    return " ".join(word for word in words if word)


def _clean_notes(text: str) -> str:
    """Notes keep their lines and tabs; other control characters go."""
    kept = "".join(char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc")
    return _limited(kept.strip(), NOTES_MAX_LENGTH, FormField.NOTES)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for keyword matching (``Miércoles`` -> ``miercoles``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).strip()


def _echo(text: str) -> str:
    """The user's text, shortened, for quoting back in an error message."""
    return text if len(text) <= 40 else text[:39] + "…"
