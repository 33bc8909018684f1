"""Peer mentoring (issue 7): /mentor, /findmentor, consent, the relay, /endmatch, and the wiring.

Everything personal happens in private chats; in a group the commands answer with a button to
talk privately.  The feature is split by concern: the guided questions in
:mod:`handlers.mentors_draft`, proposals, consent and endings shared with the expiry job in
:mod:`handlers.mentors_flow`, coordinators' /matchall and /matches in
:mod:`handlers.mentors_coordinators`, and every message in :mod:`handlers.mentors_views`.
"""

from __future__ import annotations

import logging
import warnings
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.i18n import N_
from bot.domain.mentors import (
    REASON_MAX,
    RELAY_MAX,
    Draft,
    clean_text,
)
from bot.domain.roles import Role
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.feature import Feature
from bot.runtime.logs import log_id
from handlers import mentors_flow as flow
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    escape,
    reply,
    services,
    translator_for,
)
from handlers.common import talk_privately as open_private_chat
from handlers.mentors_coordinators import matchall_command, matches_command, on_matchall_choice
from handlers.mentors_draft import DRAFT, DRAFT_KEY, on_draft_text, on_pick, start_draft
from handlers.mentors_flow import mentors, stale_button
from handlers.mentors_views import (
    Answer,
    Consent,
    EndChoice,
    EndPick,
    MatchAllChoice,
    Pick,
    ProfileAction,
    Relay,
    Withdraw,
    contact_markup,
    end_pick_markup,
    end_reason_markup,
    render_profile,
    render_relayed,
)
from storage.mentors import MatchRecord

log = logging.getLogger(__name__)

COMMANDS = (
    Command(
        "mentor",
        N_("Volunteer as a peer mentor, or manage your mentor profile"),
        where=PRIVATE_ONLY,
        order=40,
    ),
    Command("findmentor", N_("Ask for a peer mentor"), where=PRIVATE_ONLY, order=41),
    Command("endmatch", N_("End a mentoring match"), where=PRIVATE_ONLY, order=42),
    Command(
        "matchall",
        N_("Match every waiting member with a mentor (preview first)"),
        role=Role.COORDINATOR,
        where=PRIVATE_ONLY,
        order=43,
    ),
    Command(
        "matches",
        N_("Waiting requests, matches, mentor load and time to match"),
        role=Role.COORDINATOR,
        where=PRIVATE_ONLY,
        order=44,
    ),
)

RELAY, END_REASON = DRAFT + 1, DRAFT + 2
RELAY_KEY, ENDING_KEY = "mentor_relay", "mentor_ending"
FINISHED = N_("This is finished: it was already answered, or its time ran out. Nothing more to do here.")

# -- groups: talk privately --


async def talk_privately(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    command = (update.message.text or "").split()[0].split("@")[0].lstrip("/") if update.message else ""
    start = command if command in ("mentor", "findmentor") else ""
    await open_private_chat(update, context, tr._("Mentoring is personal, so let's talk privately."), start)


# -- entry points --


async def mentor_command(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    record = await mentors(context).profile(user.id)
    if record is not None and record.status != "retired":
        tr = await translator_for(update, context)
        load = (await mentors(context).load()).get(user.id, 0)
        text, markup = render_profile(tr, record, load)
        await reply(update, text, reply_markup=markup)
        return ConversationHandler.END
    intro = N_(
        "Thank you for offering to walk beside someone. 🌱 A few questions (about two minutes); "
        "/cancel stops at any time and nothing is saved until you confirm."
    )
    draft = Draft.from_mentor(record) if record is not None else Draft(kind="mentor")  # a returning mentor
    return await start_draft(update, context, draft, intro)


async def findmentor_command(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    repo = mentors(context)
    if any(m.member_id == user.id for m in await repo.active_matches(user.id)):
        await reply(update, tr._("You already have a peer mentor. To end that match, send /endmatch."))
        return ConversationHandler.END
    request = await repo.open_request(user.id)
    if request is not None:
        button = InlineKeyboardButton(
            tr._("Withdraw my request"), callback_data=Withdraw(request.request_id).pack()
        )
        pending = await repo.pending_proposals(member_id=user.id)
        text = (
            tr._(
                "A mentor has said yes to your request: my message above lets you accept them or ask "
                "for someone else."
            )
            if any(p.awaiting_member for p in pending)
            else tr._("Your request for a mentor is waiting; I will write as soon as someone accepts.")
        )
        await reply(update, text, reply_markup=InlineKeyboardMarkup([[button]]))
        return ConversationHandler.END
    intro = N_(
        "Let's find you a peer mentor: someone further along in recovery who has offered to listen. "
        "🌱 Nobody sees your name until you and a mentor have both accepted. /cancel stops at any time."
    )
    return await start_draft(update, context, Draft(kind="request"), intro)


async def deep_link(update: Update, context: KindredContext) -> int:
    """``/start mentor`` or ``/start findmentor`` from a group's button; the welcome must not follow."""
    wanted = (context.args or [""])[0]
    state = await (findmentor_command if wanted == "findmentor" else mentor_command)(update, context)
    raise ApplicationHandlerStop(state)


async def edit_profile(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    await answer_query(update.callback_query)
    record = await mentors(context).profile(user.id) if user else None
    if record is None:
        return ConversationHandler.END
    intro = N_("Let's update your profile. “Keep my current answer” or Done keeps what you had.")
    return await start_draft(update, context, Draft.from_mentor(record), intro)


async def cancel(update: Update, context: KindredContext) -> int:
    for key in (DRAFT_KEY, RELAY_KEY, ENDING_KEY):
        context.user_data.pop(key, None)
    tr = await translator_for(update, context)
    await reply(update, tr._("Cancelled; nothing was saved."))
    return ConversationHandler.END


# -- the mentor's own profile --


async def on_profile_action(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    action = ProfileAction.unpack(query.data if query else None)
    record = await mentors(context).profile(user.id) if user else None
    if query is None or user is None or action is None or record is None:
        await stale_button(update, context)
        return
    statuses = {"pause": "paused", "resume": "active", "retire": "retired"}
    if action.action not in statuses:
        await stale_button(update, context)
        return
    await answer_query(query)
    await mentors(context).set_status(user.id, statuses[action.action], services(context).clock.now())
    if action.action != "resume":
        for proposal in await mentors(context).pending_proposals(user.id):
            await flow.withdraw(context.application, proposal, move=True)
    tr = await translator_for(update, context)
    texts = {
        "pause": N_(
            "Paused. I will not propose new members to you; /mentor resumes. Current mentees keep you."
        ),
        "resume": N_("Welcome back! You can receive new proposals again."),
        "retire": N_(
            "You have retired as a mentor. Thank you for everything you gave. Current mentees keep you "
            "until one of you sends /endmatch; /mentor signs you up again."
        ),
    }
    await flow.safe_edit(query.message, tr._(texts[action.action]))  # type: ignore[arg-type]
    log.info("Mentor %s is now %s", log_id(user.id), statuses[action.action])


async def on_withdraw(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    choice = Withdraw.unpack(query.data if query else None)
    request = await mentors(context).request(choice.request_id) if choice else None
    if query is None or user is None or request is None or request.member_id != user.id:
        await stale_button(update, context)
        return
    await answer_query(query)
    tr = await translator_for(update, context)
    for proposal in await mentors(context).withdraw_request(
        request.request_id, services(context).clock.now()
    ):
        services(context).jobs.cancel(flow.job_name(proposal.proposal_id))
        mentor_tr = await flow.tr_for(context.application, proposal.mentor_id)
        await flow.close_question(
            context.application, proposal, mentor_tr._("The member withdrew this request. Thank you anyway.")
        )
    await flow.safe_edit(query.message, tr._("Your request is withdrawn. /findmentor whenever you like."))  # type: ignore[arg-type]


# -- consent --


async def on_answer(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    answer = Answer.unpack(query.data if query else None)
    proposal = await mentors(context).proposal(answer.proposal_id) if answer else None
    if query is None or user is None or answer is None or proposal is None or proposal.mentor_id != user.id:
        await stale_button(update, context)
        return
    tr = await translator_for(update, context)
    app = context.application
    if proposal.status == "pending" and proposal.expires_at <= services(context).clock.now():
        await flow.expire(app, proposal.proposal_id)
        proposal = await mentors(context).proposal(proposal.proposal_id) or proposal
    if proposal.status != "pending" or proposal.awaiting_member or answer.choice not in ("yes", "no"):
        await answer_query(query, tr._("This request is no longer waiting for you."), alert=True)
        return
    await answer_query(query)
    if answer.choice == "yes":
        if await flow.mentor_accepts(app, proposal) is not None:
            await flow.safe_edit(  # type: ignore[arg-type]
                query.message,
                tr._(
                    "✅ You accepted, thank you. The member now sees a summary of you without your "
                    "name; once they accept too, I will send you both each other's details."
                ),
            )
        return
    if await flow.decline(app, proposal):
        await flow.safe_edit(  # type: ignore[arg-type]
            query.message,
            tr._("Thank you for saying so. I will ask someone else; the member will not know who declined."),
        )


async def on_consent(update: Update, context: KindredContext) -> None:
    """The member's half of consent: accept the mentor who said yes, or ask for someone else."""
    query, user = update.callback_query, update.effective_user
    consent = Consent.unpack(query.data if query else None)
    proposal = await mentors(context).proposal(consent.proposal_id) if consent else None
    if query is None or user is None or consent is None or proposal is None or proposal.member_id != user.id:
        await stale_button(update, context)
        return
    tr = await translator_for(update, context)
    app = context.application
    if proposal.awaiting_member and proposal.expires_at <= services(context).clock.now():
        await flow.expire(app, proposal.proposal_id)  # the job has not run yet: the answer is late
        proposal = await mentors(context).proposal(proposal.proposal_id) or proposal
    if not proposal.awaiting_member or consent.choice not in ("yes", "other"):
        await answer_query(query, tr._(FINISHED), alert=True)
        await flow.safe_edit_markup(query.message)  # type: ignore[arg-type]
        return
    await answer_query(query)
    if consent.choice == "yes":
        if await flow.accept(app, proposal) is not None:
            await flow.safe_edit(  # type: ignore[arg-type]
                query.message, tr._("✅ You accepted. I have sent you both each other's details.")
            )
        return
    if await flow.member_declines(app, proposal):
        await flow.safe_edit(  # type: ignore[arg-type]
            query.message,
            tr._("All right, I will look for someone else. That mentor will not learn who you are."),
        )


# -- relay for people without a username --


async def own_active_match(
    update: Update, context: KindredContext, match_id: int | None
) -> MatchRecord | None:
    """The match a button names, if it is still active and the presser is one of its two people
    (forged or stale buttons get None)."""
    user = update.effective_user
    match = await mentors(context).match(match_id) if match_id is not None else None
    if user is None or match is None or match.ended_at is not None:
        return None
    return match if user.id in (match.mentor_id, match.member_id) else None


async def start_relay(update: Update, context: KindredContext) -> int:
    query, user = update.callback_query, update.effective_user
    choice = Relay.unpack(query.data if query else None)
    match = await own_active_match(update, context, choice.match_id if choice else None)
    if match is None or user is None:
        await stale_button(update, context)
        return ConversationHandler.END
    await answer_query(query)
    context.user_data[RELAY_KEY] = match.match_id
    tr = await translator_for(update, context)
    name = await flow.first_name(context.application, match.other(user.id))
    await reply(
        update,
        tr._("Type your message for {name} and I will pass it on (or /cancel).").format(name=escape(name)),
    )
    return RELAY


async def on_relay_text(update: Update, context: KindredContext) -> int:
    user, message = update.effective_user, update.effective_message
    match_id = context.user_data.get(RELAY_KEY)
    match = await mentors(context).match(match_id) if isinstance(match_id, int) else None
    tr = await translator_for(update, context)
    if user is None or message is None or match is None or match.ended_at is not None:
        await reply(update, tr._("That match has ended, so I cannot pass messages on."))
        return ConversationHandler.END
    text = (message.text or "").strip()
    if not text or len(text) > RELAY_MAX:
        await reply(update, tr._("Please keep it under 1000 characters; a first hello is plenty."))
        return RELAY
    other = match.other(user.id)
    app = context.application
    other_tr = await flow.tr_for(app, other)
    sender = await services(context).people.get(user.id)
    username = sender.username if sender else None
    relayed = render_relayed(other_tr, user.first_name, text, username)
    sent = await flow.send(
        app, other, relayed, contact_markup(other_tr, user.first_name, username, match.match_id)
    )
    context.user_data.pop(RELAY_KEY, None)
    if sent is None:
        await reply(update, tr._("I could not deliver it: they may have stopped the bot. I'm sorry."))
    else:
        await reply(update, tr._("Sent. 🌱"))
    log.info("Relayed a message within match %d", match.match_id)
    return ConversationHandler.END


# -- ending a match --


async def endmatch_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    matches = await mentors(context).active_matches(user.id)
    if not matches:
        await reply(update, tr._("You have no active mentoring match."))
        return
    named = [(m, await flow.first_name(context.application, m.other(user.id))) for m in matches]
    await reply(update, tr._("Which match would you like to end?"), reply_markup=end_pick_markup(tr, named))


async def on_end_pick(update: Update, context: KindredContext) -> int:
    query = update.callback_query
    choice = EndPick.unpack(query.data if query else None)
    match = await own_active_match(update, context, choice.match_id if choice else None)
    if match is None:
        await stale_button(update, context)
        return ConversationHandler.END
    await answer_query(query)
    context.user_data[ENDING_KEY] = match.match_id
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
        or context.user_data.get(ENDING_KEY) != choice.match_id
        or choice.choice not in ("skip", "keep")
    ):
        await stale_button(update, context)
        return END_REASON
    await answer_query(query)
    if choice.choice == "keep":
        context.user_data.pop(ENDING_KEY, None)
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
    match_id = context.user_data.pop(ENDING_KEY, None)
    match = await mentors(context).match(match_id) if isinstance(match_id, int) else None
    tr = await translator_for(update, context)
    if user is None or match is None:
        return ConversationHandler.END
    if await mentors(context).end_match(match.match_id, user.id, reason, services(context).clock.now()):
        log.info("Match %d ended by %s", match.match_id, log_id(user.id))
        await flow.tell_ended(context.application, match, user.id)
    await reply(update, tr._("Your match has ended. Thank you for the time you gave each other. 🌿"))
    return ConversationHandler.END


# -- coordinators --


# -- personal data (/mydata, /forget) --


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await mentors(context).export(user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    """Erase profile, requests, proposals and matches; an active match's other side is told kindly."""
    repo, app = mentors(context), context.application
    for match in await repo.active_matches(user_id):
        other = match.other(user_id)
        tr = await flow.tr_for(app, other)
        await flow.send(
            app,
            other,
            tr._(
                "🌿 Your mentoring match has ended: the other person has left mentoring. Thank you for "
                "the time you shared. /findmentor or /mentor whenever you are ready."
            ),
        )
    to_move = [p.request_id for p in await repo.pending_proposals(user_id)]
    for proposal in await repo.pending_proposals(user_id):
        if proposal.awaiting_member:  # the member was deciding about this mentor
            await flow.tell_mentor_gone(app, proposal)
    for proposal in await repo.pending_proposals():
        if user_id in (proposal.mentor_id, proposal.member_id):
            services(context).jobs.cancel(flow.job_name(proposal.proposal_id))
        if user_id == proposal.member_id:
            mentor_tr = await flow.tr_for(app, proposal.mentor_id)
            await flow.close_question(
                app, proposal, mentor_tr._("The member withdrew this request. Thank you anyway.")
            )
    counts = await repo.erase(user_id)
    for request_id in to_move:
        await flow.move_on(app, request_id)
    log.info("Erased mentoring data of %s", log_id(user_id))
    descriptions = {
        "profile": N_("your mentor profile"),
        "requests": N_("your requests for a mentor"),
        "matches": N_("your mentoring matches"),
        "proposals": N_("mentoring proposals sent to you"),
        "declined": N_("declined or unanswered pairings"),
    }
    return [text for key, text in descriptions.items() if counts.get(key)]


# -- wiring --


async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
    """Re-plan every pending proposal's expiry from the database (past ones run at once)."""
    proposals = await flow.repo(application).pending_proposals()
    for proposal in proposals:
        flow.plan_expiry(application, proposal)
    log.info("Planned %d mentor proposal expiries", len(proposals))


def _conversation(private: filters.BaseFilter, text: filters.BaseFilter) -> ConversationHandler:  # type: ignore[type-arg]
    """Guided questions, the one-message relay and the end-of-match reason: one step at a time."""
    return ConversationHandler(
        entry_points=[
            CommandHandler("mentor", mentor_command, filters=private),
            CommandHandler("findmentor", findmentor_command, filters=private),
            CommandHandler(
                "start", deep_link, filters=private & filters.Regex(r"^/start (mentor|findmentor)$")
            ),
            CallbackQueryHandler(edit_profile, pattern=r"^mprof:edit$"),
            CallbackQueryHandler(start_relay, pattern=Relay.pattern()),
            CallbackQueryHandler(on_end_pick, pattern=EndPick.pattern()),
        ],
        states={
            DRAFT: [
                CallbackQueryHandler(on_pick, pattern=Pick.pattern()),
                MessageHandler(text, on_draft_text),
            ],
            RELAY: [MessageHandler(text, on_relay_text)],
            END_REASON: [
                CallbackQueryHandler(on_end_choice, pattern=EndChoice.pattern()),
                MessageHandler(text, on_end_reason),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        allow_reentry=True,
        conversation_timeout=timedelta(hours=1),
        name="mentors",
    )


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND & private
    with warnings.catch_warnings():
        # Buttons are tracked per person (per_message=False) on purpose: one guided step at a time.
        warnings.simplefilter("ignore", PTBUserWarning)
        conversation = _conversation(private, text)
    return {
        FEATURES: [
            conversation,
            CommandHandler(
                ["mentor", "findmentor", "endmatch", "matchall", "matches"],
                talk_privately,
                filters=filters.ChatType.GROUPS,
            ),
            CommandHandler("endmatch", endmatch_command, filters=private),
            CommandHandler("matchall", matchall_command, filters=private),
            CommandHandler("matches", matches_command, filters=private),
            CallbackQueryHandler(on_answer, pattern=Answer.pattern()),
            CallbackQueryHandler(on_consent, pattern=Consent.pattern()),
            CallbackQueryHandler(on_profile_action, pattern=ProfileAction.pattern()),
            CallbackQueryHandler(on_withdraw, pattern=Withdraw.pattern()),
            CallbackQueryHandler(on_matchall_choice, pattern=MatchAllChoice.pattern()),
            CallbackQueryHandler(stale_button, pattern=r"^(mdraft|mendc):"),
        ]
    }


async def purge_expired_text(app: Any, cutoff: datetime) -> int:
    """Retention: forget private end-of-match reasons older than *cutoff* (the daily job is in
    handlers/privacy.py)."""
    return await flow.repo(app).blank_end_reasons_before(cutoff)


FEATURE = Feature(
    name="mentors",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    purge_expired_text=purge_expired_text,
)
