"""/settings: a person's own switches, one row per toggle declared by a feature (bot.domain.preferences)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.i18n import N_, Translator
from bot.domain.preferences import Toggle
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.feature import Feature, Handlers
from bot.usecases import preferences as usecase
from bot.usecases.preferences import Screen
from handlers.callback_data import CallbackData
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    is_private,
    reply,
    services,
    translator_for,
)

COMMANDS = (
    Command("settings", N_("Your settings: what I send you privately"), where=PRIVATE_ONLY, order=85),
)


@dataclass(frozen=True)
class SetPreference(CallbackData, prefix="pref"):
    key: str
    value: int  # 1 on, 0 off


def render_screen(tr: Translator, toggles: Sequence[Toggle], values: dict[str, bool]) -> str:
    lines = [tr._("<b>Your settings</b>"), tr._("Tap a row to switch it on or off.")]
    for toggle in toggles:
        state = tr._("on") if values[toggle.key] else tr._("off")
        lines.append(f"• {tr._(toggle.label)}: <b>{state}</b>")
        if toggle.hint:
            lines.append(f"  <i>{tr._(toggle.hint)}</i>")
    return "\n".join(lines)


def screen_keyboard(
    tr: Translator, toggles: Sequence[Toggle], values: dict[str, bool]
) -> InlineKeyboardMarkup:
    rows = []
    for toggle in toggles:
        on = values[toggle.key]
        mark = "✅" if on else "⬜"
        data = SetPreference(toggle.key, 0 if on else 1).pack()
        rows.append([InlineKeyboardButton(f"{mark} {tr._(toggle.label)}", callback_data=data)])
    return InlineKeyboardMarkup(rows)


def screen(tr: Translator, shown: Screen) -> tuple[str, InlineKeyboardMarkup]:
    return render_screen(tr, shown.toggles, shown.values), screen_keyboard(tr, shown.toggles, shown.values)


async def settings_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    if not is_private(update):
        await reply(
            update, tr._("Please send /settings to me in a private chat: your settings are yours alone.")
        )
        return
    shown = await usecase.screen(services(context), user.id, context.application)
    text, keyboard = screen(tr, shown)
    await reply(update, text, reply_markup=keyboard)


async def preference_chosen(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = SetPreference.unpack(query.data)
    known = {t.key for t in usecase.toggles(services(context))}
    if choice is None or choice.key not in known or choice.value not in (0, 1):
        await answer_query(query, tr._("That button no longer works. Please send /settings again."), True)
        return
    await answer_query(query, tr._("Saved."))
    shown = await usecase.switch(
        services(context), user.id, choice.key, bool(choice.value), context.application
    )
    if shown is not None:  # None: an old screen's button, and nothing changed
        text, keyboard = screen(tr, shown)
        await query.edit_message_text(text, reply_markup=keyboard)


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await usecase.export_personal_data(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    return [N_("your settings")] if await usecase.erase_personal_data(services(context), user_id) else []


def handlers() -> Handlers:
    return {
        FEATURES: [
            CommandHandler("settings", settings_command),
            CallbackQueryHandler(preference_chosen, pattern=SetPreference.pattern()),
        ]
    }


FEATURE = Feature(
    name="preferences",
    handlers=handlers,
    commands=COMMANDS,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
