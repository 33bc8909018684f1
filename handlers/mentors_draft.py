"""Peer mentoring: the guided questions of /mentor and /findmentor, from the first step to saving.

Choices are buttons (toggles for focus areas, languages and the week's availability grid); time
in recovery, extra language codes, a time zone not offered, gender and the intro are typed.  Each
step is validated where it is answered: bad input gets a kind message saying what is accepted,
and the draft keeps everything entered so far.  Nothing is stored until the person confirms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.domain.i18n import N_, Translator
from bot.domain.matching import Focus, GenderWish, PartOfDay, Slot
from bot.domain.mentors import (
    COMMON_LANGUAGES,
    GENDER_MAX,
    GENDERS,
    INTRO_MAX,
    PREFERENCES_MAX,
    PROPOSAL_TTL,
    Draft,
    ProfileFields,
    RequestFields,
    clean_text,
    gender_code,
    parse_language_codes,
    parse_recovery_start,
)
from bot.domain.timezones import canonical_timezone
from bot.runtime.logs import log_id
from handlers import mentors_flow as flow
from handlers.common import KindredContext, answer_query, reply, services, translator_for
from handlers.mentors_flow import STALE, mentors
from handlers.mentors_views import (
    Pick,
    render_prompt,
)

log = logging.getLogger(__name__)

DRAFT = 0  # the conversation state while a draft is being filled in
DRAFT_KEY = "mentor_draft"


async def start_draft(update: Update, context: KindredContext, draft: Draft, intro: str) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    groups = await services(context).groups.groups_of(user.id)
    zones = [draft.timezone] if draft.timezone else []
    draft.zone_choices = list(dict.fromkeys([*zones, *(g.timezone for g in groups)]))[:6]
    context.user_data[DRAFT_KEY] = draft
    tr = await translator_for(update, context)
    await reply(update, tr._(intro))
    await send_prompt(update, tr, draft)
    return DRAFT


async def send_prompt(update: Update, tr: Translator, draft: Draft) -> None:
    text, markup = render_prompt(tr, draft)
    await reply(update, text, reply_markup=markup)


# -- drafting: buttons --

Apply = Callable[[Draft, str], str | None]  # returns an N_-marked complaint, or None when accepted


def _toggle(chosen: set[Any], item: Any) -> None:
    chosen.symmetric_difference_update({item})


def pick_focus(draft: Draft, value: str) -> str | None:
    if value == "done":
        return None if draft.focus else N_("Please choose at least one area.")
    _toggle(draft.focus, Focus(value))
    return ""


def pick_language(draft: Draft, value: str) -> str | None:
    if value == "done":
        return None if draft.languages else N_("Please choose at least one language.")
    if value not in COMMON_LANGUAGES and value not in draft.languages:
        raise ValueError(value)
    _toggle(draft.languages, value)
    return ""


def pick_slot(draft: Draft, value: str) -> str | None:
    if value == "done":
        return None if draft.availability else N_("Please choose at least one time you are free.")
    day, part = value.split("-", 1)
    slot = Slot(int(day), PartOfDay(part))
    if not 0 <= slot.weekday <= 6:
        raise ValueError(value)
    _toggle(draft.availability, slot)
    return ""


def pick_part(draft: Draft, value: str) -> str | None:
    column = {Slot(day, PartOfDay(value)) for day in range(7)}
    if column <= draft.availability:
        draft.availability -= column
    else:
        draft.availability |= column
    return ""


def pick_choice(draft: Draft, field: str, value: str) -> None:
    """The single-choice steps: set the value and move on."""
    if field == "langreq":
        draft.language_required = {"yes": True, "no": False}[value]
    elif field == "tz":
        draft.timezone = draft.zone_choices[int(value)]
    elif field == "capacity":
        draft.capacity = {"1": 1, "2": 2, "3": 3, "4": 4}[value]
    elif field == "gender":
        if value != "skip" and value not in GENDERS:
            raise ValueError(value)
        draft.gender = None if value == "skip" else value
    elif field == "gwish":
        draft.gender_wish = GenderWish(value)
        if draft.gender_wish is GenderWish.NONE:
            draft.gender = None
    elif field == "prefs":
        draft.preferences = ""
    elif value != "keep":
        raise ValueError(value)


TOGGLES: dict[str, Apply] = {
    "focus": pick_focus,
    "lang": pick_language,
    "languages": pick_language,
    "slot": pick_slot,
    "availability": pick_slot,
    "part": pick_part,
}
FIELD_STEP = {
    "focus": "focus",
    "recovery": "recovery",
    "lang": "languages",
    "languages": "languages",
    "langreq": "language_required",
    "tz": "timezone",
    "slot": "availability",
    "part": "availability",
    "availability": "availability",
    "capacity": "capacity",
    "gender": "gender",
    "gwish": "gender_wish",
    "prefs": "preferences",
    "intro": "intro",
    "confirm": "confirm",
}


async def on_pick(update: Update, context: KindredContext) -> int:
    query = update.callback_query
    pick = Pick.unpack(query.data if query else None)
    draft = context.user_data.get(DRAFT_KEY)
    tr = await translator_for(update, context)
    if (
        query is None
        or pick is None
        or not isinstance(draft, Draft)
        or FIELD_STEP.get(pick.field) != draft.step
    ):
        await answer_query(query, tr._(STALE), alert=True)
        return DRAFT
    if pick.field == "confirm":
        await answer_query(query)
        return await confirm(update, context, draft, pick.value == "save")
    try:
        complaint = apply_pick(draft, pick)
    except (ValueError, KeyError, IndexError):
        await answer_query(query, tr._(STALE), alert=True)
        return DRAFT
    if complaint:
        await answer_query(query, tr._(complaint), alert=True)
        return DRAFT
    await answer_query(query)
    if complaint is None:
        draft.advance()
    text, markup = render_prompt(tr, draft)
    await flow.safe_edit(query.message if query.message else None, text, markup)  # type: ignore[arg-type]
    return DRAFT


def apply_pick(draft: Draft, pick: Pick) -> str | None:
    """ "" = changed, stay on this step; None = answered, move on; other text = a complaint."""
    toggle = TOGGLES.get(pick.field)
    if toggle is not None:
        return toggle(draft, pick.value)
    pick_choice(draft, pick.field, pick.value)
    return None


# -- drafting: typed answers --


def typed_recovery(draft: Draft, text: str, today: Any) -> str | None:
    start = parse_recovery_start(text, today)
    if start is None:
        return N_(
            "I could not read that. Please send a number of months, like 18, or the date you started, "
            "like 2024-03-01 (not in the future)."
        )
    draft.recovery_since = start
    return None


def typed_languages(draft: Draft, text: str, today: Any) -> str | None:
    codes = parse_language_codes(text)
    if codes is None:
        return N_("Please type two- or three-letter language codes separated by commas, like “ca, eu”.")
    draft.languages |= codes
    return ""


def typed_timezone(draft: Draft, text: str, today: Any) -> str | None:
    zone = canonical_timezone(text[:64])
    if zone is None:
        return N_("I don't know that time zone. Please use a name like Europe/Madrid or America/New_York.")
    draft.timezone = zone
    return None


def typed_gender(draft: Draft, text: str, today: Any) -> str | None:
    gender = clean_text(text, GENDER_MAX)
    if gender is None:
        return N_("Please keep it short (up to 30 characters), or use the buttons.")
    draft.gender = gender_code(gender)
    return None


def typed_preferences(draft: Draft, text: str, today: Any) -> str | None:
    note = clean_text(text, PREFERENCES_MAX)
    if note is None:
        return N_("That is a little long: please keep it to 200 characters.")
    draft.preferences = note
    return None


def typed_intro(draft: Draft, text: str, today: Any) -> str | None:
    intro = clean_text(text, INTRO_MAX)
    if intro is None:
        return N_("Please keep your introduction to 300 characters; a few friendly lines are plenty.")
    draft.intro = intro
    return None


TYPED = {
    "recovery": typed_recovery,
    "languages": typed_languages,
    "timezone": typed_timezone,
    "gender": typed_gender,
    "preferences": typed_preferences,
    "intro": typed_intro,
}


async def on_draft_text(update: Update, context: KindredContext) -> int:
    draft = context.user_data.get(DRAFT_KEY)
    message = update.effective_message
    if not isinstance(draft, Draft) or message is None or message.text is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    handler = TYPED.get(draft.step)
    if handler is None:
        await reply(update, tr._("Please use the buttons above, or /cancel to stop."))
        return DRAFT
    complaint = handler(draft, message.text, services(context).clock.now().date())
    if complaint:
        await reply(update, tr._(complaint))
        return DRAFT
    if complaint is None:
        draft.advance()
    await send_prompt(update, tr, draft)
    return DRAFT


# -- confirming --


async def confirm(update: Update, context: KindredContext, draft: Draft, save: bool) -> int:
    tr = await translator_for(update, context)
    context.user_data.pop(DRAFT_KEY, None)
    message = update.callback_query.message if update.callback_query else None
    if not save:
        await flow.safe_edit(message, tr._("Cancelled; nothing was saved."))  # type: ignore[arg-type]
        return ConversationHandler.END
    if draft.kind == "mentor":
        await save_profile(update, context, draft, tr)
    else:
        await send_request(update, context, draft, tr)
    return ConversationHandler.END


async def save_profile(update: Update, context: KindredContext, draft: Draft, tr: Translator) -> None:
    user = update.effective_user
    if user is None or draft.recovery_since is None or draft.capacity is None or draft.timezone is None:
        return
    fields = ProfileFields(
        frozenset(draft.focus),
        draft.recovery_since,
        frozenset(draft.languages),
        draft.timezone,
        frozenset(draft.availability),
        draft.capacity,
        draft.gender,
        draft.preferences,
        draft.intro,
    )
    await mentors(context).save_profile(user.id, fields, services(context).clock.now())
    log.info("Mentor profile saved for %s", log_id(user.id))
    message = update.callback_query.message if update.callback_query else None
    await flow.safe_edit(  # type: ignore[arg-type]
        message,
        tr._(
            "Thank you! 🌱 Your mentor profile is saved. When a member could use your support, I will "
            "send you an anonymous summary to accept or decline. /mentor shows, edits or pauses your profile."
        ),
    )


async def send_request(update: Update, context: KindredContext, draft: Draft, tr: Translator) -> None:
    user = update.effective_user
    if user is None or draft.timezone is None:
        return
    repo = mentors(context)
    if await repo.open_request(user.id) is not None:
        return
    fields = RequestFields(
        frozenset(draft.focus),
        frozenset(draft.languages),
        draft.language_required,
        draft.timezone,
        frozenset(draft.availability),
        draft.gender_wish,
        draft.gender,
    )
    request = await repo.create_request(user.id, fields, services(context).clock.now())
    log.info("Mentor request %d from %s", request.request_id, log_id(user.id))
    message = update.callback_query.message if update.callback_query else None
    proposal = await flow.propose_next(context.application, request)
    if proposal is not None:
        text = tr._(
            "Thank you. 🌱 I have asked a peer mentor who fits what you told me. They have up to "
            "{hours} hours to answer; I will write as soon as they do."
        ).format(hours=int(PROPOSAL_TTL.total_seconds() // 3600))
    else:
        text = tr._(
            "Thank you. 🌱 Nobody who fits is free right now, so your request is on the waiting list. "
            "A coordinator will help, and I will write as soon as a mentor accepts."
        )
    await flow.safe_edit(message, text)  # type: ignore[arg-type]
