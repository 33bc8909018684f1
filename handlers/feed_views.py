"""Every message and keyboard of Meeting Guide feeds (issue 11): export, publishing, import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.i18n import Translator
from bot.domain.meeting_guide import SKIP_MESSAGES, ImportedMeeting, ImportProblem, SkipReason
from bot.domain.meetings import MeetingSeries
from bot.domain.recurrence import escape_params
from bot.domain.time_format import format_hour
from handlers.callback_data import CallbackData
from handlers.common import escape

MAX_LISTED_PROBLEMS = 15


@dataclass(frozen=True)
class FeedPick(CallbackData, prefix="feedp"):
    """An import button: ``toggle`` a meeting (by position), ``all``, ``none``, ``go`` or ``stop``."""

    action: str
    position: int = -1


@dataclass(frozen=True)
class FeedGroup(CallbackData, prefix="feedg"):
    """Which group a private /feed or import is for."""

    purpose: str  # "export" or "import"
    chat_id: int


def _weekday(tr: Translator, meeting: ImportedMeeting) -> str:
    monday = date(2026, 1, 5)  # any Monday: only the weekday's name is wanted
    day = monday + timedelta(days=meeting.schedule.first_start.weekday())
    return format_date(day, "EEE", locale=tr.locale)


def describe_import(tr: Translator, meeting: ImportedMeeting) -> str:
    """One line, plain text (for buttons too): "Tue 19:00 Tuesday Circle (America/New_York)"."""
    hour = format_hour(tr, meeting.schedule.first_start.time())
    return f"{_weekday(tr, meeting)} {hour} {meeting.title} ({meeting.schedule.time_zone})"


def render_export_caption(
    tr: Translator, group_title: str, count: int, skipped: list[tuple[MeetingSeries, SkipReason]]
) -> str:
    lines = [
        tr.n_(
            "Meeting Guide feed for {group}: {count} weekly meeting.",
            "Meeting Guide feed for {group}: {count} weekly meetings.",
            count,
        ).format(group=escape(group_title), count=count)
    ]
    if skipped:
        lines.append(tr._("Left out:"))
        lines += [
            f"• {escape(meeting.title)}: {escape(tr._(SKIP_MESSAGES[reason]))}" for meeting, reason in skipped
        ]
    return "\n".join(lines)[:1000]  # a caption holds at most 1024 characters


def render_problem(tr: Translator, problem: ImportProblem) -> str:
    reason = tr._(problem.message).format(**escape_params(problem.params))
    if problem.index < 0:
        return reason
    if problem.name:
        return tr._("Entry {number} “{name}”: {reason}").format(
            number=problem.index + 1, name=escape(problem.name), reason=reason
        )
    return tr._("Entry {number}: {reason}").format(number=problem.index + 1, reason=reason)


def render_import_preview(
    tr: Translator, group_title: str, meetings: list[ImportedMeeting], problems: list[ImportProblem]
) -> str:
    lines = [
        tr.n_(
            "I found {count} meeting to add to {group}.",
            "I found {count} meetings to add to {group}.",
            len(meetings),
        ).format(count=len(meetings), group=escape(group_title))
    ]
    if problems:
        lines.append(
            tr.n_(
                "{count} entry cannot be imported and will be skipped:",
                "{count} entries cannot be imported and will be skipped:",
                len(problems),
            ).format(count=len(problems))
        )
        lines += [f"• {render_problem(tr, p)}" for p in problems[:MAX_LISTED_PROBLEMS]]
        if len(problems) > MAX_LISTED_PROBLEMS:
            lines.append(tr._("…and {count} more.").format(count=len(problems) - MAX_LISTED_PROBLEMS))
    if meetings:
        lines.append(
            tr._(
                "Each becomes a weekly meeting in its own time zone. Tap to leave a meeting out, then import."
            )
        )
    return "\n".join(lines)


def import_markup(tr: Translator, meetings: list[ImportedMeeting], chosen: set[int]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if position in chosen else "⬜ ") + describe_import(tr, meeting)[:60],
                callback_data=FeedPick("toggle", position).pack(),
            )
        ]
        for position, meeting in enumerate(meetings)
    ]
    rows.append(
        [
            InlineKeyboardButton(tr._("Select all"), callback_data=FeedPick("all").pack()),
            InlineKeyboardButton(tr._("Select none"), callback_data=FeedPick("none").pack()),
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                tr._("Import selected ({count})").format(count=len(chosen)),
                callback_data=FeedPick("go").pack(),
            ),
            InlineKeyboardButton(tr._("Cancel"), callback_data=FeedPick("stop").pack()),
        ]
    )
    return InlineKeyboardMarkup(rows)


def render_imported(tr: Translator, group_title: str, meetings: list[ImportedMeeting]) -> str:
    lines = [
        tr.n_(
            "Imported {count} weekly meeting into {group}:",
            "Imported {count} weekly meetings into {group}:",
            len(meetings),
        ).format(count=len(meetings), group=escape(group_title))
    ]
    lines += [f"• {escape(describe_import(tr, meeting))}" for meeting in meetings]
    return "\n".join(lines)


def render_group_imported(tr: Translator, count: int) -> str:
    return tr.n_(
        "📅 {count} weekly meeting was added from a Meeting Guide feed. /meetings shows the schedule.",
        "📅 {count} weekly meetings were added from a Meeting Guide feed. /meetings shows the schedule.",
        count,
    ).format(count=count)


def render_published(tr: Translator, url: str | None, path: str, served: bool) -> str:
    lines = [
        tr._(
            "This group's weekly meetings are now published as a Meeting Guide feed, so an intergroup "
            "website or the Meeting Guide app can list them. It shows meeting details only, never "
            "anyone's name. /feed unpublish stops it."
        ),
        tr._("Feed address: {url}").format(url=escape(url or path)),
    ]
    if not served:
        lines.append(
            tr._(
                "Note: this Kindred is not running its web server (webhook mode), so the address "
                "will answer only once it is."
            )
        )
    return "\n\n".join(lines)


def group_markup(groups: list[tuple[int, str]], purpose: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(title[:60], callback_data=FeedGroup(purpose, chat_id).pack())]
            for chat_id, title in groups
        ]
    )


def render_fetch_limit(tr: Translator, minutes: int) -> str:
    """A facilitator has had the bot fetch links too often (bot/runtime/feed_fetch.py FETCHES_PER_HOUR)."""
    return tr.n_(
        "I've fetched several links for you in a short time, so I'm pausing that for now. Please try "
        "again in about {minutes} minute, or send the .json file instead.",
        "I've fetched several links for you in a short time, so I'm pausing that for now. Please try "
        "again in about {minutes} minutes, or send the .json file instead.",
        minutes,
    ).format(minutes=minutes)
