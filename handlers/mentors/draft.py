"""Peer mentoring: the guided questions of /mentor and /findmentor, from the first step to saving.

Choices are buttons (toggles for focus areas, languages and the week's availability grid); time
in recovery, extra language codes, a time zone not offered, gender and the intro are typed.  Each
step is validated where it is answered (the rules are in :mod:`bot.domain.mentor_draft`): bad
input gets a kind message saying what is accepted, and the draft keeps everything entered so far.
Nothing is stored until the person confirms (:mod:`bot.usecases.mentoring`).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from bot.domain.i18n import Translator
from bot.domain.mentor_draft import FIELD_STEP, TYPED, apply_pick
from bot.domain.mentors import Draft
from bot.usecases import mentoring
from bot.usecases.mentoring import PROPOSAL_HOURS, RequestOutcome
from handlers.common import KindredContext, answer_query, reply, services, translator_for, user_data
from handlers.mentors.letters import STALE, letters, message_of, safe_edit
from handlers.mentors.views import Pick, render_prompt

DRAFT = 0  # the conversation state while a draft is being filled in
DRAFT_KEY = "mentor_draft"


async def start_draft(update: Update, context: KindredContext, draft: Draft, intro: str) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    draft.zone_choices = await mentoring.zone_choices(services(context), user.id, draft.timezone)
    user_data(context)[DRAFT_KEY] = draft
    tr = await translator_for(update, context)
    await reply(update, tr._(intro))
    await send_prompt(update, tr, draft)
    return DRAFT


async def send_prompt(update: Update, tr: Translator, draft: Draft) -> None:
    text, markup = render_prompt(tr, draft)
    await reply(update, text, reply_markup=markup)


async def on_pick(update: Update, context: KindredContext) -> int:
    query = update.callback_query
    pick = Pick.unpack(query.data if query else None)
    draft = user_data(context).get(DRAFT_KEY)
    tr = await translator_for(update, context)
    if (
        query is None
        or pick is None
        or not isinstance(draft, Draft)
        or FIELD_STEP.get(pick.field) != draft.step
    ):
        await answer_query(query, tr._(STALE), alert=True)
        return DRAFT
    if pick.field == "confirm":
        await answer_query(query)
        return await confirm(update, context, draft, pick.value == "save")
    try:
        complaint = apply_pick(draft, pick.field, pick.value)
    except (ValueError, KeyError, IndexError):
        await answer_query(query, tr._(STALE), alert=True)
        return DRAFT
    if complaint:
        await answer_query(query, tr._(complaint), alert=True)
        return DRAFT
    await answer_query(query)
    if complaint is None:
        draft.advance()
    text, markup = render_prompt(tr, draft)
    await safe_edit(message_of(update), text, markup)
    return DRAFT


async def on_draft_text(update: Update, context: KindredContext) -> int:
    draft = user_data(context).get(DRAFT_KEY)
    message = update.effective_message
    if not isinstance(draft, Draft) or message is None or message.text is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    handler = TYPED.get(draft.step)
    if handler is None:
        await reply(update, tr._("Please use the buttons above, or /cancel to stop."))
        return DRAFT
    complaint = handler(draft, message.text, services(context).clock.now().date())
    if complaint:
        await reply(update, tr._(complaint))
        return DRAFT
    if complaint is None:
        draft.advance()
    await send_prompt(update, tr, draft)
    return DRAFT


# -- confirming --


async def confirm(update: Update, context: KindredContext, draft: Draft, save: bool) -> int:
    tr = await translator_for(update, context)
    user_data(context).pop(DRAFT_KEY, None)
    user = update.effective_user
    if not save:
        await safe_edit(message_of(update), tr._("Cancelled; nothing was saved."))
        return ConversationHandler.END
    if user is None:
        return ConversationHandler.END
    if draft.kind == "mentor":
        if await mentoring.save_profile(services(context), user.id, draft):
            text = tr._(
                "Thank you! 🌱 Your mentor profile is saved. When a member could use your support, I will "
                "send you an anonymous summary to accept or decline. "
                "/mentor shows, edits or pauses your profile."
            )
            await safe_edit(message_of(update), text)
        return ConversationHandler.END
    outcome = await mentoring.request_mentor(services(context), letters(context), user.id, draft)
    if outcome is RequestOutcome.PROPOSED:
        text = tr._(
            "Thank you. 🌱 I have asked a peer mentor who fits what you told me. They have up to "
            "{hours} hours to answer; I will write as soon as they do."
        ).format(hours=PROPOSAL_HOURS)
        await safe_edit(message_of(update), text)
    elif outcome is RequestOutcome.WAITING_LIST:
        text = tr._(
            "Thank you. 🌱 Nobody who fits is free right now, so your request is on the waiting list. "
            "A coordinator will help, and I will write as soon as a mentor accepts."
        )
        await safe_edit(message_of(update), text)
    return ConversationHandler.END
