"""/settings: a person's own switches, one row per toggle declared by a feature (bot.domain.preferences)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.domain.i18n import N_, Translator
from bot.domain.preferences import Toggle, collect
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.feature import Feature
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
from storage.preferences import PreferenceRepository

COMMANDS = (
    Command("settings", N_("Your settings: what I send you privately"), where=PRIVATE_ONLY, order=85),
)


@dataclass(frozen=True)
class SetPreference(CallbackData, prefix="pref"):
    key: str
    value: int  # 1 on, 0 off


def preferences(context: KindredContext) -> PreferenceRepository:
    return services(context).repos.preferences


def all_toggles(context: KindredContext) -> list[Toggle]:
    return collect(services(context).features)


async def current_values(context: KindredContext, user_id: int, toggles: Sequence[Toggle]) -> dict[str, bool]:
    values = {}
    for toggle in toggles:
        if toggle.load is not None:
            values[toggle.key] = await toggle.load(context.application, user_id)
        else:
            values[toggle.key] = await preferences(context).get_bool(user_id, toggle.key, toggle.default)
    return values


async def store(context: KindredContext, user_id: int, toggle: Toggle, on: bool) -> None:
    if toggle.save is not None:
        await toggle.save(context.application, user_id, on)
    else:
        await preferences(context).set_bool(user_id, toggle.key, on, services(context).clock.now())


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


def screen(tr: Translator, toggles: Sequence[Toggle], values: dict[str, bool]) -> dict[str, Any]:
    return {"text": render_screen(tr, toggles, values), "reply_markup": screen_keyboard(tr, toggles, values)}


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
    toggles = all_toggles(context)
    await reply(update, **screen(tr, toggles, await current_values(context, user.id, toggles)))


async def preference_chosen(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = SetPreference.unpack(query.data)
    toggles = all_toggles(context)
    if choice is None or choice.key not in {t.key for t in toggles} or choice.value not in (0, 1):
        await answer_query(query, tr._("That button no longer works. Please send /settings again."), True)
        return
    values = await current_values(context, user.id, toggles)
    await answer_query(query, tr._("Saved."))
    if values[choice.key] == bool(choice.value):  # an old screen's button: nothing changes
        return
    toggle = next(t for t in toggles if t.key == choice.key)
    await store(context, user.id, toggle, bool(choice.value))
    values = await current_values(context, user.id, toggles)  # a feature may have said no
    await query.edit_message_text(**screen(tr, toggles, values))


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return {"settings": await preferences(context).all_of(user_id)}


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    return [N_("your settings")] if await preferences(context).erase(user_id) else []


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
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
