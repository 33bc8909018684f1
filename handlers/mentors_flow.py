"""Peer mentoring: proposals, consent, matches and their ends, shared by commands, buttons and jobs.

Everything here takes the running ``Application`` (handlers pass ``context.application``; the
expiry job has no update) so the same code serves a button press and a timeout.  The database is
the truth: a proposal's expiry is stored before the mentor is asked, and ``on_startup`` re-plans
every pending expiry from it.

Consent is two-sided.  The mentor is asked first, anonymously; their yes shows the member an
anonymous summary of the mentor and gives the member ``MEMBER_CONSENT_HOURS`` to answer (the same
stored expiry and job, re-planned).  Only the member's yes starts the match and exchanges names.
The member asking for someone else, or not answering, moves the request on to the next candidate;
the mentor learns only that the match did not go ahead.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.matching import best_candidates
from bot.domain.mentors import PROPOSAL_TTL, MentorRecord, RequestRecord
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from handlers.common import KindredContext, answer_query, services, translator_for
from handlers.mentors_views import (
    consent_buttons,
    contact_markup,
    proposal_buttons,
    render_ended_for_other,
    render_match_for_member,
    render_match_for_mentor,
    render_mentor_summary,
    render_proposal,
)
from storage.mentors import DECLINED, EXPIRED, WITHDRAWN, MatchRecord, MentorRepository, Proposal
from storage.people import Person

log = logging.getLogger(__name__)

STALE = N_("That button no longer works. Please start again with the command.")
NOT_GOING_AHEAD = N_(
    "🌿 The match you accepted did not go ahead. Thank you for offering; your place is free for "
    "another member."
)


def mentors(context: KindredContext) -> MentorRepository:
    return services(context).repos.mentors


async def stale_button(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await answer_query(update.callback_query, tr._(STALE), alert=True)


App = Application  # type: ignore[type-arg]


def svc(app: Any) -> Services:
    return app.bot_data.services


def repo(app: Any) -> MentorRepository:
    return svc(app).repos.mentors


def job_name(proposal_id: int) -> str:
    return f"mentor-proposal:{proposal_id}"


async def tr_for(app: Any, user_id: int) -> Translator:
    person = await svc(app).people.get(user_id)
    if person is None:
        return translator("en")
    return translator(person.language or resolve_language(person.telegram_language))


async def first_name(app: Any, user_id: int) -> str:
    person = await svc(app).people.get(user_id)
    return person.first_name if person else "?"


async def send(
    app: Any, user_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Write to a person privately; a blocked bot marks them unreachable instead of failing."""
    try:
        return await app.bot.send_message(user_id, text, reply_markup=markup)
    except Forbidden:
        log.info("Cannot write to %s; marking unreachable", log_id(user_id))
        await svc(app).people.mark_unreachable(user_id, svc(app).clock.now())
        return None


async def close_question(app: Any, proposal: Proposal, text: str) -> None:
    """Replace the mentor's Accept/Decline question with a line saying how it ended."""
    if proposal.mentor_message_id is None:
        return
    try:
        await app.bot.edit_message_text(
            text, chat_id=proposal.mentor_id, message_id=proposal.mentor_message_id
        )
    except (BadRequest, Forbidden):
        log.debug("Could not close a proposal message", exc_info=True)


# -- proposing --


async def mentor_pool(app: Any) -> list[Any]:
    """Every non-retired mentor as the matcher sees them, counting pending proposals as load."""
    load = await repo(app).load()
    now = svc(app).clock.now()
    return [p.to_profile(load.get(p.user_id, 0), now) for p in await repo(app).profiles()]


async def propose_next(app: Any, request: RequestRecord) -> Proposal | None:
    """Ask the best remaining mentor for this request; None when nobody fits (it keeps waiting)."""
    now = svc(app).clock.now()
    excluded = await repo(app).excluded_pairs()
    candidates = best_candidates(request.to_request(), await mentor_pool(app), excluded, now, limit=10)
    for candidate in candidates:
        proposal = await propose(app, request, candidate.mentor_id)
        if proposal is not None:
            return proposal
    return None


async def propose(app: Any, request: RequestRecord, mentor_id: int) -> Proposal | None:
    """Store the proposal (with its expiry), then ask the mentor anonymously and plan the expiry."""
    person = await svc(app).people.get(mentor_id)
    if person is None or not person.reachable:
        return None
    now = svc(app).clock.now()
    proposal = await repo(app).create_proposal(request.request_id, mentor_id, now, now + PROPOSAL_TTL)
    tr = await tr_for(app, mentor_id)
    hours = int(PROPOSAL_TTL.total_seconds() // 3600)
    message = await send(
        app, mentor_id, render_proposal(tr, request, hours), proposal_buttons(tr, proposal.proposal_id)
    )
    if message is None:
        await repo(app).close_proposal(proposal.proposal_id, WITHDRAWN, now)
        return None
    await repo(app).set_proposal_message(proposal.proposal_id, message.message_id)
    plan_expiry(app, proposal)
    log.info("Proposed request %d to mentor %s", request.request_id, log_id(mentor_id))
    return proposal


def plan_expiry(app: Any, proposal: Proposal) -> None:
    svc(app).jobs.at(
        job_name(proposal.proposal_id), proposal.expires_at, partial(expire, app, proposal.proposal_id)
    )


async def expire(app: Any, proposal_id: int) -> None:
    """The expiry job: a proposal the mentor, or then the member, left unanswered passes to the next
    candidate."""
    closed = await repo(app).close_proposal(proposal_id, EXPIRED, svc(app).clock.now())
    if closed is None:
        return
    if closed.awaiting_member:
        log.info("Proposal %d expired waiting for the member", proposal_id)
        await tell_not_going_ahead(app, closed)
        tr = await tr_for(app, closed.member_id)
        await send(
            app,
            closed.member_id,
            tr._(
                "I did not hear from you in time, so I am asking another mentor. No worries: the "
                "first one will not learn who you are."
            ),
        )
    else:
        log.info("Proposal %d expired", proposal_id)
        tr = await tr_for(app, closed.mentor_id)
        await close_question(
            app, closed, tr._("Nobody answered this request in time, so I passed it on. No worries.")
        )
    await move_on(app, closed.request_id)


async def tell_not_going_ahead(app: Any, proposal: Proposal) -> None:
    """The mentor accepted but the member did not: say only that, never who or why."""
    tr = await tr_for(app, proposal.mentor_id)
    await send(app, proposal.mentor_id, tr._(NOT_GOING_AHEAD))


async def tell_mentor_gone(app: Any, proposal: Proposal) -> None:
    """The mentor the member was deciding about paused, retired or left."""
    tr = await tr_for(app, proposal.member_id)
    await send(
        app,
        proposal.member_id,
        tr._("That mentor is no longer available, so I am looking for someone else for you."),
    )


async def decline(app: Any, proposal: Proposal, *, by_member: bool = False) -> bool:
    """Close the proposal for good and move the request on. When the member declined after the
    mentor's yes, the mentor is told only that it did not go ahead."""
    closed = await repo(app).close_proposal(proposal.proposal_id, DECLINED, svc(app).clock.now())
    if closed is None:
        return False
    svc(app).jobs.cancel(job_name(proposal.proposal_id))
    log.info("Proposal %d declined by the %s", proposal.proposal_id, "member" if by_member else "mentor")
    if by_member:
        await tell_not_going_ahead(app, closed)
    await move_on(app, closed.request_id)
    return True


async def withdraw(app: Any, proposal: Proposal, *, move: bool) -> None:
    """The mentor paused, retired or left: the proposal is withdrawn and the request moves on."""
    closed = await repo(app).close_proposal(proposal.proposal_id, WITHDRAWN, svc(app).clock.now())
    svc(app).jobs.cancel(job_name(proposal.proposal_id))
    if closed is not None and closed.awaiting_member:
        await tell_mentor_gone(app, closed)
    if closed is not None and move:
        await move_on(app, closed.request_id)


async def move_on(app: Any, request_id: int) -> None:
    """After a decline or a timeout: the next candidate, or tell the member they are on the list."""
    request = await repo(app).request(request_id)
    if request is None or request.status != "waiting":
        return
    if await propose_next(app, request) is not None:
        return
    tr = await tr_for(app, request.member_id)
    await send(
        app,
        request.member_id,
        tr._(
            "I am still looking for the right mentor for you. Your request stays on the waiting list, "
            "and a coordinator will help. Thank you for your patience. 🌱"
        ),
    )


# -- consent given --


def member_consent_hours(app: Any) -> int:
    return int(svc(app).settings.member_consent_hours)


async def mentor_accepts(app: Any, proposal: Proposal) -> Proposal | None:
    """The mentor's yes: the member sees an anonymous summary and has their own time to answer.

    None when the proposal no longer waited for this mentor, or the member cannot be reached (then
    the request is withdrawn and the mentor's question says the match did not go ahead).
    """
    now = svc(app).clock.now()
    hours = member_consent_hours(app)
    waiting = await repo(app).mentor_accept(proposal.proposal_id, now, now + timedelta(hours=hours))
    if waiting is None:
        return None
    plan_expiry(app, waiting)  # the same job name: the member's deadline replaces the mentor's
    profile = await repo(app).profile(waiting.mentor_id)
    tr = await tr_for(app, waiting.member_id)
    sent = None
    if profile is not None:
        summary = render_mentor_summary(tr, profile.summary(now), hours)
        sent = await send(app, waiting.member_id, summary, consent_buttons(tr, waiting.proposal_id))
    if sent is None:
        svc(app).jobs.cancel(job_name(waiting.proposal_id))
        await repo(app).withdraw_request(waiting.request_id, now)
        mentor_tr = await tr_for(app, waiting.mentor_id)
        await close_question(app, waiting, mentor_tr._(NOT_GOING_AHEAD))
        return None
    log.info("Proposal %d accepted by the mentor; the member decides", waiting.proposal_id)
    return waiting


async def member_declines(app: Any, proposal: Proposal) -> bool:
    """The member asked for someone else: the pair is never proposed again, and the request moves on."""
    return await decline(app, proposal, by_member=True)


async def accept(app: Any, proposal: Proposal) -> MatchRecord | None:
    """The member's yes after the mentor's: the match starts and both learn the other's name."""
    match = await repo(app).accept(proposal.proposal_id, svc(app).clock.now())
    if match is None:
        return None
    svc(app).jobs.cancel(job_name(proposal.proposal_id))
    log.info("Proposal %d accepted by both; match %d started", proposal.proposal_id, match.match_id)
    await introduce(app, match)
    return match


async def introduce(app: Any, match: MatchRecord) -> None:
    """Only now do both learn the other's first name and a way to reach them."""
    people = svc(app).people
    mentor, member = await people.get(match.mentor_id), await people.get(match.member_id)
    profile = await repo(app).profile(match.mentor_id)
    if mentor is None or member is None:
        return
    await _introduce_member(app, match, member, mentor, profile)
    tr = await tr_for(app, mentor.user_id)
    await send(
        app,
        mentor.user_id,
        render_match_for_mentor(tr, member.first_name, member.username),
        contact_markup(tr, member.first_name, member.username, match.match_id),
    )


async def _introduce_member(
    app: Any, match: MatchRecord, member: Person, mentor: Person, profile: MentorRecord | None
) -> None:
    tr = await tr_for(app, member.user_id)
    intro = profile.intro if profile else ""
    await send(
        app,
        member.user_id,
        render_match_for_member(tr, mentor.first_name, intro, mentor.username),
        contact_markup(tr, mentor.first_name, mentor.username, match.match_id),
    )


# -- endings --


async def tell_ended(app: Any, match: MatchRecord, ended_by: int) -> None:
    """Tell the other side kindly; never the reason (that is for coordinators)."""
    other = match.other(ended_by)
    tr = await tr_for(app, other)
    name = await first_name(app, ended_by)
    await send(app, other, render_ended_for_other(tr, name, other_was_mentor=ended_by == match.mentor_id))


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
