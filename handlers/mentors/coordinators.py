"""Peer mentoring for coordinators: /matchall (preview, then confirm) and /matches (the overview)."""

from __future__ import annotations

import secrets

from telegram import Update

from bot.domain.roles import Action
from bot.usecases import mentoring
from handlers.common import KindredContext, answer_query, reply, require, services, translator_for, user_data
from handlers.mentors.letters import letters, message_of, safe_edit, stale_button
from handlers.mentors.views import MatchAllChoice, render_matchall_preview, render_overview

PREVIEW_KEY = "matchall"


async def matchall_command(update: Update, context: KindredContext) -> None:
    if not await require(update, context, Action.MATCH_MENTORS):
        return
    preview = await mentoring.preview_matchall(services(context))
    token = secrets.token_hex(4)
    user_data(context)[PREVIEW_KEY] = {token: preview.pairs}
    tr = await translator_for(update, context)
    text, markup = render_matchall_preview(tr, preview.lines, preview.unmatched, token)
    await reply(update, text, reply_markup=markup)


async def on_matchall_choice(update: Update, context: KindredContext) -> None:
    query = update.callback_query
    choice = MatchAllChoice.unpack(query.data if query else None)
    if not await require(update, context, Action.MATCH_MENTORS):
        return
    previews = user_data(context).get(PREVIEW_KEY) or {}
    if query is None or choice is None or choice.token not in previews:
        await stale_button(update, context)
        return
    await answer_query(query)
    pairs = user_data(context).pop(PREVIEW_KEY)[choice.token]
    tr = await translator_for(update, context)
    if choice.choice != "send":
        await safe_edit(message_of(update), tr._("Cancelled; no proposals were sent."))
        return
    sent = await mentoring.send_previewed(services(context), letters(context), pairs)
    text = tr.n_("Sent {count} proposal.", "Sent {count} proposals.", sent).format(count=sent)
    if sent < len(pairs):
        text += " " + tr._("{count} could not be sent because things changed since the preview.").format(
            count=len(pairs) - sent
        )
    await safe_edit(message_of(update), text)


async def matches_command(update: Update, context: KindredContext) -> None:
    if not await require(update, context, Action.VIEW_MATCHES):
        return
    svc = services(context)
    view = await mentoring.overview(svc)
    tr = await translator_for(update, context)
    await reply(update, render_overview(tr, view, svc.clock.now()))
