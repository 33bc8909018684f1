"""Everything the meetings feature shows: message texts and button rows, in one place, and the
callback data its buttons carry.

Every user-provided value (titles, places, links, notes, group titles) goes through ``escape()``.
Buttons are built as plain JSON rows (the outbox stores them as ``{"inline_keyboard": rows}``) and
turned into PTB markup by :func:`markup`, so a queued reminder and an announcement look the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.i18n import N_, Translator
from bot.domain.meeting_form import FORM_SYNTAX, MeetingDraft, format_meeting_line
from bot.domain.meetings import Answer, RsvpCounts, format_offset
from bot.domain.recurrence import Occurrence, Recurrence, RecurrenceKind, WallTime, wall_time_kind, zone_for
from bot.domain.time_format import format_clock, format_hour, format_when
from handlers.callback_data import CallbackData
from handlers.common import escape
from storage.meetings import Meeting

Rows = list[list[dict[str, str]]]

ANSWER_CODES = {"g": Answer.GOING, "m": Answer.MAYBE, "n": Answer.NO}
_CODE_OF = {answer: code for code, answer in ANSWER_CODES.items()}
_ORDINALS = {1: N_("first"), 2: N_("second"), 3: N_("third"), 4: N_("fourth"), -1: N_("last")}


@dataclass(frozen=True)
class Rsvp(CallbackData, prefix="rsvp"):
    meeting_id: int
    occurrence: int  # start instant in whole minutes since the epoch (UTC)
    answer: str  # g, m or n

    @staticmethod
    def occurrence_minutes(start: datetime) -> int:
        return int(start.timestamp() // 60)

    def occurrence_start(self) -> datetime | None:
        return start_from_minutes(self.occurrence)


_MEETING_ID = re.compile(r"^(?:#|m)?([0-9]{1,12})$")


def meeting_id_from(text: str) -> int | None:
    """``12``, ``#12`` or ``m12`` (the deep-link payload) -> 12; anything else -> None.

    ASCII digits only and at most 12 of them: ``"²".isdigit()`` is true but ``int("²")`` fails, and
    a 30-digit number would overflow SQLite's INTEGER.
    """
    match = _MEETING_ID.match(text.strip())
    return int(match.group(1)) if match else None


def start_from_minutes(minutes: int) -> datetime | None:
    """The occurrence start a button names (whole minutes since the epoch); None if out of range."""
    try:
        return datetime.fromtimestamp(minutes * 60, UTC)
    except (OverflowError, OSError, ValueError):
        return None


@dataclass(frozen=True)
class PrivateReminders(CallbackData, prefix="mrem"):
    allowed: int  # 1 on, 0 off


class MenuStep(StrEnum):
    """What a button of a meeting's own menu does."""

    OPEN = "open"  # from the list: the menu as a new message
    BACK = "back"  # from a confirmation: the menu again, in place
    ANNOUNCE = "ann"
    SKIP = "skip"  # asks for confirmation
    SKIP_CONFIRMED = "skipok"
    CANCEL = "cancel"  # asks for confirmation
    CANCEL_CONFIRMED = "cancelok"
    KEEP = "keep"  # "Keep it" under /cancelmeeting's question: nothing changes
    EDIT = "edit"


@dataclass(frozen=True)
class MeetingMenu(CallbackData, prefix="mmenu"):
    """A button about one meeting, from its menu or from ``/cancelmeeting``'s question.

    Anyone can forge callback data, so the handler authorises every press on the meeting's own
    group; ``ref`` makes a confirmation stale rather than secret: SKIP_CONFIRMED names the
    occurrence shown when asking (in Rsvp's minutes), CANCEL_CONFIRMED the meeting's
    :func:`version` when asking, so a confirmation of details that changed since is refused."""

    meeting_id: int
    step: MenuStep
    ref: int = 0

    def occurrence_start(self) -> datetime | None:
        return start_from_minutes(self.ref)


def version(meeting: Meeting) -> int:
    """What a cancel confirmation was asked about: the meeting as last changed (whole seconds)."""
    return int(meeting.updated_at.timestamp())


@dataclass(frozen=True)
class Connect:
    """The ``/start`` payload of the "Connect privately" button: ``g`` and the group's chat id.

    Not secret, and harmless when forged: it only ever connects the person who opens it, and
    only after Telegram confirms they are a member of that group (getChatMember)."""

    chat_id: int
    PREFIX = "g"

    def payload(self) -> str:
        return f"{self.PREFIX}{self.chat_id}"

    @classmethod
    def from_payload(cls, payload: str) -> Connect | None:
        match = re.fullmatch(cls.PREFIX + r"(-[0-9]{1,16})", payload.strip())
        return cls(int(match.group(1))) if match else None

    def link(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username}?start={self.payload()}"


def markup(rows: Rows | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup([[_button(button) for button in row] for row in rows])


def _button(button: dict[str, str]) -> InlineKeyboardButton:
    """A button of a row: text, and a link or callback data (the only kinds the rows hold)."""
    return InlineKeyboardButton(
        button["text"], url=button.get("url"), callback_data=button.get("callback_data")
    )


def when(tr: Translator, meeting: Meeting, occurrence: Occurrence) -> str:
    """``Tue 1 Dec 2026, 19:00 (Europe/Madrid)``: the wall-clock time in the meeting's own zone."""
    return escape(format_when(tr, occurrence.start, meeting.schedule.time_zone))


def first_meeting(tr: Translator, zone: str, occurrence: Occurrence) -> str:
    """The resolved first occurrence of a meeting being scheduled, not the words typed for it."""
    return tr._("First meeting: {when}").format(when=escape(format_when(tr, occurrence.start, zone)))


def start_note(tr: Translator, zone: str, occurrence: Occurrence) -> str | None:
    """Said when the typed wall time does not exist (spring forward) or happens twice (fall back),
    with the choice made (see ``bot.domain.recurrence``); None for an ordinary time."""
    local = occurrence.local_start
    kind = wall_time_kind(local, zone_for(zone))
    if kind is WallTime.EXISTS:
        return None
    params = {
        "time": format_hour(tr, local.time()),
        "date": format_date(local.date(), "d MMM y", locale=tr.locale),
        "zone": escape(zone),
    }
    if kind is WallTime.SKIPPED:
        return "⚠️ " + tr._(
            "{time} does not exist on {date} in {zone}: the clocks jump forward then. "
            "The meeting starts at {real}, the same moment {time} would be on the old clock."
        ).format(real=escape(format_clock(tr, occurrence.start, zone)), **params)
    offset = occurrence.start.astimezone(zone_for(zone)).strftime("%z")
    return "⚠️ " + tr._(
        "{time} happens twice on {date} in {zone}: the clocks go back then. "
        "I chose the first {time}, before the change (UTC{offset})."
    ).format(offset=f"{offset[:3]}:{offset[3:]}", **params)


def repeat_text(tr: Translator, recurrence: Recurrence) -> str:
    if recurrence.kind is RecurrenceKind.ONCE:
        return tr._("One-off meeting")
    if recurrence.kind is RecurrenceKind.WEEKLY:
        text = (
            tr._("Every week")
            if recurrence.interval == 1
            else tr._("Every {n} weeks").format(n=recurrence.interval)
        )
    else:
        weekday = tr.locale.days["format"]["wide"][recurrence.weekday or 0]
        text = tr._("Monthly, the {ordinal} {weekday}").format(
            ordinal=tr._(_ORDINALS[recurrence.ordinal or 1]), weekday=weekday
        )
    if recurrence.until is not None:
        text += " " + tr._("until {date}").format(date=recurrence.until.isoformat())
    return text


def where_lines(tr: Translator, meeting: Meeting) -> list[str]:
    lines = []
    if meeting.series.place:
        lines.append("📍 " + escape(meeting.series.place))
    if meeting.series.link:
        lines.append(
            "🔗 " + tr._('<a href="{link}">Join online</a>').format(link=escape(meeting.series.link))
        )
    return lines


def deep_link(bot_username: str, meeting_id: int) -> str:
    return f"https://t.me/{bot_username}?start=m{meeting_id}"


def meeting_card(
    tr: Translator, meeting: Meeting, occurrence: Occurrence, bot_username: str, *, header: str = ""
) -> str:
    """The announcement (and the private card a deep link opens): what, when, where, how to RSVP."""
    minutes = int(meeting.schedule.duration.total_seconds() // 60)
    lines = [header] if header else []
    lines += [
        f"📅 <b>{escape(meeting.title)}</b>",
        when(tr, meeting, occurrence) + " · " + tr._("{n} min").format(n=minutes),
        repeat_text(tr, meeting.schedule.recurrence),
        *where_lines(tr, meeting),
    ]
    if meeting.capacity is not None:
        lines.append(tr._("Seats: {n}").format(n=meeting.capacity))
    if meeting.series.notes:
        lines.append(f"<i>{escape(meeting.series.notes)}</i>")
    lines.append(
        tr._('Meeting #{id}. Answer with the buttons, or <a href="{link}">open it privately</a>.').format(
            id=meeting.id, link=escape(deep_link(bot_username, meeting.id))
        )
    )
    return "\n".join(lines)


def rsvp_rows(
    tr: Translator,
    meeting: Meeting,
    occurrence: Occurrence,
    counts: RsvpCounts,
    *,
    connect: str | None = None,
) -> Rows:
    """Going / maybe / can't make it, each with its count; the counts are what edits update.

    Going shows ``going/seats`` once seats are limited, also when more are going than there are
    seats (a capacity lowered below them: nobody is removed).  In a group, *connect* is the link
    of the "Connect privately" button (:func:`connect_row`), kept on every edit of the buttons."""
    going = str(counts.going) if meeting.capacity is None else f"{counts.going}/{meeting.capacity}"
    if counts.waitlist:
        going += " " + tr._("+{n} waiting").format(n=counts.waitlist)
    labels = {
        Answer.GOING: tr._("✅ Going ({count})").format(count=going),
        Answer.MAYBE: tr._("🤔 Maybe ({count})").format(count=counts.maybe),
        Answer.NO: tr._("❌ Can't make it ({count})").format(count=counts.no),
    }
    minutes = Rsvp.occurrence_minutes(occurrence.start)
    rows: Rows = [
        [
            {"text": labels[answer], "callback_data": Rsvp(meeting.id, minutes, _CODE_OF[answer]).pack()}
            for answer in Answer
        ]
    ]
    return rows + connect_row(tr, connect) if connect else rows


def connect_row(tr: Translator, link: str) -> Rows:
    """A URL button opening the private chat with a ``/start g<group>`` payload (:class:`Connect`).

    In privacy mode Telegram shows the bot only members who write a command or press a button,
    so a quiet member is unknown and their private /meetings is empty; this connects them."""
    return [[{"text": tr._("💬 Connect privately"), "url": link}]]


def private_reminder_rows(tr: Translator) -> Rows:
    return [
        [
            {
                "text": tr._("🔕 Stop private reminders"),
                "callback_data": PrivateReminders(0).pack(),
            }
        ]
    ]


def rsvp_answer(tr: Translator, answer: Answer, waitlisted: bool) -> str:
    """The toast after pressing an RSVP button."""
    if waitlisted:
        return tr._("The meeting is full: you are on the waitlist, and I'll tell you if a seat frees up.")
    return {
        Answer.GOING: tr._("See you there! You're going."),
        Answer.MAYBE: tr._("Noted: maybe."),
        Answer.NO: tr._("Thanks for letting us know."),
    }[answer]


def group_reminder(tr: Translator, meeting: Meeting, occurrence: Occurrence) -> str:
    lines = [
        tr._("⏰ Reminder: <b>{title}</b>").format(title=escape(meeting.title)),
        when(tr, meeting, occurrence),
        *where_lines(tr, meeting),
        tr._("Will you be there? Tap below."),
    ]
    return "\n".join(lines)


def private_reminder(tr: Translator, meeting: Meeting, occurrence: Occurrence, group_title: str) -> str:
    lines = [
        tr._("⏰ Reminder: <b>{title}</b> ({group})").format(
            title=escape(meeting.title), group=escape(group_title)
        ),
        when(tr, meeting, occurrence),
        *where_lines(tr, meeting),
        tr._("You can turn these private reminders off with /reminders_private off."),
    ]
    return "\n".join(lines)


def meeting_list(
    tr: Translator,
    entries: Sequence[tuple[Meeting, Occurrence, RsvpCounts, str | None]],
    bot_username: str,
) -> str:
    """``/meetings``: upcoming occurrences; the group title is shown when listing several groups."""
    if not entries:
        return tr._("No meetings are planned yet.")
    lines = [tr._("<b>Upcoming meetings</b>")]
    for meeting, occurrence, counts, group_title in entries:
        prefix = f"{escape(group_title)} · " if group_title else ""
        lines.append(
            f"\n• {prefix}<b>{escape(meeting.title)}</b> "
            + tr._('(<a href="{link}">#{id}</a>)').format(
                link=escape(deep_link(bot_username, meeting.id)), id=meeting.id
            )
        )
        lines.append("  " + when(tr, meeting, occurrence))
        lines += ["  " + line for line in where_lines(tr, meeting)]
        lines.append(
            "  "
            + tr._("✅ {going} going · 🤔 {maybe} maybe · ❌ {no} can't").format(
                going=counts.going, maybe=counts.maybe, no=counts.no
            )
            + (" · " + tr._("{n} waiting").format(n=counts.waitlist) if counts.waitlist else "")
            + (" · " + seats_text(tr, meeting.capacity) if meeting.capacity is not None else "")
        )
    return "\n".join(lines)


def seats_text(tr: Translator, seats: int) -> str:
    return tr.n_("{n} seat", "{n} seats", seats).format(n=seats)


def not_connected_help(tr: Translator) -> str:
    """Private ``/meetings`` (or ``/calendar``) from someone the bot has not seen in any group."""
    return tr._(
        "I don't know your groups yet, so I have no meetings to show you here. Telegram only lets "
        "me see the members of a group who send a command there or press one of my buttons.\n\n"
        "To connect: in your group, press “💬 Connect privately” under a meeting (or send /meetings "
        "there once). Then send /meetings here again."
    )


def missing_group_hint(tr: Translator) -> str:
    """Under a private list: a group the bot has not seen the reader in is not listed."""
    return tr._("<i>A group missing? Press “💬 Connect privately” under one of its meetings.</i>")


def connected(tr: Translator, group_title: str) -> str:
    return tr._(
        "You're connected with <b>{group}</b>: its meetings are in /meetings here, and I can remind "
        "you privately of those you answer."
    ).format(group=escape(group_title))


def not_connected(tr: Translator) -> str:
    """A ``/start g…`` link Telegram does not confirm: never says which group it named."""
    return tr._(
        "I couldn't confirm that you are a member of that group, so I haven't connected you. If "
        "you have just joined it, please try the button again in a moment."
    )


def capacity_set(
    tr: Translator, meeting: Meeting, seats: int, crowded: Sequence[tuple[Occurrence, int]]
) -> str:
    """``/capacity``'s answer; when more are already going than the new seats, says so plainly.

    *crowded*: the occurrences with more people going than seats, earliest first."""
    text = tr._("Meeting #{id}: seats set to {n}.").format(id=meeting.id, n=seats)
    if not crowded:
        return text
    occurrence, going = crowded[0]
    text += "\n" + tr.n_(
        "{going} person is already going on {when}.",
        "{going} people are already going on {when}.",
        going,
    ).format(going=going, when=when(tr, meeting, occurrence))
    if len(crowded) > 1:
        later = len(crowded) - 1
        text += " " + tr.n_(
            "So it is for {n} later date too.", "So it is for {n} later dates too.", later
        ).format(n=later)
    text += " " + tr._("Nobody is removed: new “Going” answers go to the waitlist until enough people leave.")
    return text


def reminders_setting(tr: Translator, offsets: Sequence[timedelta]) -> str:
    if not offsets:
        return tr._("Group reminders are off. To turn them on: /reminders 24h 1h")
    return tr._("Group reminders are sent {times} before each meeting.").format(
        times=", ".join(format_offset(offset) for offset in offsets)
    )


def notice_skipped(tr: Translator, meeting: Meeting, occurrence: Occurrence) -> str:
    return tr._(
        "The meeting <b>{title}</b> on {when} will not take place. The rest of the series is unchanged."
    ).format(title=escape(meeting.title), when=when(tr, meeting, occurrence))


def notice_cancelled(tr: Translator, meeting: Meeting) -> str:
    return tr._("The meeting <b>{title}</b> has been cancelled. Sorry for the change of plans.").format(
        title=escape(meeting.title)
    )


def notice_changed(tr: Translator, meeting: Meeting, occurrence: Occurrence | None) -> str:
    text = tr._("The meeting <b>{title}</b> has changed.").format(title=escape(meeting.title))
    if occurrence is not None:
        text += "\n" + tr._("Next: {when}").format(when=when(tr, meeting, occurrence))
        text += "".join("\n" + line for line in where_lines(tr, meeting))
    text += "\n" + tr._("Please check that you can still come and answer again if needed.")
    return text


def notice_promoted(tr: Translator, meeting: Meeting, occurrence: Occurrence) -> str:
    return tr._("Good news: a seat freed up. You now have a place at <b>{title}</b>, {when}.").format(
        title=escape(meeting.title), when=when(tr, meeting, occurrence)
    )


class Texts:
    """The words the use cases send on the feature's behalf (bot.usecases.meetings.NoticeTexts and
    bot.usecases.meeting_reminders.ReminderTexts): notices to those coming, and reminders."""

    promoted = staticmethod(notice_promoted)
    skipped = staticmethod(notice_skipped)
    cancelled = staticmethod(notice_cancelled)
    changed = staticmethod(notice_changed)

    @staticmethod
    def group_reminder(
        tr: Translator, meeting: Meeting, occurrence: Occurrence, counts: RsvpCounts
    ) -> tuple[str, Rows]:
        return group_reminder(tr, meeting, occurrence), rsvp_rows(tr, meeting, occurrence, counts)

    @staticmethod
    def private_reminder(
        tr: Translator, meeting: Meeting, occurrence: Occurrence, group_title: str
    ) -> tuple[str, Rows]:
        return private_reminder(tr, meeting, occurrence, group_title), private_reminder_rows(tr)


TEXTS = Texts()


# --- scheduling and settings -------------------------------------------------------------------


def render_syntax(tr: Translator, private: bool) -> str:
    text = tr._("To schedule a meeting on one line:") + "\n<code>" + escape(tr._(FORM_SYNTAX)) + "</code>"
    if not private:
        text += "\n\n" + tr._("Or write /schedule to me in a private chat to be guided step by step.")
    return text


def render_syntax_short(tr: Translator) -> str:
    return tr._("Send /help in a private chat with me for the full syntax.")


def render_no_groups(tr: Translator) -> str:
    return tr._("You don't facilitate any group I'm in. Schedule meetings from your group's chat.")


def render_private_setting(tr: Translator, allowed: bool) -> str:
    if allowed:
        return tr._(
            "Private reminders are on for meetings you answer going or maybe. "
            "/reminders_private off turns them off."
        )
    return tr._("Private reminders are off. /reminders_private on turns them back on.")


# --- a meeting's own menu (facilitators) -----------------------------------------------------


def _menu_button(text: str, meeting_id: int, step: MenuStep, ref: int = 0) -> dict[str, str]:
    return {"text": text, "callback_data": MeetingMenu(meeting_id, step, ref).pack()}


def manage_rows(tr: Translator, manageable: Sequence[Meeting]) -> Rows:
    """Under ``/meetings`` in private: one ⚙️ button per meeting the reader facilitates."""
    return [
        [
            _menu_button(
                tr._("⚙️ Manage {title} (#{id})").format(title=_short(meeting.title), id=meeting.id),
                meeting.id,
                MenuStep.OPEN,
            )
        ]
        for meeting in manageable
    ]


def _short(title: str, limit: int = 32) -> str:
    """Button labels are plain text and get cut by clients; keep the id visible."""
    return title if len(title) <= limit else title[: limit - 1] + "…"


def menu_text(tr: Translator, meeting: Meeting, occurrence: Occurrence | None, group_title: str) -> str:
    lines = [f"⚙️ <b>{escape(meeting.title)}</b> (#{meeting.id}) · {escape(group_title)}"]
    if occurrence is not None:
        lines.append(tr._("Next: {when}").format(when=when(tr, meeting, occurrence)))
    else:
        lines.append(tr._("No more meetings are planned in this series."))
    return "\n".join(lines)


def menu_rows(tr: Translator, meeting: Meeting) -> Rows:
    return [
        [_menu_button(tr._("📣 Announce this meeting"), meeting.id, MenuStep.ANNOUNCE)],
        [
            _menu_button(tr._("⏭ Skip next"), meeting.id, MenuStep.SKIP),
            _menu_button(tr._("✏️ Edit"), meeting.id, MenuStep.EDIT),
        ],
        [_menu_button(tr._("🗑 Cancel series"), meeting.id, MenuStep.CANCEL)],
    ]


def confirm_skip(tr: Translator, meeting: Meeting, occurrence: Occurrence) -> tuple[str, Rows]:
    text = tr._("Skip <b>{title}</b> on {when}? Those going will be told.").format(
        title=escape(meeting.title), when=when(tr, meeting, occurrence)
    )
    minutes = Rsvp.occurrence_minutes(occurrence.start)
    return text, _confirm_rows(tr, meeting, MenuStep.SKIP_CONFIRMED, tr._("Yes, skip it"), minutes)


def confirm_cancel(
    tr: Translator,
    meeting: Meeting,
    upcoming: tuple[Occurrence, RsvpCounts] | None,
    keep: MenuStep,
) -> tuple[str, Rows]:
    """The question ``/cancelmeeting`` and the menu's "Cancel series" both ask, with how many are
    going to the next meeting.  *keep* is what "Keep it" does: KEEP (just close the question) or
    BACK (the menu again)."""
    lines = [tr._("Cancel the whole series <b>{title}</b>?").format(title=escape(meeting.title))]
    if upcoming is not None:
        occurrence, counts = upcoming
        lines.append(
            tr.n_(
                "{n} person is going to the next meeting, {when}.",
                "{n} people are going to the next meeting, {when}.",
                counts.going,
            ).format(n=counts.going, when=when(tr, meeting, occurrence))
        )
        if counts.waitlist:
            lines.append(
                tr.n_(
                    "{n} more is on the waitlist.", "{n} more are on the waitlist.", counts.waitlist
                ).format(n=counts.waitlist)
            )
    lines.append(tr._("Everyone coming will be told, and no more reminders are sent."))
    rows = [
        [
            _menu_button(tr._("Cancel the series"), meeting.id, MenuStep.CANCEL_CONFIRMED, version(meeting)),
            _menu_button(tr._("Keep it"), meeting.id, keep),
        ]
    ]
    return "\n".join(lines), rows


def notice_kept(tr: Translator, meeting: Meeting) -> str:
    return tr._("Nothing changed: <b>{title}</b> goes on as planned.").format(title=escape(meeting.title))


def cancel_stale(tr: Translator, meeting: Meeting) -> str:
    """A cancel confirmation pressed after the meeting changed (alert text: plain, no HTML)."""
    return tr._(
        "This meeting has changed since I asked, so I did not cancel it. Send /cancelmeeting {id} to "
        "see it again."
    ).format(id=meeting.id)


def _confirm_rows(tr: Translator, meeting: Meeting, step: MenuStep, yes: str, ref: int = 0) -> Rows:
    return [
        [
            _menu_button(yes, meeting.id, step, ref),
            _menu_button(tr._("No, go back"), meeting.id, MenuStep.BACK),
        ]
    ]


def edit_line(meeting: Meeting) -> str | None:
    """``/editmeeting <id> ...`` with the current values, or None when the form cannot express it.

    The series' own first start is kept even once it has passed: the form accepts a past start
    for a repeating series, and anchoring it elsewhere would move the series' history."""
    series = meeting.series
    draft = MeetingDraft(series.title, series.schedule, series.place, series.link, series.notes)
    try:
        line = format_meeting_line(draft)
    except ValueError:
        return None
    return f"/editmeeting {meeting.id} " + line.removeprefix("/schedule ")


def edit_help(tr: Translator, meeting: Meeting, line: str | None) -> str:
    if line is None:
        return tr._(
            "This meeting's repeat rule cannot be written on one line. Cancel it and schedule it again "
            "to change it."
        )
    return (
        tr._("To change meeting #{id}, copy this line, change what you need and send it to me:").format(
            id=meeting.id
        )
        + "\n<code>"
        + escape(line)
        + "</code>"
    )


def menu_gone(tr: Translator) -> str:
    return tr._("That meeting no longer exists. Send /meetings to see what is planned.")
