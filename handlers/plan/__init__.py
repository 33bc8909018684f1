"""A personal recovery plan and a safety plan, private and in the member's own words (issue 17).

- :mod:`handlers.plan.flow`: ``/plan`` (goals, the chart, the review time, a mentor's look);
- :mod:`handlers.plan.review`: the weekly review, its job and its buttons;
- :mod:`handlers.plan.safety`: ``/safetyplan`` and the block /sos and crisis replies show first;
- :mod:`handlers.plan.views`: every message and keyboard.

Plan text is sealed at rest (:mod:`bot.domain.sealing`), part of ``/mydata``, erased by
``/forget``, never logged, and kept while the member keeps it (no retention purge).
"""

from __future__ import annotations

import logging
from datetime import timedelta
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

from bot.domain.i18n import N_
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.context import KindredContext
from bot.runtime.feature import Feature, Handlers
from bot.runtime.logs import log_id
from bot.usecases import plan as uc
from handlers.common import FEATURES, reply, services, translator_for
from handlers.common import talk_privately as open_private_chat
from handlers.plan import flow, review, safety
from handlers.plan.views import Pl, Rv, Sp, render_cancelled, render_talk_privately

log = logging.getLogger(__name__)

COMMANDS = (
    # Short on purpose: a coordinator's welcome lists every command in one message (4,096 characters).
    Command("plan", N_("Your recovery plan: goals and a weekly review"), where=PRIVATE_ONLY, order=31),
    Command("safetyplan", N_("Your safety plan for hard moments"), where=PRIVATE_ONLY, order=32),
)


async def talk_privately(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await open_private_chat(update, context, render_talk_privately(tr))


async def cancel(update: Update, context: KindredContext) -> int:
    await reply(update, render_cancelled(await translator_for(update, context)))
    return ConversationHandler.END


async def deep_link(update: Update, context: KindredContext) -> int:
    """``/start safetyplan``: the safety plan, without the welcome after it."""
    raise ApplicationHandlerStop(await safety.show(update, context))


# -- personal data (/mydata, /forget) --


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await uc.export(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    services(context).jobs.cancel(review.job_name(user_id))
    if context.user_data is not None:  # a goal being written, in memory only
        for key in (flow.DRAFT, flow.EDITING, flow.NEW_MEASURE, safety.EDITING):
            context.user_data.pop(key, None)
    if await uc.erase(services(context), user_id):
        log.info("Erased the recovery and safety plans of %s", log_id(user_id))
        return [N_("your recovery plan, its weekly reviews and your safety plan")]
    return []


# -- wiring --


def handlers() -> Handlers:
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND & private
    conversation = ConversationHandler(
        entry_points=[
            CommandHandler("plan", flow.plan_command, filters=private),
            CommandHandler("safetyplan", safety.safetyplan_command, filters=private),
            CommandHandler("start", deep_link, filters=private & filters.Regex(r"^/start safetyplan$")),
            CallbackQueryHandler(flow.on_button, pattern=Pl.pattern()),
            CallbackQueryHandler(safety.on_button, pattern=Sp.pattern()),
        ],
        states={
            flow.GOAL_TEXT: [MessageHandler(text, flow.on_goal_text)],
            flow.TARGET: [MessageHandler(text, flow.on_target_text)],
            flow.STEP: [MessageHandler(text, flow.on_step_text)],
            flow.EDIT_TEXT: [MessageHandler(text, flow.on_edit_text)],
            flow.EDIT_STEP: [MessageHandler(text, flow.on_edit_step)],
            flow.REVIEW_TIME: [MessageHandler(text, flow.on_review_time)],
            flow.EDIT_TARGET: [MessageHandler(text, flow.on_edit_target)],
            safety.SECTION: [MessageHandler(text, safety.on_text)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        allow_reentry=True,
        conversation_timeout=timedelta(hours=1),
        name="plan",
    )
    return {
        FEATURES: [
            CallbackQueryHandler(review.on_answer, pattern=Rv.pattern()),
            conversation,
            CommandHandler(["plan", "safetyplan"], talk_privately, filters=filters.ChatType.GROUPS),
        ]
    }


FEATURE = Feature(
    name="plan",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=review.on_startup,
    replan=review.on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
