"""RSVPs: the going / maybe / can't-make-it buttons with counts edited in place, the ``/start m<id>``
deep link that opens a meeting privately, and the private-reminder preference."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.domain.i18n import Translator
from bot.domain.meetings import Answer
from bot.domain.recurrence import Occurrence
from bot.runtime.edit_coalescer import Edit
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
from handlers.meeting_support import (
    bot_username,
    connect_link,
    is_group_member,
    meeting_id_from,
    meetings,
    next_of,
    occurrence_at,
    tell_promoted,
    translator_for_chat,
)
from handlers.meetings_views import (
    ANSWER_CODES,
    PrivateReminders,
    Rows,
    Rsvp,
    markup,
    meeting_card,
    rsvp_answer,
    rsvp_rows,
)
from storage.meetings import Announcement, Meeting

log = logging.getLogger(__name__)


async def on_rsvp(update: Update, context: KindredContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    tr = await translator_for(update, context)
    data = Rsvp.unpack(query.data)
    start = data.occurrence_start() if data else None
    meeting = await meetings(context).get(data.meeting_id) if data else None
    occurrence = occurrence_at(meeting, start) if meeting and start else None
    if data is None or data.answer not in ANSWER_CODES or meeting is None or occurrence is None:
        await answer_query(
            query, tr._("That button no longer works. Send /meetings to see what is planned."), True
        )
        return
    if meeting.cancelled or occurrence.start <= services(context).clock.now():
        await answer_query(query, tr._("This meeting is no longer open for answers."), True)
        return
    in_its_group = chat.id == meeting.chat_id
    if not in_its_group and (
        not is_private(update) or not await is_group_member(context, meeting.chat_id, user.id)
    ):
        await answer_query(query, tr._("Only members of the meeting's group can answer."), True)
        return
    await record_rsvp(update, context, (meeting, occurrence), ANSWER_CODES[data.answer], tr)


async def record_rsvp(
    update: Update,
    context: KindredContext,
    target: tuple[Meeting, Occurrence],
    answer: Answer,
    tr: Translator,
) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    meeting, occurrence = target
    now = services(context).clock.now()
    change = await meetings(context).rsvp(
        meeting.id, occurrence.start, user.id, answer, capacity=meeting.capacity, now=now
    )
    await answer_query(query, rsvp_answer(tr, change.answer, change.waitlisted))
    if change.previous is change.answer:
        return
    pressed = query.message if isinstance(query.message, Message) else None
    await refresh_counts(context, meeting, occurrence, pressed)
    await tell_promoted(context, meeting, occurrence, change.promoted)


async def refresh_counts(
    context: KindredContext, meeting: Meeting, occurrence: Occurrence, pressed: Message | None
) -> None:
    """Have the counts edited on the pressed message and on the group's announcements.

    The edits are handed to the coalescer (bot/runtime/edit_coalescer.py) rather than awaited: in a group
    they spend the group's budget, and the next press must not wait for them.  Each renders the
    counts when it runs, so the latest press wins."""
    targets = [
        (a.chat_id, a.message_id) for a in await meetings(context).announcements(meeting.id, occurrence.start)
    ]
    pressed_key = (pressed.chat_id, pressed.message_id) if pressed is not None else None
    if pressed_key is not None and pressed_key not in targets:
        targets.append(pressed_key)
    for chat_id, message_id in targets:
        counts = CountsEdit(context, meeting, occurrence, chat_id, message_id)
        shown = (
            _current_rows(pressed) if pressed is not None and (chat_id, message_id) == pressed_key else None
        )
        services(context).edits.submit(chat_id, message_id, Edit(counts.render, counts.show, shown))


@dataclass(frozen=True)
class CountsEdit:
    """One occurrence's counts on one message: rendered when the edit runs, then shown."""

    context: KindredContext
    meeting: Meeting
    occurrence: Occurrence
    chat_id: int
    message_id: int

    async def render(self) -> Rows:
        counts = await meetings(self.context).counts(self.meeting.id, self.occurrence.start)
        tr = await translator_for_chat(self.context, self.chat_id)
        connect = await connect_link(self.context, self.chat_id)
        return rsvp_rows(tr, self.meeting, self.occurrence, counts, connect=connect)

    async def show(self, rows: Rows) -> bool:
        """Edit the buttons; an announcement also remembers what it shows (never a no-op edit)."""
        repo = meetings(self.context)
        announced = await repo.announcements(self.meeting.id, self.occurrence.start)
        here = next(
            (a for a in announced if (a.chat_id, a.message_id) == (self.chat_id, self.message_id)), None
        )
        if here is not None and here.rendered == repr(rows):
            return True
        if not await _edit_markup(self.context, self.chat_id, self.message_id, rows):
            return False
        if here is not None:
            await repo.set_rendered(self.meeting.id, self.occurrence.start, here, repr(rows))
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
        repo = meetings(self.context)
        meeting = await repo.get(self.meeting_id)
        if meeting is None or meeting.cancelled:
            return None
        tr = await translator_for_chat(self.context, self.chat_id)
        counts = await repo.counts(meeting.id, self.occurrence.start)
        connect = await connect_link(self.context, self.chat_id)
        rows = rsvp_rows(tr, meeting, self.occurrence, counts, connect=connect)
        return meeting_card(tr, meeting, self.occurrence, await bot_username(self.context)), rows

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
        await meetings(self.context).set_rendered(
            self.meeting_id, self.occurrence.start, announcement, repr(rows)
        )
        return True


async def refresh_cards(context: KindredContext, meeting: Meeting) -> None:
    """Re-render every announcement of the series' upcoming occurrences (its seats changed)."""
    repo, now = meetings(context), services(context).clock.now()
    for start, announcement in await repo.announced_since(meeting.id, now):
        occurrence = occurrence_at(meeting, start)
        if occurrence is None:
            continue
        card = CardEdit(context, meeting.id, occurrence, announcement.chat_id, announcement.message_id)
        services(context).edits.submit(
            announcement.chat_id, announcement.message_id, Edit(card.render, card.show)
        )


def _current_rows(message: Message) -> Rows:
    """The pressed message's buttons in the shape :func:`rsvp_rows` renders (URL buttons too)."""
    keyboard = message.reply_markup.inline_keyboard if message.reply_markup else ()
    return [
        [
            {"text": button.text, "url": button.url}
            if button.url
            else {"text": button.text, "callback_data": button.callback_data or ""}
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
    meeting = await meetings(context).get(meeting_id) if meeting_id is not None else None
    occurrence = next_of(meeting, services(context).clock.now()) if meeting else None
    if (
        user is None
        or meeting is None
        or occurrence is None
        or not await is_group_member(context, meeting.chat_id, user.id)
    ):
        await reply(
            update,
            tr._("I couldn't find that meeting, or it is over. Send /meetings to see what is planned."),
        )
        raise ApplicationHandlerStop
    counts = await meetings(context).counts(meeting.id, occurrence.start)
    group = await services(context).groups.get(meeting.chat_id)
    header = escape(group.title) if group else ""
    await reply(
        update,
        meeting_card(tr, meeting, occurrence, await bot_username(context), header=header),
        reply_markup=markup(rsvp_rows(tr, meeting, occurrence, counts)),
    )
    raise ApplicationHandlerStop


async def reminders_private(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    choice = (context.args or [""])[0].casefold()
    repo = meetings(context)
    if choice in ("on", "off"):
        await repo.set_private_reminders(user.id, choice == "on")
    allowed = await repo.private_reminders(user.id)
    await reply(update, render_private_setting(tr, allowed))


def render_private_setting(tr: Translator, allowed: bool) -> str:
    if allowed:
        return tr._(
            "Private reminders are on for meetings you answer going or maybe. "
            "/reminders_private off turns them off."
        )
    return tr._("Private reminders are off. /reminders_private on turns them back on.")


async def on_private_reminders_button(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    data = PrivateReminders.unpack(query.data)
    if data is None or data.allowed not in (0, 1):
        await answer_query(query, tr._("That button no longer works."), True)
        return
    await meetings(context).set_private_reminders(user.id, bool(data.allowed))
    await answer_query(query, render_private_setting(tr, bool(data.allowed)), True)
