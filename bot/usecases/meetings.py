"""Meetings, step by step: schedule, edit, skip and cancel a series, seats and the waitlist, RSVPs,
who is told what, and the rest of the feature's reads and writes.

Handlers (:mod:`handlers.meetings`) parse the update, authorise on the meeting's own group, call
one of these and render what comes back.  Everything that changes a series ends in
:func:`tell_features`, which calls every feature's ``on_meeting_changed`` hook (the meetings
feature re-plans its reminders there, attendance its roll call), so a meeting id walks down
handler -> use case -> repository and never climbs back up.

People told privately go through the outbox (durable, paced, never twice for one key).  The words
are the handlers' (:class:`NoticeTexts`), rendered here per recipient's language.

Times are wall-clock times in the zone the meeting was scheduled in: the group's zone at the time.
Changing the group's zone with /settz later leaves existing meetings in their own zone (the safe
choice: nobody's 19:00 silently becomes 20:00, and every message shows the zone); new meetings use
the new zone.  A facilitator who wants an existing series in the new zone re-creates it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Protocol, TypeVar

from bot.domain.calendar_export import meetings_to_ics
from bot.domain.i18n import Translator, resolve_language, translator
from bot.domain.meeting_form import MeetingDraft
from bot.domain.meetings import Answer, RsvpCounts, over_capacity
from bot.domain.recurrence import Occurrence, iter_occurrences, next_occurrence, occurrences
from bot.domain.roles import Action
from bot.runtime.leadership import wall_ms
from bot.runtime.services import Services
from bot.usecases.meeting_reminders import ReminderTexts, occurrence_key_prefix, plan_group, series_key_prefix
from storage.groups import Group
from storage.meetings import Announcement, Meeting, RsvpChange
from storage.outbox import Delivery

log = logging.getLogger(__name__)
R = TypeVar("R")

#: How long a process may edit a meeting card before another may take it over (an edit waiting on
#: the group's budget or a 429 lasts seconds; a process that died lets go of the card after this).
CARD_EDIT_LEASE_MS = 120_000

NOTICE_KIND = "meeting_notice"
LIST_HORIZON = timedelta(days=31)
LIST_LIMIT = 12
CAPACITY_HORIZON = timedelta(days=366)  # occurrences whose waitlist a new capacity may move up

#: A message in one language, rendered when the recipient's language is known.
Render = Callable[[Translator], str]
#: Posts a new meeting's card in its group (the handlers' Telegram side).
Announce = Callable[[Meeting], Awaitable[object]]


class NoticeTexts(Protocol):
    """What people coming to a meeting are told, in one language: the handlers' views."""

    def promoted(self, tr: Translator, meeting: Meeting, occurrence: Occurrence) -> str: ...

    def skipped(self, tr: Translator, meeting: Meeting, occurrence: Occurrence) -> str: ...

    def cancelled(self, tr: Translator, meeting: Meeting) -> str: ...

    def changed(self, tr: Translator, meeting: Meeting, occurrence: Occurrence | None) -> str: ...


# --- occurrences (pure) -------------------------------------------------------------------------


def occurrence_at(meeting: Meeting, start: datetime) -> Occurrence | None:
    """The series' occurrence starting exactly at *start*, if the series (still) has one."""
    found = occurrences(meeting.schedule, start, start + timedelta(minutes=1))
    return found[0] if found and found[0].start == start else None


def next_of(meeting: Meeting, now: datetime) -> Occurrence | None:
    return None if meeting.cancelled else next_occurrence(meeting.schedule, now)


def occurrence_on(meeting: Meeting, day: date | None, now: datetime) -> Occurrence | None:
    """The upcoming occurrence on *day* (local date), or the next one when no day is given."""
    if day is None:
        return next_of(meeting, now)
    for occurrence in iter_occurrences(meeting.schedule, now):
        if occurrence.local_date >= day:
            return occurrence if occurrence.local_date == day else None
    return None


# --- telling people and features ----------------------------------------------------------------


async def translator_for_chat(svc: Services, chat_id: int) -> Translator:
    """A group's language, or a person's (their choice, else Telegram's), else English."""
    group = await svc.groups.get(chat_id)
    if group is not None:
        return translator(group.language)
    person = await svc.people.get(chat_id)
    if person is None:
        return translator("en")
    return translator(person.language or resolve_language(person.telegram_language))


async def notify(svc: Services, key: str, user_ids: Iterable[int], render: Render) -> int:
    """Tell people privately, through the outbox: only those Kindred can write to, each in their
    own language.  Returns how many deliveries were queued."""
    deliveries = []
    for user_id in user_ids:
        person = await svc.people.get(user_id)
        if person is None or not person.private_chat or not person.reachable:
            continue
        tr = await translator_for_chat(svc, user_id)
        deliveries.append(Delivery(f"{key}:{user_id}", user_id, render(tr), NOTICE_KIND))
    if deliveries:
        await svc.outbox.enqueue(deliveries)
    return len(deliveries)


def occurrence_minutes(start: datetime) -> int:
    """An occurrence's start as whole minutes since the epoch: its part of keys and buttons."""
    return int(start.timestamp() // 60)


async def tell_promoted(
    svc: Services, texts: NoticeTexts, meeting: Meeting, occurrence: Occurrence, promoted: Sequence[int]
) -> None:
    """Those who moved up from the waitlist into a seat are told, once per occurrence."""
    if not promoted:
        return
    minutes = occurrence_minutes(occurrence.start)
    await notify(
        svc,
        f"meeting:{meeting.id}:promoted:{minutes}",
        promoted,
        lambda tr: texts.promoted(tr, meeting, occurrence),
    )


async def tell_features(svc: Services, meeting_id: int) -> None:
    """A series was created, edited, skipped or cancelled: every feature that plans its own jobs
    per meeting (``Feature.on_meeting_changed``: this feature's reminders, the roll call) re-plans
    at once rather than at its next sweep."""
    hooks = [feature.on_meeting_changed for feature in svc.features if feature.on_meeting_changed]
    if not hooks:
        return
    if svc.application is None:
        raise RuntimeError("the application is attached by build_application")
    for hook in hooks:
        await hook(svc.application, meeting_id)


# --- finding meetings and groups ----------------------------------------------------------------


async def find_meeting(svc: Services, meeting_id: int | None) -> Meeting | None:
    """The series with this id (cancelled ones too: callers say why they refuse those)."""
    return await svc.repos.meetings.get(meeting_id) if meeting_id is not None else None


async def facilitated_groups(svc: Services, user_id: int) -> list[Group]:
    """The person's groups where they may schedule meetings (asks the one authorisation door)."""
    groups = await svc.groups.groups_of(user_id)
    allowed = set(await svc.auth.groups_for(user_id, Action.SCHEDULE_MEETINGS, [g.chat_id for g in groups]))
    return [group for group in groups if group.chat_id in allowed]


async def groups_in_view(svc: Services, chat_id: int, user_id: int, private: bool) -> list[Group]:
    """The group this chat is, or in private every group the caller belongs to."""
    if private:
        return await svc.groups.groups_of(user_id)
    group = await svc.groups.get(chat_id)
    return [group] if group is not None and group.active else []


async def active_group(svc: Services, chat_id: int) -> Group | None:
    group = await svc.groups.get(chat_id)
    return group if group is not None and group.active else None


async def group_of(svc: Services, chat_id: int) -> Group | None:
    return await svc.groups.get(chat_id)


# --- scheduling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheduled:
    meeting: Meeting
    upcoming: Occurrence | None  # the first meeting (None: the series has none ahead)


async def schedule_meeting(
    svc: Services, group: Group, draft: MeetingDraft, created_by: int, announce: Announce
) -> Scheduled:
    """Store the meeting, have it announced in its group, then let the features plan its jobs
    (reminders, roll call).  The announcement comes first, so the card always leads."""
    meeting = await svc.repos.meetings.create(group.chat_id, draft, created_by, svc.clock.now())
    log.info("Meeting %d scheduled", meeting.id)
    await announce(meeting)
    await tell_features(svc, meeting.id)
    return Scheduled(meeting, next_of(meeting, svc.clock.now()))


# --- listing and the calendar -------------------------------------------------------------------


@dataclass(frozen=True)
class ListEntry:
    meeting: Meeting
    occurrence: Occurrence
    counts: RsvpCounts
    group_title: str | None  # shown in private lists, which mix groups


async def upcoming(svc: Services, groups: Sequence[Group], with_titles: bool) -> list[ListEntry]:
    """The next :data:`LIST_LIMIT` occurrences in *groups* within :data:`LIST_HORIZON`, soonest first."""
    titles = {group.chat_id: group.title for group in groups}
    repo, now = svc.repos.meetings, svc.clock.now()
    found = [
        (occurrence.start, meeting, occurrence)
        for meeting in await repo.active_in(list(titles))
        for occurrence in occurrences(meeting.schedule, now, now + LIST_HORIZON)
    ]
    found.sort(key=lambda item: (item[0], item[1].id))
    return [
        ListEntry(
            meeting,
            occurrence,
            await repo.counts(meeting.id, occurrence.start),
            titles[meeting.chat_id] if with_titles else None,
        )
        for _, meeting, occurrence in found[:LIST_LIMIT]
    ]


async def manageable(svc: Services, user_id: int, listed: Sequence[Meeting]) -> list[Meeting]:
    """The listed meetings whose menu the reader may open: those of groups they facilitate (each
    press checks again)."""
    unique = list({meeting.id: meeting for meeting in listed}.values())
    chat_ids = {meeting.chat_id for meeting in unique}
    allowed = set(await svc.auth.groups_for(user_id, Action.SCHEDULE_MEETINGS, chat_ids))
    return [meeting for meeting in unique if meeting.chat_id in allowed]


async def calendar_file(svc: Services, groups: Sequence[Group]) -> bytes | None:
    """The groups' active series as one .ics file; None when none is planned."""
    found = await svc.repos.meetings.active_in([group.chat_id for group in groups])
    if not found:
        return None
    name = groups[0].title if len(groups) == 1 else "Kindred"
    return meetings_to_ics([meeting.series for meeting in found], name, svc.clock.now())


# --- a meeting's cards in groups ----------------------------------------------------------------


async def counts(svc: Services, meeting_id: int, start: datetime) -> RsvpCounts:
    return await svc.repos.meetings.counts(meeting_id, start)


async def announcements(svc: Services, meeting_id: int, start: datetime) -> list[Announcement]:
    return await svc.repos.meetings.announcements(meeting_id, start)


async def announced_upcoming(svc: Services, meeting: Meeting) -> list[tuple[Occurrence, Announcement]]:
    """Every card posted for the series' occurrences still ahead (to re-render when seats change)."""
    found = await svc.repos.meetings.announced_since(meeting.id, svc.clock.now())
    return [
        (occurrence, announcement)
        for start, announcement in found
        if (occurrence := occurrence_at(meeting, start)) is not None
    ]


async def record_announcement(
    svc: Services, meeting_id: int, start: datetime, message: tuple[int, int], rendered: str
) -> None:
    """A card was posted as *message* (chat id, message id): its counts are edited in place later."""
    chat_id, message_id = message
    await svc.repos.meetings.add_announcement(meeting_id, start, chat_id, message_id, rendered)


async def show_latest(
    svc: Services,
    meeting_id: int,
    start: datetime,
    announcement: Announcement,
    *,
    render: Callable[[], Awaitable[R]],
    show: Callable[[R], Awaitable[bool]],
) -> bool:
    """Several processes (PostgreSQL) edit the same card one at a time, so edits never arrive out
    of order and none changes nothing, but no lock or connection is held across the edit: it may
    wait on the group's budget or a 429, and a row lock held meanwhile kept a pooled connection
    from every other press on the card.

    The process claims the card (one short statement); a press handled elsewhere meanwhile only
    marks the card stale and returns at once (False: it showed nothing), and the editor renders
    and shows the newest counts again before it lets go, so the card always ends on the final
    counts.  A claim lapses after CARD_EDIT_LEASE_MS of real time, so a process that dies
    mid-edit holds no card for long."""
    repo = svc.repos.meetings
    editor = svc.leadership.name if svc.leadership is not None else "local"
    while not await repo.claim_edit(
        meeting_id, start, announcement, editor, now_ms=wall_ms(), ttl_ms=CARD_EDIT_LEASE_MS
    ):
        if await repo.mark_stale(meeting_id, start, announcement, editor, wall_ms()):
            return False  # not shown by this process: the editor shows the newest before it lets go
        if await repo.shown(meeting_id, start, announcement) is None:  # the announcement is gone
            return await show(await render())
    shown = True
    while True:
        rendered = await repo.shown(meeting_id, start, announcement)
        latest = await render()
        if rendered is None:  # the announcement is gone: nothing to keep in step
            return await show(latest)
        if rendered != repr(latest):
            shown = await show(latest)
            if shown:
                await repo.set_rendered(meeting_id, start, announcement, repr(latest))
        released = await repo.release_edit(meeting_id, start, announcement, editor)
        if released is not False:  # let go, or the claim lapsed and another editor has the card
            return shown


async def record_rendered(
    svc: Services, meeting_id: int, start: datetime, announcement: Announcement, rendered: str
) -> None:
    """What a card shows now, so an edit that would change nothing is never sent."""
    await svc.repos.meetings.set_rendered(meeting_id, start, announcement, rendered)


# --- RSVPs --------------------------------------------------------------------------------------


class Openness(Enum):
    UNKNOWN = "unknown"  # no such meeting or occurrence (a stale or forged button)
    CLOSED = "closed"  # cancelled, or the occurrence has started
    OPEN = "open"


@dataclass(frozen=True)
class RsvpTarget:
    openness: Openness
    meeting: Meeting | None = None
    occurrence: Occurrence | None = None


async def rsvp_target(svc: Services, meeting_id: int, start: datetime | None) -> RsvpTarget:
    """Whether an answer to this occurrence may still be given."""
    meeting = await svc.repos.meetings.get(meeting_id)
    occurrence = occurrence_at(meeting, start) if meeting and start else None
    if meeting is None or occurrence is None:
        return RsvpTarget(Openness.UNKNOWN)
    if meeting.cancelled or occurrence.start <= svc.clock.now():
        return RsvpTarget(Openness.CLOSED, meeting, occurrence)
    return RsvpTarget(Openness.OPEN, meeting, occurrence)


async def rsvp(
    svc: Services,
    texts: NoticeTexts,
    target: tuple[Meeting, Occurrence],
    user_id: int,
    answer: Answer,
) -> RsvpChange:
    """Record an answer, seat or waitlist the person (the capacity's rule is the repository's,
    in one transaction), and tell whoever moved up into a freed seat."""
    meeting, occurrence = target
    change = await svc.repos.meetings.rsvp(
        meeting.id, occurrence.start, user_id, answer, capacity=meeting.capacity, now=svc.clock.now()
    )
    if change.previous is not change.answer:
        await tell_promoted(svc, texts, meeting, occurrence, change.promoted)
    return change


async def next_meeting(svc: Services, meeting_id: int | None) -> tuple[Meeting, Occurrence] | None:
    """A series and its next occurrence (the ``/start m<id>`` link), if it has one."""
    meeting = await find_meeting(svc, meeting_id)
    occurrence = next_of(meeting, svc.clock.now()) if meeting else None
    return (meeting, occurrence) if meeting is not None and occurrence is not None else None


async def known_member(svc: Services, chat_id: int, user_id: int) -> bool:
    return user_id in await svc.groups.member_ids(chat_id)


async def remember_member(svc: Services, chat_id: int, user_id: int) -> None:
    """Telegram confirmed the person is in the group: from now on they are a member like any other."""
    await svc.groups.add_member(chat_id, user_id, svc.clock.now())
    svc.seen.remember_membership(chat_id, user_id)


async def private_reminders(svc: Services, user_id: int, allowed: bool | None = None) -> bool:
    """The person's private-reminder choice, after setting it when *allowed* is given."""
    repo = svc.repos.meetings
    if allowed is not None:
        await repo.set_private_reminders(user_id, allowed)
    return await repo.private_reminders(user_id)


# --- facilitators: skip, cancel, edit, capacity, group reminder times ---------------------------


async def skip_occurrence(
    svc: Services, texts: NoticeTexts, meeting: Meeting, occurrence: Occurrence
) -> None:
    """Skip one occurrence: those going are told, its queued reminders are withdrawn."""
    repo = svc.repos.meetings
    coming = await repo.coming(meeting.id, occurrence.start)
    await repo.skip(meeting.id, occurrence.local_date)
    minutes = occurrence_minutes(occurrence.start)
    going = [user for user, starts in coming.items() if occurrence.start in starts]
    await notify(
        svc,
        f"meeting:{meeting.id}:skipped:{minutes}",
        going,
        lambda tr: texts.skipped(tr, meeting, occurrence),
    )
    await svc.outbox.cancel_pending(occurrence_key_prefix(meeting.id, occurrence.start))
    await tell_features(svc, meeting.id)


async def skip_on(svc: Services, texts: NoticeTexts, meeting: Meeting, day: date | None) -> Occurrence | None:
    """``/skip 12 [date]``: skip the occurrence on *day* (default: the next); None when *day* is
    not one of the series' upcoming dates (nothing changes)."""
    occurrence = occurrence_on(meeting, day, svc.clock.now())
    if occurrence is not None:
        await skip_occurrence(svc, texts, meeting, occurrence)
    return occurrence


def upcoming_at(svc: Services, meeting: Meeting, start: datetime | None) -> Occurrence | None:
    """The occurrence a confirmation named (the menu's "Skip next"), if it is still ahead."""
    occurrence = occurrence_at(meeting, start) if start is not None else None
    return occurrence if occurrence is not None and occurrence.start > svc.clock.now() else None


async def next_with_counts(svc: Services, meeting: Meeting) -> tuple[Occurrence, RsvpCounts] | None:
    """The next occurrence and its answers (the cancel question says how many are going)."""
    occurrence = next_of(meeting, svc.clock.now())
    if occurrence is None:
        return None
    return occurrence, await svc.repos.meetings.counts(meeting.id, occurrence.start)


@dataclass(frozen=True)
class Cancelled:
    meeting: Meeting
    group: Group | None  # to be told too when the series was cancelled from a private chat
    told: int  # people coming who were queued a notice


async def cancel_series(svc: Services, texts: NoticeTexts, meeting: Meeting) -> Cancelled:
    """Cancel the whole series: everyone coming is told, every queued reminder is withdrawn."""
    repo, now = svc.repos.meetings, svc.clock.now()
    coming = await repo.coming(meeting.id, now)
    await repo.cancel(meeting.id, now)
    told = await notify(
        svc, f"meeting:{meeting.id}:cancelled", list(coming), lambda tr: texts.cancelled(tr, meeting)
    )
    await svc.outbox.cancel_pending(series_key_prefix(meeting.id))
    await tell_features(svc, meeting.id)
    return Cancelled(meeting, await svc.groups.get(meeting.chat_id), told)


@dataclass(frozen=True)
class Edited:
    meeting: Meeting  # as it is now
    upcoming: Occurrence | None
    group: Group | None  # where the new card is announced


async def edit_series(svc: Services, texts: NoticeTexts, meeting: Meeting, draft: MeetingDraft) -> Edited:
    """Replace a series' details; those coming are told what changed."""
    repo, now = svc.repos.meetings, svc.clock.now()
    coming = await repo.coming(meeting.id, now)
    await repo.update(meeting.id, draft, now)
    updated = await repo.get(meeting.id) or meeting
    upcoming_one = next_of(updated, now)
    await notify(
        svc,
        f"meeting:{meeting.id}:changed:{int(now.timestamp())}",
        list(coming),
        lambda tr: texts.changed(tr, updated, upcoming_one),
    )
    await tell_features(svc, meeting.id)
    return Edited(updated, upcoming_one, await svc.groups.get(meeting.chat_id))


@dataclass(frozen=True)
class CapacitySet:
    meeting: Meeting  # as it is now
    changed: bool  # the seats differ from before (the cards' "Seats" line and Going label change)
    crowded: list[tuple[Occurrence, int]]  # occurrences with more going than seats: (occurrence, going)


async def set_capacity(svc: Services, texts: NoticeTexts, meeting: Meeting, seats: int | None) -> CapacitySet:
    """Limit the seats (None: no limit).  Raised, the waitlist moves up and those seated are told;
    lowered below those already going, nobody is removed: the result lists where."""
    repo, now = svc.repos.meetings, svc.clock.now()
    starts = [o.start for o in occurrences(meeting.schedule, now, now + CAPACITY_HORIZON)]
    promoted = await repo.set_capacity(meeting.id, seats, now, starts)
    updated = await repo.get(meeting.id) or meeting
    for start, people in promoted.items():
        occurrence = occurrence_at(updated, start)
        if occurrence is not None:
            await tell_promoted(svc, texts, updated, occurrence, people)
    crowded = []
    if seats is not None:
        crowded = [
            (occurrence, going)
            for start, going in over_capacity(seats, await repo.going_by_occurrence(meeting.id, now))
            if (occurrence := occurrence_at(updated, start)) is not None
        ]
    return CapacitySet(updated, updated.capacity != meeting.capacity, crowded)


async def group_reminders(
    svc: Services, texts: ReminderTexts, chat_id: int, offsets: Sequence[timedelta] | None = None
) -> tuple[timedelta, ...]:
    """The group's reminder times, after setting them when *offsets* are given (each of its
    series' reminders is then re-planned)."""
    repo = svc.repos.meetings
    if offsets is not None:
        await repo.set_reminder_offsets(chat_id, offsets, svc.clock.now())
        await plan_group(svc, texts, chat_id)
    current, _ = await repo.reminder_settings(chat_id)
    return current


# --- personal data ------------------------------------------------------------------------------


async def export_personal_data(svc: Services, user_id: int) -> dict[str, object]:
    return await svc.repos.meetings.personal_data(user_id)


async def erase_person(svc: Services, texts: NoticeTexts, user_id: int) -> None:
    """Erase the person's RSVPs and reminder preference; anyone who moves up into a freed seat is told."""
    repo = svc.repos.meetings
    promoted = await repo.erase_person(user_id, svc.clock.now())
    for (meeting_id, start), people in promoted.items():
        meeting = await repo.get(meeting_id)
        occurrence = occurrence_at(meeting, start) if meeting else None
        if meeting is not None and occurrence is not None:
            await tell_promoted(svc, texts, meeting, occurrence, people)
