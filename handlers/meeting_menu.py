"""A meeting's own menu for facilitators: announce it again, skip the next one, cancel the series,
or get the prefilled ``/editmeeting`` line.  Opened from the ⚙️ buttons under ``/meetings``.
``/cancelmeeting``'s question ("Cancel the series" / "Keep it") is answered here too.

Every press re-checks ``require()`` on the meeting's OWN group, so forged callback data naming
another group's meeting is refused exactly like a member pressing it.  Skip and cancel go through
the same functions as ``/skip`` and ``/cancelmeeting`` (``meeting_admin``), after a confirmation.

The announcement is sent directly (not through the outbox) and recorded like the first one, so the
RSVP counts on it are edited in place; a facilitator's press is a one-off, not a paced broadcast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Message, Update
from telegram.error import BadRequest

from bot.domain.i18n import Translator
from bot.domain.roles import Action
from bot.runtime.edit_coalescer import Edit
from handlers.common import (
    KindredContext,
    answer_query,
    is_private,
    reply,
    require,
    services,
    translator_for,
)
from handlers.meeting_admin import cancel_question, cancel_series, skip_occurrence, tell_group_cancelled
from handlers.meeting_support import announce, meetings, next_of, occurrence_at
from handlers.meetings_views import (
    MeetingMenu,
    MenuStep,
    Rows,
    cancel_stale,
    confirm_skip,
    edit_help,
    edit_line,
    markup,
    menu_gone,
    menu_rows,
    menu_text,
    notice_cancelled,
    notice_kept,
    notice_skipped,
    version,
)
from storage.meetings import Meeting

log = logging.getLogger(__name__)


async def on_menu(update: Update, context: KindredContext) -> None:
    """Every button of the menu: unpack, find the meeting, authorise on its group, then act."""
    query = update.callback_query
    if query is None:
        return
    tr = await translator_for(update, context)
    data = MeetingMenu.unpack(query.data)
    if data is None:
        await answer_query(query, tr._("That button no longer works."), True)
        return
    meeting = await meetings(context).get(data.meeting_id)
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
    group = await services(context).groups.get(meeting.chat_id)
    occurrence = next_of(meeting, services(context).clock.now())
    text = menu_text(tr, meeting, occurrence, group.title if group else "")
    rows = menu_rows(tr, meeting)
    if data.step is MenuStep.BACK:
        await _show(update, text, rows)
    else:
        await reply(update, text, reply_markup=markup(rows))


async def _announce(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    group = await services(context).groups.get(meeting.chat_id)
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
    occurrence = next_of(meeting, services(context).clock.now())
    if occurrence is None:
        await answer_query(update.callback_query, tr._("No more meetings are planned in this series."), True)
        return
    await answer_query(update.callback_query)
    await _show(update, *confirm_skip(tr, meeting, occurrence))


async def _skip(
    update: Update, context: KindredContext, meeting: Meeting, data: MeetingMenu, tr: Translator
) -> None:
    """Skip exactly the occurrence the confirmation named, if it is still ahead."""
    start = data.occurrence_start()
    occurrence = occurrence_at(meeting, start) if start is not None else None
    if occurrence is None or occurrence.start <= services(context).clock.now():
        await answer_query(
            update.callback_query,
            tr._("That date is not one of the upcoming meetings of this series. Send /meetings to see them."),
            True,
        )
        return
    await answer_query(update.callback_query)
    await skip_occurrence(context, meeting, occurrence)
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
    await cancel_series(context, meeting)
    await _close(update, context, notice_cancelled(tr, meeting))
    if is_private(update):  # asked in the group, the edited question itself tells the group
        await tell_group_cancelled(context, meeting)


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
