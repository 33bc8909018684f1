"""Facilitators' meeting commands: skip one occurrence, cancel or edit a series, set a capacity,
and choose when the group is reminded.  Each checks ``require()`` on the meeting's OWN group."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta

from telegram import Update
from telegram.error import Forbidden

from bot.domain.i18n import Translator, translator
from bot.domain.meeting_form import FormError, parse_meeting_line
from bot.domain.meetings import RemindersError, over_capacity, parse_reminder_offsets
from bot.domain.recurrence import Occurrence, iter_occurrences, occurrences
from bot.domain.roles import Action
from handlers import meeting_reminders
from handlers.common import KindredContext, escape, is_private, reply, require, services, translator_for
from handlers.meeting_rsvp import refresh_cards
from handlers.meeting_support import (
    announce,
    command_text,
    meeting_id_from,
    meetings,
    next_of,
    notify,
    occurrence_at,
    render_syntax_short,
    tell_promoted,
)
from handlers.meetings_views import (
    MenuStep,
    Rows,
    Rsvp,
    capacity_set,
    confirm_cancel,
    markup,
    notice_cancelled,
    notice_changed,
    notice_skipped,
    reminders_setting,
    start_note,
)
from storage.groups import Group
from storage.meetings import Meeting

log = logging.getLogger(__name__)


async def meeting_from_args(
    update: Update, context: KindredContext, tr: Translator, usage: str
) -> Meeting | None:
    """The meeting named by the first argument, after the facilitator check on ITS group."""
    args = context.args or []
    meeting_id = meeting_id_from(args[0]) if args else None
    meeting = await meetings(context).get(meeting_id) if meeting_id is not None else None
    if meeting is None or meeting.cancelled:
        await reply(update, tr._("I don't know that meeting. Usage: {usage}").format(usage=escape(usage)))
        return None
    if not await require(update, context, Action.SCHEDULE_MEETINGS, meeting.chat_id):
        return None
    return meeting


async def skip(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    meeting = await meeting_from_args(update, context, tr, "/skip 12 2026-12-08")
    if meeting is None:
        return
    now = services(context).clock.now()
    occurrence = _occurrence_on(meeting, (context.args or [])[1:], now)
    if occurrence is None:
        await reply(
            update,
            tr._("That date is not one of the upcoming meetings of this series. Send /meetings to see them."),
        )
        return
    await skip_occurrence(context, meeting, occurrence)
    await reply(update, notice_skipped(tr, meeting, occurrence))


async def skip_occurrence(context: KindredContext, meeting: Meeting, occurrence: Occurrence) -> None:
    """Skip one occurrence: those going are told, its queued reminders are withdrawn.

    Shared by ``/skip`` and the meeting menu's confirmed "Skip next" button."""
    repo = meetings(context)
    coming = await repo.coming(meeting.id, occurrence.start)
    await repo.skip(meeting.id, occurrence.local_date)
    minutes = Rsvp.occurrence_minutes(occurrence.start)
    going = [user for user, starts in coming.items() if occurrence.start in starts]
    await notify(
        context,
        f"meeting:{meeting.id}:skipped:{minutes}",
        going,
        lambda t: notice_skipped(t, meeting, occurrence),
    )
    await services(context).outbox.cancel_pending(
        f"reminder:{meeting.id}:{occurrence.start.strftime('%Y-%m-%dT%H:%MZ')}:"
    )
    await meeting_reminders.series_changed(context.application, meeting.id)


def _occurrence_on(meeting: Meeting, args: list[str], now: datetime) -> Occurrence | None:
    if not args:
        return next_of(meeting, now)
    try:
        day = date.fromisoformat(args[0])
    except ValueError:
        return None
    for occurrence in iter_occurrences(meeting.schedule, now):
        if occurrence.local_date >= day:
            return occurrence if occurrence.local_date == day else None
    return None


async def cancel_meeting(update: Update, context: KindredContext) -> None:
    """Ask first, with buttons: cancelling a series cannot be undone.  The answer is handled by
    the meeting menu's handler (``meeting_menu``), which authorises every press again."""
    tr = await translator_for(update, context)
    meeting = await meeting_from_args(update, context, tr, "/cancelmeeting 12")
    if meeting is None:
        return
    text, rows = await cancel_question(context, meeting, tr, keep=MenuStep.KEEP)
    await reply(update, text, reply_markup=markup(rows))


async def cancel_question(
    context: KindredContext, meeting: Meeting, tr: Translator, keep: MenuStep
) -> tuple[str, Rows]:
    """The question with "Cancel the series" / "Keep it", saying how many go to the next meeting.

    Shared by ``/cancelmeeting`` (*keep* closes the question) and the menu (*keep* goes back)."""
    occurrence = next_of(meeting, services(context).clock.now())
    upcoming = None
    if occurrence is not None:
        upcoming = (occurrence, await meetings(context).counts(meeting.id, occurrence.start))
    return confirm_cancel(tr, meeting, upcoming, keep)


async def cancel_series(context: KindredContext, meeting: Meeting) -> None:
    """Cancel the whole series: everyone coming is told, every queued reminder is withdrawn.

    Shared by ``/cancelmeeting`` and the meeting menu's confirmed "Cancel series" button."""
    repo, now = meetings(context), services(context).clock.now()
    coming = await repo.coming(meeting.id, now)
    await repo.cancel(meeting.id, now)
    await notify(
        context, f"meeting:{meeting.id}:cancelled", list(coming), lambda t: notice_cancelled(t, meeting)
    )
    await services(context).outbox.cancel_pending(f"reminder:{meeting.id}:")
    await meeting_reminders.series_changed(context.application, meeting.id)


async def tell_group_cancelled(context: KindredContext, meeting: Meeting) -> None:
    """A series cancelled from a private chat is announced in its group too."""
    group = await services(context).groups.get(meeting.chat_id)
    if group is not None:
        await _tell_group(context, group, notice_cancelled(translator(group.language), meeting))


async def edit_meeting(update: Update, context: KindredContext) -> None:
    """Replace a meeting's details with a new one-line form; those coming are told."""
    tr = await translator_for(update, context)
    meeting = await meeting_from_args(update, context, tr, "/editmeeting 12 Title | start | ...")
    if meeting is None:
        return
    form = command_text(update).split(maxsplit=2)[2:] or [""]
    now = services(context).clock.now()
    try:
        draft = parse_meeting_line(form[0], time_zone=meeting.schedule.time_zone, now=now)
    except FormError as error:
        await reply(update, error.render(tr) + "\n\n" + render_syntax_short(tr))
        return
    repo = meetings(context)
    coming = await repo.coming(meeting.id, now)
    await repo.update(meeting.id, draft, now)
    updated = await repo.get(meeting.id) or meeting
    upcoming = next_of(updated, now)
    stamp = int(now.timestamp())
    await notify(
        context,
        f"meeting:{meeting.id}:changed:{stamp}",
        list(coming),
        lambda t: notice_changed(t, updated, upcoming),
    )
    await meeting_reminders.series_changed(context.application, meeting.id)
    note = start_note(tr, updated.schedule.time_zone, upcoming) if upcoming else None
    await reply(update, notice_changed(tr, updated, upcoming) + (f"\n{note}" if note else ""))
    group = await services(context).groups.get(meeting.chat_id)
    if group is not None:
        await announce(context, updated, group)


async def _tell_group(context: KindredContext, group: Group, text: str) -> None:
    try:
        await context.bot.send_message(group.chat_id, text)
    except Forbidden:
        log.info("Could not write to a group")


async def capacity(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    usage = "/capacity 12 20"
    meeting = await meeting_from_args(update, context, tr, usage)
    if meeting is None:
        return
    args = (context.args or [])[1:]
    value = args[0].casefold() if args else ""
    seats_ok = bool(re.fullmatch(r"[0-9]{1,5}", value)) and 1 <= int(value) <= 10_000
    if value not in ("off", "none") and not seats_ok:
        await reply(
            update, tr._("Write the number of seats (1 to 10000) or off, like {usage}.").format(usage=usage)
        )
        return
    seats = None if value in ("off", "none") else int(value)
    repo, now = meetings(context), services(context).clock.now()
    upcoming = [o.start for o in occurrences(meeting.schedule, now, now + timedelta(days=366))]
    promoted = await repo.set_capacity(meeting.id, seats, now, upcoming)
    updated = await repo.get(meeting.id) or meeting
    for start, people in promoted.items():
        occurrence = occurrence_at(updated, start)
        if occurrence is not None:
            await tell_promoted(context, updated, occurrence, people)
    if updated.capacity != meeting.capacity:  # the cards' "Seats" line and Going label change
        await refresh_cards(context, updated)
    if seats is None:
        await reply(update, tr._("Meeting #{id} has no seat limit now.").format(id=meeting.id))
        return
    crowded = [
        (occurrence, going)
        for start, going in over_capacity(seats, await repo.going_by_occurrence(meeting.id, now))
        if (occurrence := occurrence_at(updated, start)) is not None
    ]
    await reply(update, capacity_set(tr, updated, seats, crowded))


async def reminders(update: Update, context: KindredContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    tr = await translator_for(update, context)
    if is_private(update):
        await reply(update, tr._("Send /reminders in your group's chat to change its reminders."))
        return
    if not await require(update, context, Action.SCHEDULE_MEETINGS, chat.id):
        return
    repo = meetings(context)
    if context.args:
        try:
            offsets = parse_reminder_offsets(context.args)
        except RemindersError as error:
            await reply(update, tr._(error.message).format(count=4))
            return
        await repo.set_reminder_offsets(chat.id, offsets, services(context).clock.now())
        await meeting_reminders.refresh_group(context.application, chat.id)
    offsets, _ = await repo.reminder_settings(chat.id)
    await reply(update, reminders_setting(tr, offsets))
