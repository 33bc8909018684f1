"""Every check-in message: the questions, the saved note, /mystats facts, /wellbeing, the digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from babel.dates import format_date
from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.checkins import (
    CRAVING_MAX,
    CRAVING_MIN,
    MOOD_MAX,
    MOOD_MIN,
    Cell,
    PeriodStats,
    PersonalStats,
    PublishedCell,
    Trend,
    week_start,
)
from bot.domain.i18n import N_, Translator, translator
from bot.domain.time_format import format_clock
from handlers.callback_data import CallbackData
from handlers.common import escape
from storage.checkins import SharedItem
from storage.groups import Group


@dataclass(frozen=True)
class Step(CallbackData, prefix="ck"):
    """One answer in the check-in: ``mood``, ``craving``, ``skip`` (no note), ``share`` (a group
    id, or 0 for none), ``note`` (1: share my note too, 0: numbers only)."""

    step: str
    value: int


@dataclass(frozen=True)
class Begin(CallbackData, prefix="ckgo"):
    """The daily prompt's "Check in now" button."""

    source: str


MOOD_FACES = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "😊"}
TRENDS = {
    Trend.RISING: N_("rising"),
    Trend.FALLING: N_("falling"),
    Trend.STEADY: N_("steady"),
    Trend.UNKNOWN: N_("not enough check-ins yet to tell"),
}


def _number(tr: Translator, value: float) -> str:
    return format_decimal(value, "0.0", locale=tr.locale)


# -- the check-in questions --


def mood_question(tr: Translator) -> str:
    return tr._("<b>Check-in</b> (anonymous)\nHow is your mood right now? 1 = very low, 5 = very good.")


def mood_markup() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(f"{n} {MOOD_FACES[n]}", callback_data=Step("mood", n).pack())
                for n in range(MOOD_MIN, MOOD_MAX + 1)
            ]
        ]
    )


def craving_question(tr: Translator, mood: int) -> str:
    return "\n".join(
        [
            tr._("Mood: {mood}/5.").format(mood=mood),
            tr._("How strong are cravings right now? 0 = none, 10 = overwhelming."),
        ]
    )


def craving_markup() -> InlineKeyboardMarkup:
    values = list(range(CRAVING_MIN, CRAVING_MAX + 1))
    rows = [values[:6], values[6:]]
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(str(n), callback_data=Step("craving", n).pack()) for n in row] for row in rows]
    )


def note_question(tr: Translator, mood: int, craving: int) -> str:
    return "\n".join(
        [
            tr._("Mood: {mood}/5 · craving: {craving}/10.").format(mood=mood, craving=craving),
            tr._("Add a short note if you like: just type it. Or skip."),
        ]
    )


def skip_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(tr._("Skip"), callback_data=Step("skip", 0).pack())]])


def share_question(tr: Translator) -> str:
    return tr._(
        "Share this check-in anonymously with a group? It goes into the group's next digest "
        "(at 09:00 or 18:00 group time) without your name, mixed with others."
    )


def share_markup(tr: Translator, groups: Sequence[Group]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(group.title or "?", callback_data=Step("share", group.chat_id).pack())]
        for group in groups
    ]
    rows.append([InlineKeyboardButton(tr._("No, keep it private"), callback_data=Step("share", 0).pack())])
    return InlineKeyboardMarkup(rows)


def share_note_question(tr: Translator) -> str:
    return tr._("Share your note too, or only the numbers?")


def share_note_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("Share my note too"), callback_data=Step("note", 1).pack())],
            [InlineKeyboardButton(tr._("Numbers only"), callback_data=Step("note", 0).pack())],
        ]
    )


def saved_text(tr: Translator, group: Group | None, digest_at: datetime | None, note_withheld: bool) -> str:
    lines = [tr._("✅ Saved. Thank you for checking in. /mystats shows your trend.")]
    if group is not None and digest_at is not None:
        lines.append(
            tr._("It will appear in {group}'s digest at {time}, without your name.").format(
                group=f"<b>{escape(group.title)}</b>",
                time=escape(format_clock(tr, digest_at, group.timezone)),
            )
        )
        if note_withheld:
            lines.append(tr._("Your note stays private: it sounded like you are going through a lot."))
    return "\n".join(lines)


STALE = N_("That check-in has expired. Send /checkin to start a new one.")


def not_in_group_text(tr: Translator) -> str:
    """A share press for a group the member is not in: a forged button, or one they have left
    since the question was shown.  The check-in waits for another choice."""
    return tr._(
        "You're not in that group (any more), so I can't share your check-in there. "
        "Choose another group, or keep it private."
    )


# -- /prompt --


def prompt_usage(tr: Translator) -> str:
    return tr._(
        "Send /prompt 20:00 for a daily check-in reminder at that time (add a time zone if you like: "
        "/prompt 20:00 Europe/Madrid), or /prompt off to stop it."
    )


def prompt_set_text(tr: Translator, at: time, zone: str) -> str:
    return tr._("I'll send you a check-in prompt every day at {time}. /prompt off stops it.").format(
        time=escape(format_clock(tr, at, zone))
    )


def prompt_text(tr: Translator) -> str:
    return tr._("🌱 Time for your daily check-in. How are you doing today?")


def prompt_markup(tr: Translator) -> dict[str, object]:
    """As a dict, because it travels through the outbox."""
    button = InlineKeyboardButton(tr._("Check in now"), callback_data=Begin("prompt").pack())
    return InlineKeyboardMarkup([[button]]).to_dict()


# -- /mystats --


def render_stats(tr: Translator, stats: PersonalStats, days: int) -> str:
    period: PeriodStats = stats.period(days)
    if not period.checkins:
        return tr._("No check-ins in the last {days} days. /checkin takes a few seconds.").format(days=days)
    lines = [
        tr._("<b>Your last {days} days</b>").format(days=days),
        tr.n_(
            "You checked in on {count} day.", "You checked in on {count} days.", period.days_checked_in
        ).format(count=period.days_checked_in),
    ]
    if period.average_mood is not None and period.average_craving is not None:
        lines.append(
            tr._("Average mood {mood}/5 · average craving {craving}/10.").format(
                mood=_number(tr, period.average_mood), craving=_number(tr, period.average_craving)
            )
        )
    lines.append(tr._("Mood trend: {trend}.").format(trend=tr._(TRENDS[period.mood_trend])))
    lines.append(
        tr.n_(
            "Current streak: {count} day (best: {best}).",
            "Current streak: {count} days (best: {best}).",
            stats.current_streak,
        ).format(count=stats.current_streak, best=stats.best_streak)
    )
    return "\n".join(lines)


# -- /wellbeing --


def render_wellbeing(tr: Translator, groups: Sequence[Group], cells: Sequence[Cell], threshold: int) -> str:
    """*threshold* is the small-cell threshold the cells were suppressed with (always 3 or more)."""
    lines = [
        tr._(
            "<b>Check-ins by week</b> (only where at least {count} people contributed; nobody is named)."
        ).format(count=threshold)
    ]
    for group in groups:
        lines.append("")
        lines.append(f"<b>{escape(group.title)}</b>")
        mine = [cell for cell in cells if cell.key.group_id == group.chat_id]
        if not mine:
            lines.append(tr._("No check-ins in these weeks."))
        for cell in mine:
            start = format_date(week_start(cell.key.iso_year, cell.key.iso_week), "d MMM", locale=tr.locale)
            label = tr._("Week of {day}").format(day=start)
            if isinstance(cell, PublishedCell):
                detail = tr._(
                    "{checkins} check-ins by {people} people · mood {mood}/5 · craving {craving}/10"
                ).format(
                    checkins=cell.checkins,
                    people=cell.contributors,
                    mood=_number(tr, cell.average_mood),
                    craving=_number(tr, cell.average_craving),
                )
            else:
                detail = tr._("too few to show")
            lines.append(f"{label}: {detail}")
    return "\n".join(lines)


def no_aggregates_text(tr: Translator) -> str:
    return tr._("Only facilitators (for their groups) and coordinators can see check-in aggregates.")


# -- digests --


def render_digest(tr: Translator, items: Sequence[SharedItem]) -> str:
    lines = [
        tr.n_(
            "🌱 <b>{count} anonymous check-in</b> shared with the group:",
            "🌱 <b>{count} anonymous check-ins</b> shared with the group:",
            len(items),
        ).format(count=len(items))
    ]
    for item in items:
        line = tr._("• mood {mood}/5 · craving {craving}/10").format(mood=item.mood, craving=item.craving)
        if item.note:
            line += f"\n  <i>“{escape(item.note)}”</i>"
        lines.append(line)
    lines.append(tr._("Thank you for sharing. Send me /checkin privately to add yours."))
    return "\n".join(lines)


# -- what the jobs send (bot.usecases.checkins.Wording) --


def digest_in(language: str, items: Sequence[SharedItem]) -> str:
    """A group's digest in the group's language."""
    return render_digest(translator(language), items)


def prompt_in(language: str) -> tuple[str, dict[str, object]]:
    """The daily prompt and its "Check in now" button, in the member's language."""
    tr = translator(language)
    return prompt_text(tr), prompt_markup(tr)
