"""Attendance: every message and keyboard the feature shows, and its typed callback data.

Rendering lives here only; every name and title (user text) goes through ``escape()`` in HTML
messages.  Button labels are plain text, so they are shortened but not escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.attendance import AttendedMeeting, ProofLetter, Summary
from bot.domain.checkins import Trend
from bot.domain.i18n import N_, Translator
from bot.domain.time_format import format_clock, format_when
from bot.usecases.attendance import OccurrenceChoice, stamp
from handlers.callback_data import CallbackData
from handlers.common import escape
from storage.attendance import CheckIn, HistoryItem, Member
from storage.groups import Group

# -- callback data --


@dataclass(frozen=True)
class Here(CallbackData, prefix="athere"):
    """The group's "I'm here" button for one occurrence (start as a Unix timestamp)."""

    meeting_id: int
    start: int


@dataclass(frozen=True)
class PickGroup(CallbackData, prefix="atgrp"):
    purpose: str  # "mark" or "report"
    chat_id: int  # 0: every group the person may see (reports)


@dataclass(frozen=True)
class PickOccurrence(CallbackData, prefix="atocc"):
    meeting_id: int
    start: int


@dataclass(frozen=True)
class Toggle(CallbackData, prefix="atmark"):
    meeting_id: int
    start: int
    user_id: int


@dataclass(frozen=True)
class OpenRollCall(CallbackData, prefix="atopen"):
    meeting_id: int
    start: int


@dataclass(frozen=True)
class ReportRange(CallbackData, prefix="atrep"):
    chat_id: int  # 0: every group the person may see
    span: str  # "4w", "3m" or "custom"


@dataclass(frozen=True)
class ProofRange(CallbackData, prefix="atproof"):
    span: str  # "3m", "12m" or "custom"


# -- shared pieces --


def short_when(tr: Translator, moment: datetime, zone: str) -> str:
    """An instant, or a naive wall time in *zone*, shown the one way every time is shown."""
    return escape(format_when(tr, moment, zone))


def label(text: str, limit: int = 40) -> str:
    """Button labels are plain text; long titles are cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def day(tr: Translator, value: date) -> str:
    return format_date(value, "medium", locale=tr.locale)


# -- the roll call in the group --


def render_roll_call(tr: Translator, title: str, start: datetime, zone: str, closes: datetime) -> str:
    return tr._(
        "📋 <b>Roll call: {title}</b>, {when}.\nHere today? Press the button so we can count you. "
        "It stays open until {closes}."
    ).format(
        title=escape(title),
        when=short_when(tr, start, zone),
        closes=escape(format_clock(tr, closes, zone)),
    )


def roll_call_keyboard(tr: Translator, meeting_id: int, start: datetime) -> InlineKeyboardMarkup:
    data = Here(meeting_id, stamp(start)).pack()
    return InlineKeyboardMarkup([[InlineKeyboardButton(tr._("🙋 I'm here"), callback_data=data)]])


def render_closed(tr: Translator, title: str, start: datetime, zone: str, present: int) -> str:
    counted = tr.n_("{n} person was counted.", "{n} people were counted.", present).format(n=present)
    return tr._("📋 <b>Roll call: {title}</b>, {when}. Closed: {counted} Thank you for coming. 🌿").format(
        title=escape(title), when=short_when(tr, start, zone), counted=counted
    )


CHECK_IN_ANSWERS = {
    CheckIn.RECORDED: N_("Thank you! You are counted as present."),
    CheckIn.ALREADY: N_("You are already counted. 🙂"),
    CheckIn.CLOSED: N_("Sorry, this roll call is closed. A facilitator can still mark you as present."),
    CheckIn.EARLY: N_("This roll call is not open yet."),
    CheckIn.UNKNOWN: N_("That button no longer works."),
}


# -- facilitators: marking --


def groups_keyboard(
    tr: Translator, groups: Sequence[Group], purpose: str, with_all: bool = False
) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(label(g.title), callback_data=PickGroup(purpose, g.chat_id).pack())]
        for g in groups
    ]
    if with_all and len(groups) > 1:
        rows.append([InlineKeyboardButton(tr._("All of them"), callback_data=PickGroup(purpose, 0).pack())])
    return InlineKeyboardMarkup(rows)


def render_occurrence_list(tr: Translator, group_title: str, choices: Sequence[OccurrenceChoice]) -> str:
    if not choices:
        return tr._(
            "<b>{group}</b> had no meetings in the last 7 days, so there is no attendance to take."
        ).format(group=escape(group_title))
    return tr._("<b>{group}</b>: which meeting? You can mark attendance and correct it for 7 days.").format(
        group=escape(group_title)
    )


def keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    """Telegram refuses an empty inline keyboard: no buttons means no keyboard at all."""
    return InlineKeyboardMarkup(rows) if any(rows) else None


def occurrences_keyboard(tr: Translator, choices: Sequence[OccurrenceChoice]) -> InlineKeyboardMarkup | None:
    return keyboard(
        [
            [
                InlineKeyboardButton(
                    label(f"{c.title} · {short_when(tr, c.start, c.zone)}", 60),
                    callback_data=PickOccurrence(c.meeting_id, stamp(c.start)).pack(),
                )
            ]
            for c in choices
        ]
    )


def render_panel(tr: Translator, title: str, start: datetime, zone: str, marks: dict[int, bool]) -> str:
    present = sum(1 for present in marks.values() if present)
    counted = tr.n_("{n} present", "{n} present", present).format(n=present)
    return tr._("<b>{title}</b>, {when}: {counted}.\nTap a name to mark it present ✅ or absent ▫️.").format(
        title=escape(title), when=short_when(tr, start, zone), counted=counted
    )


def panel_keyboard(
    tr: Translator,
    meeting_id: int,
    start: datetime,
    members: Sequence[Member],
    marks: dict[int, bool],
    *,
    can_open: bool,
) -> InlineKeyboardMarkup | None:
    at = stamp(start)
    buttons = [
        InlineKeyboardButton(
            ("✅ " if marks.get(m.user_id) else "▫️ ") + label(m.first_name, 24),
            callback_data=Toggle(meeting_id, at, m.user_id).pack(),
        )
        for m in members
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if can_open:
        rows.append(
            [
                InlineKeyboardButton(
                    tr._("📣 Post the “I'm here” button"),
                    callback_data=OpenRollCall(meeting_id, at).pack(),
                )
            ]
        )
    return keyboard(rows)


# -- reports --


def report_ranges_keyboard(tr: Translator, chat_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr._("Last 4 weeks"), callback_data=ReportRange(chat_id, "4w").pack()),
                InlineKeyboardButton(tr._("Last 3 months"), callback_data=ReportRange(chat_id, "3m").pack()),
            ],
            [InlineKeyboardButton(tr._("Custom dates"), callback_data=ReportRange(chat_id, "custom").pack())],
        ]
    )


TRENDS = {
    Trend.RISING: N_("rising"),
    Trend.FALLING: N_("falling"),
    Trend.STEADY: N_("steady"),
    Trend.UNKNOWN: N_("not enough meetings to tell"),
}


NAMES_SHOWN = 20
GROUPS_NAMED = 5


def names(tr: Translator, values: Sequence[str]) -> str:
    """Up to 20 names, then "and N more": a message must stay under Telegram's 4,096 characters."""
    if not values:
        return tr._("none")
    shown = ", ".join(escape(label(v, 40)) for v in values[:NAMES_SHOWN])
    rest = len(values) - NAMES_SHOWN
    return (
        shown
        if rest <= 0
        else tr.n_("{names} and {n} more", "{names} and {n} more", rest).format(names=shown, n=rest)
    )


def group_names(tr: Translator, groups: Sequence[Group]) -> str:
    if len(groups) > GROUPS_NAMED:
        return tr.n_("{n} group", "{n} groups", len(groups)).format(n=len(groups))
    return ", ".join(escape(label(g.title, 60)) for g in groups)


def render_report(tr: Translator, groups: Sequence[Group], first: date, last: date, summary: Summary) -> str:
    heading = tr._("<b>Attendance report</b>: {groups}\n{first} – {last}").format(
        groups=group_names(tr, groups), first=day(tr, first), last=day(tr, last)
    )
    if summary.meetings_held == 0:
        return heading + "\n\n" + tr._("No meetings were held in this period.")
    average = format_number(tr, summary.average or 0.0)
    lines = [
        tr._("Meetings held: {n}").format(n=summary.meetings_held),
        tr._("Average attendance: {average} per meeting").format(average=average),
        tr._("Trend: {trend}").format(trend=tr._(TRENDS[summary.trend])),
        tr._("Dropped away: {names}").format(names=names(tr, summary.dropped_away)),
        tr._("Newcomers: {names}").format(names=names(tr, summary.newcomers)),
    ]
    footer = tr._(
        "“Dropped away”: came to 2 or more of a group's meetings in the first half of the period and "
        "to none in the second. “Newcomers”: came for the first time in this period."
    )
    return "\n\n".join([heading, "\n".join(lines), f"<i>{footer}</i>"])


def format_number(tr: Translator, value: float) -> str:
    return format_decimal(round(value, 1), format="#,##0.0", locale=tr.locale)


# -- members: history and letters --


def render_history(tr: Translator, items: Sequence[HistoryItem], present: int) -> str:
    if not items:
        return tr._("No attendance has been recorded for you yet.")
    heading = tr.n_(
        "You were present at {n} meeting in the last 12 months.",
        "You were present at {n} meetings in the last 12 months.",
        present,
    ).format(n=present)
    lines = [
        ("✅ " if item.present else "▫️ ")
        + tr._("{when}: {meeting} ({group})").format(
            when=short_when(tr, item.start, item.time_zone),
            meeting=escape(label(item.meeting_title)),
            group=escape(label(item.group_title)),
        )
        for item in items
    ]
    return "\n".join([heading, "", *lines])


def proof_ranges_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr._("Last 3 months"), callback_data=ProofRange("3m").pack()),
                InlineKeyboardButton(tr._("Last 12 months"), callback_data=ProofRange("12m").pack()),
            ],
            [InlineKeyboardButton(tr._("Custom dates"), callback_data=ProofRange("custom").pack())],
        ]
    )


def render_letter_lines(tr: Translator, meetings: Sequence[AttendedMeeting]) -> str:
    return "\n".join(
        "• "
        + tr._("{when}: {meeting} ({group}), {minutes} min").format(
            when=short_when(tr, m.local_start, m.time_zone),
            meeting=escape(m.meeting_title),
            group=escape(m.group_title),
            minutes=m.minutes,
        )
        for m in meetings
    )


def render_verified(tr: Translator, letter: ProofLetter) -> str:
    heading = tr._(
        "✅ <b>This code matches a letter I issued</b> on {issued}. It says that {name} attended "
        "these meetings between {first} and {last}:"
    ).format(
        issued=day(tr, letter.issued_at.date()),
        name=escape(letter.first_name),
        first=day(tr, letter.first_day),
        last=day(tr, letter.last_day),
    )
    return f"{heading}\n\n{render_letter_lines(tr, letter.meetings)}"


def render_verify_limit(tr: Translator, minutes: int) -> str:
    """A person has checked VERIFY_ATTEMPTS_PER_HOUR codes within the hour: say so, and when to
    try again, without a word about the code they sent."""
    return tr.n_(
        "You've checked many codes in a short time. To keep letters safe from guessing, please "
        "wait about {minutes} minute before checking another.",
        "You've checked many codes in a short time. To keep letters safe from guessing, please "
        "wait about {minutes} minutes before checking another.",
        minutes,
    ).format(minutes=minutes)
