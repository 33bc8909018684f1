"""The safety plan (issue 17): /safetyplan's guided flow and editing, and the block of the member's
own plan that /sos and every private crisis reply show first.

The crisis block must never hold the crisis lines back: it is read with a short time limit and any
failure (a key that does not open a row, a busy database) leaves it out, so the lines go out at once
whatever happens here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ConversationHandler

from bot.domain.i18n import Translator
from bot.domain.plan import PlanError, SafetySection
from bot.runtime.context import KindredContext
from bot.runtime.logs import log_id
from bot.usecases import plan as uc
from handlers.common import answer_query, answer_stale, reply, services, translator_for
from handlers.plan.views import (
    SECTIONS,
    STALE,
    Sp,
    intro_markup,
    render_crisis_block,
    render_safety_intro,
    render_safety_plan,
    render_section_question,
    render_section_saved,
    safety_markup,
    section_markup,
)

log = logging.getLogger(__name__)

SECTION = 7  # the conversation state: waiting for a section's words (shared with handlers.plan.flow)
EDITING = "safety_section"  # user_data: (section, guided)
CRISIS_BLOCK_SECONDS = 0.5


async def safety_plan_block(context: KindredContext, user_id: int, tr: Translator) -> str:
    """The member's own warning signs, coping steps and people, to show before the crisis lines;
    empty when there is no plan, or when it cannot be read at once (the lines must not wait)."""
    try:
        plan = await asyncio.wait_for(uc.crisis_plan(services(context), user_id), CRISIS_BLOCK_SECONDS)
    except Exception as error:
        log.warning(
            "Left the safety plan of %s out of a crisis reply: %s", log_id(user_id), type(error).__name__
        )
        return ""
    return render_crisis_block(tr, plan) if plan else ""


async def show(update: Update, context: KindredContext) -> int:
    """The plan with its edit buttons, or the invitation to write one."""
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    plan = await uc.safety_plan(services(context), user.id)
    if not plan:
        await reply(update, render_safety_intro(tr), reply_markup=intro_markup(tr))
    else:
        await reply(update, render_safety_plan(tr, plan), reply_markup=safety_markup(tr))
    return ConversationHandler.END


async def safetyplan_command(update: Update, context: KindredContext) -> int:
    return await show(update, context)


async def ask(update: Update, context: KindredContext, section: SafetySection, *, guided: bool) -> int:
    user = update.effective_user
    if user is None or context.user_data is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    current = (await uc.safety_plan(services(context), user.id)).get(section)
    context.user_data[EDITING] = (section, guided)
    await reply(
        update,
        render_section_question(tr, section, current, guided=guided),
        reply_markup=section_markup(tr, section, guided=guided, has_text=current is not None),
    )
    return SECTION


async def after(update: Update, context: KindredContext, section: SafetySection) -> int:
    """The guided flow's next section, or the finished plan."""
    position = SECTIONS.index(section) + 1
    if position < len(SECTIONS):
        return await ask(update, context, SECTIONS[position], guided=True)
    return await show(update, context)


async def on_button(update: Update, context: KindredContext) -> int:
    query, user = update.callback_query, update.effective_user
    tr = await translator_for(update, context)
    choice = Sp.unpack(query.data if query else None)
    section = next((s for s in SafetySection if choice and s.value == choice.section), None)
    step = STEPS.get(choice.action) if choice else None
    if (
        query is None
        or user is None
        or step is None
        or (choice and choice.action != "show" and section is None)
    ):
        await answer_stale(query, tr, STALE)
        return ConversationHandler.END
    await answer_query(query)
    return await step(update, context, user.id, section or SECTIONS[0])


async def _show(update: Update, context: KindredContext, user_id: int, section: SafetySection) -> int:
    return await show(update, context)


async def _next(update: Update, context: KindredContext, user_id: int, section: SafetySection) -> int:
    return await ask(update, context, section, guided=True)


async def _skip(update: Update, context: KindredContext, user_id: int, section: SafetySection) -> int:
    return await after(update, context, section)


async def _edit(update: Update, context: KindredContext, user_id: int, section: SafetySection) -> int:
    return await ask(update, context, section, guided=False)


async def _clear(update: Update, context: KindredContext, user_id: int, section: SafetySection) -> int:
    await uc.set_section(services(context), user_id, section, None)
    return await show(update, context)


STEPS: dict[str, Callable[[Update, KindredContext, int, SafetySection], Awaitable[int]]] = {
    "show": _show,
    "next": _next,
    "skip": _skip,
    "edit": _edit,
    "clear": _clear,
}


async def on_text(update: Update, context: KindredContext) -> int:
    """A section's words: kept (sealed), or a kind word and the same question (nothing lost)."""
    user, message = update.effective_user, update.effective_message
    editing = (context.user_data or {}).get(EDITING)
    if user is None or message is None or editing is None:
        return ConversationHandler.END
    section, guided = editing
    tr = await translator_for(update, context)
    try:
        await uc.set_section(services(context), user.id, section, message.text)
    except PlanError as error:
        await reply(update, tr._(error.message).format(**error.params))
        return SECTION
    if guided:
        return await after(update, context, section)
    await reply(update, render_section_saved(tr))
    return await show(update, context)
