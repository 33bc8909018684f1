"""Meeting reminders: derived from the database, delivered through the shared outbox.

Each series has at most one scheduler job, ``reminder:{meeting_id}``, planned for its next due
reminder.  When it runs (and at start-up, and whenever a series or a group's reminder times
change), :func:`plan_reminders` handles every reminder that is due and not yet in the
``reminder_ledger``: one not-yet-started occurrence gets its deliveries enqueued (the group, plus
members who answered going/maybe and allow private reminders), one that has started is skipped and
logged; when downtime left several reminders of one occurrence due, only the latest is sent and
the others are recorded as skipped (the catch-up rules are :func:`bot.domain.meetings.settle_due_reminders`);
then the job is planned for the next reminder.

Exactly-once rests on two keys.  The outbox ignores a delivery key it already holds, whatever its
status, and its worker marks a row ``sending`` before the HTTP call and ``sent`` after.  The ledger
row is written after the enqueue: a crash in between only means the enqueue is repeated, which the
outbox's keys turn into a no-op.

The words come from the handlers (:class:`ReminderTexts`, rendered per recipient's language), so
planning and the catch-up decisions stay free of Telegram and are tested on a scratch database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.i18n import Translator, resolve_language, translator
from bot.domain.meetings import (
    MISSED_LOOKBACK,
    DueReminder,
    ReminderAction,
    RsvpCounts,
    next_reminder_due,
    reminders_due,
    settle_due_reminders,
)
from bot.domain.recurrence import Occurrence
from bot.runtime.services import Services
from storage.groups import Group
from storage.meetings import Meeting
from storage.outbox import Delivery

log = logging.getLogger(__name__)

REMINDER_KIND = "meeting_reminder"

#: An inline keyboard as plain data (rows of buttons, each a dict of Bot API fields).
Keyboard = list[list[dict[str, str]]]


class ReminderTexts(Protocol):
    """How a reminder reads, in one language: the handlers' views, handed down to planning."""

    def group_reminder(
        self, tr: Translator, meeting: Meeting, occurrence: Occurrence, counts: RsvpCounts
    ) -> tuple[str, Keyboard]: ...

    def private_reminder(
        self, tr: Translator, meeting: Meeting, occurrence: Occurrence, group_title: str
    ) -> tuple[str, Keyboard]: ...


@dataclass(frozen=True)
class ReminderPlan:
    """What one pass over a series did: reminders enqueued, reminders skipped (started or
    superseded), and when the series' job runs next (None: no job)."""

    sent: int = 0
    skipped: int = 0
    next_due: datetime | None = None


def job_name(meeting_id: int) -> str:
    return f"reminder:{meeting_id}"


def _start_key(start: datetime) -> str:
    return start.strftime("%Y-%m-%dT%H:%MZ")


def series_key_prefix(meeting_id: int) -> str:
    """The outbox keys of every reminder of a series start with this (withdrawn on cancel)."""
    return f"reminder:{meeting_id}:"


def occurrence_key_prefix(meeting_id: int, start: datetime) -> str:
    """The outbox keys of one occurrence's reminders start with this (withdrawn on skip)."""
    return f"{series_key_prefix(meeting_id)}{_start_key(start)}:"


def reminder_batch(meeting_id: int, reminder: DueReminder) -> str:
    return f"{occurrence_key_prefix(meeting_id, reminder.occurrence.start)}{reminder.offset_minutes}"


async def plan_reminders(svc: Services, texts: ReminderTexts, meeting_id: int) -> ReminderPlan:
    """Handle the series' due reminders, then plan its next one (or drop its job)."""
    repo = svc.repos.meetings
    meeting = await repo.get(meeting_id)
    group = await svc.groups.get(meeting.chat_id) if meeting else None
    if meeting is None or group is None or meeting.cancelled or not group.active:
        svc.jobs.cancel(job_name(meeting_id))
        return ReminderPlan()
    offsets, changed_at = await repo.reminder_settings(meeting.chat_id)
    now = svc.clock.now()
    owed_since = max(meeting.updated_at, changed_at) if changed_at else meeting.updated_at
    handled = await repo.handled_reminders(meeting_id, now - MISSED_LOOKBACK)
    owed = [
        reminder
        for reminder in reminders_due(meeting.schedule, offsets, now, owed_since)
        if (reminder.occurrence.start, reminder.offset_minutes) not in handled
    ]
    sent = skipped = 0
    for reminder, action in settle_due_reminders(owed, now):
        if action is ReminderAction.SEND:
            await _enqueue(svc, texts, meeting, group, reminder)
            await repo.record_reminder(
                meeting_id, reminder.occurrence.start, reminder.offset_minutes, "enqueued", now
            )
            sent += 1
        elif action in (ReminderAction.SKIP, ReminderAction.SUPERSEDED):
            log.info(
                "Skipped the %d-minute reminder of meeting %d: %s",
                reminder.offset_minutes,
                meeting_id,
                "the occurrence had already started"
                if action is ReminderAction.SKIP
                else "a later reminder of the same occurrence is sent instead",
            )
            await repo.record_reminder(
                meeting_id, reminder.occurrence.start, reminder.offset_minutes, "skipped", now
            )
            skipped += 1
    upcoming = next_reminder_due(meeting.schedule, offsets, now)
    if upcoming is None:
        svc.jobs.cancel(job_name(meeting_id))
    else:
        svc.jobs.at(job_name(meeting_id), upcoming, lambda: _run(svc, texts, meeting_id))
    return ReminderPlan(sent, skipped, upcoming)


async def _run(svc: Services, texts: ReminderTexts, meeting_id: int) -> None:
    """The job's action (the scheduler wants a coroutine that returns nothing)."""
    await plan_reminders(svc, texts, meeting_id)


async def _enqueue(
    svc: Services, texts: ReminderTexts, meeting: Meeting, group: Group, reminder: DueReminder
) -> None:
    """Who gets one reminder: the group, and each member going or maybe who allows private ones,
    each in their own language."""
    repo = svc.repos.meetings
    batch = reminder_batch(meeting.id, reminder)
    occurrence = reminder.occurrence
    counts = await repo.counts(meeting.id, occurrence.start)
    text, rows = texts.group_reminder(translator(group.language), meeting, occurrence, counts)
    deliveries = [
        Delivery(
            f"{batch}:{group.chat_id}",
            group.chat_id,
            text,
            REMINDER_KIND,
            reply_markup={"inline_keyboard": rows},
            batch=batch,
        )
    ]
    for person in await repo.reminder_recipients(meeting.id, occurrence.start):
        tr = translator(person.language or resolve_language(person.telegram_language))
        text, rows = texts.private_reminder(tr, meeting, occurrence, group.title)
        deliveries.append(
            Delivery(
                f"{batch}:{person.user_id}",
                person.user_id,
                text,
                REMINDER_KIND,
                reply_markup={"inline_keyboard": rows},
                batch=batch,
            )
        )
    new = await svc.outbox.enqueue(deliveries)
    log.info("Queued %d of %d reminder deliveries for meeting %d", new, len(deliveries), meeting.id)


async def plan_group(svc: Services, texts: ReminderTexts, chat_id: int) -> None:
    """A group's reminder times changed: re-plan each of its series."""
    for meeting in await svc.repos.meetings.active_in([chat_id]):
        await plan_reminders(svc, texts, meeting.id)


async def plan_all(svc: Services, texts: ReminderTexts) -> None:
    """Start-up: every active series in every active group."""
    for meeting in await svc.repos.meetings.active_everywhere():
        await plan_reminders(svc, texts, meeting.id)


def rebuild_soon(svc: Services, texts: ReminderTexts) -> None:
    """Start-up: rebuild every series' reminder job and send reminders missed while down.

    As a job that runs as soon as the bot is up, not before it polls: with 10,000 series the
    rebuild takes seconds, and people's messages should not wait for it (bench/startup.py).  The
    job queue lets it finish before the database closes at shutdown."""
    svc.jobs.at("meetings:rebuild", svc.clock.now(), lambda: plan_all(svc, texts))
