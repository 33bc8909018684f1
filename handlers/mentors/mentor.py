"""Peer mentoring, the mentor's side: /mentor (volunteer, or see the profile), pausing, resuming
and retiring, editing the profile, and answering a proposal (the first half of consent)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from bot.domain.i18n import N_
from bot.domain.mentors import Draft
from bot.usecases import mentoring
from bot.usecases.mentoring import Answered, OpenQuestion
from handlers.common import KindredContext, answer_query, reply, services, translator_for
from handlers.mentors.draft import start_draft
from handlers.mentors.letters import letters, message_of, safe_edit, stale_button
from handlers.mentors.views import Answer, ProfileAction, render_profile

STATUS_TEXTS = {
    "pause": N_("Paused. I will not propose new members to you; /mentor resumes. Current mentees keep you."),
    "resume": N_("Welcome back! You can receive new proposals again."),
    "retire": N_(
        "You have retired as a mentor. Thank you for everything you gave. Current mentees keep you "
        "until one of you sends /endmatch; /mentor signs you up again."
    ),
}


async def mentor_command(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    entry = await mentoring.mentor_entry(services(context), user.id)
    if entry.profile is not None:
        tr = await translator_for(update, context)
        text, markup = render_profile(tr, entry.profile, entry.mentees)
        await reply(update, text, reply_markup=markup)
        return ConversationHandler.END
    intro = N_(
        "Thank you for offering to walk beside someone. 🌱 A few questions (about two minutes); "
        "/cancel stops at any time and nothing is saved until you confirm."
    )
    return await start_draft(update, context, entry.draft or Draft(kind="mentor"), intro)


async def edit_profile(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    await answer_query(update.callback_query)
    draft = await mentoring.profile_draft(services(context), user.id) if user else None
    if draft is None:
        return ConversationHandler.END
    intro = N_("Let's update your profile. “Keep my current answer” or Done keeps what you had.")
    return await start_draft(update, context, draft, intro)


async def on_profile_action(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    action = ProfileAction.unpack(query.data if query else None)
    if query is None or user is None or action is None:
        await stale_button(update, context)
        return
    if not await mentoring.may_change_status(services(context), user.id, action.action):
        await stale_button(update, context)
        return
    await answer_query(query)
    await mentoring.change_status(services(context), letters(context), user.id, action.action)
    tr = await translator_for(update, context)
    await safe_edit(message_of(update), tr._(STATUS_TEXTS[action.action]))


async def on_answer(update: Update, context: KindredContext) -> None:
    """The mentor's half of consent: accept (the member decides next) or decline."""
    query, user = update.callback_query, update.effective_user
    answer = Answer.unpack(query.data if query else None)
    if query is None or user is None or answer is None:
        await stale_button(update, context)
        return
    question = await mentoring.mentors_question(
        services(context), letters(context), user.id, answer.proposal_id, answer.choice
    )
    if question is Answered.STALE:
        await stale_button(update, context)
        return
    tr = await translator_for(update, context)
    if not isinstance(question, OpenQuestion):
        await answer_query(query, tr._("This request is no longer waiting for you."), alert=True)
        return
    await answer_query(query)
    outcome = await mentoring.answer(services(context), letters(context), question)
    if outcome is Answered.ACCEPTED:
        text = tr._(
            "✅ You accepted, thank you. The member now sees a summary of you without your "
            "name; once they accept too, I will send you both each other's details."
        )
        await safe_edit(message_of(update), text)
    elif outcome is Answered.DECLINED:
        text = tr._(
            "Thank you for saying so. I will ask someone else; the member will not know who declined."
        )
        await safe_edit(message_of(update), text)
