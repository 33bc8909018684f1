"""/mydata and /forget: see everything Kindred holds about you, and erase it; and the daily
retention job.

What runs is :mod:`bot.usecases.privacy`; here the features' hooks (fields of each
:class:`~bot.runtime.feature.Feature`, listed in :mod:`bot.app.features`) are bound to the
update or the application and handed over, and the answers are rendered:

* ``async export_personal_data(context, user_id) -> dict`` — what a feature holds, JSON-serialisable;
* ``async erase_personal_data(context, user_id) -> list[str]`` — erase it (telling any other party
  kindly where that matters) and return N_-marked descriptions of what went;
* ``async purge_expired_text(application, cutoff) -> int`` — forget its free text older than
  *cutoff*.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.i18n import N_, Translator
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature, Handlers
from bot.usecases import privacy as usecase
from bot.usecases.privacy import Erase, Export, Purge
from handlers.callback_data import CallbackData
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    chat_kind,
    escape,
    is_private,
    reply,
    services,
    talk_privately,
    translator_for,
)

COMMANDS = (
    Command("mydata", N_("Get a copy of everything I hold about you"), where=PRIVATE_ONLY, order=95),
    Command("forget", N_("Erase everything I hold about you"), where=PRIVATE_ONLY, order=96),
)


@dataclass(frozen=True)
class ForgetAnswer(CallbackData, prefix="forget"):
    answer: str  # "yes" or "no"


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def exports(context: KindredContext) -> list[tuple[str, Export]]:
    """Every feature's part of /mydata, in the features' order, bound to this update."""
    return [
        (f.name, partial(f.export_personal_data, context))
        for f in services(context).features
        if f.export_personal_data is not None
    ]


def erasers(context: KindredContext) -> list[Erase]:
    """Every feature's part of /forget, in the features' order, bound to this update."""
    return [
        partial(f.erase_personal_data, context)
        for f in services(context).features
        if f.erase_personal_data is not None
    ]


def purges(application: KindredApplication) -> list[Purge]:
    """Every feature's retention, bound to the application."""
    return [
        partial(f.purge_expired_text, application)
        for f in application.bot_data.services.features
        if f.purge_expired_text is not None
    ]


async def private_only(update: Update, context: KindredContext) -> bool:
    if is_private(update):
        return True
    tr = await translator_for(update, context)
    await talk_privately(update, context, tr._("That's personal, so let's do it in a private chat with me."))
    return False


async def mydata(update: Update, context: KindredContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not await private_only(update, context):
        return
    tr = await translator_for(update, context)
    data = await usecase.collect_personal_data(services(context), user.id, exports(context))
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default).encode()
    await chat.send_document(
        payload,
        filename="kindred-my-data.json",
        caption=tr._(
            "Here is everything I hold about you. Your check-ins are included: I found them through "
            "your pseudonym, which only a request from you can connect to you."
        ),
    )


def render_forget_question(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._(
        "This erases everything I hold about you: your profile, RSVPs, attendance, check-ins, "
        "mentoring records, milestones and settings. Group totals already published stay, without "
        "you in them. It cannot be undone. Erase everything?"
    )
    buttons = [
        [
            InlineKeyboardButton(tr._("Yes, erase everything"), callback_data=ForgetAnswer("yes").pack()),
            InlineKeyboardButton(tr._("No, keep it"), callback_data=ForgetAnswer("no").pack()),
        ]
    ]
    return text, InlineKeyboardMarkup(buttons)


async def forget(update: Update, context: KindredContext) -> None:
    if not await private_only(update, context):
        return
    tr = await translator_for(update, context)
    text, markup = render_forget_question(tr)
    await reply(update, text, reply_markup=markup)


def described(forgotten: usecase.Forgotten) -> list[str]:
    """What went, N_-marked: the features' parts, then the foundation's."""
    erased = list(forgotten.features)
    if forgotten.queued_messages:
        erased.append(N_("messages waiting to be sent to you"))
    erased.append(N_("your profile (name, username, language) and your group memberships"))
    return erased


def render_erased(tr: Translator, erased: list[str]) -> str:
    items = "\n".join(f"• {escape(tr._(item))}" for item in erased)
    return tr._(
        "Done. I erased:\n{items}\n\nTake care of yourself. If you come back, you start afresh."
    ).format(items=items)


async def forget_answered(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = ForgetAnswer.unpack(query.data)
    if choice is None or choice.answer not in ("yes", "no") or chat_kind(update).value != "private":
        await answer_query(query, tr._("That button no longer works. Please send /forget again."), alert=True)
        return
    await answer_query(query)
    if choice.answer == "no":
        await query.edit_message_text(tr._("Nothing was erased."))
        return
    forgotten = await usecase.forget_person(services(context), user.id, erasers(context))
    await query.edit_message_text(render_erased(tr, described(forgotten)))


async def on_startup(application: KindredApplication) -> None:
    """Purge at once (the bot may have been down at 03:00), then daily."""
    usecase.start_retention(application.bot_data.services, purges(application))


def handlers() -> Handlers:
    return {
        FEATURES: [
            CommandHandler("mydata", mydata),
            CommandHandler("forget", forget),
            CallbackQueryHandler(forget_answered, pattern=ForgetAnswer.pattern()),
        ]
    }


FEATURE = Feature(
    name="privacy",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
)
