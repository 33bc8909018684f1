"""RSVPs and the meeting cards they live on: announcing a meeting in its group, the going / maybe /
can't-make-it buttons with counts edited in place, the membership check behind a private answer,
and the ``/start m<id>`` deep link that opens a meeting privately."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.domain.i18n import translator
from bot.domain.recurrence import Occurrence
from bot.runtime.edit_coalescer import Edit
from bot.usecases import meetings as uc
from handlers.common import (
    KindredContext,
    answer_query,
    edit_in_place,
    escape,
    is_private,
    reply,
    services,
    translator_for,
)
from handlers.meetings.views import (
    ANSWER_CODES,
    TEXTS,
    Connect,
    Rows,
    Rsvp,
    markup,
    meeting_card,
    meeting_id_from,
    rsvp_answer,
    rsvp_rows,
)
from storage.groups import Group
from storage.meetings import Announcement, Meeting

log = logging.getLogger(__name__)

MEMBER_STATUSES = {"creator", "administrator", "member", "restricted"}


# --- the card in the group --------------------------------------------------------------------


async def announce(context: KindredContext, meeting: Meeting, group: Group) -> Message | None:
    """Post the meeting's card for its next occurrence, with RSVP buttons, and remember it so the
    counts on it are edited in place."""
    svc = services(context)
    occurrence = uc.next_of(meeting, svc.clock.now())
    if occurrence is None:
        return None
    tr = translator(group.language)
    counts = await uc.counts(svc, meeting.id, occurrence.start)
    rows = rsvp_rows(tr, meeting, occurrence, counts, connect=connect_link(context, group.chat_id))
    text = meeting_card(tr, meeting, occurrence, context.bot.username)
    try:
        message = await context.bot.send_message(group.chat_id, text, reply_markup=markup(rows))
    except Forbidden:
        log.info("Could not announce meeting %d: the bot cannot write to its group", meeting.id)
        return None
    await uc.record_announcement(
        svc, meeting.id, occurrence.start, (group.chat_id, message.message_id), repr(rows)
    )
    return message


def connect_link(context: KindredContext, chat_id: int) -> str | None:
    """The "Connect privately" link for a meeting message in a group; None in a private chat."""
    if chat_id > 0:
        return None
    return Connect(chat_id).link(context.bot.username)


# --- membership -------------------------------------------------------------------------------


async def is_group_member(context: KindredContext, chat_id: int, user_id: int) -> bool:
    """Known as a member, or Telegram says so (people who joined before the bot never showed up)."""
    if await uc.known_member(services(context), chat_id, user_id):
        return True
    return await confirm_membership(context, chat_id, user_id)


async def confirm_membership(context: KindredContext, chat_id: int, user_id: int) -> bool:
    """Ask Telegram (getChatMember) whether the person is in the group; if so, remember it.

    In privacy mode the bot never hears of members who stay quiet, so their private /meetings
    would stay empty; once Telegram confirms them, they are members like any other."""
    svc = services(context)
    if await uc.active_group(svc, chat_id) is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    if member.status not in MEMBER_STATUSES:
        return False
    await uc.remember_member(svc, chat_id, user_id)
    return True


# --- answers ----------------------------------------------------------------------------------


async def on_rsvp(update: Update, context: KindredContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    tr = await translator_for(update, context)
    data = Rsvp.unpack(query.data)
    target = (
        await uc.rsvp_target(services(context), data.meeting_id, data.occurrence_start()) if data else None
    )
    meeting, occurrence = (target.meeting, target.occurrence) if target else (None, None)
    if data is None or data.answer not in ANSWER_CODES or meeting is None or occurrence is None:
        await answer_query(
            query, tr._("That button no longer works. Send /meetings to see what is planned."), True
        )
        return
    if target is None or target.openness is not uc.Openness.OPEN:
        await answer_query(query, tr._("This meeting is no longer open for answers."), True)
        return
    in_its_group = chat.id == meeting.chat_id
    if not in_its_group and (
        not is_private(update) or not await is_group_member(context, meeting.chat_id, user.id)
    ):
        await answer_query(query, tr._("Only members of the meeting's group can answer."), True)
        return
    change = await uc.rsvp(
        services(context), TEXTS, (meeting, occurrence), user.id, ANSWER_CODES[data.answer]
    )
    await answer_query(query, rsvp_answer(tr, change.answer, change.waitlisted))
    if change.previous is change.answer:
        return
    pressed = query.message if isinstance(query.message, Message) else None
    await refresh_counts(context, meeting, occurrence, pressed)


async def refresh_counts(
    context: KindredContext, meeting: Meeting, occurrence: Occurrence, pressed: Message | None
) -> None:
    """Have the counts edited on the pressed message and on the group's announcements.

    The edits are handed to the coalescer (bot/runtime/edit_coalescer.py) rather than awaited: in a group
    they spend the group's budget, and the next press must not wait for them.  Each renders the
    counts when it runs, so the latest press wins."""
    svc = services(context)
    targets = [(a.chat_id, a.message_id) for a in await uc.announcements(svc, meeting.id, occurrence.start)]
    pressed_key = (pressed.chat_id, pressed.message_id) if pressed is not None else None
    if pressed_key is not None and pressed_key not in targets:
        targets.append(pressed_key)
    for chat_id, message_id in targets:
        counts = CountsEdit(context, meeting, occurrence, chat_id, message_id)
        shown = (
            _current_rows(pressed) if pressed is not None and (chat_id, message_id) == pressed_key else None
        )
        svc.edits.submit(chat_id, message_id, Edit(counts.render, counts.show, shown))


@dataclass(frozen=True)
class CountsEdit:
    """One occurrence's counts on one message: rendered when the edit runs, then shown."""

    context: KindredContext
    meeting: Meeting
    occurrence: Occurrence
    chat_id: int
    message_id: int

    async def render(self) -> Rows:
        svc = services(self.context)
        counts = await uc.counts(svc, self.meeting.id, self.occurrence.start)
        tr = await uc.translator_for_chat(svc, self.chat_id)
        connect = connect_link(self.context, self.chat_id)
        return rsvp_rows(tr, self.meeting, self.occurrence, counts, connect=connect)

    async def show(self, rows: Rows) -> bool:
        """Edit the buttons; an announcement also remembers what it shows (never a no-op edit)."""
        svc = services(self.context)
        announced = await uc.announcements(svc, self.meeting.id, self.occurrence.start)
        here = next(
            (a for a in announced if (a.chat_id, a.message_id) == (self.chat_id, self.message_id)), None
        )
        if here is None:
            return await _edit_markup(self.context, self.chat_id, self.message_id, rows)
        if svc.leadership is not None and svc.leadership.shared:  # other processes edit it too

            async def edit(latest: Rows) -> bool:
                return await _edit_markup(self.context, self.chat_id, self.message_id, latest)

            return await uc.show_latest(
                svc, self.meeting.id, self.occurrence.start, here, render=self.render, show=edit
            )
        if here.rendered == repr(rows):
            return True
        if not await _edit_markup(self.context, self.chat_id, self.message_id, rows):
            return False
        await uc.record_rendered(svc, self.meeting.id, self.occurrence.start, here, repr(rows))
        return True


@dataclass(frozen=True)
class CardEdit:
    """An announcement's whole card, text and buttons, re-rendered when the edit runs.

    After ``/capacity`` the card's "Seats" line and its Going label (``going/seats``) are both
    out of date.  Handed to the coalescer like a count edit; if a press's count edit replaces it
    while it waits, the buttons are still right and only the "Seats" line waits for the next one."""

    context: KindredContext
    meeting_id: int
    occurrence: Occurrence
    chat_id: int
    message_id: int

    async def render(self) -> tuple[str, Rows] | None:
        svc = services(self.context)
        meeting = await uc.find_meeting(svc, self.meeting_id)
        if meeting is None or meeting.cancelled:
            return None
        tr = await uc.translator_for_chat(svc, self.chat_id)
        counts = await uc.counts(svc, meeting.id, self.occurrence.start)
        connect = connect_link(self.context, self.chat_id)
        rows = rsvp_rows(tr, meeting, self.occurrence, counts, connect=connect)
        return meeting_card(tr, meeting, self.occurrence, self.context.bot.username), rows

    async def show(self, card: tuple[str, Rows] | None) -> bool:
        if card is None:
            return False
        text, rows = card
        content = (text, markup(rows))
        if not await edit_in_place(
            self.context, (self.chat_id, self.message_id), content, what="a meeting card"
        ):
            return False
        announcement = Announcement(self.chat_id, self.message_id, "")
        await uc.record_rendered(
            services(self.context), self.meeting_id, self.occurrence.start, announcement, repr(rows)
        )
        return True


async def refresh_cards(context: KindredContext, meeting: Meeting) -> None:
    """Re-render every announcement of the series' upcoming occurrences (its seats changed)."""
    svc = services(context)
    for occurrence, announcement in await uc.announced_upcoming(svc, meeting):
        card = CardEdit(context, meeting.id, occurrence, announcement.chat_id, announcement.message_id)
        svc.edits.submit(announcement.chat_id, announcement.message_id, Edit(card.render, card.show))


def _current_rows(message: Message) -> Rows:
    """The pressed message's buttons in the shape :func:`rsvp_rows` renders (URL buttons too)."""
    keyboard = message.reply_markup.inline_keyboard if message.reply_markup else ()
    return [
        [
            {"text": button.text, "url": button.url}
            if button.url
            else {"text": button.text, "callback_data": str(button.callback_data or "")}
            for button in row
        ]
        for row in keyboard
    ]


async def _edit_markup(context: KindredContext, chat_id: int, message_id: int, rows: Rows) -> bool:
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup(rows))
    except BadRequest as error:
        log.debug("Could not update RSVP counts on a message: %s", error.message)
        return False
    except Forbidden:
        return False
    return True


async def open_meeting(update: Update, context: KindredContext) -> None:
    """``/start m<id>``: the meeting's card with RSVP buttons, privately; the generic /start stays quiet."""
    user = update.effective_user
    tr = await translator_for(update, context)
    payload = (context.args or [""])[0]
    meeting_id = meeting_id_from(payload) if payload.startswith("m") else None
    found = await uc.next_meeting(services(context), meeting_id)
    if user is None or found is None or not await is_group_member(context, found[0].chat_id, user.id):
        await reply(
            update,
            tr._("I couldn't find that meeting, or it is over. Send /meetings to see what is planned."),
        )
        raise ApplicationHandlerStop
    meeting, occurrence = found
    counts = await uc.counts(services(context), meeting.id, occurrence.start)
    group = await uc.group_of(services(context), meeting.chat_id)
    header = escape(group.title) if group else ""
    await reply(
        update,
        meeting_card(tr, meeting, occurrence, context.bot.username, header=header),
        reply_markup=markup(rsvp_rows(tr, meeting, occurrence, counts)),
    )
    raise ApplicationHandlerStop
