"""/start, /help and /language: the welcome, the command list for each role, and the menus."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.domain.i18n import N_, Translator, language_name, supported_languages, translator
from bot.domain.roles import Action, Role
from bot.runtime.commands import GROUP_ONLY, PRIVATE_ONLY, ChatKind, Command, visible
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature, Handlers
from bot.usecases import start as start_usecases
from handlers.callback_data import CallbackData
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    chat_kind,
    escape,
    reply,
    reply_in_parts,
    require,
    services,
    translator_for,
)
from handlers.crisis import crisis_verdict

log = logging.getLogger(__name__)

COMMANDS = (
    Command("start", N_("Welcome, and what I can do for you"), where=PRIVATE_ONLY, order=0),
    Command("help", N_("The commands you can use here"), order=1),
    Command("language", N_("Choose your language"), where=PRIVATE_ONLY, order=90),
    Command(
        "language",
        N_("Choose the group's language"),
        role=Role.FACILITATOR,
        where=GROUP_ONLY,
        order=90,
    ),
)


@dataclass(frozen=True)
class ChooseLanguage(CallbackData, prefix="lang"):
    scope: str  # "me" or "group"
    code: str


def all_commands(features: Sequence[Feature]) -> list[Command]:
    return [command for feature in features for command in feature.commands]


async def caller_role(update: Update, context: KindredContext) -> Role:
    """Coordinator; facilitator of this group (or, in private, of any of their groups); member."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return Role.MEMBER
    group_chat_id = chat.id if chat_kind(update) is ChatKind.GROUP else None
    return await start_usecases.role_of(services(context), user.id, group_chat_id)


async def caller_is_peer_worker(update: Update, context: KindredContext, role: Role) -> bool:
    """In private, whether a member (by role) is a peer worker all the same: a peer mentor."""
    user = update.effective_user
    if user is None or role >= Role.FACILITATOR or chat_kind(update) is not ChatKind.PRIVATE:
        return False
    return await start_usecases.is_peer_worker(services(context), user.id)


ROLE_NAMES = {
    Role.MEMBER: N_("member"),
    Role.FACILITATOR: N_("facilitator"),
    Role.COORDINATOR: N_("coordinator"),
}


def render_commands(tr: Translator, commands: Sequence[Command], with_details: bool) -> str:
    lines = []
    for command in commands:
        lines.append(f"/{command.name} — {escape(tr._(command.description))}")
        if with_details and command.details:
            lines.append(f"<i>{escape(tr._(command.details))}</i>")
    return "\n".join(lines)


def render_help(
    tr: Translator,
    role: Role,
    where: ChatKind,
    commands: Sequence[Command],
    *,
    details: bool = True,
    peer_worker: bool = False,
) -> str:
    """Every command the reader may use here; in private with what each does (unless *details*
    is off: the welcome lists them briefly and /help explains)."""
    title = tr._("<b>What you can do here</b> (as a {role}):").format(role=tr._(ROLE_NAMES[role]))
    body = render_commands(
        tr,
        visible(commands, role, where, peer_worker=peer_worker),
        with_details=details and where is ChatKind.PRIVATE,
    )
    footer = tr._("In a hard moment, send /sos at any time for crisis lines.")
    return f"{title}\n\n{body}\n\n{footer}"


def render_welcome(
    tr: Translator, first_name: str, role: Role, commands: Sequence[Command], *, peer_worker: bool = False
) -> str:
    parts = [
        tr._("Hi {name}, welcome to Kindred. 🌱").format(name=escape(first_name)),
        tr._(
            "I help recovery groups stay connected: see and RSVP to meetings, get reminders, "
            "check in privately, track how you are doing, and find a peer mentor."
        ),
        tr._(
            "<b>Your privacy.</b> I keep your first name, username and language, the groups you are "
            "in, and your RSVPs and attendance. Check-ins are stored under a keyed pseudonym, never "
            "with your name or Telegram id, so nobody, not coordinators and not whoever runs the "
            "database, can tie them to you. /mydata sends you a copy of what I hold; /forget erases it."
        ),
        render_help(tr, role, ChatKind.PRIVATE, commands, details=False, peer_worker=peer_worker),
    ]
    return "\n\n".join(parts)


async def start(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    role = await caller_role(update, context)
    peer_worker = await caller_is_peer_worker(update, context, role)
    commands = all_commands(services(context).features)
    await reply_in_parts(update, render_welcome(tr, user.first_name, role, commands, peer_worker=peer_worker))


async def help_command(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    role = await caller_role(update, context)
    peer_worker = await caller_is_peer_worker(update, context, role)
    commands = all_commands(services(context).features)
    await reply_in_parts(update, render_help(tr, role, chat_kind(update), commands, peer_worker=peer_worker))


def language_keyboard(scope: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(language_name(code), callback_data=ChooseLanguage(scope, code).pack())
        for code in supported_languages()
    ]
    return InlineKeyboardMarkup([buttons])


async def language(update: Update, context: KindredContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    scope = "me" if chat_kind(update) is ChatKind.PRIVATE else "group"
    if scope == "group" and not await require(update, context, Action.SET_GROUP_LANGUAGE, chat.id):
        return
    tr = await translator_for(update, context)
    prompt = tr._("Choose your language:") if scope == "me" else tr._("Choose the group's language:")
    await reply(update, prompt, reply_markup=language_keyboard(scope))


async def language_chosen(update: Update, context: KindredContext) -> None:
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    choice = ChooseLanguage.unpack(query.data if query else None)
    if query is None or chat is None or user is None:
        return
    if choice is None or choice.code not in supported_languages() or choice.scope not in ("me", "group"):
        tr = await translator_for(update, context)
        await answer_query(query, tr._("That button no longer works. Please send /language again."), True)
        return
    if choice.scope == "group":
        if chat_kind(update) is not ChatKind.GROUP:
            await answer_query(query)
            return
        if not await require(update, context, Action.SET_GROUP_LANGUAGE, chat.id):
            return
        await start_usecases.set_group_language(services(context), chat.id, choice.code)
    else:
        await start_usecases.set_person_language(services(context), user.id, choice.code)
    tr = translator(choice.code)
    await answer_query(query)
    await query.edit_message_text(
        tr._("Language set to {language}.").format(language=language_name(choice.code))
    )


def render_not_understood(tr: Translator) -> str:
    return tr._(
        "I'm not sure what you mean. Send /help to see what I can do, or /sos if you need support right now."
    )


async def not_understood(update: Update, context: KindredContext) -> None:
    """A private message no feature claimed: never leave a person without an answer.

    Stays quiet when the crisis screen (which runs first, in the CRISIS group) has answered."""
    if await crisis_verdict(update, context) is not None:
        return
    tr = await translator_for(update, context)
    await reply(update, render_not_understood(tr))


async def button_gone(update: Update, context: KindredContext) -> None:
    """A button press no feature claimed (a finished step, a flow that timed out, a message from
    before an upgrade): Telegram shows a spinner and then "the bot did not answer" unless every
    query is answered, so say kindly that it is finished."""
    tr = await translator_for(update, context)
    await answer_query(update.callback_query, render_button_gone(tr), True)


def render_button_gone(tr: Translator) -> str:
    return tr._("This button belongs to something already finished. Send the command again to start afresh.")


def handlers() -> Handlers:
    return {
        FEATURES: [
            CommandHandler("start", start),  # features' deep links (/start payload) come earlier
            CommandHandler("help", help_command),
            CommandHandler("language", language),
            CallbackQueryHandler(language_chosen, pattern=ChooseLanguage.pattern()),
            MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, not_understood),
            CallbackQueryHandler(button_gone),  # last: only presses no feature handler matched
        ],
    }


def _bot_commands(tr: Translator, commands: Sequence[Command]) -> list[BotCommand]:
    return [BotCommand(c.name, tr._(c.description)[:256]) for c in commands]


async def on_startup(application: KindredApplication) -> None:
    """Publish the command menus: private chats, group chats, group admins, and coordinators."""
    commands = all_commands(application.bot_data.services.features)
    coordinators = application.bot_data.services.settings.coordinator_ids
    menus = [
        (BotCommandScopeAllPrivateChats(), visible(commands, Role.MEMBER, ChatKind.PRIVATE)),
        (BotCommandScopeAllGroupChats(), visible(commands, Role.MEMBER, ChatKind.GROUP)),
        (BotCommandScopeAllChatAdministrators(), visible(commands, Role.FACILITATOR, ChatKind.GROUP)),
    ]
    menus += [
        (BotCommandScopeChat(user_id), visible(commands, Role.COORDINATOR, ChatKind.PRIVATE))
        for user_id in sorted(coordinators)
    ]
    for scope, chosen in menus:
        for code in supported_languages():
            language_code = None if code == "en" else code
            try:
                await application.bot.set_my_commands(
                    _bot_commands(translator(code), chosen), scope=scope, language_code=language_code
                )
            except TelegramError:  # e.g. a coordinator who never opened a chat with the bot
                log.info("Could not publish a command menu (%s)", type(scope).__name__)


FEATURE = Feature(
    name="start",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
)
