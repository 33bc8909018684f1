"""Peer mentoring for coordinators: /matchall (preview, then confirm) and /matches (the overview)."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from telegram import Update

from bot.domain.matching import assign_all, exclusion_reasons
from bot.domain.mentors import (
    time_to_match,
)
from bot.domain.roles import Action
from handlers import mentors_flow as flow
from handlers.common import KindredContext, answer_query, reply, require, services, translator_for
from handlers.mentors_flow import mentors, stale_button
from handlers.mentors_views import (
    MatchAllChoice,
    Overview,
    PreviewLine,
    Waiting,
    render_matchall_preview,
    render_overview,
)

log = logging.getLogger(__name__)

PREVIEW_KEY = "matchall"


async def matchall_command(update: Update, context: KindredContext) -> None:
    if not await require(update, context, Action.MATCH_MENTORS):
        return
    repo, app = mentors(context), context.application
    now = services(context).clock.now()
    waiting = await repo.waiting_requests(without_proposal=True)
    pool = await flow.mentor_pool(app)
    result = assign_all([r.to_request() for r in waiting], pool, await repo.excluded_pairs(), now)
    by_member = {r.member_id: r for r in waiting}
    pairs = [(by_member[m.member_id].request_id, m.mentor_id) for m in result.matches]
    lines = [
        PreviewLine(
            by_member[m.member_id].request_id,
            await flow.first_name(app, m.member_id),
            now - by_member[m.member_id].requested_at,
            await flow.first_name(app, m.mentor_id),
            m.score,
        )
        for m in result.matches
    ]
    token = secrets.token_hex(4)
    context.user_data[PREVIEW_KEY] = {token: pairs}
    tr = await translator_for(update, context)
    text, markup = render_matchall_preview(tr, lines, len(result.unmatched), token)
    await reply(update, text, reply_markup=markup)


async def on_matchall_choice(update: Update, context: KindredContext) -> None:
    query = update.callback_query
    choice = MatchAllChoice.unpack(query.data if query else None)
    if not await require(update, context, Action.MATCH_MENTORS):
        return
    previews = context.user_data.get(PREVIEW_KEY) or {}
    if query is None or choice is None or choice.token not in previews:
        await stale_button(update, context)
        return
    await answer_query(query)
    pairs = context.user_data.pop(PREVIEW_KEY)[choice.token]
    tr = await translator_for(update, context)
    if choice.choice != "send":
        await flow.safe_edit(query.message, tr._("Cancelled; no proposals were sent."))  # type: ignore[arg-type]
        return
    sent = await send_previewed(context, pairs)
    text = tr.n_("Sent {count} proposal.", "Sent {count} proposals.", sent).format(count=sent)
    if sent < len(pairs):
        text += " " + tr._("{count} could not be sent because things changed since the preview.").format(
            count=len(pairs) - sent
        )
    await flow.safe_edit(query.message, text)  # type: ignore[arg-type]


async def send_previewed(context: KindredContext, pairs: list[tuple[int, int]]) -> int:
    """Send the previewed proposals, each re-checked against what is true now."""
    repo, app, sent = mentors(context), context.application, 0
    for request_id, mentor_id in pairs:
        request = await repo.request(request_id)
        waiting = {r.request_id for r in await repo.waiting_requests(without_proposal=True)}
        pool = {p.mentor_id: p for p in await flow.mentor_pool(app)}
        if request is None or request_id not in waiting or mentor_id not in pool:
            continue
        if exclusion_reasons(request.to_request(), pool[mentor_id], await repo.excluded_pairs()):
            continue
        if await flow.propose(app, request, mentor_id) is not None:
            sent += 1
    log.info("Matchall sent %d of %d proposals", sent, len(pairs))
    return sent


async def matches_command(update: Update, context: KindredContext) -> None:
    if not await require(update, context, Action.VIEW_MATCHES):
        return
    repo, app = mentors(context), context.application
    now = services(context).clock.now()
    waiting_on = {
        p.request_id: Waiting.MEMBER if p.awaiting_member else Waiting.MENTOR
        for p in await repo.pending_proposals()
    }
    load = await repo.load()

    async def name(user_id: int) -> str:
        return await flow.first_name(app, user_id)

    view = Overview(
        waiting=[
            (r, await name(r.member_id), waiting_on.get(r.request_id, Waiting.QUEUE))
            for r in await repo.waiting_requests()
        ],
        active=[(m, await name(m.mentor_id), await name(m.member_id)) for m in await repo.active_matches()],
        load=[(p, await name(p.user_id), load.get(p.user_id, 0)) for p in await repo.profiles()],
        ended=[(m, await name(m.mentor_id), await name(m.member_id)) for m in await repo.ended_matches()],
        stats=time_to_match(
            m.started_at - m.requested_at for m in await repo.matches_started_since(now - timedelta(days=90))
        ),
    )
    tr = await translator_for(update, context)
    await reply(update, render_overview(tr, view, now))
