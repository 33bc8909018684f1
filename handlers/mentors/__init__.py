"""Peer mentoring (issue 7): /mentor, /findmentor, consent, the relay, /endmatch, and the wiring.

Everything personal happens in private chats; in a group the commands answer with a button to
talk privately.  What mentoring does (requests, consent, matching, endings) is
:mod:`bot.usecases.mentoring`; the handlers are split by who acts:

- :mod:`handlers.mentors.mentor`: the mentor's side (/mentor, the profile, answering a proposal)
- :mod:`handlers.mentors.member`: the member's side (/findmentor, withdrawing, consenting)
- :mod:`handlers.mentors.match`: a match that has started (the relay, /endmatch)
- :mod:`handlers.mentors.coordinators`: /matchall and /matches
- :mod:`handlers.mentors.draft`: the guided questions both sides answer
- :mod:`handlers.mentors.letters`: how Kindred writes to the other person
- :mod:`handlers.mentors.views`: every message, keyboard and callback data
"""

from __future__ import annotations

import logging
import warnings
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.i18n import N_
from bot.domain.roles import Role
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature, Handlers
from bot.usecases import mentoring
from handlers.common import FEATURES, KindredContext, reply, services, translator_for, user_data
from handlers.common import talk_privately as open_private_chat
from handlers.mentors.coordinators import matchall_command, matches_command, on_matchall_choice
from handlers.mentors.draft import DRAFT, DRAFT_KEY, on_draft_text, on_pick
from handlers.mentors.letters import TelegramLetters, letters, stale_button
from handlers.mentors.match import (
    END_REASON,
    ENDING_KEY,
    RELAY,
    RELAY_KEY,
    endmatch_command,
    on_end_choice,
    on_end_pick,
    on_end_reason,
    on_relay_text,
    start_relay,
)
from handlers.mentors.member import findmentor_command, on_consent, on_withdraw
from handlers.mentors.mentor import edit_profile, mentor_command, on_answer, on_profile_action
from handlers.mentors.views import (
    Answer,
    Consent,
    EndChoice,
    EndPick,
    MatchAllChoice,
    Pick,
    ProfileAction,
    Relay,
    Withdraw,
)

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

# -- groups: talk privately --


async def talk_privately(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    command = (update.message.text or "").split()[0].split("@")[0].lstrip("/") if update.message else ""
    start = command if command in ("mentor", "findmentor") else ""
    await open_private_chat(update, context, tr._("Mentoring is personal, so let's talk privately."), start)


async def deep_link(update: Update, context: KindredContext) -> int:
    """``/start mentor`` or ``/start findmentor`` from a group's button; the welcome must not follow."""
    wanted = (context.args or [""])[0]
    state = await (findmentor_command if wanted == "findmentor" else mentor_command)(update, context)
    raise ApplicationHandlerStop(state)


async def cancel(update: Update, context: KindredContext) -> int:
    for key in (DRAFT_KEY, RELAY_KEY, ENDING_KEY):
        user_data(context).pop(key, None)
    tr = await translator_for(update, context)
    await reply(update, tr._("Cancelled; nothing was saved."))
    return ConversationHandler.END


# -- personal data (/mydata, /forget) and retention --

ERASED = {
    "profile": N_("your mentor profile"),
    "requests": N_("your requests for a mentor"),
    "matches": N_("your mentoring matches"),
    "proposals": N_("mentoring proposals sent to you"),
    "declined": N_("declined or unanswered pairings"),
}


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await mentoring.export(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    """Erase profile, requests, proposals and matches; an active match's other side is told kindly."""
    counts = await mentoring.erase(services(context), letters(context), user_id)
    return [text for key, text in ERASED.items() if counts.get(key)]


async def purge_expired_text(app: KindredApplication, cutoff: datetime) -> int:
    """Retention: forget private end-of-match reasons older than *cutoff* (the daily job is in
    handlers/privacy.py)."""
    return await mentoring.purge_end_reasons(app.bot_data.services, cutoff)


# -- wiring --


async def on_startup(application: KindredApplication) -> None:
    """Re-plan every pending proposal's expiry from the database (past ones run at once)."""
    planned = await mentoring.replan_expiries(
        application.bot_data.services, TelegramLetters(application.bot, application.bot_data.services)
    )
    log.info("Planned %d mentor proposal expiries", planned)


def _conversation(
    private: filters.BaseFilter, text: filters.BaseFilter
) -> ConversationHandler[KindredContext]:
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


def handlers() -> Handlers:
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


FEATURE = Feature(
    name="mentors",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
    replan=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    purge_expired_text=purge_expired_text,
)
