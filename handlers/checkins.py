"""Anonymous check-ins (issue 6): /checkin, /prompt, /mystats, /wellbeing.

The conversation and the words live here; what a check-in does (pseudonyms, group
contributions, digests, daily prompts, retention, /mydata and /forget) is
:mod:`bot.usecases.checkins`.  Nothing here logs a check-in together with any id.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date
from telegram import InputFile, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.charts import mood_chart_png
from bot.domain.checkins import (
    STATS_WINDOWS,
    CheckInError,
    parse_prompt_time,
    validate_craving,
    validate_mood,
    validate_note,
)
from bot.domain.i18n import N_, Translator
from bot.domain.preferences import Toggle
from bot.domain.roles import Role
from bot.domain.timezones import canonical_timezone
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import AnyHandler, Feature, Handlers
from bot.usecases import checkins as usecase
from bot.usecases.checkins import Answers, Wording
from handlers import checkins_views as views
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    answer_stale,
    buttons_tracked_per_person,
    reply,
    services,
    stale_button,
    translator_for,
    user_data,
)
from handlers.common import talk_privately as open_private_chat
from handlers.crisis import crisis_verdict, offer_help

log = logging.getLogger(__name__)

COMMANDS = (
    Command("checkin", N_("Check in anonymously: mood, cravings, a note"), where=PRIVATE_ONLY, order=10),
    Command(
        "mystats",
        N_("Your own check-in trend, as a chart"),
        where=PRIVATE_ONLY,
        details=N_("/mystats shows the last 30 days; /mystats 90 the last 90."),
        order=11,
    ),
    Command(
        "prompt",
        N_("A daily check-in reminder at a time you choose"),
        where=PRIVATE_ONLY,
        details=N_(
            "/prompt 20:00 (optionally with a time zone, like /prompt 20:00 Europe/Madrid); /prompt off"
        ),
        order=12,
    ),
    Command(
        "wellbeing",
        N_("Weekly check-in aggregates for your groups (never individuals)"),
        role=Role.FACILITATOR,
        where=PRIVATE_ONLY,
        order=60,
    ),
)

ASKING, NOTE = range(2)
DRAFT_KEY = "checkin_draft"
WORDING = Wording(digest=views.digest_in, prompt=views.prompt_in)


@dataclass
class Draft:
    """An unconfirmed check-in; it lives in user_data only until it is saved."""

    mood: int | None = None
    craving: int | None = None
    note: str | None = None
    note_is_crisis: bool = False
    group_id: int | None = None


# -- the check-in conversation --


async def begin(update: Update, context: KindredContext) -> int:
    tr = await translator_for(update, context)
    if update.callback_query is not None:
        await answer_query(update.callback_query)
    user_data(context)[DRAFT_KEY] = Draft()
    await reply(update, views.mood_question(tr), reply_markup=views.mood_markup())
    return ASKING


async def on_step(update: Update, context: KindredContext) -> int | None:
    """Every button of the check-in; the draft says which answers are still missing."""
    query, user = update.callback_query, update.effective_user
    step = views.Step.unpack(query.data if query else None)
    draft = (context.user_data or {}).get(DRAFT_KEY)
    tr = await translator_for(update, context)
    if query is None or user is None or step is None or not isinstance(draft, Draft):
        await answer_stale(query, tr, views.STALE)
        return ConversationHandler.END
    # A press gets exactly one answer (Telegram refuses a second), so a refusal is decided first
    # and is that answer; the steps themselves never answer.
    refusal = await _refusal(update, context, tr, step)
    await answer_query(query, refusal, alert=refusal is not None)
    if refusal is not None:
        return None
    answer = _STEPS.get(step.step)
    if answer is None:
        return None
    try:
        return await answer(update, context, tr, draft, step.value)
    except CheckInError:  # a forged value
        return None


async def _refusal(update: Update, context: KindredContext, tr: Translator, step: views.Step) -> str | None:
    """Why a press cannot go ahead, or None.  Only sharing can be refused: with a group the member
    is not in (a forged button, or a group they left after the question was shown)."""
    user = update.effective_user
    if step.step != "share" or step.value == 0 or user is None:
        return None
    allowed = await usecase.may_share_with(services(context), user.id, step.value)
    return None if allowed else views.not_in_group_text(tr)


async def _on_mood(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, value: int
) -> int | None:
    if draft.mood is not None or update.callback_query is None:
        return None  # a second press of an earlier button: stay where we are
    draft.mood = validate_mood(value)
    await update.callback_query.edit_message_text(
        views.craving_question(tr, draft.mood), reply_markup=views.craving_markup()
    )
    if draft.mood == 1 and update.effective_user is not None:
        await offer_help(context, update.effective_user.id, None, tr, told=True)
    return ASKING


async def _on_craving(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, value: int
) -> int | None:
    if draft.mood is None or draft.craving is not None or update.callback_query is None:
        return None
    draft.craving = validate_craving(value)
    await update.callback_query.edit_message_text(
        views.note_question(tr, draft.mood, draft.craving), reply_markup=views.skip_markup(tr)
    )
    return NOTE


async def _on_skip(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, _: int
) -> int | None:
    if draft.craving is None or draft.note is not None or update.callback_query is None:
        return None
    await update.callback_query.edit_message_reply_markup(None)
    return await ask_share(update, context, tr, draft)


async def _on_share_note(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, value: int
) -> int | None:
    if draft.group_id is None:
        return None
    return await save(update, context, tr, draft, share_note=value == 1)


async def on_note(update: Update, context: KindredContext) -> int:
    """The typed note; the crisis screen has already answered if it reads as a crisis."""
    draft = (context.user_data or {}).get(DRAFT_KEY)
    message = update.effective_message
    tr = await translator_for(update, context)
    if not isinstance(draft, Draft) or message is None:
        return ConversationHandler.END
    try:
        draft.note = validate_note(message.text)
    except CheckInError as error:
        await reply(update, tr._(error.message).format(**error.params))
        return NOTE
    draft.note_is_crisis = draft.note is not None and await crisis_verdict(update, context) is not None
    return await ask_share(update, context, tr, draft)


async def ask_share(update: Update, context: KindredContext, tr: Translator, draft: Draft) -> int:
    user = update.effective_user
    groups = await usecase.share_choices(services(context), user.id) if user else []
    if not groups:
        return await save(update, context, tr, draft, share_note=False)
    await reply(update, views.share_question(tr), reply_markup=views.share_markup(tr, groups))
    return ASKING


async def on_share(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, group_id: int
) -> int | None:
    user = update.effective_user
    if draft.craving is None or draft.group_id is not None:
        return None
    if group_id == 0 or user is None:
        return await save(update, context, tr, draft, share_note=False)
    draft.group_id = group_id  # one of the member's groups: on_step refused any other
    if draft.note and not draft.note_is_crisis and update.callback_query is not None:
        await update.callback_query.edit_message_text(
            views.share_note_question(tr), reply_markup=views.share_note_markup(tr)
        )
        return ASKING
    return await save(update, context, tr, draft, share_note=False)


async def save(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, *, share_note: bool
) -> int:
    user = update.effective_user
    if user is None or draft.mood is None or draft.craving is None:
        return ConversationHandler.END
    answers = Answers(draft.mood, draft.craving, draft.note, draft.note_is_crisis, draft.group_id)
    saved = await usecase.save_checkin(
        services(context), user.id, answers, share_note=share_note, wording=WORDING
    )
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    text = views.saved_text(tr, saved.group, saved.digest_at, saved.note_withheld)
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text)
    else:
        await reply(update, text)
    return ConversationHandler.END


_STEPS = {
    "mood": _on_mood,
    "craving": _on_craving,
    "skip": _on_skip,
    "share": on_share,
    "note": _on_share_note,
}


async def cancel(update: Update, context: KindredContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    tr = await translator_for(update, context)
    await reply(update, tr._("Check-in cancelled; nothing was saved."))
    return ConversationHandler.END


async def talk_privately(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    text = tr._("Check-ins are private: please send me that command in a private chat.")
    await open_private_chat(update, context, text)


# -- /mystats --


async def mystats(update: Update, context: KindredContext) -> None:
    """The caller's own trend, with a chart when there is something to draw."""
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    days = 90 if context.args and context.args[0].strip() == "90" else STATS_WINDOWS[0]
    mine = await usecase.my_stats(services(context), user.id, days)
    caption = views.render_stats(tr, mine.stats, days)
    if mine.empty:
        await reply(update, caption)
        return
    png = await asyncio.to_thread(
        mood_chart_png,
        mine.daily_moods,
        days,
        mine.today,
        tr._("Your mood, last {days} days").format(days=days),
        tr._("Mood"),
        format_day=lambda day: format_date(day, "d MMM", locale=tr.locale),
    )
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(InputFile(png, filename="mystats.png"), caption=caption)


# -- /wellbeing --


async def wellbeing(update: Update, context: KindredContext) -> None:
    """Weekly aggregates for the groups the caller may see (never individuals)."""
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    seen = await usecase.wellbeing(services(context), user.id)
    if not seen.groups:
        await reply(update, views.no_aggregates_text(tr))
        return
    await reply(update, views.render_wellbeing(tr, seen.groups, seen.cells, seen.threshold))


# -- /prompt --


async def prompt_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    args = context.args or []
    svc = services(context)
    if not args:
        current = await usecase.current_prompt(svc, user.id)
        text = views.prompt_usage(tr)
        if current is not None:
            text = views.prompt_set_text(tr, current.local_time, current.timezone) + "\n\n" + text
        await reply(update, text)
        return
    if args[0].lower() in ("off", "stop", "no"):
        await usecase.stop_daily_prompt(svc, user.id)
        await reply(update, tr._("Daily check-in prompts are off."))
        return
    try:
        at = parse_prompt_time(args[0])
    except CheckInError as error:
        await reply(update, tr._(error.message).format(**error.params) + "\n" + views.prompt_usage(tr))
        return
    zone = None
    if len(args) > 1:
        zone = canonical_timezone(args[1])
        if zone is None:
            await reply(update, tr._("I don't know that time zone. Try a name like Europe/Madrid."))
            return
    prompt = await usecase.set_daily_prompt(svc, user.id, at, zone, WORDING)
    await reply(update, views.prompt_set_text(tr, prompt.local_time, prompt.timezone))


async def has_daily_prompt(app: KindredApplication, user_id: int) -> bool:
    """For the /settings screen: is the member's daily prompt on?"""
    return await usecase.current_prompt(app.bot_data.services, user_id) is not None


async def switch_daily_prompt(app: KindredApplication, user_id: int, on: bool) -> None:
    """For the /settings screen: on at 20:00 in the member's zone (``/prompt`` sets another time)."""
    await usecase.switch_daily_prompt(app.bot_data.services, user_id, on, WORDING)


SETTINGS = (
    Toggle(
        "daily_check_in",
        N_("Daily check-in prompt (20:00; choose another time with /prompt)"),
        order=20,
        load=has_daily_prompt,
        save=switch_daily_prompt,
    ),
)


# -- start-up, retention and personal data: each a use case --


async def on_startup(application: KindredApplication) -> None:
    """Re-plan digests and daily prompts from the database."""
    await usecase.replan(application.bot_data.services, WORDING)


async def on_chat_migrated(application: KindredApplication, old_chat_id: int, new_chat_id: int) -> None:
    """Shared check-ins waiting for a digest moved to the supergroup's id: plan them there."""
    await usecase.group_moved(application.bot_data.services, new_chat_id, WORDING)


async def purge_expired_text(application: KindredApplication, cutoff: datetime) -> int:
    """Retention (the daily job is privacy's): check-in notes from before *cutoff* are blanked."""
    return await usecase.purge_expired_notes(application.bot_data.services, cutoff)


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await usecase.export_personal_data(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    erased = await usecase.erase_personal_data(services(context), user_id)
    described = []
    if erased.checkins:
        described.append(N_("your check-ins"))
    if erased.prompt:
        described.append(N_("your daily check-in prompt"))
    return described


# -- wiring --


def _conversation() -> ConversationHandler[KindredContext]:
    private = filters.ChatType.PRIVATE
    buttons: AnyHandler = CallbackQueryHandler(on_step, pattern=views.Step.pattern())
    return ConversationHandler(
        entry_points=[
            CommandHandler("checkin", begin, filters=private),
            CallbackQueryHandler(begin, pattern=views.Begin.pattern()),
        ],
        states={
            ASKING: [buttons],
            NOTE: [MessageHandler(filters.TEXT & ~filters.COMMAND & private, on_note), buttons],
        },
        fallbacks=[CommandHandler("cancel", cancel, filters=private)],
        allow_reentry=True,
        conversation_timeout=timedelta(hours=1),
        name="checkins",
    )


def handlers() -> Handlers:
    private = filters.ChatType.PRIVATE
    with buttons_tracked_per_person():  # one check-in at a time per person
        conversation = _conversation()
    found: list[AnyHandler] = [
        conversation,
        CommandHandler(
            ["checkin", "mystats", "prompt", "wellbeing"], talk_privately, filters=filters.ChatType.GROUPS
        ),
        CommandHandler("mystats", mystats, filters=private),
        CommandHandler("prompt", prompt_command, filters=private),
        CommandHandler("wellbeing", wellbeing, filters=private),
        CallbackQueryHandler(stale_button(views.STALE), pattern=views.Step.pattern()),
    ]
    return {FEATURES: found}


FEATURE = Feature(
    name="checkins",
    handlers=handlers,
    commands=COMMANDS,
    settings=SETTINGS,
    on_startup=on_startup,
    replan=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    purge_expired_text=purge_expired_text,
    on_chat_migrated=on_chat_migrated,
)
