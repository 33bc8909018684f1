"""Peer mentoring, a match that has started: the one-message relay for people without a public
username, and /endmatch with its optional reason (read only by coordinators)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ConversationHandler

from bot.domain.mentors import REASON_MAX, RELAY_MAX, clean_text
from bot.usecases import mentoring
from handlers.common import KindredContext, answer_query, escape, reply, services, translator_for, user_data
from handlers.mentors.draft import DRAFT
from handlers.mentors.letters import letters, stale_button
from handlers.mentors.views import (
    EndChoice,
    EndPick,
    Relay,
    contact_markup,
    end_pick_markup,
    end_reason_markup,
    render_relayed,
)

log = logging.getLogger(__name__)

RELAY, END_REASON = DRAFT + 1, DRAFT + 2
RELAY_KEY, ENDING_KEY = "mentor_relay", "mentor_ending"

# -- relay for people without a username --


async def start_relay(update: Update, context: KindredContext) -> int:
    query, user = update.callback_query, update.effective_user
    choice = Relay.unpack(query.data if query else None)
    svc = services(context)
    match = await mentoring.own_active_match(svc, user.id, choice.match_id) if user and choice else None
    if match is None or user is None:
        await stale_button(update, context)
        return ConversationHandler.END
    await answer_query(query)
    user_data(context)[RELAY_KEY] = match.match_id
    tr = await translator_for(update, context)
    name = await mentoring.first_name(svc, match.other(user.id))
    await reply(
        update,
        tr._("Type your message for {name} and I will pass it on (or /cancel).").format(name=escape(name)),
    )
    return RELAY


async def on_relay_text(update: Update, context: KindredContext) -> int:
    user, message = update.effective_user, update.effective_message
    match_id = user_data(context).get(RELAY_KEY)
    target = (
        await mentoring.relay_target(services(context), user.id, match_id)
        if user is not None and isinstance(match_id, int)
        else None
    )
    tr = await translator_for(update, context)
    if user is None or message is None or target is None:
        await reply(update, tr._("That match has ended, so I cannot pass messages on."))
        return ConversationHandler.END
    text = (message.text or "").strip()
    if not text or len(text) > RELAY_MAX:
        await reply(update, tr._("Please keep it under 1000 characters; a first hello is plenty."))
        return RELAY
    post = letters(context)
    other_tr = await post.tr_for(target.recipient_id)
    relayed = render_relayed(other_tr, user.first_name, text, target.sender_username)
    markup = contact_markup(other_tr, user.first_name, target.sender_username, target.match_id)
    sent = await post.send(target.recipient_id, relayed, markup)
    user_data(context).pop(RELAY_KEY, None)
    if sent is None:
        await reply(update, tr._("I could not deliver it: they may have stopped the bot. I'm sorry."))
    else:
        await reply(update, tr._("Sent. 🌱"))
    log.info("Relayed a message within match %d", target.match_id)
    return ConversationHandler.END


# -- ending a match --


async def endmatch_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    named = await mentoring.active_matches_named(services(context), user.id)
    if not named:
        await reply(update, tr._("You have no active mentoring match."))
        return
    await reply(update, tr._("Which match would you like to end?"), reply_markup=end_pick_markup(tr, named))


async def on_end_pick(update: Update, context: KindredContext) -> int:
    query, user = update.callback_query, update.effective_user
    choice = EndPick.unpack(query.data if query else None)
    match = (
        await mentoring.own_active_match(services(context), user.id, choice.match_id)
        if user and choice
        else None
    )
    if match is None:
        await stale_button(update, context)
        return ConversationHandler.END
    await answer_query(query)
    user_data(context)[ENDING_KEY] = match.match_id
    tr = await translator_for(update, context)
    await reply(
        update,
        tr._(
            "If you like, tell me why (only coordinators will read it; the other person will not). "
            "Type a few words, or choose below."
        ),
        reply_markup=end_reason_markup(tr, match.match_id),
    )
    return END_REASON


async def on_end_choice(update: Update, context: KindredContext) -> int:
    query = update.callback_query
    choice = EndChoice.unpack(query.data if query else None)
    if (
        choice is None
        or user_data(context).get(ENDING_KEY) != choice.match_id
        or choice.choice not in ("skip", "keep")
    ):
        await stale_button(update, context)
        return END_REASON
    await answer_query(query)
    if choice.choice == "keep":
        user_data(context).pop(ENDING_KEY, None)
        tr = await translator_for(update, context)
        await reply(update, tr._("Good, your match continues."))
        return ConversationHandler.END
    return await finish_ending(update, context, None)


async def on_end_reason(update: Update, context: KindredContext) -> int:
    message = update.effective_message
    reason = clean_text(message.text or "", REASON_MAX) if message else None
    if reason is None:
        tr = await translator_for(update, context)
        await reply(update, tr._("Please keep the reason under 500 characters, or use the buttons."))
        return END_REASON
    return await finish_ending(update, context, reason)


async def finish_ending(update: Update, context: KindredContext, reason: str | None) -> int:
    user = update.effective_user
    match_id = user_data(context).pop(ENDING_KEY, None)
    tr = await translator_for(update, context)
    if user is None or not isinstance(match_id, int):
        return ConversationHandler.END
    if not await mentoring.end_match(services(context), letters(context), user.id, match_id, reason):
        return ConversationHandler.END
    await reply(update, tr._("Your match has ended. Thank you for the time you gave each other. 🌿"))
    return ConversationHandler.END
