"""Attendance: roll calls (planned, opened, closed), the "I'm here" press, facilitators' marks,
reports, a member's history, proof-of-attendance letters and their verification.

Roll calls are planned from the meetings in the database: ``rollcall:{meeting_id}`` opens the
next occurrence's roll call (posting the "I'm here" button) and
``rollcall-close:{meeting_id}:{start}`` closes it.  The meetings feature says when a series is
created, edited, skipped or cancelled (:func:`meeting_changed`), so a meeting scheduled minutes
ahead gets its button the moment its window opens; at start-up every meeting is planned from the
database, and a sweep every few minutes (``attendance:sweep``) re-plans them all as a safety net.

Posting and closing the group's message are the handler's (:class:`RollCallMessages`): this
module decides when and what for, never the words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from dateutil.relativedelta import relativedelta

from bot.domain.attendance import (
    AttendedMeeting,
    DateRange,
    OccurrenceCount,
    ProofLetter,
    Summary,
    Window,
    attendance_csv,
    code_matches,
    correctable,
    local_day_range,
    local_time,
    parse_date_range,
    per_meeting_series,
    proof_code,
    proof_key,
    roll_call_window,
    summarize,
)
from bot.domain.recurrence import iter_occurrences, occurrences
from bot.domain.roles import Action
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from storage.attendance import POST_FAILED, CheckIn, HistoryItem, Member, RollCall
from storage.groups import Group
from storage.meetings import Meeting

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
HISTORY_LINES = 30
HISTORY_DAYS = 365
RECENT_DAYS = 7
OCCURRENCES_SHOWN = 20


def stamp(start: datetime) -> int:
    """An occurrence's start as carried in button data (a Unix timestamp)."""
    return int(start.timestamp())


def from_stamp(value: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def window_length(svc: Services) -> timedelta:
    return timedelta(minutes=svc.settings.attendance_window_minutes)


def window_of(svc: Services, meeting: Meeting, start: datetime) -> Window:
    return roll_call_window(start, start + meeting.series.schedule.duration, window_length(svc))


def is_occurrence(meeting: Meeting, start: datetime) -> bool:
    return bool(occurrences(meeting.series.schedule, start, start + timedelta(seconds=1)))


# -- meetings, as the meetings feature stores them --


async def active_meetings(svc: Services, chat_id: int | None = None) -> list[Meeting]:
    """Series not cancelled, in groups the bot is still in (one group, or all)."""
    if chat_id is None:
        return await svc.repos.meetings.active_everywhere()
    return await svc.repos.meetings.active_in([chat_id])


async def find_meeting(svc: Services, meeting_id: int, active_only: bool = False) -> Meeting | None:
    """A series by id; with *active_only*, None once cancelled or its group left."""
    meeting = await svc.repos.meetings.get(meeting_id)
    if meeting is None or not active_only:
        return meeting
    group = await svc.groups.get(meeting.chat_id)
    return meeting if not meeting.cancelled and group is not None and group.active else None


async def allowed_groups(svc: Services, user_id: int, action: Action) -> list[Group]:
    """Coordinators: every active group; facilitators: the groups they administer."""
    if svc.auth.is_coordinator(user_id):
        return await svc.groups.active()
    mine = await svc.groups.groups_of(user_id)
    allowed = set(await svc.auth.groups_for(user_id, action, [g.chat_id for g in mine]))
    return [g for g in mine if g.chat_id in allowed]


# -- roll calls in the group --


class RollCallMessages(Protocol):
    """The group's roll-call message, as the handler words and sends it."""

    async def post(self, meeting: Meeting, roll_call: RollCall, closes: datetime) -> int | None:
        """Send it; its message id, or None when Telegram refused."""

    async def close(self, meeting: Meeting, roll_call: RollCall, present: int) -> None:
        """Edit it to say it is closed and how many were counted."""


async def plan_next(svc: Services, meeting: Meeting, messages: RollCallMessages) -> None:
    """Plan ``rollcall:{id}`` for the first occurrence whose roll call is still to be posted."""
    schedule = meeting.series.schedule
    after = svc.clock.now() - schedule.duration - window_length(svc)
    for occurrence in iter_occurrences(schedule, after):
        existing = await svc.repos.attendance.roll_call(meeting.id, occurrence.start)
        if existing is not None and existing.attempted:
            continue  # posted, or refused by Telegram (a facilitator can post it by hand)
        start = occurrence.start

        async def open_it(start: datetime = start) -> None:
            await open_roll_call(svc, meeting.id, start, messages)

        svc.jobs.at(f"rollcall:{meeting.id}", window_of(svc, meeting, start).opens, open_it)
        return
    svc.jobs.cancel(f"rollcall:{meeting.id}")


async def sweep(svc: Services, messages: RollCallMessages) -> None:
    """Re-plan every meeting's next roll call; forget meetings that were cancelled."""
    meetings = await active_meetings(svc)
    for meeting in meetings:
        await plan_next(svc, meeting, messages)
    active = {f"rollcall:{m.id}" for m in meetings}
    for name in svc.jobs.planned("rollcall:"):
        if name not in active:
            svc.jobs.cancel(name)

    async def again() -> None:
        await sweep(svc, messages)

    svc.jobs.at("attendance:sweep", svc.clock.now() + SWEEP_EVERY, again)


async def meeting_changed(svc: Services, meeting_id: int, messages: RollCallMessages) -> None:
    """Re-plan one series' roll call now (a series was created, edited, skipped or cancelled)."""
    meeting = await find_meeting(svc, meeting_id, active_only=True)
    if meeting is None:
        svc.jobs.cancel(f"rollcall:{meeting_id}")
    else:
        await plan_next(svc, meeting, messages)


async def open_roll_call(svc: Services, meeting_id: int, start: datetime, messages: RollCallMessages) -> None:
    """Post the "I'm here" button for one occurrence (once), then plan its closing and the next."""
    meeting = await find_meeting(svc, meeting_id, active_only=True)
    if meeting is None:
        return
    if is_occurrence(meeting, start):
        window = window_of(svc, meeting, start)
        if svc.clock.now() < window.closes:
            roll_call = await svc.repos.attendance.start_roll_call(meeting_id, start, meeting.chat_id, window)
            await post_roll_call(svc, meeting, roll_call, messages)
    await plan_next(svc, meeting, messages)


async def post_roll_call(
    svc: Services,
    meeting: Meeting,
    roll_call: RollCall,
    messages: RollCallMessages,
    closes: datetime | None = None,
) -> bool:
    """Have the group's roll-call message sent, once; False when it was already posted or could
    not be (Telegram's refusal is recorded, so it is not tried again by itself)."""
    repo = svc.repos.attendance
    closes = max(roll_call.window.closes, closes or roll_call.window.closes)
    if not await repo.claim_posting(meeting.id, roll_call.start, closes):
        return False
    message_id = await messages.post(meeting, roll_call, closes)
    if message_id is None:
        await repo.set_message(meeting.id, roll_call.start, POST_FAILED)
        return False
    await repo.set_message(meeting.id, roll_call.start, message_id)
    plan_close(svc, meeting.id, roll_call.start, closes, messages)
    log.info("Roll call posted for meeting %d", meeting.id)
    return True


def plan_close(
    svc: Services, meeting_id: int, start: datetime, closes: datetime, messages: RollCallMessages
) -> None:
    async def close_it() -> None:
        await close_roll_call(svc, meeting_id, start, messages)

    svc.jobs.at(f"rollcall-close:{meeting_id}:{stamp(start)}", closes, close_it)


async def close_roll_call(
    svc: Services, meeting_id: int, start: datetime, messages: RollCallMessages
) -> None:
    """Close one roll call (unless a facilitator extended it) and have its message say so."""
    repo = svc.repos.attendance
    roll_call = await repo.roll_call(meeting_id, start)
    meeting = await find_meeting(svc, meeting_id)
    if roll_call is None or meeting is None or roll_call.message_id is None or roll_call.message_id <= 0:
        return
    if svc.clock.now() < roll_call.window.closes:  # a facilitator extended it
        plan_close(svc, meeting_id, start, roll_call.window.closes, messages)
        return
    if not await repo.mark_closed(meeting_id, start):
        return
    await messages.close(meeting, roll_call, await repo.present_count(meeting_id, start))


async def resume(svc: Services, messages: RollCallMessages) -> int:
    """At start-up: close roll calls whose time passed while the bot was down, and plan every
    meeting's next one; returns how many wait to be closed.

    A post interrupted by a crash (claimed, never recorded) is tried again: a rare duplicate
    message is kinder than a roll call nobody can answer.  Planning every meeting is a job that
    runs once polling starts, as the meetings' reminder rebuild is: with 10,000 meetings it
    takes seconds people should not wait through.
    """
    if svc.leadership is None or svc.leadership.leader:  # not another live process's post under way
        await svc.repos.attendance.release_unfinished_posts()
    return await replan(svc, messages)


async def replan(svc: Services, messages: RollCallMessages) -> int:
    """Plan the closing of every posted roll call and every meeting's next one (again, safely:
    another process may have changed them); returns how many wait to be closed."""
    unclosed = await svc.repos.attendance.unclosed()
    for roll_call in unclosed:
        plan_close(svc, roll_call.meeting_id, roll_call.start, roll_call.window.closes, messages)

    async def first_sweep() -> None:
        await sweep(svc, messages)

    svc.jobs.at("attendance:sweep", svc.clock.now(), first_sweep)
    log.info("Planned roll calls; %d to close", len(unclosed))
    return len(unclosed)


async def check_in(svc: Services, meeting_id: int, start_stamp: int, chat_id: int, user_id: int) -> CheckIn:
    """A member pressed "I'm here" in *chat_id*: count them if the roll call is open there."""
    start = from_stamp(start_stamp)
    roll_call = await svc.repos.attendance.roll_call(meeting_id, start) if start else None
    if start is None or roll_call is None or roll_call.chat_id != chat_id:
        return CheckIn.UNKNOWN
    return await svc.repos.attendance.check_in(meeting_id, start, user_id, svc.clock.now())


# -- facilitators: /attendance --


@dataclass(frozen=True)
class OccurrenceChoice:
    meeting_id: int
    title: str
    start: datetime
    zone: str


@dataclass(frozen=True)
class RecentOccurrences:
    group_title: str
    choices: list[OccurrenceChoice]  # newest first


async def recent_occurrences(svc: Services, chat_id: int) -> RecentOccurrences:
    """The group's occurrences from the last 7 days (and one about to start), newest first:
    those of its series, and any roll call of a series since changed or cancelled."""
    now = svc.clock.now()
    since = now - timedelta(days=RECENT_DAYS)
    until = now + window_length(svc)
    found: dict[tuple[int, datetime], OccurrenceChoice] = {}
    meetings = {m.id: m for m in await active_meetings(svc, chat_id)}
    for meeting in meetings.values():
        for occurrence in occurrences(meeting.series.schedule, since, until):
            found[(meeting.id, occurrence.start)] = _choice(meeting, occurrence.start)
    for roll_call in await svc.repos.attendance.recent_roll_calls(chat_id, since):
        if (roll_call.meeting_id, roll_call.start) not in found:
            held = meetings.get(roll_call.meeting_id) or await find_meeting(svc, roll_call.meeting_id)
            if held is not None:
                found[(held.id, roll_call.start)] = _choice(held, roll_call.start)
    choices = sorted(found.values(), key=lambda c: c.start, reverse=True)[:OCCURRENCES_SHOWN]
    group = await svc.groups.get(chat_id)
    return RecentOccurrences(group.title if group else "", choices)


def _choice(meeting: Meeting, start: datetime) -> OccurrenceChoice:
    return OccurrenceChoice(meeting.id, meeting.series.title, start, meeting.series.schedule.time_zone)


@dataclass(frozen=True)
class Occurrence:
    meeting: Meeting
    start: datetime


async def named_occurrence(svc: Services, meeting_id: int, start_stamp: int) -> Occurrence | None:
    """The meeting and start a button names, if both exist (who may act on it is asked apart)."""
    start = from_stamp(start_stamp)
    meeting = await find_meeting(svc, meeting_id)
    if start is None or meeting is None:
        return None
    return Occurrence(meeting, start)


async def still_correctable(svc: Services, occurrence: Occurrence) -> bool:
    """A real occurrence (or one with a roll call) whose marks may still change: 7 days."""
    meeting, start = occurrence.meeting, occurrence.start
    known = (
        is_occurrence(meeting, start) or await svc.repos.attendance.roll_call(meeting.id, start) is not None
    )
    return known and correctable(start, svc.clock.now(), window_length(svc))


async def toggle_mark(svc: Services, occurrence: Occurrence, user_id: int, by: int) -> bool:
    """Flip one person's mark (present <-> absent); False if they are neither a member of the
    group nor marked already (a forged button)."""
    repo = svc.repos.attendance
    meeting, start = occurrence.meeting, occurrence.start
    members = {m.user_id for m in await repo.members(meeting.chat_id)}
    marks = await repo.marks(meeting.id, start)
    if user_id not in members and user_id not in marks:
        return False
    roll_call = await repo.start_roll_call(meeting.id, start, meeting.chat_id, window_of(svc, meeting, start))
    await repo.mark(roll_call, user_id, not marks.get(user_id, False), by, svc.clock.now())
    log.info("Attendance corrected by %s", log_id(by))
    return True


async def open_by_hand(svc: Services, occurrence: Occurrence, messages: RollCallMessages) -> bool:
    """A facilitator posts the "I'm here" button now (open at least one window from now); False
    if it was already posted."""
    meeting, start = occurrence.meeting, occurrence.start
    now = svc.clock.now()
    window = window_of(svc, meeting, start)
    roll_call = await svc.repos.attendance.start_roll_call(meeting.id, start, meeting.chat_id, window)
    return await post_roll_call(
        svc, meeting, roll_call, messages, closes=max(window.closes, now + window_length(svc))
    )


@dataclass(frozen=True)
class PanelState:
    """What a facilitator's marking panel shows for one occurrence."""

    members: list[Member]
    marks: dict[int, bool]
    can_open: bool  # the roll call is not posted and its window has not closed


async def panel_state(svc: Services, occurrence: Occurrence) -> PanelState:
    repo = svc.repos.attendance
    meeting, start = occurrence.meeting, occurrence.start
    members = await repo.members(meeting.chat_id)
    marks = await repo.marks(meeting.id, start)
    roll_call = await repo.roll_call(meeting.id, start)
    open_until = window_of(svc, meeting, start).closes
    can_open = (roll_call is None or not roll_call.posted) and svc.clock.now() < open_until
    return PanelState(members, marks, can_open)


# -- reports --


@dataclass(frozen=True)
class Report:
    summary: Summary
    csv: bytes
    chart: dict[int, list[tuple[date, float]]]  # per group: (day, people present)


@dataclass(frozen=True)
class GroupReport:
    """A report over exactly the period asked for, with its first and last local days."""

    groups: list[Group]
    first: date
    last: date
    report: Report


async def report_summary(
    svc: Services, chat_ids: Sequence[int], period: DateRange, former_member: str
) -> tuple[Summary, list[OccurrenceCount]]:
    """The numbers, from SQL aggregates (one row per meeting held, or per member who matters)."""
    repo = svc.repos.attendance
    counts = await repo.occurrence_counts(chat_ids, period)
    candidates = await repo.dropped_candidates(chat_ids, period)
    newcomers = await repo.newcomers(chat_ids, period)
    return summarize(counts, candidates, newcomers, period, former_member), counts


async def report_table(
    svc: Services, chat_ids: Sequence[int], period: DateRange, former_member: str
) -> bytes:
    """The CSV of every recorded mark; written in a worker thread (it grows with the data)."""
    rows = await svc.repos.attendance.rows(chat_ids, period)
    return await asyncio.to_thread(attendance_csv, rows, former_member)


async def build_report(
    svc: Services, chat_ids: Sequence[int], period: DateRange, former_member: str
) -> Report:
    """Summary, table (only when a meeting was held) and chart points; *former_member* names
    people who erased themselves, in the reader's language."""
    summary, counts = await report_summary(svc, chat_ids, period, former_member)
    csv = await report_table(svc, chat_ids, period, former_member) if counts else b""
    return Report(summary, csv, per_meeting_series(counts))


def report_zone(svc: Services, groups: Sequence[Group]) -> str:
    """One group's report is in its zone; several groups' in the deployment's."""
    return groups[0].timezone if len(groups) == 1 else svc.settings.default_timezone


def report_period(svc: Services, span: str) -> DateRange:
    """The last four weeks (``4w``) or three months (``3m``), up to now."""
    now = svc.clock.now()
    start = now - (timedelta(weeks=4) if span == "4w" else relativedelta(months=3))
    return DateRange(start, now)


async def group_report(
    svc: Services, groups: Sequence[Group], period: DateRange, former_member: str
) -> GroupReport:
    zone = report_zone(svc, groups)
    first = local_time(period.start, zone).date()
    last = local_time(period.end - timedelta(microseconds=1), zone).date()
    report = await build_report(svc, [g.chat_id for g in groups], period, former_member)
    return GroupReport(list(groups), first, last, report)


@dataclass(frozen=True)
class Days:
    """Whole local days, first to last, and the instants they span."""

    first: date
    last: date
    period: DateRange


def days_typed(svc: Services, text: str, zone: str) -> Days:
    """The first and last day a person typed, in *zone*; raises RangeError (with a kind message)."""
    today = local_time(svc.clock.now(), zone).date()
    first, last = parse_date_range(text, today)
    return Days(first, last, local_day_range(first, last, zone))


# -- a member's own: /myattendance, /proof --


@dataclass(frozen=True)
class History:
    items: list[HistoryItem]  # the latest, at most HISTORY_LINES
    present: int  # meetings attended in the whole year


async def my_history(svc: Services, user_id: int) -> History:
    since = svc.clock.now() - timedelta(days=HISTORY_DAYS)
    items = await svc.repos.attendance.history(user_id, since=since)
    return History(items[:HISTORY_LINES], sum(1 for item in items if item.present))


def letter_days(svc: Services, span: str) -> Days:
    """The last three (``3m``) or twelve months of local days, in the deployment's zone."""
    zone = svc.settings.default_timezone
    today = local_time(svc.clock.now(), zone).date()
    first = today - relativedelta(months=3 if span == "3m" else 12)
    return Days(first, today, local_day_range(first, today, zone))


def letter_key(svc: Services) -> bytes | None:
    secret = svc.settings.pseudonym_secret
    return proof_key(secret.get_secret_value()) if secret is not None else None


class NoLetter(StrEnum):
    UNAVAILABLE = "unavailable"  # no PSEUDONYM_SECRET on this server
    NOTHING_ATTENDED = "nothing"


@dataclass(frozen=True)
class IssuedLetter:
    letter: ProofLetter
    code: str


async def issue_letter(
    svc: Services, user_id: int, fallback_name: str, days: Days
) -> IssuedLetter | NoLetter:
    """Build and record a proof letter of the meetings the member attended in *days*: only
    ever at the member's own request.  *fallback_name* is their Telegram first name, used if
    Kindred has no profile for them."""
    key = letter_key(svc)
    if key is None:
        return NoLetter.UNAVAILABLE
    repo = svc.repos.attendance
    items = await repo.history(user_id, since=days.period.start, until=days.period.end, present_only=True)
    if not items:
        return NoLetter.NOTHING_ATTENDED
    person = await svc.people.get(user_id)
    now = svc.clock.now().replace(microsecond=0)
    letter = ProofLetter(
        first_name=person.first_name if person else fallback_name,
        first_day=days.first,
        last_day=days.last,
        issued_at=now,
        meetings=tuple(
            AttendedMeeting(
                item.group_title,
                item.meeting_title,
                local_time(item.start, item.time_zone).replace(tzinfo=None),
                item.minutes,
                item.time_zone,
            )
            for item in reversed(items)
        ),
    )
    code = proof_code(letter, key)
    await repo.save_letter(code, user_id, letter.canonical(), now)
    return IssuedLetter(letter, code)


# -- /verify --


async def may_verify(svc: Services, user_id: int) -> bool:
    """Coordinators, and facilitators of any group: the people a member would show a letter to."""
    return bool(await allowed_groups(svc, user_id, Action.VERIFY_PROOF))


async def verified_letter(svc: Services, code: str) -> ProofLetter | None:
    """The letter issued with *code* exactly as issued, or None (unknown, altered or forged)."""
    key = letter_key(svc)
    contents = await svc.repos.attendance.letter(code)
    letter = ProofLetter.from_json(contents) if contents is not None else None
    if key is None or letter is None or not code_matches(letter, code, key):
        log.info("A proof code was refused")
        return None
    return letter


# -- personal data --


async def export_personal_data(svc: Services, user_id: int) -> dict[str, object]:
    return await svc.repos.attendance.export(user_id)


@dataclass(frozen=True)
class Erased:
    attendance: bool  # their name left their marks (the counts stay, unnamed)
    letters: bool  # their letters were deleted


async def erase_personal_data(svc: Services, user_id: int) -> Erased:
    """Letters are deleted; attendance is kept only as unnamed counts (see storage.attendance)."""
    counts = await svc.repos.attendance.erase(user_id)
    log.info("Erased attendance identity of %s", log_id(user_id))
    return Erased(bool(counts["attendance"]), bool(counts["letters"]))
