"""Peer mentoring: how Kindred writes to the other person, and the small Telegram helpers shared by
the mentor's, the member's and the coordinators' handlers.

:class:`TelegramLetters` is the handlers' side of :class:`bot.usecases.mentoring.MentoringLetters`:
the use cases decide who is told what (a :class:`Notice`, a :class:`Closing`, a question, an
introduction); this module words it in the reader's own language and sends it.  It needs only the
bot and the services, so a button press and the expiry job (which has no update) share it.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.mentors import MentorSummary, RequestRecord
from bot.runtime.context import KindredBot
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases import registration
from bot.usecases.mentoring import Closing, Notice
from handlers.common import KindredContext, services
from handlers.common import stale_button as common_stale_button
from handlers.mentors.views import (
    consent_buttons,
    contact_markup,
    proposal_buttons,
    render_ended_for_other,
    render_match_for_member,
    render_match_for_mentor,
    render_mentor_summary,
    render_proposal,
)
from storage.mentors import MatchRecord, Proposal
from storage.people import Person

log = logging.getLogger(__name__)

STALE = N_("That button no longer works. Please start again with the command.")
NOT_GOING_AHEAD = N_(
    "🌿 The match you accepted did not go ahead. Thank you for offering; your place is free for "
    "another member."
)
NOTICES = {
    Notice.NOT_GOING_AHEAD: NOT_GOING_AHEAD,
    Notice.MENTOR_GONE: N_("That mentor is no longer available, so I am looking for someone else for you."),
    Notice.STILL_LOOKING: N_(
        "I am still looking for the right mentor for you. Your request stays on the waiting list, "
        "and a coordinator will help. Thank you for your patience. 🌱"
    ),
    Notice.MEMBER_TOO_LATE: N_(
        "I did not hear from you in time, so I am asking another mentor. No worries: the "
        "first one will not learn who you are."
    ),
    Notice.PARTNER_LEFT: N_(
        "🌿 Your mentoring match has ended: the other person has left mentoring. Thank you for "
        "the time you shared. /findmentor or /mentor whenever you are ready."
    ),
}
CLOSINGS = {
    Closing.MEMBER_WITHDREW: N_("The member withdrew this request. Thank you anyway."),
    Closing.EXPIRED: N_("Nobody answered this request in time, so I passed it on. No worries."),
    Closing.NOT_GOING_AHEAD: NOT_GOING_AHEAD,
}


class TelegramLetters:
    """Mentoring's messages to people other than the one pressing, sent privately."""

    def __init__(self, bot: KindredBot, svc: Services) -> None:
        self._bot = bot
        self._svc = svc

    async def tr_for(self, user_id: int) -> Translator:
        person = await self._svc.people.get(user_id)
        if person is None:
            return translator("en")
        return translator(person.language or resolve_language(person.telegram_language))

    async def send(
        self, user_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> Message | None:
        """Write to a person privately; a blocked bot marks them unreachable instead of failing."""
        try:
            return await self._bot.send_message(user_id, text, reply_markup=markup)
        except Forbidden:
            log.info("Cannot write to %s; marking unreachable", log_id(user_id))
            await registration.mark_unreachable(self._svc, user_id)
            return None

    async def ask_mentor(
        self, mentor_id: int, request: RequestRecord, proposal_id: int, hours: int
    ) -> int | None:
        tr = await self.tr_for(mentor_id)
        message = await self.send(
            mentor_id, render_proposal(tr, request, hours), proposal_buttons(tr, proposal_id)
        )
        return None if message is None else message.message_id

    async def ask_member(self, member_id: int, summary: MentorSummary, proposal_id: int, hours: int) -> bool:
        tr = await self.tr_for(member_id)
        sent = await self.send(
            member_id, render_mentor_summary(tr, summary, hours), consent_buttons(tr, proposal_id)
        )
        return sent is not None

    async def close_question(self, proposal: Proposal, closing: Closing) -> None:
        """Replace the mentor's Accept/Decline question with a line saying how it ended."""
        if proposal.mentor_message_id is None:
            return
        tr = await self.tr_for(proposal.mentor_id)
        try:
            await self._bot.edit_message_text(
                tr._(CLOSINGS[closing]), chat_id=proposal.mentor_id, message_id=proposal.mentor_message_id
            )
        except (BadRequest, Forbidden):
            log.debug("Could not close a proposal message", exc_info=True)

    async def tell(self, user_id: int, notice: Notice) -> None:
        tr = await self.tr_for(user_id)
        await self.send(user_id, tr._(NOTICES[notice]))

    async def introduce_member(self, match: MatchRecord, mentor: Person, intro: str) -> None:
        tr = await self.tr_for(match.member_id)
        await self.send(
            match.member_id,
            render_match_for_member(tr, mentor.first_name, intro, mentor.username),
            contact_markup(tr, mentor.first_name, mentor.username, match.match_id),
        )

    async def introduce_mentor(self, match: MatchRecord, member: Person) -> None:
        tr = await self.tr_for(match.mentor_id)
        await self.send(
            match.mentor_id,
            render_match_for_mentor(tr, member.first_name, member.username),
            contact_markup(tr, member.first_name, member.username, match.match_id),
        )

    async def tell_ended(self, user_id: int, ended_by_name: str, *, ended_by_mentor: bool) -> None:
        tr = await self.tr_for(user_id)
        await self.send(user_id, render_ended_for_other(tr, ended_by_name, other_was_mentor=ended_by_mentor))


def letters(context: KindredContext) -> TelegramLetters:
    return TelegramLetters(context.application.bot, services(context))


stale_button = common_stale_button(STALE)


def message_of(update: Update) -> Message | None:
    """The message a pressed button sits on (None when Telegram no longer has it)."""
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None


async def safe_edit(message: Message | None, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    if message is None:
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
    except TelegramError:
        log.debug("Could not edit a message", exc_info=True)


async def safe_edit_markup(message: Message | None) -> None:
    """Take the buttons off a finished question (a stale press); already gone is fine."""
    if message is None or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError:
        log.debug("Could not remove a message's buttons", exc_info=True)
