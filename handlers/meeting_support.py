"""What the meetings handlers share: the repository, finding occurrences, announcing a meeting,
the membership test, and telling people privately through the outbox."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from telegram import Message, Update
from telegram.error import Forbidden, TelegramError

from bot.domain.i18n import Translator, resolve_language, translator
from bot.domain.recurrence import Occurrence, next_occurrence, occurrences
from handlers.common import KindredContext, services
from handlers.meetings_views import Connect, Rsvp, markup, meeting_card, notice_promoted, rsvp_rows
from storage.groups import Group
from storage.meetings import Meeting, MeetingRepository
from storage.outbox import Delivery

log = logging.getLogger(__name__)

NOTICE_KIND = "meeting_notice"

MEMBER_STATUSES = {"creator", "administrator", "member", "restricted"}
_MEETING_ID = re.compile(r"^(?:#|m)?([0-9]{1,12})$")


def meeting_id_from(text: str) -> int | None:
    """``12``, ``#12`` or ``m12`` (the deep-link payload) -> 12; anything else -> None.

    ASCII digits only and at most 12 of them: ``"²".isdigit()`` is true but ``int("²")`` fails, and
    a 30-digit number would overflow SQLite's INTEGER.
    """
    match = _MEETING_ID.match(text.strip())
    return int(match.group(1)) if match else None


def meetings(context: Any) -> MeetingRepository:
    """The repository, from a handler's context or from the application."""
    bot_data = context.bot_data
    return bot_data.services.repos.meetings


def occurrence_at(meeting: Meeting, start: datetime) -> Occurrence | None:
    """The series' occurrence starting exactly at *start*, if the series (still) has one."""
    found = occurrences(meeting.schedule, start, start + timedelta(minutes=1))
    return found[0] if found and found[0].start == start else None


def next_of(meeting: Meeting, now: datetime) -> Occurrence | None:
    return None if meeting.cancelled else next_occurrence(meeting.schedule, now)


async def bot_username(context: KindredContext) -> str:
    return context.bot.username


async def announce(context: KindredContext, meeting: Meeting, group: Group) -> Message | None:
    occurrence = next_of(meeting, services(context).clock.now())
    if occurrence is None:
        return None
    tr = translator(group.language)
    counts = await meetings(context).counts(meeting.id, occurrence.start)
    rows = rsvp_rows(tr, meeting, occurrence, counts, connect=await connect_link(context, group.chat_id))
    text = meeting_card(tr, meeting, occurrence, await bot_username(context))
    try:
        message = await context.bot.send_message(group.chat_id, text, reply_markup=markup(rows))
    except Forbidden:
        log.info("Could not announce meeting %d: the bot cannot write to its group", meeting.id)
        return None
    await meetings(context).add_announcement(
        meeting.id, occurrence.start, group.chat_id, message.message_id, repr(rows)
    )
    return message


async def connect_link(context: KindredContext, chat_id: int) -> str | None:
    """The "Connect privately" link for a meeting message in a group; None in a private chat."""
    if chat_id > 0:
        return None
    return Connect(chat_id).link(await bot_username(context))


async def is_group_member(context: KindredContext, chat_id: int, user_id: int) -> bool:
    """Known as a member, or Telegram says so (people who joined before the bot never showed up)."""
    if user_id in await services(context).groups.member_ids(chat_id):
        return True
    return await confirm_membership(context, chat_id, user_id)


async def confirm_membership(context: KindredContext, chat_id: int, user_id: int) -> bool:
    """Ask Telegram (getChatMember) whether the person is in the group; if so, remember it.

    In privacy mode the bot never hears of members who stay quiet, so their private /meetings
    would stay empty; once Telegram confirms them, they are members like any other."""
    svc = services(context)
    group = await svc.groups.get(chat_id)
    if group is None or not group.active:
        return False
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    if member.status not in MEMBER_STATUSES:
        return False
    await svc.groups.add_member(chat_id, user_id, svc.clock.now())
    svc.seen.remember_membership(chat_id, user_id)
    return True


async def translator_for_chat(context: KindredContext, chat_id: int) -> Translator:
    svc = services(context)
    group = await svc.groups.get(chat_id)
    if group is not None:
        return translator(group.language)
    person = await svc.people.get(chat_id)
    if person is None:
        return translator("en")
    return translator(person.language or resolve_language(person.telegram_language))


async def notify(context: KindredContext, key: str, user_ids: Any, render: Any) -> None:
    """Tell people privately, through the outbox (durable, paced, never twice for one *key*)."""
    deliveries = []
    for user_id in user_ids:
        person = await services(context).people.get(user_id)
        if person is None or not person.private_chat or not person.reachable:
            continue
        tr = await translator_for_chat(context, user_id)
        deliveries.append(Delivery(f"{key}:{user_id}", user_id, render(tr), NOTICE_KIND))
    if deliveries:
        await services(context).outbox.enqueue(deliveries)


async def tell_promoted(
    context: KindredContext, meeting: Meeting, occurrence: Occurrence, promoted: tuple[int, ...]
) -> None:
    if not promoted:
        return
    minutes = Rsvp.occurrence_minutes(occurrence.start)
    await notify(
        context,
        f"meeting:{meeting.id}:promoted:{minutes}",
        promoted,
        lambda tr: notice_promoted(tr, meeting, occurrence),
    )


def command_text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message else ""


def render_syntax_short(tr: Translator) -> str:
    return tr._("Send /help in a private chat with me for the full syntax.")
