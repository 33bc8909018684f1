"""/mydata and /forget: see everything Kindred holds about you, and erase it.

Each feature module that stores personal data exposes two hooks, fields of its
:class:`~bot.runtime.feature.Feature` (listed in :mod:`bot.app.features`):

* ``async export_personal_data(context, user_id) -> dict`` — what it holds, JSON-serialisable;
* ``async erase_personal_data(context, user_id) -> list[str]`` — erase it (telling any other party
  kindly where that matters) and return N_-marked descriptions of what went.

The foundation's own data (profile, memberships, queued messages) is handled here, last, because
other features' rows cascade from the ``people`` row.

Retention lives here too: a daily job computes one cutoff (``RETENTION_DAYS`` ago) and calls every
feature's ``async purge_expired_text(application, cutoff) -> int`` to forget free text older than
that (check-in notes, reasons for ending a mentoring match, announcement wording), and blanks the
text of delivered outbox messages.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, BaseHandler, CallbackQueryHandler, CommandHandler

from bot.domain.i18n import N_, Translator
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.feature import Feature
from bot.runtime.logs import log_id
from bot.runtime.services import Services
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

log = logging.getLogger(__name__)

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


async def collect_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    svc = services(context)
    data: dict[str, Any] = {
        "profile": await svc.people.export(user_id),
        "groups": await svc.groups.memberships_of(user_id),
    }
    for feature in svc.features:
        if feature.export_personal_data is not None:
            data[feature.name] = await feature.export_personal_data(context, user_id)
    return data


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    svc = services(context)
    erased: list[str] = []
    for feature in svc.features:
        if feature.erase_personal_data is not None:
            erased += await feature.erase_personal_data(context, user_id)
    if await svc.outbox.cancel_for_chat(user_id):
        erased.append(N_("messages waiting to be sent to you"))
    await svc.people.delete(user_id)
    svc.seen.forget(user_id)
    erased.append(N_("your profile (name, username, language) and your group memberships"))
    return erased


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
    data = await collect_personal_data(context, user.id)
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default).encode()
    await chat.send_document(
        payload,
        filename="kindred-my-data.json",
        caption=tr._(
            "Here is everything I hold about you. Your check-ins are included: I found them through "
            "your pseudonym, which only a request from you can connect to you."
        ),
    )
    log.info("Exported personal data for %s", log_id(user.id))


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
    erased = await erase_personal_data(context, user.id)
    log.info("Erased personal data for %s", log_id(user.id))
    await query.edit_message_text(render_erased(tr, erased))


RETENTION_JOB = "privacy:retention"
RETENTION_HOUR = time(3, 0)  # UTC: a quiet hour almost everywhere


async def purge_expired_text(application: Application, now: datetime) -> int:  # type: ignore[type-arg]
    svc: Services = application.bot_data.services
    cutoff = now - timedelta(days=svc.settings.retention_days)
    purged = await svc.repos.outbox.blank_settled_before(cutoff)
    for feature in svc.features:
        if feature.purge_expired_text is not None:
            purged += await feature.purge_expired_text(application, cutoff)
    log.info("Retention: forgot %d texts older than %d days", purged, svc.settings.retention_days)
    return purged


def plan_retention(application: Application, when: datetime) -> None:  # type: ignore[type-arg]
    svc: Services = application.bot_data.services

    async def run() -> None:
        now = svc.clock.now()
        await purge_expired_text(application, now)
        tomorrow = datetime.combine(
            now.astimezone(UTC).date() + timedelta(days=1), RETENTION_HOUR, tzinfo=UTC
        )
        plan_retention(application, tomorrow)

    svc.jobs.at(RETENTION_JOB, when, run)


async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
    """Purge at once (the bot may have been down at 03:00), then daily."""
    plan_retention(application, application.bot_data.services.clock.now())


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
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
