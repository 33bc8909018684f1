"""Anonymous check-ins (issue 6): /checkin, /prompt, /mystats, /wellbeing, digests and retention.

Who is behind a check-in is known only while the handler runs: the row is written under the
member's pseudonym, with the local day (no time of day), and each group aggregate counts it
under a different per-group pseudonym.  A shared check-in waits, without any pseudonym, for the
group's next fixed digest time.  Nothing here logs a check-in together with any id.

The daily prompt (``/prompt 20:00``) is a schedule tied to the user id, so the bot can write to
them; it is kept apart from check-in data and never joined with it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InputFile, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.charts import mood_chart_png
from bot.domain.checkins import (
    STATS_WINDOWS,
    CheckIn,
    CheckInError,
    at_local_noon,
    digest_order,
    iso_week_label,
    local_day,
    next_digest_time,
    next_prompt_time,
    parse_prompt_time,
    personal_stats,
    suppress,
    validate_craving,
    validate_mood,
    validate_note,
)
from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.preferences import Toggle
from bot.domain.pseudonym import group_pseudonym, pseudonym
from bot.domain.roles import Action, Role
from bot.domain.timezones import canonical_timezone
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.feature import Feature
from bot.runtime.outbox import Delivery
from handlers import checkins_views as views
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    reply,
    services,
    translator_for,
)
from handlers.common import talk_privately as open_private_chat
from handlers.crisis import crisis_verdict, offer_help
from storage.checkins import CheckInRepository, Contribution, Prompt, SharedItem, StoredCheckIn

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
AGGREGATE_WEEKS = 8


@dataclass
class Draft:
    """An unconfirmed check-in; it lives in user_data only until it is saved."""

    mood: int | None = None
    craving: int | None = None
    note: str | None = None
    note_is_crisis: bool = False
    group_id: int | None = None


def checkins(source: Any) -> CheckInRepository:
    """The repository, from a callback context or an Application."""
    return _services(source).repos.checkins


def _services(source: Any) -> Any:
    bot_data = source.bot_data
    return bot_data.services


def _secret(source: Any) -> str:
    secret = _services(source).settings.pseudonym_secret
    if secret is None:
        raise RuntimeError("PSEUDONYM_SECRET is required for check-ins")
    return str(secret.get_secret_value())


async def member_zone(source: Any, user_id: int) -> ZoneInfo:
    """The member's zone: their prompt's, else their first group's, else the deployment default."""
    svc = _services(source)
    prompt = await svc.repos.checkins.prompt(user_id)
    return ZoneInfo(prompt.timezone if prompt is not None else await svc.home_timezone(user_id))


# -- the check-in conversation --


async def begin(update: Update, context: KindredContext) -> int:
    tr = await translator_for(update, context)
    if update.callback_query is not None:
        await answer_query(update.callback_query)
    assert context.user_data is not None  # noqa: S101 - private chats always have user data
    context.user_data[DRAFT_KEY] = Draft()
    await reply(update, views.mood_question(tr), reply_markup=views.mood_markup())
    return ASKING


async def on_step(update: Update, context: KindredContext) -> int | None:
    """Every button of the check-in; the draft says which answers are still missing."""
    query, user = update.callback_query, update.effective_user
    step = views.Step.unpack(query.data if query else None)
    draft = (context.user_data or {}).get(DRAFT_KEY)
    tr = await translator_for(update, context)
    if query is None or user is None or step is None or not isinstance(draft, Draft):
        await answer_query(query, views.stale_text(tr), True)
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
    groups = {g.chat_id for g in await services(context).groups.groups_of(user.id)}
    return None if step.value in groups else views.not_in_group_text(tr)


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
    groups = await services(context).groups.groups_of(user.id) if user else []
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
    svc = services(context)
    now = svc.clock.now()
    secret = _secret(context)
    groups = await svc.groups.groups_of(user.id)
    day = local_day(now, await member_zone(context, user.id))
    contributions = [
        Contribution(
            g.chat_id, iso_week_label(now, ZoneInfo(g.timezone)), group_pseudonym(user.id, g.chat_id, secret)
        )
        for g in groups
    ]
    group = next((g for g in groups if g.chat_id == draft.group_id), None)
    shared = None
    if group is not None:
        slot = next_digest_time(now, ZoneInfo(group.timezone))
        note = draft.note if share_note and not draft.note_is_crisis else None
        shared = SharedItem(group.chat_id, slot, draft.mood, draft.craving, note)
    await checkins(context).record(
        pseudonym(user.id, secret),
        StoredCheckIn(day, draft.mood, draft.craving, draft.note),
        contributions,
        shared,
    )
    if shared is not None:
        plan_digest(context.application, shared.group_id, shared.digest_at)
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    withheld = bool(draft.note and draft.note_is_crisis)
    text = views.saved_text(tr, group, shared.digest_at if shared else None, withheld)
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


async def stale_button(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await answer_query(update.callback_query, views.stale_text(tr), True)


async def talk_privately(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    text = tr._("Check-ins are private: please send me that command in a private chat.")
    await open_private_chat(update, context, text)


# -- /mystats --


async def mystats(update: Update, context: KindredContext) -> None:
    """The caller's own trend: it only ever reads the caller's own pseudonym."""
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    days = 90 if context.args and context.args[0].strip() == "90" else STATS_WINDOWS[0]
    now = services(context).clock.now()
    zone = await member_zone(context, user.id)
    today = local_day(now, zone)
    rows = await checkins(context).history(
        pseudonym(user.id, _secret(context)), today - timedelta(days=max(STATS_WINDOWS))
    )
    items = [CheckIn("me", at_local_noon(r.local_day, zone), r.mood, r.craving) for r in rows]
    stats = personal_stats(items, now, zone)
    caption = views.render_stats(tr, stats, days)
    if not stats.period(days).checkins:
        await reply(update, caption)
        return
    by_day: dict[Any, list[int]] = {}
    for row in rows:
        by_day.setdefault(row.local_day, []).append(row.mood)
    points = [(day, sum(moods) / len(moods)) for day, moods in by_day.items()]
    png = await asyncio.to_thread(
        mood_chart_png,
        points,
        days,
        today,
        tr._("Your mood, last {days} days").format(days=days),
        tr._("Mood"),
        format_day=lambda day: format_date(day, "d MMM", locale=tr.locale),
    )
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(InputFile(png, filename="mystats.png"), caption=caption)


# -- /wellbeing --


async def wellbeing(update: Update, context: KindredContext) -> None:
    """Weekly aggregates: coordinators see every group, facilitators their own; small cells hidden."""
    user = update.effective_user
    if user is None:
        return
    svc = services(context)
    tr = await translator_for(update, context)
    candidates = (
        await svc.groups.active() if svc.auth.is_coordinator(user.id) else await svc.groups.groups_of(user.id)
    )
    allowed = set(await svc.auth.groups_for(user.id, Action.VIEW_AGGREGATES, [g.chat_id for g in candidates]))
    groups = [g for g in candidates if g.chat_id in allowed]
    if not groups:
        await reply(update, views.no_aggregates_text(tr))
        return
    since = iso_week_label(svc.clock.now() - timedelta(weeks=AGGREGATE_WEEKS - 1), UTC)
    rows = await checkins(context).weekly_cells([g.chat_id for g in groups], since)
    threshold = svc.settings.small_cell_threshold
    cells = [suppress(row, min_contributors=threshold) for row in rows]
    await reply(update, views.render_wellbeing(tr, groups, cells, threshold))


# -- /prompt --


async def prompt_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    args = context.args or []
    repo = checkins(context)
    if not args:
        current = await repo.prompt(user.id)
        text = views.prompt_usage(tr)
        if current is not None:
            text = views.prompt_set_text(tr, current.local_time, current.timezone) + "\n\n" + text
        await reply(update, text)
        return
    if args[0].lower() in ("off", "stop", "no"):
        await stop_daily_prompt(context.application, user.id)
        await reply(update, tr._("Daily check-in prompts are off."))
        return
    try:
        at = parse_prompt_time(args[0])
    except CheckInError as error:
        await reply(update, tr._(error.message).format(**error.params) + "\n" + views.prompt_usage(tr))
        return
    if len(args) > 1:
        zone = canonical_timezone(args[1])
        if zone is None:
            await reply(update, tr._("I don't know that time zone. Try a name like Europe/Madrid."))
            return
    else:
        zone = (await member_zone(context, user.id)).key
    await set_daily_prompt(context.application, user.id, at, zone)
    await reply(update, views.prompt_set_text(tr, at, zone))


async def set_daily_prompt(app: Any, user_id: int, at: time, zone: str) -> Prompt:
    """Store and plan a member's daily prompt; the /settings screen calls this too."""
    prompt = Prompt(user_id, at, zone)
    await _services(app).repos.checkins.set_prompt(prompt)
    plan_prompt(app, prompt)
    return prompt


async def stop_daily_prompt(app: Any, user_id: int) -> bool:
    """Switch a member's daily prompt off; True if there was one. For /prompt off and /settings."""
    _services(app).jobs.cancel(prompt_job(user_id))
    return await _services(app).repos.checkins.delete_prompt(user_id)


def prompt_job(user_id: int) -> str:
    return f"prompt:{user_id}"


DEFAULT_PROMPT_TIME = time(20, 0)


async def has_daily_prompt(app: Any, user_id: int) -> bool:
    """For the /settings screen: is the member's daily prompt on?"""
    return await _services(app).repos.checkins.prompt(user_id) is not None


async def switch_daily_prompt(app: Any, user_id: int, on: bool) -> None:
    """For the /settings screen: on at 20:00 in the member's zone (``/prompt`` sets another time)."""
    if on:
        await set_daily_prompt(app, user_id, DEFAULT_PROMPT_TIME, (await member_zone(app, user_id)).key)
    else:
        await stop_daily_prompt(app, user_id)


SETTINGS = (
    Toggle(
        "daily_check_in",
        N_("Daily check-in prompt (20:00; choose another time with /prompt)"),
        order=20,
        load=has_daily_prompt,
        save=switch_daily_prompt,
    ),
)


def plan_prompt(app: Any, prompt: Prompt) -> None:
    svc = _services(app)
    zone = ZoneInfo(prompt.timezone)
    when = next_prompt_time(svc.clock.now(), prompt.local_time, zone)

    async def send() -> None:
        current = await svc.repos.checkins.prompt(prompt.user_id)
        if current != prompt:
            return  # changed or switched off since; its own job is planned
        person = await svc.people.get(prompt.user_id)
        tr = translator((person.language or resolve_language(person.telegram_language)) if person else "en")
        day = when.astimezone(zone).date().isoformat()
        await svc.outbox.enqueue(
            [
                Delivery(
                    key=f"prompt:{prompt.user_id}:{day}",
                    chat_id=prompt.user_id,
                    text=views.prompt_text(tr),
                    kind="prompt",
                    reply_markup=views.prompt_markup(tr),
                )
            ]
        )
        plan_prompt(app, prompt)

    svc.jobs.at(prompt_job(prompt.user_id), when, send)


# -- digests --


def digest_job(group_id: int, slot: datetime) -> str:
    return f"digest:{group_id}:{slot.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"


def plan_digest(app: Any, group_id: int, slot: datetime) -> None:
    svc = _services(app)

    async def post() -> None:
        repo = svc.repos.checkins
        items = await repo.shared_items(group_id, slot)
        group = await svc.groups.get(group_id)
        if items and group is not None and group.active:
            tr = translator(group.language)
            text = views.render_digest(tr, digest_order(items, random.SystemRandom()))
            await svc.outbox.enqueue(
                [Delivery(key=digest_job(group_id, slot), chat_id=group_id, text=text, kind="digest")]
            )
        await repo.drop_shared(group_id, slot)

    svc.jobs.at(digest_job(group_id, slot), slot, post)


# -- retention (the daily job lives in handlers/privacy.py) --


async def purge_expired_text(app: Any, cutoff: datetime) -> int:
    """Blank check-in notes written on days before *cutoff*; mood and craving stay."""
    blanked = await _services(app).repos.checkins.blank_notes_before(cutoff.astimezone(UTC).date())
    if blanked:
        log.info("Retention: blanked %d check-in notes", blanked)
    return blanked


async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
    """Re-plan digests and daily prompts from the database."""
    repo = checkins(application)
    slots = await repo.pending_slots()
    for group_id, slot in slots:
        plan_digest(application, group_id, slot)
    prompts = await repo.prompts()
    for prompt in prompts:
        plan_prompt(application, prompt)
    log.info("Planned %d digests and %d daily prompts", len(slots), len(prompts))


async def on_chat_migrated(application: Application, old_chat_id: int, new_chat_id: int) -> None:  # type: ignore[type-arg]
    """Shared check-ins waiting for a digest moved to the supergroup's id: plan them there."""
    for group_id, slot in await checkins(application).pending_slots():
        if group_id == new_chat_id:
            plan_digest(application, group_id, slot)


# -- personal data (/mydata, /forget) --


async def _contributors(context: KindredContext, user_id: int) -> list[str]:
    """Every per-group pseudonym the person could have: groups they left count too."""
    secret = _secret(context)
    return [group_pseudonym(user_id, g, secret) for g in await checkins(context).known_group_ids()]


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    repo = checkins(context)
    rows = await repo.history(pseudonym(user_id, _secret(context)))
    prompt = await repo.prompt(user_id)
    return {
        "checkins": [
            {"day": r.local_day.isoformat(), "mood": r.mood, "craving": r.craving, "note": r.note}
            for r in rows
        ],
        "daily_prompt": None
        if prompt is None
        else {"time": prompt.local_time.strftime("%H:%M"), "timezone": prompt.timezone},
    }


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    """Check-ins and group contributions go; shared items waiting for a digest carry no pseudonym,
    so they cannot be found (they are posted anonymously, then deleted); published digests stay."""
    repo = checkins(context)
    counts = await repo.erase(pseudonym(user_id, _secret(context)), await _contributors(context, user_id))
    had_prompt = await stop_daily_prompt(context.application, user_id)
    erased = []
    if counts["checkins"] or counts["contributions"]:
        erased.append(N_("your check-ins"))
    if had_prompt:
        erased.append(N_("your daily check-in prompt"))
    return erased


# -- wiring --


def _conversation() -> ConversationHandler:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    buttons = CallbackQueryHandler(on_step, pattern=views.Step.pattern())
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


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    with warnings.catch_warnings():
        # Buttons are tracked per person (per_message=False) on purpose: one check-in at a time.
        warnings.simplefilter("ignore", PTBUserWarning)
        conversation = _conversation()
    return {
        FEATURES: [
            conversation,
            CommandHandler(
                ["checkin", "mystats", "prompt", "wellbeing"], talk_privately, filters=filters.ChatType.GROUPS
            ),
            CommandHandler("mystats", mystats, filters=private),
            CommandHandler("prompt", prompt_command, filters=private),
            CommandHandler("wellbeing", wellbeing, filters=private),
            CallbackQueryHandler(stale_button, pattern=views.Step.pattern()),
        ]
    }


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
