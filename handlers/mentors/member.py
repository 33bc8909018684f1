"""Peer mentoring, the member's side: /findmentor, withdrawing a request, and answering the mentor
who said yes (the second half of consent)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.domain.i18n import N_
from bot.domain.mentors import Draft
from bot.usecases import mentoring
from bot.usecases.mentoring import Answered, OpenQuestion, RequestState
from handlers.common import KindredContext, answer_query, reply, services, translator_for
from handlers.mentors.draft import start_draft
from handlers.mentors.letters import letters, message_of, safe_edit, safe_edit_markup, stale_button
from handlers.mentors.views import Consent, Withdraw

FINISHED = N_("This is finished: it was already answered, or its time ran out. Nothing more to do here.")


async def findmentor_command(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    entry = await mentoring.findmentor_entry(services(context), user.id)
    if entry.state is RequestState.HAS_MENTOR:
        await reply(update, tr._("You already have a peer mentor. To end that match, send /endmatch."))
        return ConversationHandler.END
    if entry.request_id is not None:
        button = InlineKeyboardButton(
            tr._("Withdraw my request"), callback_data=Withdraw(entry.request_id).pack()
        )
        text = (
            tr._(
                "A mentor has said yes to your request: my message above lets you accept them or ask "
                "for someone else."
            )
            if entry.state is RequestState.MEMBER_DECIDES
            else tr._("Your request for a mentor is waiting; I will write as soon as someone accepts.")
        )
        await reply(update, text, reply_markup=InlineKeyboardMarkup([[button]]))
        return ConversationHandler.END
    intro = N_(
        "Let's find you a peer mentor: someone further along in recovery who has offered to listen. "
        "🌱 Nobody sees your name until you and a mentor have both accepted. /cancel stops at any time."
    )
    return await start_draft(update, context, Draft(kind="request"), intro)


async def on_withdraw(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    choice = Withdraw.unpack(query.data if query else None)
    if query is None or user is None or choice is None:
        await stale_button(update, context)
        return
    request = await mentoring.own_open_request(services(context), user.id, choice.request_id)
    if request is None:
        await stale_button(update, context)
        return
    await answer_query(query)
    tr = await translator_for(update, context)
    await mentoring.withdraw_request(services(context), letters(context), request)
    await safe_edit(message_of(update), tr._("Your request is withdrawn. /findmentor whenever you like."))


async def on_consent(update: Update, context: KindredContext) -> None:
    """The member's half of consent: accept the mentor who said yes, or ask for someone else."""
    query, user = update.callback_query, update.effective_user
    consent = Consent.unpack(query.data if query else None)
    if query is None or user is None or consent is None:
        await stale_button(update, context)
        return
    question = await mentoring.members_question(
        services(context), letters(context), user.id, consent.proposal_id, consent.choice
    )
    if question is Answered.STALE:
        await stale_button(update, context)
        return
    tr = await translator_for(update, context)
    if not isinstance(question, OpenQuestion):
        await answer_query(query, tr._(FINISHED), alert=True)
        await safe_edit_markup(message_of(update))
        return
    await answer_query(query)
    outcome = await mentoring.answer(services(context), letters(context), question)
    if outcome is Answered.ACCEPTED:
        await safe_edit(
            message_of(update), tr._("✅ You accepted. I have sent you both each other's details.")
        )
    elif outcome is Answered.DECLINED:
        text = tr._("All right, I will look for someone else. That mentor will not learn who you are.")
        await safe_edit(message_of(update), text)
