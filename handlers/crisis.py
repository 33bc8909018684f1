"""The crisis safety net: screening every message the bot reads, /sos, and the middle tier.

Screening runs in the ``CRISIS`` handler group, before anything else sees the update, and does
not stop the update: a check-in note that reads as a crisis is still saved (and never shared),
a conversation answer still counts.

- A **clear** crisis gets the crisis lines at once; a member of a group is then asked whether a
  facilitator may be told (:mod:`handlers.crisis_alerts` does the telling and the escalation).
- A **possible** crisis gets a short "are you safe right now?" with two buttons, and the crisis
  lines in the same message, so nobody has to press anything to reach help.
- In a **group**, the person is answered privately where the bot can write to them, and the group
  sees one short line pointing to /sos: never their words, never their name.

Logs carry only the detected category and urgency: never the text and never an id.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.domain.crisis import CrisisCategory, CrisisSignal, Urgency, detect, start_semantic_layer
from bot.domain.crisis_resources import CrisisResources, load_crisis_resources
from bot.domain.i18n import N_, Translator, translator
from bot.runtime.commands import Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature, Handlers
from bot.usecases import registration
from bot.usecases.crisis import may_alert_facilitators, private_language
from handlers.callback_data import CallbackData
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
from handlers.plan.safety import safety_plan_block
from handlers.supporters_offer import supporters_offer

log = logging.getLogger(__name__)

COMMANDS = (Command("sos", N_("Crisis lines, any time"), order=2),)


@dataclass(frozen=True)
class Consent(CallbackData, prefix="sos"):
    answer: str  # "yes": tell my facilitators (and name me); "no": don't


@dataclass(frozen=True)
class SafetyCheck(CallbackData, prefix="safe"):
    answer: str  # "safe": I'm safe right now; "help": I need help now


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


def render_support(
    tr: Translator, resources: CrisisResources, category: CrisisCategory | None, *, told: bool = True
) -> str:
    """The crisis reply; *told* is False for /sos, where nobody has told the bot anything."""
    if told:
        opening = tr._(
            "💛 I'm really glad you told me. You don't have to go through this alone. "
            "People are ready to help you right now:"
        )
    else:
        opening = tr._("💛 You don't have to go through this alone. People are ready to help you right now:")
    return f"{opening}\n\n{render_resources(tr, resources, category)}"


def render_safety_check(tr: Translator, resources: CrisisResources, category: CrisisCategory | None) -> str:
    question = tr._(
        "💛 I want to check in with you: <b>are you safe right now?</b> Whatever the answer, "
        "you can talk to someone any time:"
    )
    return f"{question}\n\n{render_resources(tr, resources, category)}"


def safety_check_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("I need help now"), callback_data=SafetyCheck("help").pack())],
            [InlineKeyboardButton(tr._("I'm safe right now"), callback_data=SafetyCheck("safe").pack())],
        ]
    )


def consent_question(tr: Translator, escalation_minutes: int) -> str:
    return tr.n_(
        "Would you like me to tell a facilitator of your group, so they can reach out to you? They "
        "would see your name, not what you wrote. If no facilitator answers within {minutes} minute, "
        "I will tell a coordinator too.",
        "Would you like me to tell a facilitator of your group, so they can reach out to you? They "
        "would see your name, not what you wrote. If no facilitator answers within {minutes} minutes, "
        "I will tell a coordinator too.",
        escalation_minutes,
    ).format(minutes=escalation_minutes)


def consent_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("Yes, tell a facilitator"), callback_data=Consent("yes").pack())],
            [InlineKeyboardButton(tr._("No thanks"), callback_data=Consent("no").pack())],
        ]
    )


def group_pointer(tr: Translator) -> str:
    """The one line a group sees: it names nobody and repeats nothing."""
    return tr._(
        "💛 If anyone here needs support right now: /sos shows crisis lines, free and confidential, "
        "and you can always write to me privately."
    )


# -- offering help --


async def send_private(
    context: KindredContext, user_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Write to someone's private chat; False if they cannot be reached there."""
    try:
        await context.bot.send_message(user_id, text, reply_markup=reply_markup)
    except Forbidden:
        await registration.mark_unreachable(services(context), user_id)
        return False
    except TelegramError:
        log.warning("Could not deliver a crisis reply privately", exc_info=True)
        return False
    return True


async def offer_help(
    context: KindredContext, user_id: int, category: CrisisCategory | None, tr: Translator, *, told: bool
) -> bool:
    """Crisis lines at once, then (for members of a group) the question about telling a facilitator."""
    resources = crisis_resources(context)
    support = render_support(tr, resources, category, told=told)
    own = await safety_plan_block(context, user_id, tr)  # the member's own plan first, if any
    if not await send_private(context, user_id, f"{own}\n\n{support}" if own else support):
        return False
    svc = services(context)
    if await may_alert_facilitators(svc, user_id):
        question = consent_question(tr, svc.settings.crisis_escalation_minutes)
        await send_private(context, user_id, question, reply_markup=consent_markup(tr))
    await offer_supporters(context, user_id, tr)
    return True


async def offer_supporters(context: KindredContext, user_id: int, tr: Translator) -> None:
    """After the crisis lines, never instead of them: one tap asks the member's supporters to
    call or write (issue 24), shown only to a member who has at least one."""
    offer = await supporters_offer(services(context), user_id, tr)
    if offer is not None:
        await send_private(context, user_id, offer[0], reply_markup=offer[1])


async def answer_signal(context: KindredContext, user_id: int, signal: CrisisSignal, tr: Translator) -> bool:
    """A clear crisis gets the crisis reply; a possible one is asked if they are safe."""
    if signal.urgency is Urgency.CLEAR:
        return await offer_help(context, user_id, signal.category, tr, told=True)
    text = render_safety_check(tr, crisis_resources(context), signal.category)
    own = await safety_plan_block(context, user_id, tr)  # the member's own plan first, if any
    text = f"{own}\n\n{text}" if own else text
    return await send_private(context, user_id, text, reply_markup=safety_check_markup(tr))


def _screened_text(update: Update) -> str:
    """What a person wrote to someone; a /command and its settings ("/prompt off") are not that."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    return "" if text.startswith("/") else text


_UNSCREENED = object()


async def crisis_verdict(update: Update, context: KindredContext) -> CrisisSignal | None:
    """What the crisis screen found in this update. It runs first and leaves its verdict on the
    update's context, so later handlers (a check-in note, "I did not understand") reuse it
    instead of screening the same text again on the event loop."""
    found = getattr(context, "crisis_verdict", _UNSCREENED)
    if found is None or isinstance(found, CrisisSignal):
        return found
    return await screened(update)


async def screened(update: Update) -> CrisisSignal | None:
    """Screen the update's text on the screener's own thread: reading a long message with the
    encoder takes milliseconds of numpy, and the event loop keeps serving other chats meanwhile.
    One thread, so the model is never used by two at once."""
    text = _screened_text(update)
    if not text:
        return None
    return await asyncio.get_running_loop().run_in_executor(_SCREENER, detect, text)


_SCREENER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crisis-screen")


async def screen(update: Update, context: KindredContext) -> None:
    """Every private text: a crisis gets crisis lines before any other reply; nothing is stopped."""
    user = update.effective_user
    signal = await screened(update)
    context.crisis_verdict = signal  # type: ignore[attr-defined]
    if signal is None or user is None:
        return
    log.info("Crisis screening matched a private message (%s, %s)", signal.category, signal.urgency)
    await answer_signal(context, user.id, signal, await translator_for(update, context))


async def screen_group(update: Update, context: KindredContext) -> None:
    """A message the bot reads in a group (a reply to it, a mention, a command): answer the person
    privately where possible, and point the group to /sos without repeating anything."""
    user = update.effective_user
    signal = await screened(update)
    if signal is None or user is None:
        return
    log.info("Crisis screening matched a group message (%s, %s)", signal.category, signal.urgency)
    language = await private_language(services(context), user.id)
    if language is not None:
        await answer_signal(context, user.id, signal, translator(language))
    await reply(update, group_pointer(await translator_for(update, context)))


async def sos(update: Update, context: KindredContext) -> None:
    """Crisis lines at any time; in a group, the lines only (consent is a private matter)."""
    tr = await translator_for(update, context)
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type == ChatType.PRIVATE and user is not None:
        await offer_help(context, user.id, None, tr, told=False)
        return
    heading = tr._("🆘 <b>Crisis lines</b>, free and confidential:")
    await reply(update, f"{heading}\n\n{render_resources(tr, crisis_resources(context), None)}")


# -- the middle tier's answer --


async def on_safety_check(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = SafetyCheck.unpack(query.data)
    if choice is None or choice.answer not in ("safe", "help"):
        await answer_query(query, tr._("That button no longer works. Send /sos for crisis lines."), True)
        return
    await answer_query(query)
    resources = crisis_resources(context)
    if choice.answer == "help":
        await query.edit_message_reply_markup(None)
        log.info("A member asked for help after a safety check")
        await offer_help(context, user.id, None, tr, told=True)
        return
    thanks = tr._(
        "Thank you for letting me know. 💛 If that changes, send /sos at any time, day or night. "
        "These lines are always there:"
    )
    await query.edit_message_text(f"{thanks}\n\n{render_resources(tr, resources, None)}")


# -- consent --


async def on_consent(update: Update, context: KindredContext) -> None:
    from handlers.crisis_alerts import ask_for_support  # noqa: PLC0415 - the alerts module imports us

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
    await query.edit_message_text(await ask_for_support(context, user, tr))


async def on_startup(application: KindredApplication) -> None:
    """Read the crisis model now; the sentence encoder loads in the background (the rules and the
    n-gram model answer meanwhile), unless ``CRISIS_ENCODER`` is off."""
    start_semantic_layer(encoder=application.bot_data.services.settings.crisis_encoder)


def handlers() -> Handlers:
    text = filters.TEXT | filters.CAPTION
    return {
        CRISIS: [
            MessageHandler(filters.ChatType.PRIVATE & text, screen),
            MessageHandler(filters.ChatType.GROUPS & text, screen_group),
        ],
        FEATURES: [
            CommandHandler("sos", sos),
            CallbackQueryHandler(on_consent, pattern=Consent.pattern()),
            CallbackQueryHandler(on_safety_check, pattern=SafetyCheck.pattern()),
        ],
    }


FEATURE = Feature(
    name="crisis",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
)
