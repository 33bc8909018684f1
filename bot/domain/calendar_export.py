"""iCalendar (``.ics``) export of a group's meetings, so members can add them to their calendars.

One VEVENT per series: calendar apps expand the RRULE themselves, which keeps the file small and
lets them follow later occurrences without re-importing.  Start times are written with a TZID
and the matching VTIMEZONE, so apps keep the wall-clock time across daylight-saving changes
exactly as :func:`bot.domain.recurrence.occurrences` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from icalendar import Calendar, Event, vRecur

from bot.domain.meetings import MeetingSeries
from bot.domain.recurrence import Recurrence, RecurrenceKind, Schedule, to_utc

PRODUCT_ID = "-//Kindred//Meetings//EN"
UID_DOMAIN = "kindred"
TIMEZONE_YEARS = 15  # how far ahead VTIMEZONE rules are spelled out
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def meeting_uid(meeting_id: int) -> str:
    """Stable per meeting, so re-importing updates events instead of duplicating them."""
    return f"meeting-{meeting_id}@{UID_DOMAIN}"


def meetings_to_ics(meetings: Iterable[MeetingSeries], calendar_name: str, now: datetime) -> bytes:
    """A VCALENDAR with one VEVENT per meeting series plus the VTIMEZONEs they use.

    *now* (aware) becomes each event's DTSTAMP.  Text is written as given: iCalendar escapes
    its own special characters, and the file is never shown as HTML.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", calendar_name)
    calendar.add("x-wr-calname", calendar_name)
    meetings = list(meetings)
    for meeting in meetings:
        calendar.add_component(_event(meeting, now))
    if meetings:
        first = min(meeting.schedule.first_start.date() for meeting in meetings)
        calendar.add_missing_timezones(first_date=first, last_date=_timezone_horizon(now))
    ical: bytes = calendar.to_ical()  # icalendar leaves it unannotated
    return ical


def _timezone_horizon(now: datetime) -> date:
    """VTIMEZONE transitions are listed up to here; apps fall back to their own zone data after."""
    return date(max(now.year + TIMEZONE_YEARS, 2038), 1, 1)


def _event(meeting: MeetingSeries, now: datetime) -> Event:
    schedule = meeting.schedule
    zone = schedule.zone
    event = Event()
    event.add("uid", meeting_uid(meeting.id))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("summary", meeting.title)
    event.add("dtstart", schedule.first_start.replace(tzinfo=zone))
    event.add("duration", schedule.duration)
    if schedule.recurrence.repeats:
        event.add("rrule", _rrule(schedule))
    if schedule.skipped:
        event.add("exdate", [_local_start_on(schedule, day) for day in sorted(schedule.skipped)])
    if meeting.place or meeting.link:
        event.add("location", meeting.place or meeting.link)
    if meeting.link:
        event.add("url", meeting.link)
    if meeting.notes:
        event.add("description", meeting.notes)
    return event


def _rrule(schedule: Schedule) -> vRecur:
    """The RRULE as RFC 5545 wants it next to a DTSTART with TZID: UNTIL in UTC.

    Our ``until`` is an inclusive local date, so UNTIL is the UTC instant of its last second.
    """
    recurrence: Recurrence = schedule.recurrence
    rule = vRecur(freq="WEEKLY" if recurrence.kind is RecurrenceKind.WEEKLY else "MONTHLY")
    if recurrence.interval != 1:
        rule["interval"] = recurrence.interval
    if recurrence.kind is RecurrenceKind.MONTHLY_BY_WEEKDAY:
        rule["byday"] = f"{recurrence.ordinal}{_ICAL_DAYS[recurrence.weekday or 0]}"
    if recurrence.until is not None:
        end_of_day = datetime.combine(recurrence.until, time(23, 59, 59))
        rule["until"] = to_utc(end_of_day, schedule.zone)
    return rule


def _local_start_on(schedule: Schedule, day: date) -> datetime:
    """EXDATE values match DTSTART exactly: same wall time and TZID, on the skipped day."""
    return datetime.combine(day, schedule.first_start.time(), tzinfo=schedule.zone)
