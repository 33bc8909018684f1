"""Crisis alerts a member asked for, and their escalation to the coordinators.

A member in crisis who says "yes, tell a facilitator" gets their groups' facilitators alerted,
each alert with an "I'm reaching out" button.  If nobody presses it within
``CRISIS_ESCALATION_MINUTES`` (or no facilitator could be reached at all), the coordinators are
alerted too.  Everyone alerted sees only what the member agreed to share: their name and groups,
never what they wrote.  The wait is a scheduled job rebuilt from the database at start-up, so a
restart never drops an escalation that is due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, BaseHandler, CallbackQueryHandler

from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.runtime.feature import Feature
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases import care
from handlers.callback_data import CallbackData
from handlers.care_views import TEXTS as CARE_TEXTS
from handlers.common import FEATURES, KindredContext, answer_query, escape, services, translator_for
from handlers.crisis import crisis_resources, render_resources
from storage.crisis_alerts import CrisisAlert, CrisisAlertRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reaching(CallbackData, prefix="sosack"):
    alert_id: int


@dataclass(frozen=True)
class Named:
    """What the member agreed to share: who they are, and their groups."""

    user_id: int
    name: str
    username: str | None
    groups: list[str]


def repo(svc: Services) -> CrisisAlertRepository:
    return svc.repos.crisis_alerts


def job_name(alert_id: int) -> str:
    return f"crisis-escalation:{alert_id}"


# -- rendering --


def render_alert(tr: Translator, member: Named, emergency: str, *, escalated: bool) -> str:
    name = escape(member.name)
    handle = f" (@{escape(member.username)})" if member.username else ""
    link = f'<a href="tg://user?id={member.user_id}">{name}</a>'
    lines = [
        tr._("🆘 <b>A member asked for support</b>"),
        tr._(
            "{name}{handle} from {groups} is going through a very hard moment and asked me to let "
            "a facilitator know. Please reach out to {link} privately when you can."
        ).format(name=name, handle=handle, groups=escape(", ".join(member.groups)), link=link),
    ]
    if escalated:
        lines.append(
            tr._("No facilitator has said they are reaching out yet, so I am telling you as a coordinator.")
        )
    lines.append(
        tr._("If they may be in immediate danger, encourage them to call {number}.").format(
            number=escape(emergency)
        )
    )
    lines.append(tr._("Press the button when you are reaching out, so the others know."))
    return "\n".join(lines)


def reaching_markup(tr: Translator, alert_id: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(tr._("💛 I'm reaching out"), callback_data=Reaching(alert_id).pack())
    return InlineKeyboardMarkup([[button]])


def render_taken(tr: Translator, member_name: str, helper_name: str, *, mine: bool) -> str:
    if mine:
        return tr._("✅ Thank you for reaching out to {member}. The others have been told.").format(
            member=escape(member_name)
        )
    return tr._("✅ {helper} is reaching out to {member}. Thank you.").format(
        helper=escape(helper_name), member=escape(member_name)
    )


# -- asking for support --


async def ask_for_support(context: KindredContext, member: User, tr: Translator) -> str:
    """Alert the member's facilitators, plan the escalation, and say what happened (to the member)."""
    svc = services(context)
    named = await _named(context, member)
    now = svc.clock.now()
    alert_id = await repo(svc).create(
        member.id, now, now + timedelta(minutes=svc.settings.crisis_escalation_minutes)
    )
    told = await _alert_facilitators(context, named, alert_id)
    log.info("A crisis alert reached %d facilitator(s)", told)
    if not told:
        coordinators = await escalate(context.application, alert_id)
        if coordinators:
            return tr._(
                "I could not reach a facilitator right now, so I told a coordinator. They will reach out "
                "to you privately. If you need help right now, please use the lines above. 💛"
            )
        sorry = tr._(
            "I'm sorry: I could not reach any facilitator right now (they need to have started a private "
            "chat with me). Please contact one of these lines, they are there for you:"
        )
        return f"{sorry}\n\n{render_resources(tr, crisis_resources(context), None)}"
    plan(context.application, alert_id, now + timedelta(minutes=svc.settings.crisis_escalation_minutes))
    return tr.n_(
        "I told {count} facilitator. They will reach out to you privately when they can. "
        "If you need help right now, please use the lines above.",
        "I told {count} facilitators. They will reach out to you privately when they can. "
        "If you need help right now, please use the lines above.",
        told,
    ).format(count=told)


async def _named(context: KindredContext, member: User) -> Named:
    groups = await services(context).groups.groups_of(member.id)
    return Named(member.id, member.full_name, member.username, [group.title for group in groups])


async def _alert_facilitators(context: KindredContext, member: Named, alert_id: int) -> int:
    """The admins of the member's groups who can be written to; returns how many were told."""
    svc = services(context)
    admins: set[int] = set()
    for group in await svc.groups.groups_of(member.user_id):
        try:
            listed = await context.bot.get_chat_administrators(group.chat_id)
        except TelegramError:
            log.warning("Could not list a group's administrators for a crisis alert", exc_info=True)
            continue
        admins.update(a.user.id for a in listed if not a.user.is_bot and a.user.id != member.user_id)
    told = 0
    for admin_id in await care.available(svc, sorted(admins)):  # not those on time off
        told += await _send_alert(context.application, admin_id, member, alert_id, escalated=False)
    return told


async def _send_alert(
    app: Application, user_id: int, member: Named, alert_id: int, *, escalated: bool
) -> bool:  # type: ignore[type-arg]
    svc: Services = app.bot_data.services
    person = await svc.people.get(user_id)
    if person is None or not person.private_chat or not person.reachable:
        return False
    tr = translator(person.language or resolve_language(person.telegram_language))
    text = render_alert(tr, member, _emergency_number(app), escalated=escalated)
    try:
        sent: Message = await app.bot.send_message(user_id, text, reply_markup=reaching_markup(tr, alert_id))
    except Forbidden:
        await svc.people.mark_unreachable(user_id, svc.clock.now())
        return False
    except TelegramError:
        log.warning("Could not deliver a crisis alert to %s", log_id(user_id), exc_info=True)
        return False
    await repo(svc).add_message(alert_id, user_id, sent.message_id)
    return True


def _emergency_number(app: Application) -> str:  # type: ignore[type-arg]
    from handlers.crisis import _load  # noqa: PLC0415 - the deployment's lines, read once

    return _load(app.bot_data.services.settings.crisis_resources_file).emergency_number


# -- escalation --


def plan(app: Application, alert_id: int, when: Any) -> None:  # type: ignore[type-arg]
    app.bot_data.services.jobs.at(job_name(alert_id), when, lambda: _escalate_quietly(app, alert_id))


async def _escalate_quietly(app: Application, alert_id: int) -> None:  # type: ignore[type-arg]
    await escalate(app, alert_id)


async def escalate(app: Application, alert_id: int) -> int:  # type: ignore[type-arg]
    """Tell the coordinators, once, if nobody has acknowledged; returns how many were told."""
    svc: Services = app.bot_data.services
    alerts = repo(svc)
    alert = await alerts.get(alert_id)
    if alert is None or not await alerts.mark_escalated(alert_id, svc.clock.now()):
        return 0
    member = await _member_of(app, alert)
    told = 0
    for coordinator_id in sorted(svc.settings.coordinator_ids):
        if coordinator_id != alert.member_id:
            told += await _send_alert(app, coordinator_id, member, alert_id, escalated=True)
    log.info("A crisis alert went up to %d coordinator(s)", told)
    if told:
        await _tell_member(app, alert.member_id, "escalated")
    return told


async def _member_of(app: Application, alert: CrisisAlert) -> Named:  # type: ignore[type-arg]
    svc: Services = app.bot_data.services
    person = await svc.people.get(alert.member_id)
    groups = await svc.groups.groups_of(alert.member_id)
    name = person.first_name if person else "?"
    return Named(alert.member_id, name, person.username if person else None, [g.title for g in groups])


async def _tell_member(app: Application, member_id: int, what: str, helper: str = "") -> None:  # type: ignore[type-arg]
    svc: Services = app.bot_data.services
    person = await svc.people.get(member_id)
    if person is None or not person.reachable:
        return
    tr = translator(person.language or resolve_language(person.telegram_language))
    if what == "escalated":
        text = tr._("💛 I have also told a coordinator, so someone can reach out to you soon.")
    else:
        text = tr._("💛 {helper} has seen your message and is reaching out to you.").format(
            helper=escape(helper)
        )
    try:
        await app.bot.send_message(member_id, text)
    except TelegramError:
        log.warning("Could not tell a member about their crisis alert", exc_info=True)


# -- acknowledgement --


async def on_reaching(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = Reaching.unpack(query.data)
    svc = services(context)
    alerts = repo(svc)
    alert = await alerts.get(choice.alert_id) if choice else None
    recipients = {m.chat_id: m for m in await alerts.messages(alert.id)} if alert else {}
    if alert is None or user.id not in recipients:
        await answer_query(query, tr._("That button no longer works."), True)
        return
    member = await _member_of(context.application, alert)
    if not await alerts.acknowledge(alert.id, user.id, svc.clock.now()):
        await answer_query(query, tr._("Someone is already reaching out. Thank you."), True)
        await query.edit_message_reply_markup(None)
        return
    await answer_query(query)
    svc.jobs.cancel(job_name(alert.id))
    log.info("A crisis alert was acknowledged by %s", log_id(user.id))
    await query.edit_message_text(render_taken(tr, member.name, user.first_name, mine=True))
    await _update_copies(context, alert.id, user, member.name, skip=user.id)
    await _tell_member(context.application, alert.member_id, "reaching", helper=user.first_name)
    await care.after_crisis_acknowledged(svc, CARE_TEXTS, user.id, alert.id)  # next-day check on them


async def _update_copies(
    context: KindredContext, alert_id: int, helper: User, member_name: str, skip: int
) -> None:
    svc = services(context)
    for message in await repo(svc).messages(alert_id):
        if message.chat_id == skip:
            continue
        person = await svc.people.get(message.chat_id)
        language = (person.language or resolve_language(person.telegram_language)) if person else "en"
        text = render_taken(translator(language), member_name, helper.first_name, mine=False)
        try:
            await context.bot.edit_message_text(text, chat_id=message.chat_id, message_id=message.message_id)
        except TelegramError:
            log.warning("Could not update a crisis alert's copy", exc_info=True)


# -- start-up and personal data --


async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
    """Re-plan every escalation still waiting; one already due runs at once."""
    svc: Services = application.bot_data.services
    for alert in await repo(svc).open_alerts():
        plan(application, alert.id, alert.escalate_at)


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return {"crisis_alerts_you_asked_for": await repo(services(context)).export(user_id)}


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    erased = await repo(services(context)).erase(user_id)
    return [N_("the crisis alerts you asked for")] if erased else []


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
    return {FEATURES: [CallbackQueryHandler(on_reaching, pattern=Reaching.pattern())]}


FEATURE = Feature(
    name="crisis_alerts",
    handlers=handlers,
    on_startup=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
