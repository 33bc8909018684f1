"""Facilitators change a series: ``/editmeeting``, ``/skip``, ``/cancelmeeting``, ``/capacity``,
and each meeting's own ⚙️ menu (opened from ``/meetings``): announce it again, skip the next one,
cancel the series, or get the prefilled ``/editmeeting`` line.  ``/cancelmeeting``'s question
("Cancel the series" / "Keep it") is answered by the menu's handler too.

Every command and every press checks ``require()`` on the meeting's OWN group, so forged callback
data naming another group's meeting is refused exactly like a member pressing it.  Skip and
cancel, typed or pressed, are the same use cases (:mod:`bot.usecases.meetings`).

The menu's announcement is sent directly (not through the outbox) and recorded like the first one,
so the RSVP counts on it are edited in place; a facilitator's press is a one-off, not a paced
broadcast.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden

from bot.domain.i18n import Translator, translator
from bot.domain.meeting_form import FormError, parse_meeting_line
from bot.domain.roles import Action
from bot.runtime.edit_coalescer import Edit
from bot.usecases import meetings as uc
from handlers.common import (
    KindredContext,
    answer_query,
    answer_stale,
    escape,
    is_private,
    reply,
    require,
    services,
    translator_for,
)
from handlers.meetings.rsvp import announce, refresh_cards
from handlers.meetings.views import (
    TEXTS,
    MeetingMenu,
    MenuStep,
    Rows,
    cancel_stale,
    capacity_set,
    confirm_cancel,
    confirm_skip,
    edit_help,
    edit_line,
    markup,
    meeting_id_from,
    menu_gone,
    menu_rows,
    menu_text,
    notice_cancelled,
    notice_changed,
    notice_kept,
    notice_skipped,
    render_syntax_short,
    start_note,
    version,
)
from storage.meetings import Meeting

log = logging.getLogger(__name__)


# --- the commands ----------------------------------------------------------------------------


async def meeting_from_args(
    update: Update, context: KindredContext, tr: Translator, usage: str
) -> Meeting | None:
    """The meeting named by the first argument, after the facilitator check on ITS group."""
    args = context.args or []
    meeting = await uc.find_meeting(services(context), meeting_id_from(args[0]) if args else None)
    if meeting is None or meeting.cancelled:
        await reply(update, tr._("I don't know that meeting. Usage: {usage}").format(usage=escape(usage)))
        return None
    if not await require(update, context, Action.SCHEDULE_MEETINGS, meeting.chat_id):
        return None
    return meeting


def _not_upcoming(tr: Translator) -> str:
    return tr._("That date is not one of the upcoming meetings of this series. Send /meetings to see them.")


async def skip(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    meeting = await meeting_from_args(update, context, tr, "/skip 12 2026-12-08")
    if meeting is None:
        return
    args = (context.args or [])[1:]
    try:
        day = date.fromisoformat(args[0]) if args else None
    except ValueError:
        await reply(update, _not_upcoming(tr))
        return
    occurrence = await uc.skip_on(services(context), TEXTS, meeting, day)
    if occurrence is None:
        await reply(update, _not_upcoming(tr))
        return
    await reply(update, notice_skipped(tr, meeting, occurrence))


async def cancel_meeting(update: Update, context: KindredContext) -> None:
    """Ask first, with buttons: cancelling a series cannot be undone.  The answer is handled by
    the menu's handler (:func:`on_menu`), which authorises every press again."""
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
    return confirm_cancel(tr, meeting, await uc.next_with_counts(services(context), meeting), keep)


async def edit_meeting(update: Update, context: KindredContext) -> None:
    """Replace a meeting's details with a new one-line form; those coming are told."""
    tr = await translator_for(update, context)
    meeting = await meeting_from_args(update, context, tr, "/editmeeting 12 Title | start | ...")
    if meeting is None:
        return
    message = update.effective_message
    form = ((message.text or "") if message else "").split(maxsplit=2)[2:] or [""]
    svc = services(context)
    try:
        draft = parse_meeting_line(form[0], time_zone=meeting.schedule.time_zone, now=svc.clock.now())
    except FormError as error:
        await reply(update, error.render(tr) + "\n\n" + render_syntax_short(tr))
        return
    edited = await uc.edit_series(svc, TEXTS, meeting, draft)
    updated, upcoming = edited.meeting, edited.upcoming
    note = start_note(tr, updated.schedule.time_zone, upcoming) if upcoming else None
    await reply(update, notice_changed(tr, updated, upcoming) + (f"\n{note}" if note else ""))
    if edited.group is not None:
        await announce(context, updated, edited.group)


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
    result = await uc.set_capacity(services(context), TEXTS, meeting, seats)
    if result.changed:  # the cards' "Seats" line and Going label change
        await refresh_cards(context, result.meeting)
    if seats is None:
        await reply(update, tr._("Meeting #{id} has no seat limit now.").format(id=meeting.id))
        return
    await reply(update, capacity_set(tr, result.meeting, seats, result.crowded))


async def _tell_group_cancelled(context: KindredContext, cancelled: uc.Cancelled) -> None:
    """A series cancelled from a private chat is announced in its group too."""
    group = cancelled.group
    if group is None:
        return
    try:
        await context.bot.send_message(
            group.chat_id, notice_cancelled(translator(group.language), cancelled.meeting)
        )
    except Forbidden:
        log.info("Could not write to a group")


# --- the menu --------------------------------------------------------------------------------


async def on_menu(update: Update, context: KindredContext) -> None:
    """Every button of the menu: unpack, find the meeting, authorise on its group, then act."""
    query = update.callback_query
    if query is None:
        return
    tr = await translator_for(update, context)
    data = MeetingMenu.unpack(query.data)
    if data is None:
        await answer_stale(query, tr)
        return
    meeting = await uc.find_meeting(services(context), data.meeting_id)
    if meeting is None or meeting.cancelled:
        await answer_query(query, menu_gone(tr), True)
        return
    if not await require(update, context, Action.SCHEDULE_MEETINGS, meeting.chat_id):
        return
    await STEPS[data.step](update, context, meeting, data, tr)


async def _open(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    """From the list: a new message, so the list stays; "go back" from a confirmation: in place."""
    await answer_query(update.callback_query)
    group = await uc.group_of(services(context), meeting.chat_id)
    occurrence = uc.next_of(meeting, services(context).clock.now())
    text = menu_text(tr, meeting, occurrence, group.title if group else "")
    rows = menu_rows(tr, meeting)
    if data.step is MenuStep.BACK:
        await _show(update, text, rows)
    else:
        await reply(update, text, reply_markup=markup(rows))


async def _announce(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    group = await uc.group_of(services(context), meeting.chat_id)
    posted = await announce(context, meeting, group) if group is not None and group.active else None
    if posted is None or group is None:
        await answer_query(
            update.callback_query, tr._("I could not post the meeting in its group right now."), True
        )
        return
    log.info("Meeting %d announced again from its menu", meeting.id)
    await answer_query(update.callback_query, tr._("Announced in {group}.").format(group=group.title), False)


async def _ask_skip(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    occurrence = uc.next_of(meeting, services(context).clock.now())
    if occurrence is None:
        await answer_query(update.callback_query, tr._("No more meetings are planned in this series."), True)
        return
    await answer_query(update.callback_query)
    await _show(update, *confirm_skip(tr, meeting, occurrence))


async def _skip(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    """Skip exactly the occurrence the confirmation named, if it is still ahead."""
    occurrence = uc.upcoming_at(services(context), meeting, data.occurrence_start())
    if occurrence is None:
        await answer_query(update.callback_query, _not_upcoming(tr), True)
        return
    await answer_query(update.callback_query)
    await uc.skip_occurrence(services(context), TEXTS, meeting, occurrence)
    await _show(update, notice_skipped(tr, meeting, occurrence), [])


async def _ask_cancel(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    """The same question as ``/cancelmeeting``; "Keep it" goes back to the menu."""
    await answer_query(update.callback_query)
    await _show(update, *await cancel_question(context, meeting, tr, keep=MenuStep.BACK))


async def _cancel(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    """Cancel, if the meeting is still as it was when asked (a series already cancelled never
    gets here: :func:`on_menu` says it no longer exists).  Every press gets one answer."""
    if data.ref != version(meeting):
        await answer_query(update.callback_query, cancel_stale(tr, meeting), True)
        return
    await answer_query(update.callback_query)
    cancelled = await uc.cancel_series(services(context), TEXTS, meeting)
    await _close(update, context, notice_cancelled(tr, meeting))
    if is_private(update):  # asked in the group, the edited question itself tells the group
        await _tell_group_cancelled(context, cancelled)


async def _keep(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    """The question's "Keep it" (``/cancelmeeting``): nothing changes and the buttons go.

    Two quick presses (two facilitators, or a double tap) both arrive showing the buttons, and
    Telegram refuses a second identical edit: :func:`_close` closes the question once."""
    await answer_query(update.callback_query)
    pressed = _pressed(update)
    if pressed is not None and pressed.reply_markup is not None:  # else: closed already
        await _close(update, context, notice_kept(tr, meeting))


async def _close(update: Update, context: KindredContext, text: str) -> None:
    """Replace the pressed question by its outcome, through the coalescer: of two outcomes
    pressed at once the later wins, and an identical second one is skipped."""
    pressed = _pressed(update)
    if pressed is None:
        await reply(update, text)
        return
    closing = _Closing(context, pressed.chat_id, pressed.message_id, text)
    services(context).edits.submit(pressed.chat_id, pressed.message_id, Edit(closing.render, closing.show))


@dataclass(frozen=True)
class _Closing:
    """A question replaced by its outcome, without buttons (an edit for the coalescer)."""

    context: KindredContext
    chat_id: int
    message_id: int
    text: str

    async def render(self) -> str:
        return self.text

    async def show(self, text: str) -> bool:
        try:
            await self.context.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.message_id)
        except BadRequest as error:
            log.debug("Could not close a question: %s", error.message)
            return False
        return True


async def _edit(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    """A new message, so the facilitator can copy the line while the menu stays usable."""
    await answer_query(update.callback_query)
    await reply(update, edit_help(tr, meeting, edit_line(meeting)))


STEPS = {
    MenuStep.OPEN: _open,
    MenuStep.BACK: _open,
    MenuStep.ANNOUNCE: _announce,
    MenuStep.SKIP: _ask_skip,
    MenuStep.SKIP_CONFIRMED: _skip,
    MenuStep.CANCEL: _ask_cancel,
    MenuStep.CANCEL_CONFIRMED: _cancel,
    MenuStep.KEEP: _keep,
    MenuStep.EDIT: _edit,
}


def _pressed(update: Update) -> Message | None:
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None


async def _show(update: Update, text: str, rows: Rows) -> None:
    """Replace the pressed menu message; fall back to a new message if it cannot be edited."""
    pressed = _pressed(update)
    if pressed is not None:
        try:
            await pressed.edit_text(text, reply_markup=markup(rows))
            return
        except BadRequest as error:
            log.debug("Could not edit a meeting menu: %s", error.message)
    await reply(update, text, reply_markup=markup(rows))
