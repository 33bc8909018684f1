"""Peer mentoring: the rules of each guided question of /mentor and /findmentor.

A pressed button or a typed answer changes a :class:`~bot.domain.mentors.Draft` in place, or is
refused with a complaint (an ``N_``-marked string the handler translates).  Each answer function
returns ``""`` (changed; stay on this step), ``None`` (answered; move on) or the complaint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from bot.domain.i18n import N_
from bot.domain.matching import Focus, GenderWish, PartOfDay, Slot
from bot.domain.mentors import (
    COMMON_LANGUAGES,
    GENDER_MAX,
    GENDERS,
    INTRO_MAX,
    PREFERENCES_MAX,
    Draft,
    clean_text,
    gender_code,
    parse_language_codes,
    parse_recovery_start,
)
from bot.domain.timezones import canonical_timezone

T = TypeVar("T")

# -- drafting: buttons --

Apply = Callable[[Draft, str], str | None]  # returns an N_-marked complaint, or None when accepted


def _toggle(chosen: set[T], item: T) -> None:
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


def apply_pick(draft: Draft, field: str, value: str) -> str | None:
    """ "" = changed, stay on this step; None = answered, move on; other text = a complaint."""
    toggle = TOGGLES.get(field)
    if toggle is not None:
        return toggle(draft, value)
    pick_choice(draft, field, value)
    return None


# -- drafting: typed answers --


def typed_recovery(draft: Draft, text: str, today: date) -> str | None:
    start = parse_recovery_start(text, today)
    if start is None:
        return N_(
            "I could not read that. Please send a number of months, like 18, or the date you started, "
            "like 2024-03-01 (not in the future)."
        )
    draft.recovery_since = start
    return None


def typed_languages(draft: Draft, text: str, today: date) -> str | None:
    codes = parse_language_codes(text)
    if codes is None:
        return N_("Please type two- or three-letter language codes separated by commas, like “ca, eu”.")
    draft.languages |= codes
    return ""


def typed_timezone(draft: Draft, text: str, today: date) -> str | None:
    zone = canonical_timezone(text[:64])
    if zone is None:
        return N_("I don't know that time zone. Please use a name like Europe/Madrid or America/New_York.")
    draft.timezone = zone
    return None


def typed_gender(draft: Draft, text: str, today: date) -> str | None:
    gender = clean_text(text, GENDER_MAX)
    if gender is None:
        return N_("Please keep it short (up to 30 characters), or use the buttons.")
    draft.gender = gender_code(gender)
    return None


def typed_preferences(draft: Draft, text: str, today: date) -> str | None:
    note = clean_text(text, PREFERENCES_MAX)
    if note is None:
        return N_("That is a little long: please keep it to 200 characters.")
    draft.preferences = note
    return None


def typed_intro(draft: Draft, text: str, today: date) -> str | None:
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
