"""Meeting Guide JSON feeds (issue 11): export a group's meetings, import another group's.

The Meeting Guide API (https://github.com/code4recovery/spec) is a JSON array of *weekly*
meetings, used by intergroup websites (TSML UI) and the Meeting Guide app.  Each entry needs a
``name`` and a unique URL-safe ``slug``; weekly meetings also need ``day`` (an integer 0-6, or an
array of them, Sunday = 0) and ``time`` (``HH:MM``, 24-hour).  ``end_time`` defaults to an hour
later, ``timezone`` is an IANA name, ``updated`` a UTC ``YYYY-MM-DD HH:MM:SS``.  Online meetings
carry ``conference_url`` / ``conference_phone``; in-person ones an address, either as
``formatted_address`` or as ``address``/``city``/``state``/``postal_code``/``country``.  The spec
asks that no data break anyone's anonymity: no last names.  Kindred's meetings name nobody at
all, so the feed holds only what facilitators typed about the meeting.

What does not fit the spec, and what we do about it:

* **Export.**  Only weekly series (every week) become feed entries; the spec says it is "for
  weekly meetings only".  One-off, monthly and every-N-weeks series, and series that have
  ended, are returned as *skipped* with the reason, so the facilitator sees what was left out.
  The feed has no start date, end date or cancelled dates: a weekly series that starts later or
  ends on a date is listed as plain weekly.  ``types`` carries the group's language when the spec
  has a code for it (``EN``, ``S``); Kindred records no other meeting types.  A meeting whose
  ``place`` is free text is exported as ``formatted_address``.
* **Import.**  Every valid (entry, day) pair becomes a weekly series starting at its next
  occurrence after *now*, in the entry's time zone (or the group's when the entry has none).
  Invalid entries are reported with the reason and never half-imported.  ``day`` must be an
  integer 0-6 or a non-empty array of them: a day *name* such as ``"Monday"`` is refused, as the
  spec defines only integers.  ``conference_phone`` has no place in a Kindred meeting, so it is
  kept in the notes.

Pure: no Telegram, no storage; *now* is injected.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from bot.domain.i18n import N_
from bot.domain.meeting_form import LINK_MAX_LENGTH, NOTES_MAX_LENGTH, PLACE_MAX_LENGTH
from bot.domain.meetings import TITLE_MAX_LENGTH, MeetingSeries
from bot.domain.recurrence import (
    MAX_DURATION,
    MIN_DURATION,
    Recurrence,
    RecurrenceKind,
    Schedule,
    to_utc,
    zone_for,
)
from bot.domain.timezones import canonical_timezone

SLUG_MAX_LENGTH = 64
MAX_ENTRIES = 2000  # a feed bigger than this is not one group's schedule
DEFAULT_DURATION = timedelta(hours=1)  # the spec's default when end_time is missing
LANGUAGE_TYPES = {"en": "EN", "es": "S"}  # Meeting Guide type codes for a group's language
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")  # the spec schema's pattern
_ADDRESS_PARTS = ("address", "city", "state", "postal_code", "country")


# -- export ------------------------------------------------------------------------------------


class SkipReason(StrEnum):
    ONCE = "once"
    MONTHLY = "monthly"
    NOT_EVERY_WEEK = "not_every_week"
    ENDED = "ended"


SKIP_MESSAGES: Mapping[SkipReason, str] = {
    SkipReason.ONCE: N_("a one-off meeting (the feed lists weekly meetings only)"),
    SkipReason.MONTHLY: N_("a monthly meeting (the feed lists weekly meetings only)"),
    SkipReason.NOT_EVERY_WEEK: N_("not every week (the feed has no way to say every few weeks)"),
    SkipReason.ENDED: N_("the series has ended"),
}


@dataclass(frozen=True)
class FeedExport:
    entries: list[dict[str, Any]]
    skipped: list[tuple[MeetingSeries, SkipReason]]


def spec_day(python_weekday: int) -> int:
    """``date.weekday()`` (Monday 0) to the spec's day (Sunday 0)."""
    return (python_weekday + 1) % 7


def python_weekday(day: int) -> int:
    """The spec's day (Sunday 0) to ``date.weekday()`` (Monday 0)."""
    return (day + 6) % 7


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by ``-`` ("Café Circle" -> "cafe-circle"); may be empty."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = decomposed.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


TAG_START = re.compile(r"<(?=[A-Za-z/!])")


def plain_text(text: str) -> str:
    """The spec's plain-text fields must hold no HTML, and apps may render them as HTML: a title
    typed as "Men's group <Tuesdays>" is published with a look-alike bracket ("‹Tuesdays>"), which
    reads the same and can never open a tag.  A "<" not followed by a letter ("<3") stays."""
    return TAG_START.sub("‹", text)


def meeting_slug(meeting: MeetingSeries) -> str:
    """Unique within Kindred (the id) and readable (the title), at most 64 characters."""
    suffix = f"-{meeting.id}"
    stem = slugify(meeting.title)[: SLUG_MAX_LENGTH - len(suffix)].strip("-") or "meeting"
    return stem + suffix


def skip_reason(meeting: MeetingSeries, now: datetime) -> SkipReason | None:
    recurrence = meeting.schedule.recurrence
    if recurrence.kind is RecurrenceKind.ONCE:
        return SkipReason.ONCE
    if recurrence.kind is RecurrenceKind.MONTHLY_BY_WEEKDAY:
        return SkipReason.MONTHLY
    if recurrence.interval != 1:
        return SkipReason.NOT_EVERY_WEEK
    if recurrence.until is not None and recurrence.until < now.astimezone(meeting.schedule.zone).date():
        return SkipReason.ENDED
    return None


def feed_timestamp(instant: datetime) -> str:
    """The spec's ``updated`` format: UTC ``YYYY-MM-DD HH:MM:SS``."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def to_entry(
    meeting: MeetingSeries, updated: datetime, group_name: str | None = None, language: str | None = None
) -> dict[str, Any]:
    """One weekly series as a Meeting Guide entry (call :func:`skip_reason` first)."""
    schedule = meeting.schedule
    start = schedule.first_start
    entry: dict[str, Any] = {
        "name": plain_text(meeting.title),
        "slug": meeting_slug(meeting),
        "day": spec_day(start.weekday()),
        "time": start.strftime("%H:%M"),
        "end_time": (start + schedule.duration).strftime("%H:%M"),
        "timezone": schedule.time_zone,
        "types": [LANGUAGE_TYPES[language]] if language in LANGUAGE_TYPES else [],
        "updated": feed_timestamp(updated),
    }
    if meeting.link:
        entry["conference_url"] = meeting.link
    if meeting.place:
        entry["formatted_address"] = meeting.place
    if meeting.notes:
        entry["notes"] = plain_text(meeting.notes)
    if group_name:
        entry["group"] = plain_text(group_name)
    return entry


def build_feed(
    meetings: Iterable[MeetingSeries],
    now: datetime,
    *,
    updated: Mapping[int, datetime] | None = None,
    group_name: str | None = None,
    language: str | None = None,
) -> FeedExport:
    """The feed entries for a group's meetings, and the meetings left out with the reason.

    *updated* maps meeting ids to when each was last changed; *now* stands in for unknown ones.
    """
    entries, skipped = [], []
    for meeting in meetings:
        reason = skip_reason(meeting, now)
        if reason is not None:
            skipped.append((meeting, reason))
            continue
        stamp = (updated or {}).get(meeting.id, now)
        entries.append(to_entry(meeting, stamp, group_name, language))
    return FeedExport(entries, skipped)


def feed_json(entries: list[dict[str, Any]]) -> bytes:
    """The feed file: UTF-8 JSON, readable, non-ASCII kept as is."""
    return json.dumps(entries, ensure_ascii=False, indent=2).encode()


# -- import ------------------------------------------------------------------------------------


class ImportErrorCode(StrEnum):
    NOT_JSON = "not_json"
    NOT_A_LIST = "not_a_list"
    TOO_MANY = "too_many"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_NAME = "missing_name"
    NAME_TOO_LONG = "name_too_long"
    NO_DAY_OR_TIME = "no_day_or_time"
    BAD_DAY = "bad_day"
    BAD_TIME = "bad_time"
    BAD_END_TIME = "bad_end_time"
    BAD_DURATION = "bad_duration"
    UNKNOWN_TIMEZONE = "unknown_timezone"
    BAD_CONFERENCE_URL = "bad_conference_url"
    BAD_TEXT = "bad_text"
    TOO_LONG = "too_long"
    DUPLICATE_SLUG = "duplicate_slug"


IMPORT_MESSAGES: Mapping[ImportErrorCode, str] = {
    ImportErrorCode.NOT_JSON: N_("The file is not valid JSON."),
    ImportErrorCode.NOT_A_LIST: N_(
        "A Meeting Guide feed is a JSON list of meetings; this file is not a list."
    ),
    ImportErrorCode.TOO_MANY: N_("The feed has more than {limit} meetings; please send a smaller one."),
    ImportErrorCode.NOT_AN_OBJECT: N_("not a meeting (each entry must be a JSON object)"),
    ImportErrorCode.MISSING_NAME: N_("no name"),
    ImportErrorCode.NAME_TOO_LONG: N_("the name is longer than {limit} characters"),
    ImportErrorCode.NO_DAY_OR_TIME: N_("no day and time (meetings by appointment cannot be scheduled)"),
    ImportErrorCode.BAD_DAY: N_(
        "the day must be a number from 0 (Sunday) to 6 (Saturday), or a list of them"
    ),
    ImportErrorCode.BAD_TIME: N_("the time must look like 19:30"),
    ImportErrorCode.BAD_END_TIME: N_("the end time must look like 20:30"),
    ImportErrorCode.BAD_DURATION: N_("the meeting must last between 5 minutes and 8 hours"),
    ImportErrorCode.UNKNOWN_TIMEZONE: N_("unknown time zone “{zone}”"),
    ImportErrorCode.BAD_CONFERENCE_URL: N_("the conference link must be a full https:// address"),
    ImportErrorCode.BAD_TEXT: N_("the field “{field}” must be text"),
    ImportErrorCode.TOO_LONG: N_("the field “{field}” is longer than {limit} characters"),
    ImportErrorCode.DUPLICATE_SLUG: N_("the same slug “{slug}” appears earlier in the feed"),
}


@dataclass(frozen=True)
class ImportProblem:
    """Why one entry (0-based *index*, with its *name* when it had one) cannot be imported."""

    index: int
    name: str | None
    code: ImportErrorCode
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return IMPORT_MESSAGES[self.code]


@dataclass(frozen=True)
class ImportedMeeting:
    """One weekly meeting ready to create: the entry's *index* and its day (an array gives several)."""

    index: int
    slug: str | None
    title: str
    schedule: Schedule
    place: str | None = None
    link: str | None = None
    notes: str | None = None

    def series(self, meeting_id: int = 0) -> MeetingSeries:
        return MeetingSeries(meeting_id, self.title, self.schedule, self.place, self.link, self.notes)


@dataclass(frozen=True)
class ImportDraft:
    meetings: list[ImportedMeeting]
    problems: list[ImportProblem]


class _EntryError(ValueError):
    def __init__(self, code: ImportErrorCode, **params: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params


def parse_feed_bytes(raw: bytes, *, default_zone: str, now: datetime) -> ImportDraft:
    """Read a feed file; a file that is not JSON is one problem at index -1."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return ImportDraft([], [ImportProblem(-1, None, ImportErrorCode.NOT_JSON)])
    return parse_feed(data, default_zone=default_zone, now=now)


def parse_feed(data: Any, *, default_zone: str, now: datetime) -> ImportDraft:
    """Validate decoded JSON; never raises on any JSON value.  Problems at index -1 are file-wide."""
    if not isinstance(data, list):
        return ImportDraft([], [ImportProblem(-1, None, ImportErrorCode.NOT_A_LIST)])
    if len(data) > MAX_ENTRIES:
        return ImportDraft([], [ImportProblem(-1, None, ImportErrorCode.TOO_MANY, {"limit": MAX_ENTRIES})])
    meetings: list[ImportedMeeting] = []
    problems: list[ImportProblem] = []
    seen_slugs: set[str] = set()
    for index, entry in enumerate(data):
        name = _name_of(entry)
        try:
            found = _entry(index, entry, default_zone, now)
            slug = found[0].slug if found else None
            if slug is not None and slug in seen_slugs:
                raise _EntryError(ImportErrorCode.DUPLICATE_SLUG, slug=slug)
        except _EntryError as error:
            problems.append(ImportProblem(index, name, error.code, error.params))
            continue
        if slug is not None:
            seen_slugs.add(slug)
        meetings.extend(found)
    return ImportDraft(meetings, problems)


def _name_of(entry: Any) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip():
        return _one_line(entry["name"])[:TITLE_MAX_LENGTH]
    return None


def _entry(index: int, entry: Any, default_zone: str, now: datetime) -> list[ImportedMeeting]:
    if not isinstance(entry, dict):
        raise _EntryError(ImportErrorCode.NOT_AN_OBJECT)
    title = _title(entry)
    days = _days(entry)
    start = _clock_time(entry.get("time"), ImportErrorCode.BAD_TIME)
    duration = _duration(entry, start)
    zone = _zone(entry, default_zone)
    link = _link(entry)
    place = _place(entry)
    notes = _notes(entry)
    slug = entry.get("slug")
    slug_text = str(slug) if isinstance(slug, str | int) and not isinstance(slug, bool) else None
    return [
        ImportedMeeting(
            index=index,
            slug=slug_text,
            title=title,
            schedule=Schedule(
                _next_local(day, start, zone, now), zone, duration, Recurrence(RecurrenceKind.WEEKLY)
            ),
            place=place,
            link=link,
            notes=notes,
        )
        for day in days
    ]


def _text(entry: dict[str, Any], key: str, limit: int) -> str | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _EntryError(ImportErrorCode.BAD_TEXT, field=key)
    if len(value) > limit:
        raise _EntryError(ImportErrorCode.TOO_LONG, field=key, limit=limit)
    return value


def _one_line(text: str) -> str:
    words = ("".join(c for c in word if unicodedata.category(c) != "Cc") for word in text.split())
    return " ".join(word for word in words if word)


def _title(entry: dict[str, Any]) -> str:
    name = entry.get("name")
    if not isinstance(name, str) or not _one_line(name):
        raise _EntryError(ImportErrorCode.MISSING_NAME)
    title = _one_line(name)
    if len(title) > TITLE_MAX_LENGTH:
        raise _EntryError(ImportErrorCode.NAME_TOO_LONG, limit=TITLE_MAX_LENGTH)
    return title


def _days(entry: dict[str, Any]) -> list[int]:
    day = entry.get("day")
    if day is None or entry.get("time") in (None, ""):
        raise _EntryError(ImportErrorCode.NO_DAY_OR_TIME)
    values = day if isinstance(day, list) else [day]
    if not values or not all(_is_day(value) for value in values):
        raise _EntryError(ImportErrorCode.BAD_DAY)
    return sorted(set(values))


def _is_day(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6


def _clock_time(value: Any, code: ImportErrorCode) -> time:
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise _EntryError(code)
    return time(int(match.group(1)), int(match.group(2)))


def _duration(entry: dict[str, Any], start: time) -> timedelta:
    if entry.get("end_time") in (None, ""):
        return DEFAULT_DURATION
    end = _clock_time(entry["end_time"], ImportErrorCode.BAD_END_TIME)
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    duration = timedelta(minutes=minutes % (24 * 60))  # an end before the start is after midnight
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise _EntryError(ImportErrorCode.BAD_DURATION)
    return duration


def _zone(entry: dict[str, Any], default_zone: str) -> str:
    value = entry.get("timezone")
    if value is None or value == "":
        return default_zone
    zone = canonical_timezone(value) if isinstance(value, str) else None
    if zone is None:
        raise _EntryError(ImportErrorCode.UNKNOWN_TIMEZONE, zone=str(value)[:64])
    return zone


def _link(entry: dict[str, Any]) -> str | None:
    link = _text(entry, "conference_url", LINK_MAX_LENGTH)
    if link is None:
        return None
    link = link.strip()
    try:
        valid = link.casefold().startswith("https://") and bool(urlsplit(link).hostname)
    except ValueError:
        valid = False
    if not valid or any(c.isspace() or not c.isprintable() for c in link):
        raise _EntryError(ImportErrorCode.BAD_CONFERENCE_URL)
    return link


def _place(entry: dict[str, Any]) -> str | None:
    """``formatted_address``, else the address parts joined; the ``location`` name goes first."""
    location = _text(entry, "location", PLACE_MAX_LENGTH)
    address = _text(entry, "formatted_address", PLACE_MAX_LENGTH)
    if address is None:
        parts = [_text(entry, key, PLACE_MAX_LENGTH) for key in _ADDRESS_PARTS]
        address = ", ".join(_one_line(part) for part in parts if part and _one_line(part)) or None
    location = _one_line(location) if location else None
    address = _one_line(address) if address else None
    if location and address and not address.startswith(location):
        place: str | None = f"{location}, {address}"
    else:
        place = address or location or None
    if place is not None and len(place) > PLACE_MAX_LENGTH:
        raise _EntryError(ImportErrorCode.TOO_LONG, field="formatted_address", limit=PLACE_MAX_LENGTH)
    return place


def _notes(entry: dict[str, Any]) -> str | None:
    notes = _text(entry, "notes", NOTES_MAX_LENGTH)
    phone = _text(entry, "conference_phone", 64)
    kept = "".join(c for c in (notes or "") if c in "\n\t" or unicodedata.category(c) != "Cc").strip()
    if phone:
        kept = f"{kept}\n☎ {_one_line(phone)}".strip()
    if len(kept) > NOTES_MAX_LENGTH:
        raise _EntryError(ImportErrorCode.TOO_LONG, field="notes", limit=NOTES_MAX_LENGTH)
    return kept or None


def _next_local(day: int, start: time, zone: str, now: datetime) -> datetime:
    """The first wall-clock datetime on the spec *day* at *start* that is still ahead of *now*."""
    schedule_zone = zone_for(zone)
    local_now = now.astimezone(schedule_zone).replace(tzinfo=None)
    ahead = (python_weekday(day) - local_now.weekday()) % 7
    candidate = datetime.combine(local_now.date() + timedelta(days=ahead), start)
    if to_utc(candidate, schedule_zone) <= now:
        candidate += timedelta(days=7)
    return candidate
