"""Crisis alerts a member asked for, and their escalation to the coordinators: the Telegram side.

Who is alerted, when the coordinators are told and what is stored is
:mod:`bot.usecases.crisis_alerts`; this module words the alerts in each reader's language, sends
them (:class:`TelegramAlerts`) and handles the "I'm reaching out" button.  Everyone alerted sees
only what the member agreed to share: their name and groups, never what they wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler

from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.runtime.context import KindredApplication, KindredBot
from bot.runtime.feature import Feature, Handlers
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases import care, crisis_alerts, registration
from bot.usecases.crisis_alerts import Ack, MemberNews, Named
from handlers.callback_data import CallbackData
from handlers.care_views import TEXTS as CARE_TEXTS
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    answer_stale,
    escape,
    services,
    translator_for,
)
from handlers.crisis import crisis_resources, render_resources

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reaching(CallbackData, prefix="sosack"):
    alert_id: int


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


# -- sending --


class TelegramAlerts:
    """The handlers' side of :class:`bot.usecases.crisis_alerts.AlertLetters`."""

    def __init__(self, bot: KindredBot, svc: Services) -> None:
        self._bot = bot
        self._svc = svc

    async def _tr(self, user_id: int) -> Translator | None:
        person = await self._svc.people.get(user_id)
        if person is None:
            return None
        return translator(person.language or resolve_language(person.telegram_language))

    async def group_admins(self, chat_id: int) -> set[int] | None:
        try:
            listed = await self._bot.get_chat_administrators(chat_id)
        except TelegramError:
            log.warning("Could not list a group's administrators for a crisis alert", exc_info=True)
            return None
        return {a.user.id for a in listed if not a.user.is_bot}

    async def send_alert(self, user_id: int, member: Named, alert_id: int, *, escalated: bool) -> int | None:
        tr = await self._tr(user_id) or translator("en")
        text = render_alert(tr, member, _emergency_number(self._svc), escalated=escalated)
        try:
            sent: Message = await self._bot.send_message(
                user_id, text, reply_markup=reaching_markup(tr, alert_id)
            )
        except Forbidden:
            await registration.mark_unreachable(self._svc, user_id)
            return None
        except TelegramError:
            log.warning("Could not deliver a crisis alert to %s", log_id(user_id), exc_info=True)
            return None
        return sent.message_id

    async def tell_member(self, member_id: int, news: MemberNews, helper: str = "") -> None:
        person = await self._svc.people.get(member_id)
        if person is None or not person.reachable:
            return
        tr = translator(person.language or resolve_language(person.telegram_language))
        if news is MemberNews.ESCALATED:
            text = tr._("💛 I have also told a coordinator, so someone can reach out to you soon.")
        else:
            text = tr._("💛 {helper} has seen your message and is reaching out to you.").format(
                helper=escape(helper)
            )
        try:
            await self._bot.send_message(member_id, text)
        except TelegramError:
            log.warning("Could not tell a member about their crisis alert", exc_info=True)

    async def show_taken(self, chat_id: int, message_id: int, member_name: str, helper_name: str) -> None:
        text = render_taken(await self._tr(chat_id) or translator("en"), member_name, helper_name, mine=False)
        try:
            await self._bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except TelegramError:
            log.warning("Could not update a crisis alert's copy", exc_info=True)


def _emergency_number(svc: Services) -> str:
    from handlers.crisis import _load  # noqa: PLC0415 - the deployment's lines, read once

    return _load(svc.settings.crisis_resources_file).emergency_number


# -- asking for support --


async def ask_for_support(context: KindredContext, member: User, tr: Translator) -> str:
    """Alert the member's facilitators, plan the escalation, and say what happened (to the member)."""
    asked = await crisis_alerts.ask_for_support(
        services(context),
        TelegramAlerts(context.application.bot, services(context)),
        member.id,
        member.full_name,
        member.username,
    )
    if asked.facilitators:
        return tr.n_(
            "I told {count} facilitator. They will reach out to you privately when they can. "
            "If you need help right now, please use the lines above.",
            "I told {count} facilitators. They will reach out to you privately when they can. "
            "If you need help right now, please use the lines above.",
            asked.facilitators,
        ).format(count=asked.facilitators)
    if asked.coordinators:
        return tr._(
            "I could not reach a facilitator right now, so I told a coordinator. They will reach out "
            "to you privately. If you need help right now, please use the lines above. 💛"
        )
    sorry = tr._(
        "I'm sorry: I could not reach any facilitator right now (they need to have started a private "
        "chat with me). Please contact one of these lines, they are there for you:"
    )
    return f"{sorry}\n\n{render_resources(tr, crisis_resources(context), None)}"


# -- acknowledgement --


async def on_reaching(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = Reaching.unpack(query.data)
    svc = services(context)
    if choice is None:
        await answer_stale(query, tr)
        return
    ack = await crisis_alerts.acknowledge(svc, choice.alert_id, user.id)
    if ack.outcome is Ack.STALE or ack.alert is None or ack.member is None:
        await answer_stale(query, tr)
        return
    if ack.outcome is Ack.TAKEN:
        await answer_query(query, tr._("Someone is already reaching out. Thank you."), True)
        await query.edit_message_reply_markup(None)
        return
    await answer_query(query)
    await query.edit_message_text(render_taken(tr, ack.member.name, user.first_name, mine=True))
    await crisis_alerts.spread_acknowledgement(
        svc, TelegramAlerts(context.application.bot, services(context)), ack, user.id, user.first_name
    )
    await care.after_crisis_acknowledged(svc, CARE_TEXTS, user.id, ack.alert.id)  # next-day check on them


# -- start-up and personal data --


async def on_startup(application: KindredApplication) -> None:
    """Re-plan every escalation still waiting; one already due runs at once."""
    await crisis_alerts.replan(
        application.bot_data.services, TelegramAlerts(application.bot, application.bot_data.services)
    )


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return {"crisis_alerts_you_asked_for": await crisis_alerts.export(services(context), user_id)}


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    erased = await crisis_alerts.erase(services(context), user_id)
    return [N_("the crisis alerts you asked for")] if erased else []


def handlers() -> Handlers:
    return {FEATURES: [CallbackQueryHandler(on_reaching, pattern=Reaching.pattern())]}


FEATURE = Feature(
    name="crisis_alerts",
    handlers=handlers,
    on_startup=on_startup,
    replan=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
