"""Recovery milestones (issue 11): /milestone, the congratulation job, and personal data.

Everything happens in private chats; in a group /milestone answers with a button to talk
privately.  The database holds the start date and the member's choices; the one scheduler job
per member (``milestone:{user_id}``) is derived from it and rebuilt at start-up.  Congratulations
go through the outbox with a key naming the member, the start date and the milestone, so each is
sent once, ever: across restarts, and across a reset to the same date.
"""

from __future__ import annotations

import logging
import warnings
from datetime import date, timedelta
from functools import partial
from typing import Any

from telegram import Update
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

from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.milestones import (
    DateError,
    Milestone,
    days_count,
    due,
    local_today,
    parse_start_date,
    plan,
    send_instant,
)
from bot.domain.timezones import canonical_timezone
from bot.runtime.commands import Command
from bot.runtime.feature import Feature
from bot.runtime.logs import log_id
from bot.runtime.services import Services
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
from storage.milestones import MilestoneRecord, MilestoneRepository
from storage.outbox import Delivery

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


def svc(app: Any) -> Services:
    return app.bot_data.services


def repo(app: Any) -> MilestoneRepository:
    return svc(app).repos.milestones


def job_name(user_id: int) -> str:
    return f"milestone:{user_id}"


# -- scheduling and sending --


def plan_job(app: Any, record: MilestoneRecord, handled: date | None = None) -> None:
    """Schedule (or replace) the member's next congratulation."""
    step = plan(record.start_date, record.set_on, record.timezone, svc(app).clock.now(), handled)
    svc(app).jobs.at(job_name(record.user_id), step.when, partial(fire, app, record.user_id))


async def fire(app: Any, user_id: int) -> None:
    """The job: congratulate today's milestone if it is due, then plan the next one."""
    record = await repo(app).get(user_id)
    if record is None:
        return
    now = svc(app).clock.now()
    milestone = due(record.start_date, record.set_on, record.timezone, now)
    if milestone is not None:
        await svc(app).outbox.enqueue(await deliveries(app, record, milestone))
        log.info("Milestone %s for %s", milestone.label, log_id(user_id))
    today = local_today(now, record.timezone)
    handled = today if now >= send_instant(today, record.timezone) else None  # today's chance is used
    plan_job(app, record, handled)


async def deliveries(app: Any, record: MilestoneRecord, milestone: Milestone) -> list[Delivery]:
    """The private congratulation, and the group post if the member opted in and still belongs."""
    base = f"{record.user_id}:{record.start_date.isoformat()}:{milestone.label}"
    tr = await tr_for(app, record.user_id)
    found = [
        Delivery(
            key=f"milestone:{base}",
            chat_id=record.user_id,
            text=render_congratulation(tr, milestone),
            kind="milestone",
        )
    ]
    group = await celebration_group(app, record)
    if group is not None:
        person = await svc(app).people.get(record.user_id)
        name = person.first_name if person and record.celebrate_as == "first_name" else None
        found.append(
            Delivery(
                key=f"milestone-group:{base}",
                chat_id=group.chat_id,
                text=render_group_celebration(translator(group.language), milestone, name),
                kind="milestone_group",
            )
        )
    return found


async def celebration_group(app: Any, record: MilestoneRecord) -> Group | None:
    if record.celebrate_chat_id is None:
        return None
    groups = await svc(app).groups.groups_of(record.user_id)
    return next((g for g in groups if g.chat_id == record.celebrate_chat_id), None)


async def tr_for(app: Any, user_id: int) -> Translator:
    person = await svc(app).people.get(user_id)
    if person is None:
        return translator("en")
    return translator(person.language or resolve_language(person.telegram_language))


async def stop_congratulating(app: Any, user_id: int) -> None:
    svc(app).jobs.cancel(job_name(user_id))
    await svc(app).outbox.cancel_pending(f"milestone:{user_id}:")
    await svc(app).outbox.cancel_pending(f"milestone-group:{user_id}:")


# -- views shared by commands and buttons --


async def show_status(update: Update, context: KindredContext, record: MilestoneRecord) -> None:
    tr = await translator_for(update, context)
    today = local_today(services(context).clock.now(), record.timezone)
    group = await celebration_group(context.application, record)
    await reply(update, render_status(tr, record, today, group), reply_markup=status_markup(tr))


async def save_start(update: Update, context: KindredContext, start_text: str) -> int:
    """Validate a typed or chosen start date; on success save it, plan the job and show the count."""
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    existing = await repo(context.application).get(user.id)
    zone = existing.timezone if existing else await services(context).home_timezone(user.id)
    now = services(context).clock.now()
    today = local_today(now, zone)
    try:
        start = parse_start_date(start_text, today)
    except DateError as error:
        purpose = "reset" if existing else "new"
        await reply(update, error.render(tr), reply_markup=date_markup(tr, purpose))
        return ASK_DATE
    record = await repo(context.application).set_start(user.id, start, today, zone, now)
    plan_job(context.application, record)
    log.info("Milestone date set by %s", log_id(user.id))
    await reply(update, render_saved(tr, days_count(start, today)))
    await show_status(update, context, record)
    return ConversationHandler.END


# -- commands --


async def milestone_command(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    if context.args:
        return await save_start(update, context, " ".join(context.args))
    record = await repo(context.application).get(user.id)
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
    record = await repo(context.application).get(user.id) if user else None
    if user is None or record is None:
        return ConversationHandler.END
    zone = canonical_timezone(text)
    if zone is None:
        await reply(update, render_zone_question(tr, record.timezone))
        return ASK_ZONE
    await repo(context.application).set_timezone(user.id, zone, services(context).clock.now())
    record = await repo(context.application).get(user.id) or record
    plan_job(context.application, record)
    await reply(update, render_zone_set(tr, zone))
    await show_status(update, context, record)
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
    record = await repo(context.application).get(user.id)
    choosing_day = choice.action in ("today", "yesterday")
    # Without a date only Today/Yesterday make sense; with one, an old first-time offer must not
    # silently replace it (only the reset prompt's buttons may).
    if (record is None and not choosing_day) or (record is not None and choosing_day and choice.arg == "new"):
        await answer_query(query, tr._(STALE), alert=True)
        return ConversationHandler.END
    await answer_query(query)
    return await BUTTONS[choice.action](update, context, tr, record, choice)


async def _chosen_day(
    update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms
) -> int:
    return await save_start(update, context, choice.action)


async def _reset(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
    await reply(update, render_reset(tr), reply_markup=date_markup(tr, "reset"))
    return ASK_DATE


async def _remove(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
    await reply(update, render_remove_question(tr), reply_markup=remove_markup(tr))
    return ConversationHandler.END


async def _remove_yes(
    update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms
) -> int:
    await stop_congratulating(context.application, record.user_id)
    await repo(context.application).remove(record.user_id)
    log.info("Milestone date removed by %s", log_id(record.user_id))
    await reply(update, render_removed(tr))
    return ConversationHandler.END


async def _keep(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
    await show_status(update, context, record)
    return ConversationHandler.END


async def _celebrate(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
    groups = await services(context).groups.groups_of(record.user_id)
    await reply(update, render_celebrate_question(tr, groups), reply_markup=celebrate_markup(tr, groups))
    return ConversationHandler.END


async def _member_group(context: KindredContext, user_id: int, arg: str) -> Group | None:
    """The group named by a button, only if the member belongs to it (forged ids are refused)."""
    groups = await services(context).groups.groups_of(user_id)
    return next((g for g in groups if str(g.chat_id) == arg), None)


async def _group(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
    group = await _member_group(context, record.user_id, choice.arg)
    if group is None:
        await reply(update, tr._(STALE))
        return ConversationHandler.END
    await reply(update, render_as_question(tr, group), reply_markup=as_markup(tr, group.chat_id))
    return ConversationHandler.END


async def _as(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
    group = await _member_group(context, record.user_id, choice.arg)
    if group is None:
        await reply(update, tr._(STALE))
        return ConversationHandler.END
    how = "anonymous" if choice.action == "as_anon" else "first_name"
    await repo(context.application).set_celebration(
        record.user_id, group.chat_id, how, services(context).clock.now()
    )
    await show_status(update, context, await repo(context.application).get(record.user_id) or record)
    return ConversationHandler.END


async def _nogroup(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
    await repo(context.application).set_celebration(
        record.user_id, None, record.celebrate_as, services(context).clock.now()
    )
    await show_status(update, context, await repo(context.application).get(record.user_id) or record)
    return ConversationHandler.END


async def _zone(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
    groups = await services(context).groups.groups_of(record.user_id)
    zones = sorted({g.timezone for g in groups} - {record.timezone})
    await reply(update, render_zone_question(tr, record.timezone), reply_markup=zone_markup(zones))
    return ASK_ZONE


async def _zone_pick(update: Update, context: KindredContext, tr: Translator, record: Any, choice: Ms) -> int:
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
    return await repo(context.application).export(user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    app = context.application
    await stop_congratulating(app, user_id)
    if await repo(app).remove(user_id):
        log.info("Erased the milestone date of %s", log_id(user_id))
        return [N_("your recovery start date and milestone choices")]
    return []


# -- wiring --


async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
    """Plan every member's next congratulation from the database (a due one runs at once)."""
    records = await repo(application).all()
    for record in records:
        plan_job(application, record)
    log.info("Planned %d milestone congratulations", len(records))


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
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
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
