"""The bot joining and leaving groups, and a group's time zone (/settz)."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.domain.i18n import N_, Translator, translator
from bot.domain.roles import Action, Role
from bot.domain.time_format import format_clock
from bot.domain.timezones import canonical_timezone, suggest_timezones
from bot.runtime.commands import GROUP_ONLY, Command
from bot.runtime.feature import Feature, Handlers
from bot.runtime.logs import log_id
from bot.usecases import groups
from handlers.common import (
    FEATURES,
    KindredContext,
    application,
    escape,
    reply,
    require,
    services,
    translator_for,
)

log = logging.getLogger(__name__)

COMMANDS = (
    Command(
        "settz",
        N_("Set the group's time zone, e.g. /settz Europe/Madrid"),
        role=Role.FACILITATOR,
        where=GROUP_ONLY,
        order=80,
    ),
)

IN = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.RESTRICTED}


def render_welcome(tr: Translator, timezone: str) -> str:
    return "\n\n".join(
        [
            tr._("Hello everyone! I'm Kindred, here to help this group stay connected. 🌱"),
            tr._(
                "Facilitators (the group's admins) can schedule meetings with /schedule and change "
                "the time zone with /settz. Everyone can see meetings with /meetings."
            ),
            tr._("Meeting times here are in {zone}.").format(zone=escape(timezone)),
            tr._("Write to me privately for check-ins, reminders and support: they stay between us."),
        ]
    )


async def on_bot_membership(update: Update, context: KindredContext) -> None:
    """The bot was added to or removed from a group."""
    change = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    svc = services(context)
    chat, by = change.chat, change.from_user
    was_in = change.old_chat_member.status in IN
    is_in = change.new_chat_member.status in IN
    if is_in and not was_in:
        added_by = by.id if by and not by.is_bot else None
        group = await groups.bot_joined(
            svc, chat.id, chat.title or "", by.language_code if by else None, added_by
        )
        log.info("Joined a group")
        await context.bot.send_message(chat.id, render_welcome(translator(group.language), group.timezone))
    elif was_in and not is_in:
        await groups.bot_left(svc, chat.id)
        log.info("Left a group")


async def on_migration(update: Update, context: KindredContext) -> None:
    """A group became a supergroup: Telegram moved it to a new chat id, and everything follows.

    Features that plan jobs per group (not per meeting or person) re-plan them through their
    optional ``on_chat_migrated(application, old_chat_id, new_chat_id)`` hook."""
    message = update.effective_message
    if message is None or not message.migrate_to_chat_id:
        return
    old, new = message.chat_id, message.migrate_to_chat_id
    await groups.chat_migrated(services(context), old, new)
    log.info("A group became a supergroup: %s is now %s", log_id(old), log_id(new))
    for feature in services(context).features:
        if feature.on_chat_migrated is not None:
            await feature.on_chat_migrated(application(context), old, new)


def render_timezone_set(tr: Translator, zone: str, now: datetime) -> str:
    return tr._("Time zone set to {zone}. It is {time} there now.").format(
        zone=escape(zone), time=escape(format_clock(tr, now, zone))
    )


def render_timezone_unknown(tr: Translator, text: str) -> str:
    message = tr._(
        "I don't know the time zone “{text}”. Please use a name like Europe/Madrid or America/New_York."
    ).format(text=escape(text[:64]))
    suggestions = suggest_timezones(text[:64])
    if suggestions:
        message += "\n" + tr._("Did you mean: {names}?").format(names=", ".join(suggestions))
    return message


async def set_timezone(update: Update, context: KindredContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    tr = await translator_for(update, context)
    if chat.type == "private":
        await reply(
            update, tr._("Please send /settz Area/City in the group whose time zone you want to change.")
        )
        return
    if not await require(update, context, Action.SET_TIMEZONE, chat.id):
        return
    svc = services(context)
    text = " ".join(context.args or [])
    if not text:
        current = await groups.timezone_of(svc, chat.id)
        await reply(
            update,
            tr._("This group's time zone is {zone}. To change it: /settz Europe/Madrid").format(
                zone=escape(current)
            ),
        )
        return
    zone = canonical_timezone(text)
    if zone is None:
        await reply(update, render_timezone_unknown(tr, text))
        return
    await groups.set_timezone(svc, chat.id, zone)
    await reply(update, render_timezone_set(tr, zone, svc.clock.now()))


def handlers() -> Handlers:
    return {
        FEATURES: [
            ChatMemberHandler(on_bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
            CommandHandler("settz", set_timezone),
            MessageHandler(filters.StatusUpdate.MIGRATE, on_migration),
        ]
    }


FEATURE = Feature(
    name="groups",
    handlers=handlers,
    commands=COMMANDS,
)
