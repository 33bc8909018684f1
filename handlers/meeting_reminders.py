"""Meeting reminders: derived from the database, delivered through the shared outbox.

Each series has at most one scheduler job, ``reminder:{meeting_id}``, planned for its next due
reminder.  When it runs (and at start-up, and whenever a series or a group's reminder times
change), :func:`refresh_series` handles every reminder that is due and not yet in the
``reminder_ledger``: one not-yet-started occurrence gets its deliveries enqueued (the group, plus
members who answered going/maybe and allow private reminders), one that has started is skipped and
logged; when downtime left several reminders of one occurrence due, only the latest is sent and
the others are recorded as skipped; then the job is planned for the next reminder.

Exactly-once rests on two keys.  The outbox ignores a delivery key it already holds, whatever its
status, and its worker marks a row ``sending`` before the HTTP call and ``sent`` after.  The ledger
row is written after the enqueue: a crash in between only means the enqueue is repeated, which the
outbox's keys turn into a no-op.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.domain.i18n import resolve_language, translator
from bot.domain.meetings import (
    MISSED_LOOKBACK,
    DueReminder,
    ReminderAction,
    next_reminder_due,
    reminders_due,
    settle_due_reminders,
)
from handlers.meetings_views import group_reminder, private_reminder, private_reminder_rows, rsvp_rows
from storage.groups import Group
from storage.meetings import Meeting, MeetingRepository
from storage.outbox import Delivery

log = logging.getLogger(__name__)

REMINDER_KIND = "meeting_reminder"


def job_name(meeting_id: int) -> str:
    return f"reminder:{meeting_id}"


def reminder_batch(meeting_id: int, reminder: DueReminder) -> str:
    start = reminder.occurrence.start.strftime("%Y-%m-%dT%H:%MZ")
    return f"reminder:{meeting_id}:{start}:{reminder.offset_minutes}"


async def refresh_series(application: Any, meeting_id: int) -> None:
    """Handle the series' due reminders, then plan its next one (or drop its job)."""
    services = application.bot_data.services
    repo = services.repos.meetings
    meeting = await repo.get(meeting_id)
    group = await services.groups.get(meeting.chat_id) if meeting else None
    if meeting is None or group is None or meeting.cancelled or not group.active:
        services.jobs.cancel(job_name(meeting_id))
        return
    offsets, changed_at = await repo.reminder_settings(meeting.chat_id)
    now = services.clock.now()
    owed_since = max(meeting.updated_at, changed_at) if changed_at else meeting.updated_at
    handled = await repo.handled_reminders(meeting_id, now - MISSED_LOOKBACK)
    owed = [
        reminder
        for reminder in reminders_due(meeting.schedule, offsets, now, owed_since)
        if (reminder.occurrence.start, reminder.offset_minutes) not in handled
    ]
    for reminder, action in settle_due_reminders(owed, now):
        if action is ReminderAction.SEND:
            await _enqueue(application, repo, meeting, group, reminder)
            await repo.record_reminder(
                meeting_id, reminder.occurrence.start, reminder.offset_minutes, "enqueued", now
            )
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
    upcoming = next_reminder_due(meeting.schedule, offsets, now)
    if upcoming is None:
        services.jobs.cancel(job_name(meeting_id))
    else:
        services.jobs.at(job_name(meeting_id), upcoming, lambda: refresh_series(application, meeting_id))


async def _enqueue(
    application: Any, repo: MeetingRepository, meeting: Meeting, group: Group, reminder: DueReminder
) -> None:
    batch = reminder_batch(meeting.id, reminder)
    occurrence = reminder.occurrence
    group_tr = translator(group.language)
    counts = await repo.counts(meeting.id, occurrence.start)
    deliveries = [
        Delivery(
            f"{batch}:{group.chat_id}",
            group.chat_id,
            group_reminder(group_tr, meeting, occurrence),
            REMINDER_KIND,
            reply_markup={"inline_keyboard": rsvp_rows(group_tr, meeting, occurrence, counts)},
            batch=batch,
        )
    ]
    for person in await repo.reminder_recipients(meeting.id, occurrence.start):
        tr = translator(person.language or resolve_language(person.telegram_language))
        deliveries.append(
            Delivery(
                f"{batch}:{person.user_id}",
                person.user_id,
                private_reminder(tr, meeting, occurrence, group.title),
                REMINDER_KIND,
                reply_markup={"inline_keyboard": private_reminder_rows(tr)},
                batch=batch,
            )
        )
    new = await application.bot_data.services.outbox.enqueue(deliveries)
    log.info("Queued %d of %d reminder deliveries for meeting %d", new, len(deliveries), meeting.id)


async def series_changed(application: Any, meeting_id: int) -> None:
    """A series was created, edited, skipped or cancelled: re-plan its reminders, and tell every
    feature that plans its own jobs per meeting (``on_meeting_changed(application, meeting_id)``,
    e.g. the roll call) at once rather than at its next sweep."""
    await refresh_series(application, meeting_id)
    for feature in application.bot_data.services.features:
        if feature.on_meeting_changed is not None:
            await feature.on_meeting_changed(application, meeting_id)


async def refresh_group(application: Any, chat_id: int) -> None:
    """A group's reminder times changed: re-plan each of its series."""
    repo = application.bot_data.services.repos.meetings
    for meeting in await repo.active_in([chat_id]):
        await refresh_series(application, meeting.id)


async def refresh_all(application: Any) -> None:
    """Start-up: every active series in every active group."""
    repo = application.bot_data.services.repos.meetings
    for meeting in await repo.active_everywhere():
        await refresh_series(application, meeting.id)
