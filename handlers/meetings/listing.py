"""What is planned: ``/meetings`` (with a ⚙️ menu per meeting for facilitators, in private),
``/calendar`` (an .ics file), and ``/start g<group>``, the "Connect privately" link that lets a
quiet member of a group see its meetings privately."""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.ext import ApplicationHandlerStop

from bot.usecases import meetings as uc
from handlers.common import KindredContext, is_private, reply, services, translator_for
from handlers.meetings.rsvp import confirm_membership
from handlers.meetings.views import (
    Connect,
    connected,
    manage_rows,
    markup,
    meeting_list,
    missing_group_hint,
    not_connected,
    not_connected_help,
)
from storage.groups import Group

log = logging.getLogger(__name__)


async def _groups_in_view(update: Update, context: KindredContext) -> list[Group]:
    """The group this chat is, or in private every group the caller belongs to."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return []
    return await uc.groups_in_view(services(context), chat.id, user.id, is_private(update))


async def list_meetings(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    groups = await _groups_in_view(update, context)
    if not groups and is_private(update):
        await reply(update, not_connected_help(tr))
        return
    svc = services(context)
    entries = await uc.upcoming(svc, groups, with_titles=is_private(update))
    user = update.effective_user
    manage = (  # only in private: a group's list is seen by everyone
        await uc.manageable(svc, user.id, [entry.meeting for entry in entries])
        if user is not None and is_private(update)
        else []
    )
    text = meeting_list(
        tr,
        [(e.meeting, e.occurrence, e.counts, e.group_title) for e in entries],
        context.bot.username,
    )
    if is_private(update):
        text += "\n\n" + missing_group_hint(tr)
    await reply(update, text, reply_markup=markup(manage_rows(tr, manage)))


async def connect(update: Update, context: KindredContext) -> None:
    """``/start g<chat id>`` from a meeting's "Connect privately" button: once Telegram confirms
    the person is in that group, remember them as a member and show their meetings.

    The payload is not secret (see ``Connect``): forged, it names a group the person is not in,
    and they get the same kind refusal as for an unknown group, which names no group."""
    user = update.effective_user
    target = Connect.from_payload((context.args or [""])[0])
    tr = await translator_for(update, context)
    if user is None or target is None or not await confirm_membership(context, target.chat_id, user.id):
        await reply(update, not_connected(tr))
        raise ApplicationHandlerStop
    group = await uc.group_of(services(context), target.chat_id)
    log.info("A member connected privately through a group's meeting message")
    await reply(update, connected(tr, group.title if group else ""))
    await list_meetings(update, context)
    raise ApplicationHandlerStop


async def calendar(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    groups = await _groups_in_view(update, context)
    if not groups and is_private(update):
        await reply(update, not_connected_help(tr))
        return
    data = await uc.calendar_file(services(context), groups)
    if data is None:
        await reply(update, tr._("No meetings are planned yet."))
        return
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            InputFile(data, filename="meetings.ics"),
            caption=tr._("Open this file to add the meetings to your calendar."),
        )
