"""Recovery milestones (issue 11): /milestone, the congratulation job, and personal data.

Everything happens in private chats; in a group /milestone answers with a button to talk
privately.  What the feature does (the date, its zone, the celebration, the congratulation job
and its once-ever outbox keys) is :mod:`bot.usecases.milestones`; this module parses, renders
(:mod:`handlers.milestones_views`) and words the congratulations (:class:`MilestoneWording`).
"""

from __future__ import annotations

import logging
import warnings
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
from telegram.warnings import PTBUserWarning

from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.milestones import Milestone
from bot.domain.timezones import canonical_timezone
from bot.runtime.commands import Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature, Handlers
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases import milestones
from handlers.common import FEATURES, KindredContext, answer_query, reply, services, translator_for
from handlers.common import talk_privately as open_private_chat
from handlers.milestones_views import (
    Ms,
    as_markup,
    celebrate_markup,
    date_markup,
    remove_markup,
    render_as_question,
    render_celebrate_question,
    render_congratulation,
    render_group_celebration,
    render_offer,
    render_remove_question,
    render_removed,
    render_reset,
    render_saved,
    render_status,
    render_talk_privately,
    render_zone_question,
    render_zone_set,
    status_markup,
    zone_markup,
)
from storage.groups import Group
from storage.milestones import CelebrateAs, MilestoneRecord

log = logging.getLogger(__name__)

COMMANDS = (
    Command(
        "milestone",
        N_("Count your days in recovery and celebrate milestones"),
        order=30,
        details=N_("Send /milestone to see your count, set or reset your date, or remove it."),
    ),
)

ASK_DATE, ASK_ZONE = 1, 2
STALE = N_("That button no longer works. Please send /milestone again.")


class MilestoneWording:
    """The handlers' side of :class:`bot.usecases.milestones.Wording`: each reader's language."""

    def __init__(self, svc: Services) -> None:
        self._svc = svc

    async def congratulation(self, user_id: int, milestone: Milestone) -> str:
        person = await self._svc.people.get(user_id)
        language = (person.language or resolve_language(person.telegram_language)) if person else "en"
        return render_congratulation(translator(language), milestone)

    def group_celebration(self, group: Group, milestone: Milestone, first_name: str | None) -> str:
        return render_group_celebration(translator(group.language), milestone, first_name)


def wording(context: KindredContext) -> MilestoneWording:
    return MilestoneWording(services(context))


# -- views shared by commands and buttons --


async def show(update: Update, context: KindredContext, status: milestones.Status) -> None:
    tr = await translator_for(update, context)
    await reply(
        update, render_status(tr, status.record, status.today, status.group), reply_markup=status_markup(tr)
    )


async def show_status(update: Update, context: KindredContext, record: MilestoneRecord) -> None:
    await show(update, context, await milestones.status(services(context), record))


async def save_start(update: Update, context: KindredContext, start_text: str) -> int:
    """Validate a typed or chosen start date; on success save it, plan the job and show the count."""
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    outcome = await milestones.save_start(services(context), wording(context), user.id, start_text)
    if isinstance(outcome, milestones.StartRefused):
        purpose = "reset" if outcome.had_date else "new"
        await reply(update, outcome.error.render(tr), reply_markup=date_markup(tr, purpose))
        return ASK_DATE
    await reply(update, render_saved(tr, outcome.days))
    await show(update, context, outcome.status)
    return ConversationHandler.END


# -- commands --


async def milestone_command(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    if context.args:
        return await save_start(update, context, " ".join(context.args))
    record = await milestones.record_of(services(context), user.id)
    if record is not None:
        await show_status(update, context, record)
        return ConversationHandler.END
    tr = await translator_for(update, context)
    await reply(update, render_offer(tr), reply_markup=date_markup(tr, "new"))
    return ASK_DATE


async def deep_link(update: Update, context: KindredContext) -> int:
    """``/start milestone`` from a group's button; the welcome must not follow."""
    context.args = []
    raise ApplicationHandlerStop(await milestone_command(update, context))


async def talk_privately(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await open_private_chat(update, context, render_talk_privately(tr), start="milestone")


async def on_date_text(update: Update, context: KindredContext) -> int:
    message = update.effective_message
    return await save_start(update, context, (message.text or "")[:40] if message else "")


async def on_zone_text(update: Update, context: KindredContext) -> int:
    message = update.effective_message
    return await set_zone(update, context, (message.text or "")[:64] if message else "")


async def set_zone(update: Update, context: KindredContext, text: str) -> int:
    user = update.effective_user
    tr = await translator_for(update, context)
    record = await milestones.record_of(services(context), user.id) if user else None
    if user is None or record is None:
        return ConversationHandler.END
    zone = canonical_timezone(text)
    if zone is None:
        await reply(update, render_zone_question(tr, record.timezone))
        return ASK_ZONE
    status = await milestones.set_zone(services(context), wording(context), record, zone)
    await reply(update, render_zone_set(tr, zone))
    await show(update, context, status)
    return ConversationHandler.END


async def cancel(update: Update, context: KindredContext) -> int:
    tr = await translator_for(update, context)
    await reply(update, tr._("Cancelled; nothing was changed."))
    return ConversationHandler.END


# -- buttons --


async def on_button(update: Update, context: KindredContext) -> int:
    """Every milestone button; returns the conversation state the button leads to."""
    query, user = update.callback_query, update.effective_user
    choice = Ms.unpack(query.data if query else None)
    tr = await translator_for(update, context)
    if query is None or user is None or choice is None or choice.action not in BUTTONS:
        await answer_query(query, tr._(STALE), alert=True)
        return ConversationHandler.END
    record = await milestones.record_of(services(context), user.id)
    choosing_day = choice.action in ("today", "yesterday")
    # Without a date only Today/Yesterday make sense; with one, an old first-time offer must not
    # silently replace it (only the reset prompt's buttons may).
    if (record is None and not choosing_day) or (record is not None and choosing_day and choice.arg == "new"):
        await answer_query(query, tr._(STALE), alert=True)
        return ConversationHandler.END
    await answer_query(query)
    if record is None:  # only Today or Yesterday get here without a date
        return await save_start(update, context, choice.action)
    return await BUTTONS[choice.action](update, context, tr, record, choice)


async def _chosen_day(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    return await save_start(update, context, choice.action)


async def _reset(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    await reply(update, render_reset(tr), reply_markup=date_markup(tr, "reset"))
    return ASK_DATE


async def _remove(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    await reply(update, render_remove_question(tr), reply_markup=remove_markup(tr))
    return ConversationHandler.END


async def _remove_yes(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    await milestones.remove(services(context), record.user_id)
    log.info("Milestone date removed by %s", log_id(record.user_id))
    await reply(update, render_removed(tr))
    return ConversationHandler.END


async def _keep(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    await show_status(update, context, record)
    return ConversationHandler.END


async def _celebrate(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    groups = await milestones.member_groups(services(context), record.user_id)
    await reply(update, render_celebrate_question(tr, groups), reply_markup=celebrate_markup(tr, groups))
    return ConversationHandler.END


async def _group(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    group = await milestones.member_group(services(context), record.user_id, choice.arg)
    if group is None:
        await reply(update, tr._(STALE))
        return ConversationHandler.END
    await reply(update, render_as_question(tr, group), reply_markup=as_markup(tr, group.chat_id))
    return ConversationHandler.END


async def _as(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    group = await milestones.member_group(services(context), record.user_id, choice.arg)
    if group is None:
        await reply(update, tr._(STALE))
        return ConversationHandler.END
    how: CelebrateAs = "anonymous" if choice.action == "as_anon" else "first_name"
    await show(update, context, await milestones.celebrate_in(services(context), record, group, how))
    return ConversationHandler.END


async def _nogroup(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    await show(
        update, context, await milestones.celebrate_in(services(context), record, None, record.celebrate_as)
    )
    return ConversationHandler.END


async def _zone(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    zones = await milestones.zone_choices(services(context), record)
    await reply(update, render_zone_question(tr, record.timezone), reply_markup=zone_markup(zones))
    return ASK_ZONE


async def _zone_pick(
    update: Update, context: KindredContext, tr: Translator, record: MilestoneRecord, choice: Ms
) -> int:
    return await set_zone(update, context, choice.arg)


BUTTONS = {
    "today": _chosen_day,
    "yesterday": _chosen_day,
    "reset": _reset,
    "remove": _remove,
    "remove_yes": _remove_yes,
    "keep": _keep,
    "celebrate": _celebrate,
    "group": _group,
    "as_name": _as,
    "as_anon": _as,
    "nogroup": _nogroup,
    "zone": _zone,
    "zone_pick": _zone_pick,
}


# -- personal data (/mydata, /forget) --


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await milestones.export(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    if await milestones.remove(services(context), user_id):
        log.info("Erased the milestone date of %s", log_id(user_id))
        return [N_("your recovery start date and milestone choices")]
    return []


# -- wiring --


async def on_startup(application: KindredApplication) -> None:
    """Plan every member's next congratulation from the database (a due one runs at once)."""
    svc = application.bot_data.services
    planned = await milestones.replan_all(svc, MilestoneWording(svc))
    log.info("Planned %d milestone congratulations", planned)


def handlers() -> Handlers:
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND & private
    with warnings.catch_warnings():
        # One step at a time per person (per_message=False), as in the mentors feature.
        warnings.simplefilter("ignore", PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[
                CommandHandler("milestone", milestone_command, filters=private),
                CommandHandler("start", deep_link, filters=private & filters.Regex(r"^/start milestone$")),
                CallbackQueryHandler(on_button, pattern=Ms.pattern()),
            ],
            states={
                ASK_DATE: [MessageHandler(text, on_date_text)],
                ASK_ZONE: [MessageHandler(text, on_zone_text)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            conversation_timeout=timedelta(hours=1),
            name="milestones",
        )
    return {
        FEATURES: [
            conversation,
            CommandHandler("milestone", talk_privately, filters=filters.ChatType.GROUPS),
        ]
    }


FEATURE = Feature(
    name="milestones",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
    replan=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
