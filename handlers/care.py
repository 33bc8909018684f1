"""Care for the carers (issue 18): /care, /supervision, /groupsupervision, /team and /timeoff, and
their buttons.  Thin: parse, authorise (the one door: :func:`handlers.common.require_peer_worker`
and :func:`handlers.common.require`), call a use case in :mod:`bot.usecases.care`, render with
:mod:`handlers.care_views`.  Everything is private; in a group the commands point to the private
chat.  Scheduled work (weekly prompts, supervision reminders, next-day follow-ups, time-off
notices) is rebuilt from the database at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import Bot, InputFile, Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.domain.care import (
    HOURS_CHOICES,
    MSG_AWAY_SYNTAX,
    CareError,
    SelfCheck,
    parse_away,
    parse_weekly_time,
)
from bot.domain.charts import Series, line_chart_png
from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.roles import Action, Role
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature, Handlers
from bot.runtime.logs import log_id
from bot.usecases import care
from handlers import care_views as views
from handlers.care_views import TEXTS, CareMenu, CareStep, FollowUpAnswer, SupAccept, SupPropose, SupSlot
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    answer_stale,
    reply,
    require,
    require_peer_worker,
    services,
    talk_privately,
    translator_for,
)
from storage.people import Person

log = logging.getLogger(__name__)

TAKEN = N_("Another coordinator has taken this request.")  # a supervision request's button, pressed late

COMMANDS = (
    Command(
        "care",
        N_("Your weekly self-check as a peer worker, your trend, asking to talk"),
        role=Role.FACILITATOR,
        peer_work=True,
        where=PRIVATE_ONLY,
        order=60,
        details=N_("/care weekly fri 17:00 sets your weekly reminder; /care weekly off stops it."),
    ),
    Command(
        "supervision",
        N_("Ask a coordinator for a supervision conversation"),
        role=Role.FACILITATOR,
        peer_work=True,
        where=PRIVATE_ONLY,
        order=61,
    ),
    Command(
        "timeoff",
        N_("Set time off: your mentees and groups are told who to contact instead"),
        role=Role.FACILITATOR,
        peer_work=True,
        where=PRIVATE_ONLY,
        order=62,
        details=N_("/timeoff 2026-12-20 2027-01-03, /timeoff until 2027-01-03, or /timeoff off."),
    ),
    Command(
        "team",
        N_("Peer workers' load over the last 30 days"),
        role=Role.FACILITATOR,
        peer_work=True,
        where=PRIVATE_ONLY,
        order=63,
    ),
    Command(
        "groupsupervision",
        N_("Schedule weekly group supervision for the peer workers"),
        role=Role.COORDINATOR,
        where=PRIVATE_ONLY,
        order=64,
        details=N_("/groupsupervision tue 18:00 (weekly, in your time zone)."),
    ),
)


def admins_lookup(bot: Bot) -> care.AdminsOf:
    """Who administers a group, asked of Telegram (the facilitators); none if Telegram refuses."""

    async def admins(chat_id: int) -> list[int]:
        try:
            listed = await bot.get_chat_administrators(chat_id)
        except TelegramError:
            log.warning("Could not list a group's administrators for peer-worker care", exc_info=True)
            return []
        return [member.user.id for member in listed if not member.user.is_bot]

    return admins


def _tr(person: Person | None) -> Translator:
    return translator((person.language or resolve_language(person.telegram_language)) if person else "en")


# -- /care --


async def care_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None or not await require_peer_worker(update, context):
        return
    svc = services(context)
    tr = await translator_for(update, context)
    args = context.args or []
    if args and args[0].casefold() == "weekly":
        try:
            when = parse_weekly_time(args[1:])
        except CareError as error:
            await reply(update, tr._(error.message))
            return
        prompt = await care.set_weekly(svc, TEXTS, user.id, when)
        _, zone = await care.weekly_time(svc, user.id)
        await reply(update, views.weekly_set_text(tr, prompt.when if prompt else None, zone))
        return
    prompt, zone = await care.weekly_time(svc, user.id)
    text = views.menu_text(tr, prompt.when if prompt else None, zone)
    await reply(update, text, reply_markup=views.menu_markup(tr))


async def on_menu(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    choice = CareMenu.unpack(query.data)
    tr = await translator_for(update, context)
    if choice is None or choice.what not in ("check", "trend", "talk"):
        await answer_stale(query, tr)
        return
    if not await require_peer_worker(update, context):
        return
    await answer_query(query)
    if choice.what == "check":
        text, markup = views.step_question(tr, CareStep(0, 0, 0, 0, 0))
        await reply(update, text, reply_markup=markup)
    elif choice.what == "trend":
        await _send_trend(update, context, tr, user.id)
    else:
        await _ask(update, context, tr, user.id)


async def on_step(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    step = CareStep.unpack(query.data)
    tr = await translator_for(update, context)
    if step is None or not _valid(step):
        await answer_stale(query, tr)
        return
    if not await require_peer_worker(update, context):
        return
    await answer_query(query)
    if not step.talk:
        text, markup = views.step_question(tr, step)
        await query.edit_message_text(text, reply_markup=markup)
        return
    check = SelfCheck(step.energy, step.stress, step.support, step.hours - 1, step.talk == 2)
    saved = await care.record_check(services(context), user.id, check)
    log.info("Peer-worker self-check %d saved for %s", saved.check_id, log_id(user.id))
    asked = saved.request
    await query.edit_message_text(views.saved_text(tr, asked))
    if asked is not None:
        await _tell_coordinators(context, asked)


def _valid(step: CareStep) -> bool:
    """Forged or garbled data is refused like an old button: every field within its range."""
    scales = (step.energy, step.stress, step.support)
    return (
        all(0 <= v <= 5 for v in scales)
        and 0 <= step.hours <= max(HOURS_CHOICES) + 1
        and step.talk in (0, 1, 2)
        and (not step.talk or (all(scales) and step.hours > 0))
    )


async def _send_trend(update: Update, context: KindredContext, tr: Translator, user_id: int) -> None:
    trend = await care.own_trend(services(context), user_id)
    if not trend.answers:
        await reply(update, views.no_trend_text(tr))
        return
    series = [Series(points, tr._(views.TREND_LABELS[name])) for name, points in trend.series.items()]
    png = await asyncio.to_thread(
        line_chart_png,
        series,
        tr._("Your weekly checks"),
        "1-5",
        y_limits=(0.5, 5.5),
        x_limits=(trend.first, trend.last),
        y_ticks=range(1, 6),
        format_day=lambda day: format_date(day, "d MMM", locale=tr.locale),
    )
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(
            InputFile(png, filename="care.png"), caption=views.trend_caption(tr, trend.answers)
        )


# -- supervision --


async def supervision_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None or not await require_peer_worker(update, context):
        return
    tr = await translator_for(update, context)
    await _ask(update, context, tr, user.id)


async def _ask(update: Update, context: KindredContext, tr: Translator, user_id: int) -> None:
    asked = await care.ask_supervision(services(context), user_id)
    text = views.asked_text(tr, asked)
    upcoming = await care.sessions_of(services(context), user_id)
    if upcoming:
        text += "\n\n" + views.sessions_text(tr, [(s.id, o.start, s.schedule.time_zone) for s, o in upcoming])
    await reply(update, text)
    if asked.new:
        await _tell_coordinators(context, asked)


async def _tell_coordinators(context: KindredContext, asked: care.AskResult) -> None:
    worker = asked.worker
    name, username = (worker.first_name, worker.username) if worker else ("?", None)
    for coordinator in asked.coordinators:
        tr = _tr(coordinator)
        try:
            sent = await context.bot.send_message(
                coordinator.user_id,
                views.request_text(tr, name, username),
                reply_markup=views.request_markup(tr, asked.request.id),
            )
        except Forbidden:
            continue
        except TelegramError:
            log.warning(
                "Could not deliver a supervision request to %s", log_id(coordinator.user_id), exc_info=True
            )
            continue
        await care.remember_request_message(
            services(context), asked.request.id, coordinator.user_id, sent.message_id
        )


async def on_accept(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = SupAccept.unpack(query.data) or SupPropose.unpack(query.data)
    if choice is None:
        await answer_stale(query, tr)
        return
    if not await require(update, context, Action.SUPERVISE):
        return
    claim = await care.accept_request(services(context), choice.request_id, user.id)
    if claim.outcome != "ok" or claim.worker is None:
        await answer_stale(query, tr, TAKEN if claim.outcome == "taken" else None)
        return
    await answer_query(query)
    worker = claim.worker
    await query.edit_message_text(
        views.slots_text(tr, worker.first_name, claim.zone),
        reply_markup=views.slots_markup(tr, choice.request_id, claim.slots),
    )
    for coordinator_id, message_id in claim.copies:
        other = _tr(await services(context).people.get(coordinator_id))
        try:
            await context.bot.edit_message_text(
                views.taken_text(other, worker.first_name, user.first_name),
                chat_id=coordinator_id,
                message_id=message_id,
            )
        except TelegramError:
            log.info("Could not update a supervision request's copy")
    if isinstance(choice, SupAccept):
        await _send(context, worker, views.worker_accepted_text(_tr(worker), user.first_name))


async def on_slot(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = SupSlot.unpack(query.data)
    try:
        start = datetime.strptime(choice.at, "%Y%m%d%H%M") if choice else None
    except ValueError:
        start = None
    if choice is None or start is None:
        await answer_stale(query, tr)
        return
    if not await require(update, context, Action.SUPERVISE):
        return
    done = await care.schedule_supervision(services(context), TEXTS, choice.request_id, user.id, start)
    if done.outcome != "ok" or done.session is None or done.worker is None:
        await answer_stale(query, tr, TAKEN if done.outcome == "taken" else None)
        return
    await answer_query(query)
    zone = done.session.schedule.time_zone
    await query.edit_message_text(views.scheduled_text(tr, done.worker.first_name, start, zone, worker=False))
    worker_tr = _tr(done.worker)
    await _send(
        context, done.worker, views.scheduled_text(worker_tr, user.first_name, start, zone, worker=True)
    )


async def _send(context: KindredContext, person: Person, text: str) -> None:
    try:
        await context.bot.send_message(person.user_id, text)
    except TelegramError:
        log.warning("Could not tell %s about their supervision", log_id(person.user_id), exc_info=True)


async def group_supervision_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None or not await require(update, context, Action.SUPERVISE):
        return
    tr = await translator_for(update, context)
    try:
        when = parse_weekly_time(context.args or [])
    except CareError:
        when = None
    if when is None:
        await reply(update, views.group_usage(tr))
        return
    svc = services(context)
    done = await care.schedule_group_supervision(svc, TEXTS, admins_lookup(context.bot), user.id, when)
    if done.session is None:
        return
    upcoming = await care.sessions_of(svc, user.id)
    first = next((o.start for s, o in upcoming if s.id == done.session.id), svc.clock.now())
    zone = done.session.schedule.time_zone
    await reply(update, views.group_scheduled_text(tr, when, zone, len(done.participants), first))


# -- after a crisis --


async def on_follow_up(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = FollowUpAnswer.unpack(query.data)
    if choice is None or choice.answer not in ("ok", "talk"):
        await answer_stale(query, tr)
        return
    if not await require_peer_worker(update, context):
        return
    await answer_query(query)
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        await query.edit_message_reply_markup(None)  # answered: the buttons go
    if choice.answer == "ok":
        await reply(update, views.follow_up_ok(tr))
    else:
        await _ask(update, context, tr, user.id)


# -- time off --


async def timeoff_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None or not await require_peer_worker(update, context):
        return
    svc = services(context)
    tr = await translator_for(update, context)
    current, last, zone = await care.my_time_off(svc, user.id)
    args = context.args or []
    if not args:
        text = views.away_status(tr, current.starts_at if current else None, last, zone)
        await reply(update, text + "\n\n" + tr._(MSG_AWAY_SYNTAX))
        return
    try:
        period = parse_away(args, svc.clock.now().astimezone(ZoneInfo(zone)).date())
    except CareError as error:
        await reply(update, tr._(error.message))
        return
    result = await care.set_time_off(svc, TEXTS, admins_lookup(context.bot), user.id, period)
    if result is None or period is None:
        await reply(update, views.away_off_text(tr, current is not None))
        return
    await reply(update, views.away_set_text(tr, result.starts_at, period.last_day, zone))


# -- /team --


async def team_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None or not await require_peer_worker(update, context):
        return
    tr = await translator_for(update, context)
    view = await care.team(services(context), admins_lookup(context.bot), user.id)
    await reply(update, views.render_team(tr, view))


async def in_group(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await talk_privately(update, context, views.private_only(tr))


# -- start-up and personal data --


async def on_startup(application: KindredApplication) -> None:
    svc = application.bot_data.services
    await care.rebuild(svc, TEXTS, admins_lookup(application.bot))


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return {"peer_worker_care": await care.export(services(context), user_id)}


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    erased = await care.erase(services(context), user_id)
    return [N_("your peer-worker self-checks, supervision requests and time off")] if erased else []


def handlers() -> Handlers:
    private = filters.ChatType.PRIVATE
    names = ["care", "supervision", "timeoff", "team", "groupsupervision"]
    return {
        FEATURES: [
            CommandHandler(names, in_group, filters=filters.ChatType.GROUPS),
            CommandHandler("care", care_command, filters=private),
            CommandHandler("supervision", supervision_command, filters=private),
            CommandHandler("timeoff", timeoff_command, filters=private),
            CommandHandler("team", team_command, filters=private),
            CommandHandler("groupsupervision", group_supervision_command, filters=private),
            CallbackQueryHandler(on_menu, pattern=CareMenu.pattern()),
            CallbackQueryHandler(on_step, pattern=CareStep.pattern()),
            CallbackQueryHandler(on_accept, pattern=SupAccept.pattern()),
            CallbackQueryHandler(on_accept, pattern=SupPropose.pattern()),
            CallbackQueryHandler(on_slot, pattern=SupSlot.pattern()),
            CallbackQueryHandler(on_follow_up, pattern=FollowUpAnswer.pattern()),
        ]
    }


FEATURE = Feature(
    name="care",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
    replan=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
