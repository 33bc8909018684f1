"""The roll call in the group ("I'm here"), and facilitators marking and correcting attendance
(/attendance): parse, authorise, call :mod:`bot.usecases.attendance`, render.

The use case decides when a roll call opens and closes; :class:`TelegramRollCalls` words and
sends the group's message when it does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.domain.i18n import Translator, translator
from bot.domain.roles import Action
from bot.runtime.edit_coalescer import Edit
from bot.runtime.services import Services
from bot.usecases import attendance as usecase
from bot.usecases.attendance import Occurrence
from bot.usecases.readers import group_language
from handlers.attendance import reports
from handlers.attendance.views import (
    CHECK_IN_ANSWERS,
    Here,
    OpenRollCall,
    PickGroup,
    PickOccurrence,
    Toggle,
    groups_keyboard,
    occurrences_keyboard,
    panel_keyboard,
    render_closed,
    render_occurrence_list,
    render_panel,
    render_roll_call,
    roll_call_keyboard,
)
from handlers.common import (
    KindredContext,
    answer_query,
    edit_in_place,
    is_private,
    reply,
    require,
    services,
    stale_button,
    translator_for,
)
from storage.attendance import CheckIn, RollCall
from storage.meetings import Meeting

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TelegramRollCalls:
    """The group's roll-call message (bot.usecases.attendance.RollCallMessages), in the group's
    language."""

    bot: Bot
    svc: Services

    async def post(self, meeting: Meeting, roll_call: RollCall, closes: datetime) -> int | None:
        tr = translator(await group_language(self.svc, meeting.chat_id))
        zone = meeting.series.schedule.time_zone
        try:
            message = await self.bot.send_message(
                meeting.chat_id,
                render_roll_call(tr, meeting.series.title, roll_call.start, zone, closes),
                reply_markup=roll_call_keyboard(tr, meeting.id, roll_call.start),
            )
        except TelegramError as error:
            log.warning("Could not post the roll call for meeting %d: %s", meeting.id, type(error).__name__)
            return None
        return message.message_id

    async def close(self, meeting: Meeting, roll_call: RollCall, present: int) -> None:
        if roll_call.message_id is None:
            return
        tr = translator(await group_language(self.svc, roll_call.chat_id))
        zone = meeting.series.schedule.time_zone
        text = render_closed(tr, meeting.series.title, roll_call.start, zone, present)
        try:
            await self.bot.edit_message_text(text, chat_id=roll_call.chat_id, message_id=roll_call.message_id)
        except (BadRequest, Forbidden):
            log.info("Could not close the roll-call message of meeting %d", meeting.id)


# -- the button --


async def on_here(update: Update, context: KindredContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    data = Here.unpack(query.data)
    if data is None or chat is None:
        await answer_query(query, tr._(CHECK_IN_ANSWERS[CheckIn.UNKNOWN]), alert=True)
        return
    outcome = await usecase.check_in(services(context), data.meeting_id, data.start, chat.id, user.id)
    await answer_query(query, tr._(CHECK_IN_ANSWERS[outcome]), alert=outcome is not CheckIn.RECORDED)


# -- facilitators: /attendance --


async def attendance_command(update: Update, context: KindredContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if not is_private(update):
        if await require(update, context, Action.TAKE_ATTENDANCE, chat.id):
            await show_occurrences(update, context, chat.id)
        return
    groups = await usecase.allowed_groups(services(context), user.id, Action.TAKE_ATTENDANCE)
    tr = await translator_for(update, context)
    if not groups:
        await reply(
            update,
            tr._("Only a group's facilitators (its Telegram admins) and coordinators take attendance."),
        )
        return
    await reply(update, tr._("Which group?"), reply_markup=groups_keyboard(tr, groups, "mark"))


async def show_occurrences(update: Update, context: KindredContext, chat_id: int, edit: bool = False) -> None:
    """The group's occurrences from the last 7 days (and one about to start), newest first."""
    recent = await usecase.recent_occurrences(services(context), chat_id)
    tr = await translator_for(update, context)
    text = render_occurrence_list(tr, recent.group_title, recent.choices)
    keyboard = occurrences_keyboard(tr, recent.choices)
    if edit and update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=keyboard)
    else:
        await reply(update, text, reply_markup=keyboard)


async def on_pick_group(update: Update, context: KindredContext) -> None:
    query = update.callback_query
    data = PickGroup.unpack(query.data if query else None)
    if data is None or data.purpose not in ("mark", "report"):
        await stale(update, context)
        return
    if data.purpose == "report":
        await reports.on_report_group(update, context, data.chat_id)
        return
    if not await require(update, context, Action.TAKE_ATTENDANCE, data.chat_id):
        return
    await answer_query(query)
    await show_occurrences(update, context, data.chat_id, edit=True)


async def checked_occurrence(
    update: Update, context: KindredContext, meeting_id: int, start_stamp: int
) -> Occurrence | None:
    """The meeting and occurrence a facilitator's button names, if real, allowed and recent."""
    svc = services(context)
    occurrence = await usecase.named_occurrence(svc, meeting_id, start_stamp)
    if occurrence is None:
        await stale(update, context)
        return None
    if not await require(update, context, Action.TAKE_ATTENDANCE, occurrence.meeting.chat_id):
        return None
    if not await usecase.still_correctable(svc, occurrence):
        tr = await translator_for(update, context)
        await answer_query(
            update.callback_query, tr._("Attendance can be changed for 7 days after a meeting only."), True
        )
        return None
    return occurrence


async def on_pick_occurrence(update: Update, context: KindredContext) -> None:
    data = PickOccurrence.unpack(update.callback_query.data if update.callback_query else None)
    if data is None:
        await stale(update, context)
        return
    found = await checked_occurrence(update, context, data.meeting_id, data.start)
    if found is not None:
        await answer_query(update.callback_query)
        await show_panel(update, context, found)


async def on_toggle(update: Update, context: KindredContext) -> None:
    data = Toggle.unpack(update.callback_query.data if update.callback_query else None)
    user = update.effective_user
    if data is None or user is None:
        await stale(update, context)
        return
    found = await checked_occurrence(update, context, data.meeting_id, data.start)
    if found is None:
        return
    if not await usecase.toggle_mark(services(context), found, data.user_id, user.id):
        await stale(update, context)
        return
    await answer_query(update.callback_query)
    await show_panel(update, context, found)


async def on_open(update: Update, context: KindredContext) -> None:
    data = OpenRollCall.unpack(update.callback_query.data if update.callback_query else None)
    if data is None:
        await stale(update, context)
        return
    found = await checked_occurrence(update, context, data.meeting_id, data.start)
    if found is None:
        return
    tr = await translator_for(update, context)
    posted = await usecase.open_by_hand(
        services(context), found, TelegramRollCalls(context.bot, services(context))
    )
    await answer_query(
        update.callback_query,
        tr._("The “I'm here” button is in the group.") if posted else tr._("It was already posted."),
    )
    await show_panel(update, context, found)


async def show_panel(update: Update, context: KindredContext, occurrence: Occurrence) -> None:
    """Have the pressed message show the occurrence's marking panel.

    Through the edit coalescer (bot/runtime/edit_coalescer.py): in a group each edit spends the group's
    budget, and a facilitator's next tap must not wait for the last one's edit."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    tr = await translator_for(update, context)
    chat_id, message_id = query.message.chat.id, query.message.message_id
    panel = Panel(context, tr, occurrence, chat_id, message_id)
    services(context).edits.submit(chat_id, message_id, Edit(panel.render, panel.show))


@dataclass(frozen=True)
class Panel:
    """One occurrence's marking panel on one message: rendered when the edit runs, then shown."""

    context: KindredContext
    tr: Translator
    occurrence: Occurrence
    chat_id: int
    message_id: int

    async def render(self) -> tuple[str, InlineKeyboardMarkup | None]:
        meeting, start = self.occurrence.meeting, self.occurrence.start
        state = await usecase.panel_state(services(self.context), self.occurrence)
        zone = meeting.series.schedule.time_zone
        text = render_panel(self.tr, meeting.series.title, start, zone, state.marks)
        return text, panel_keyboard(
            self.tr, meeting.id, start, state.members, state.marks, can_open=state.can_open
        )

    async def show(self, content: tuple[str, InlineKeyboardMarkup | None]) -> bool:
        return await edit_in_place(
            self.context, (self.chat_id, self.message_id), content, what="an attendance panel"
        )


stale = stale_button()  # a roll call's old button: the shared words say all there is
