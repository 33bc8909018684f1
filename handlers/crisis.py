"""The crisis safety net: screening every private message, /sos, and alerting facilitators on consent.

Screening runs in the ``CRISIS`` handler group, before anything else sees the update, and does
not stop the update: a check-in note that reads as a crisis is still saved (and never shared),
a conversation answer still counts.  The reply comes at once with crisis lines; the member may
then ask, with a button, for their groups' facilitators (the Telegram admins) to be told.  That
consent is consent to be named: the alert carries the member's name, never their message.

Logs carry only the detected category: never the text and never an id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callback_data import CallbackData
from bot.commands import Command
from bot.crisis import CrisisCategory, detect
from bot.crisis_resources import CrisisResources, load_crisis_resources
from bot.i18n import N_, Translator, resolve_language, translator
from bot.logs import log_id
from handlers.common import (
    CRISIS,
    FEATURES,
    KindredContext,
    answer_query,
    escape,
    reply,
    services,
    translator_for,
)

log = logging.getLogger(__name__)

COMMANDS = (Command("sos", N_("Crisis lines, any time"), order=2),)


@dataclass(frozen=True)
class Consent(CallbackData, prefix="sos"):
    answer: str  # "yes": tell my facilitators (and name me); "no": don't


@cache
def _load(path: Path | None) -> CrisisResources:
    return load_crisis_resources(path)


def crisis_resources(context: KindredContext) -> CrisisResources:
    """This deployment's lines (``CRISIS_RESOURCES_FILE``, validated at start-up), read once."""
    return _load(services(context).settings.crisis_resources_file)


# -- rendering --


def render_resources(tr: Translator, resources: CrisisResources, category: CrisisCategory | None) -> str:
    """The lines to call or text, most relevant first, and the emergency number."""
    language = tr.language
    lines = resources.for_category(language, category) if category else resources.for_language(language)
    parts = []
    for line in lines:
        ways = []
        if line.phone:
            ways.append(tr._("call {number}").format(number=escape(line.phone)))
        if line.sms:
            ways.append(tr._("text {number}").format(number=escape(line.sms)))
        head = f"• <b>{escape(tr._(line.name))}</b>"
        parts.append(f"{head}: {', '.join(ways)}" if ways else head)
        if line.description:
            parts.append(escape(tr._(line.description)))
        if line.url:
            parts.append(f'<a href="{escape(line.url)}">{escape(line.url)}</a>')
    emergency = tr._("If you are in immediate danger, call {number} now.").format(
        number=f"<b>{escape(resources.emergency_number)}</b>"
    )
    return "\n".join(parts) + "\n\n" + emergency


def render_support(tr: Translator, resources: CrisisResources, category: CrisisCategory | None) -> str:
    opening = tr._(
        "💛 I'm really glad you told me. You don't have to go through this alone. "
        "People are ready to help you right now:"
    )
    return f"{opening}\n\n{render_resources(tr, resources, category)}"


def consent_question(tr: Translator) -> str:
    return tr._(
        "Would you like me to tell a facilitator of your group, so they can reach out to you? "
        "They would see your name, not what you wrote."
    )


def consent_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("Yes, tell a facilitator"), callback_data=Consent("yes").pack())],
            [InlineKeyboardButton(tr._("No thanks"), callback_data=Consent("no").pack())],
        ]
    )


def render_alert(tr: Translator, member: User, group_titles: list[str], emergency: str) -> str:
    name = escape(member.full_name)
    handle = f" (@{escape(member.username)})" if member.username else ""
    link = f'<a href="tg://user?id={member.id}">{name}</a>'
    return "\n".join(
        [
            tr._("🆘 <b>A member asked for support</b>"),
            tr._(
                "{name}{handle} from {groups} is going through a very hard moment and asked me to let "
                "a facilitator know. Please reach out to {link} privately when you can."
            ).format(name=name, handle=handle, groups=escape(", ".join(group_titles)), link=link),
            tr._("If they may be in immediate danger, encourage them to call {number}.").format(
                number=escape(emergency)
            ),
        ]
    )


# -- offering help --


async def offer_help(
    update: Update, context: KindredContext, category: CrisisCategory | None, tr: Translator
) -> None:
    """Crisis lines at once, then (for members of a group) the question about telling a facilitator."""
    user = update.effective_user
    resources = crisis_resources(context)
    await reply(update, render_support(tr, resources, category))
    if user is not None and await services(context).groups.groups_of(user.id):
        await reply(update, consent_question(tr), reply_markup=consent_markup(tr))


async def screen(update: Update, context: KindredContext) -> None:
    """Every private text: a crisis gets crisis lines before any other reply; nothing is stopped."""
    message = update.effective_message
    if message is None or not message.text:
        return
    signal = detect(message.text)
    if signal is None:
        return
    log.info("Crisis screening matched a private message (%s)", signal.category)
    await offer_help(update, context, signal.category, await translator_for(update, context))


async def sos(update: Update, context: KindredContext) -> None:
    """Crisis lines at any time; in a group, the lines only (consent is a private matter)."""
    tr = await translator_for(update, context)
    resources = crisis_resources(context)
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await offer_help(update, context, None, tr)
        return
    heading = tr._("🆘 <b>Crisis lines</b>, free and confidential:")
    await reply(update, f"{heading}\n\n{render_resources(tr, resources, None)}")


# -- consent --


async def on_consent(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    choice = Consent.unpack(query.data if query else None)
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    if choice is None or choice.answer not in ("yes", "no"):
        await answer_query(query, tr._("That button no longer works. Send /sos for crisis lines."), True)
        return
    await answer_query(query)
    if choice.answer == "no":
        await query.edit_message_text(
            tr._("Okay, I won't tell anyone. Send /sos whenever you want the crisis lines again. 💛")
        )
        return
    told = await alert_facilitators(context, user)
    if told:
        text = tr.n_(
            "I told {count} facilitator. They will reach out to you privately when they can. "
            "If you need help right now, please use the lines above.",
            "I told {count} facilitators. They will reach out to you privately when they can. "
            "If you need help right now, please use the lines above.",
            told,
        ).format(count=told)
        await query.edit_message_text(text)
        return
    sorry = tr._(
        "I'm sorry: I could not reach any facilitator right now (they need to have started a private "
        "chat with me). Please contact one of these lines, they are there for you:"
    )
    await query.edit_message_text(f"{sorry}\n\n{render_resources(tr, crisis_resources(context), None)}")


async def alert_facilitators(context: KindredContext, member: User) -> int:
    """Tell the admins of the member's groups who can be written to; returns how many were told."""
    svc = services(context)
    titles_by_admin: dict[int, list[str]] = {}
    for group in await svc.groups.groups_of(member.id):
        try:
            admins = await context.bot.get_chat_administrators(group.chat_id)
        except TelegramError:
            log.warning("Could not list a group's administrators for a crisis alert", exc_info=True)
            continue
        for admin in admins:
            if not admin.user.is_bot and admin.user.id != member.id:
                titles_by_admin.setdefault(admin.user.id, []).append(group.title)
    emergency = crisis_resources(context).emergency_number
    told = 0
    for admin_id, titles in titles_by_admin.items():
        person = await svc.people.get(admin_id)
        if person is None or not person.private_chat or not person.reachable:
            continue
        tr = translator(person.language or resolve_language(person.telegram_language))
        try:
            await context.bot.send_message(admin_id, render_alert(tr, member, titles, emergency))
        except Forbidden:
            await svc.people.mark_unreachable(admin_id, svc.clock.now())
            continue
        except TelegramError:
            log.warning("Could not deliver a crisis alert to %s", log_id(admin_id), exc_info=True)
            continue
        told += 1
    log.info("A crisis alert reached %d facilitator(s)", told)
    return told


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
    return {
        CRISIS: [MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, screen)],
        FEATURES: [
            CommandHandler("sos", sos),
            CallbackQueryHandler(on_consent, pattern=Consent.pattern()),
        ],
    }
