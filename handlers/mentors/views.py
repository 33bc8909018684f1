"""Peer mentoring: every message and keyboard the feature shows, and its typed callback data.

Rendering lives here only; every value a person typed goes through ``escape()``.  Consent is
two-sided and anonymous by construction: :func:`render_proposal` (for the mentor) is given the
request alone, and :func:`render_mentor_summary` (for the member, once the mentor has accepted) a
:class:`~bot.domain.mentors.MentorSummary` alone; neither is ever given a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape as escape_attribute

from babel import Locale
from babel.dates import format_date, format_timedelta
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.i18n import N_, Translator
from bot.domain.matching import Focus, GenderWish, PartOfDay, Slot
from bot.domain.mentors import (
    CAPACITY_CHOICES,
    COMMON_LANGUAGES,
    GENDERS,
    INTRO_MAX,
    PREFERENCES_MAX,
    Draft,
    MentorRecord,
    MentorSummary,
    RequestRecord,
    TimeToMatch,
)
from bot.usecases.mentoring import Overview, PreviewLine, Waiting
from handlers.callback_data import CallbackData
from handlers.common import escape
from storage.mentors import MatchRecord

# -- callback data --


@dataclass(frozen=True)
class Pick(CallbackData, prefix="mdraft"):
    """A choice while filling in a profile or request: ``field`` and ``value``."""

    field: str
    value: str


@dataclass(frozen=True)
class Answer(CallbackData, prefix="mprop"):
    proposal_id: int
    choice: str  # "yes" or "no"


@dataclass(frozen=True)
class Consent(CallbackData, prefix="mcons"):
    """The member's answer once a mentor has accepted."""

    proposal_id: int
    choice: str  # "yes", or "other" (ask for someone else)


@dataclass(frozen=True)
class ProfileAction(CallbackData, prefix="mprof"):
    action: str  # edit, pause, resume, retire


@dataclass(frozen=True)
class Withdraw(CallbackData, prefix="mreq"):
    request_id: int


@dataclass(frozen=True)
class Relay(CallbackData, prefix="mrelay"):
    match_id: int


@dataclass(frozen=True)
class EndPick(CallbackData, prefix="mend"):
    match_id: int


@dataclass(frozen=True)
class EndChoice(CallbackData, prefix="mendc"):
    match_id: int
    choice: str  # "skip" (end without a reason) or "keep"


@dataclass(frozen=True)
class MatchAllChoice(CallbackData, prefix="mall"):
    token: str
    choice: str  # "send" or "cancel"


GENDER_WISHES = {
    GenderWish.NONE: N_("No preference"),
    GenderWish.PREFER: N_("Prefer the same gender"),
    GenderWish.REQUIRE: N_("Must be the same gender"),
}
CHECK, BLANK = "✅ ", ""


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


# -- small renderers of values --


def language_label(tr: Translator, code: str) -> str:
    return Locale.parse(tr.language).languages.get(code, code)


def focus_list(tr: Translator, focus: Iterable[Focus]) -> str:
    return ", ".join(tr._(f.label) for f in Focus if f in set(focus))


def language_list(tr: Translator, codes: Iterable[str]) -> str:
    return ", ".join(escape(language_label(tr, code)) for code in sorted(codes))


def day_name(tr: Translator, weekday: int) -> str:
    return str(Locale.parse(tr.language).days["format"]["abbreviated"][weekday])


def availability_list(tr: Translator, slots: Iterable[Slot]) -> str:
    """One line per part of day with its days: "Evening (18–24): Mon, Tue"."""
    chosen = set(slots)
    lines = []
    for part in PartOfDay:
        days = [day_name(tr, day) for day in range(7) if Slot(day, part) in chosen]
        if days:
            lines.append(f"{tr._(part.label)}: {', '.join(days)}")
    return "\n".join(lines) or "—"


def gender_label(tr: Translator, gender: str | None) -> str:
    if gender is None:
        return "—"
    return tr._(GENDERS[gender]) if gender in GENDERS else escape(gender)


def duration(tr: Translator, delta: timedelta) -> str:
    return format_timedelta(delta, threshold=1.5, locale=tr.language)


def when(tr: Translator, instant: datetime) -> str:
    return format_date(instant.date(), format="medium", locale=tr.language)


# -- drafting: one prompt and keyboard per step --


def _toggles(
    draft_field: str, options: Sequence[tuple[str, str]], chosen: set[str], width: int
) -> list[list[InlineKeyboardButton]]:
    buttons = [
        _button((CHECK if value in chosen else BLANK) + label, Pick(draft_field, value))
        for value, label in options
    ]
    return _rows(buttons, width)


def _done(tr: Translator, step: str) -> list[InlineKeyboardButton]:
    return [_button(tr._("Done ➡️"), Pick(step, "done"))]


def _keep(tr: Translator, step: str) -> list[InlineKeyboardButton]:
    return [_button(tr._("Keep my current answer"), Pick(step, "keep"))]


def prompt_focus(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    text = (
        tr._("Which areas of recovery can you support others with? Tap every one that applies, then Done.")
        if draft.kind == "mentor"
        else tr._("What would you like support with? Tap every one that applies, then Done.")
    )
    options = [(f.value, tr._(f.label)) for f in Focus]
    rows = _toggles("focus", options, {f.value for f in draft.focus}, 2)
    return text, InlineKeyboardMarkup([*rows, _done(tr, "focus")])


def prompt_recovery(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup | None]:
    text = tr._(
        "How long have you been in recovery? Send a number of months (for example 18) or the date "
        "you started (for example 2024-03-01)."
    )
    return text, InlineKeyboardMarkup([_keep(tr, "recovery")]) if draft.recovery_since else None


def prompt_languages(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._(
        "Which languages can you talk in? Tap them, or type other language codes such as “ca, eu”, then Done."
    )
    codes = list(dict.fromkeys([*COMMON_LANGUAGES, *sorted(draft.languages)]))
    options = [(code, language_label(tr, code)) for code in codes]
    return text, InlineKeyboardMarkup(
        [*_toggles("lang", options, draft.languages, 3), _done(tr, "languages")]
    )


def prompt_language_required(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._("Must your mentor speak one of these languages?")
    return text, InlineKeyboardMarkup(
        [
            [_button(tr._("Yes, that is a must"), Pick("langreq", "yes"))],
            [_button(tr._("Nice to have"), Pick("langreq", "no"))],
        ]
    )


def prompt_timezone(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup | None]:
    text = tr._("Which time zone do you live in? Tap one, or type its name, like Europe/Madrid.")
    buttons = [_button(zone, Pick("tz", str(i))) for i, zone in enumerate(draft.zone_choices)]
    return text, InlineKeyboardMarkup(_rows(buttons, 1)) if buttons else None


def prompt_availability(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._(
        "When are you usually free to talk, in your own time? Tap the days and parts of the day "
        "(a column's title selects the whole column), then Done."
    )
    header = [_button(tr._(PART_SHORT[part]), Pick("part", part.value)) for part in PartOfDay]
    rows = [header]
    for day in range(7):
        rows.append(
            [
                _button(
                    (CHECK if Slot(day, part) in draft.availability else "")
                    + f"{day_name(tr, day)} {PART_ICONS[part]}",
                    Pick("slot", f"{day}-{part.value}"),
                )
                for part in PartOfDay
            ]
        )
    return text, InlineKeyboardMarkup([*rows, _done(tr, "availability")])


PART_ICONS = {
    PartOfDay.NIGHT: "🌙",
    PartOfDay.MORNING: "🌅",
    PartOfDay.AFTERNOON: "☀️",
    PartOfDay.EVENING: "🌆",
}
PART_SHORT = {
    PartOfDay.NIGHT: N_("🌙 Night"),
    PartOfDay.MORNING: N_("🌅 Morning"),
    PartOfDay.AFTERNOON: N_("☀️ Afternoon"),
    PartOfDay.EVENING: N_("🌆 Evening"),
}


def prompt_capacity(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._("How many members could you mentor at the same time, at most?")
    buttons = [_button(str(n), Pick("capacity", str(n))) for n in CAPACITY_CHOICES]
    return text, InlineKeyboardMarkup([buttons])


def prompt_gender(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    if draft.kind == "mentor":
        text = tr._("Your gender, if you would like to share it (members may ask for the same gender).")
        last = [_button(tr._("Prefer not to say"), Pick("gender", "skip"))]
    else:
        text = tr._("So I can look for someone of the same gender: what is your gender? Tap or type it.")
        last = []
    genders = [_button(tr._(label), Pick("gender", value)) for value, label in GENDERS.items()]
    return text, InlineKeyboardMarkup([genders, last] if last else [genders])


def prompt_gender_wish(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._("Does your mentor's gender matter to you?")
    rows = [[_button(tr._(label), Pick("gwish", wish.value))] for wish, label in GENDER_WISHES.items()]
    return text, InlineKeyboardMarkup(rows)


def prompt_preferences(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._(
        "Anything about how you like to mentor (for example “text messages, evenings”)? "
        "Type it (up to {limit} characters), or Skip."
    ).format(limit=PREFERENCES_MAX)
    return text, InlineKeyboardMarkup([[_button(tr._("Skip"), Pick("prefs", "skip"))]])


def prompt_intro(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup | None]:
    text = tr._(
        "Last step: a short introduction that your mentees will read once you accept them "
        "(up to {limit} characters). No need for your full name."
    ).format(limit=INTRO_MAX)
    return text, InlineKeyboardMarkup([_keep(tr, "intro")]) if draft.intro else None


def prompt_confirm(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    if draft.kind == "mentor":
        title = tr._("<b>Your mentor profile</b> — please check it:")
        save = tr._("Save my profile")
    else:
        title = tr._("<b>Your request</b> — please check it:")
        save = tr._("Send my request")
    text = f"{title}\n\n{render_draft(tr, draft)}"
    rows = [[_button(save, Pick("confirm", "save"))], [_button(tr._("Cancel"), Pick("confirm", "cancel"))]]
    return text, InlineKeyboardMarkup(rows)


PROMPTS = {
    "focus": prompt_focus,
    "recovery": prompt_recovery,
    "languages": prompt_languages,
    "language_required": prompt_language_required,
    "timezone": prompt_timezone,
    "availability": prompt_availability,
    "capacity": prompt_capacity,
    "gender": prompt_gender,
    "gender_wish": prompt_gender_wish,
    "preferences": prompt_preferences,
    "intro": prompt_intro,
    "confirm": prompt_confirm,
}


def render_prompt(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup | None]:
    return PROMPTS[draft.step](tr, draft)


def render_draft(tr: Translator, draft: Draft) -> str:
    lines = [tr._("Areas: {areas}").format(areas=focus_list(tr, draft.focus))]
    if draft.kind == "mentor" and draft.recovery_since:
        lines.append(tr._("In recovery since: {date}").format(date=draft.recovery_since.isoformat()))
    languages = language_list(tr, draft.languages)
    if draft.kind == "request" and draft.language_required:
        languages += " " + tr._("(a must)")
    lines.append(tr._("Languages: {languages}").format(languages=languages))
    lines.append(tr._("Time zone: {zone}").format(zone=escape(draft.timezone or "")))
    lines.append(tr._("Free:") + "\n" + availability_list(tr, draft.availability))
    if draft.kind == "mentor":
        lines.append(tr._("Mentees at most: {n}").format(n=draft.capacity))
        lines.append(tr._("Gender: {gender}").format(gender=gender_label(tr, draft.gender)))
        if draft.preferences:
            lines.append(tr._("How you mentor: {text}").format(text=escape(draft.preferences)))
        lines.append(tr._("Intro: {text}").format(text=f"<i>{escape(draft.intro)}</i>"))
    elif draft.gender_wish is not GenderWish.NONE:
        lines.append(
            tr._("Mentor's gender: {wish} ({gender})").format(
                wish=tr._(GENDER_WISHES[draft.gender_wish]), gender=gender_label(tr, draft.gender)
            )
        )
    return "\n".join(lines)


# -- mentors' own profile --


STATUS_LABELS = {"active": N_("active"), "paused": N_("paused"), "retired": N_("retired")}


def render_profile(tr: Translator, record: MentorRecord, mentees: int) -> tuple[str, InlineKeyboardMarkup]:
    draft = Draft.from_mentor(record)
    text = "\n\n".join(
        [
            tr._("<b>Your mentor profile</b> ({status}, {count} of {capacity} places taken)").format(
                status=tr._(STATUS_LABELS[record.status]), count=mentees, capacity=record.capacity
            ),
            render_draft(tr, draft),
        ]
    )
    toggle = (
        _button(tr._("Pause"), ProfileAction("pause"))
        if record.status == "active"
        else _button(tr._("Resume"), ProfileAction("resume"))
    )
    rows = [[_button(tr._("Edit"), ProfileAction("edit")), toggle]]
    if record.status != "retired":
        rows.append([_button(tr._("Retire as a mentor"), ProfileAction("retire"))])
    return text, InlineKeyboardMarkup(rows)


# -- proposals: anonymous for the mentor --


def render_proposal(tr: Translator, request: RequestRecord, hours: int) -> str:
    """What a mentor sees before accepting: needs, language, time zone, availability; never a name."""
    languages = language_list(tr, request.languages)
    if request.language_required:
        languages += " " + tr._("(a must)")
    return "\n".join(
        [
            tr._("🌱 <b>A member is looking for a peer mentor</b>, and you could be a good fit."),
            "",
            tr._("Would like support with: {areas}").format(areas=focus_list(tr, request.focus)),
            tr._("Languages: {languages}").format(languages=languages),
            tr._("Time zone: {zone}").format(zone=escape(request.timezone)),
            tr._("Free:") + "\n" + availability_list(tr, request.availability),
            "",
            tr._(
                "Names stay private until you have both accepted. Please answer within {hours} hours; "
                "after that I will ask someone else."
            ).format(hours=hours),
        ]
    )


def proposal_buttons(tr: Translator, proposal_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(tr._("Accept"), Answer(proposal_id, "yes")),
                _button(tr._("Decline"), Answer(proposal_id, "no")),
            ]
        ]
    )


# -- the member's half of consent: anonymous for the member --


def experience(tr: Translator, months: int) -> str:
    """Time in recovery in whole years (or months, under a year): enough to judge, not to identify."""
    if months >= 12:
        years = months // 12
        return tr.n_("{count} year in recovery", "{count} years in recovery", years).format(count=years)
    return tr.n_("{count} month in recovery", "{count} months in recovery", months).format(count=months)


def render_mentor_summary(tr: Translator, summary: MentorSummary, hours: int) -> str:
    """What a member sees once a mentor has accepted: areas, languages, experience; never a name."""
    return "\n".join(
        [
            tr._("🌱 <b>A peer mentor has said yes to your request.</b> A little about them:"),
            "",
            tr._("Knows about: {areas}").format(areas=focus_list(tr, summary.focus)),
            tr._("Languages: {languages}").format(languages=language_list(tr, summary.languages)),
            tr._("Experience: {experience}").format(experience=experience(tr, summary.months_in_recovery)),
            "",
            tr._(
                "You learn their name, and they learn yours, only once you accept too. Please answer "
                "within {hours} hours; after that I will look for someone else."
            ).format(hours=hours),
        ]
    )


def consent_buttons(tr: Translator, proposal_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(tr._("Accept this mentor"), Consent(proposal_id, "yes"))],
            [_button(tr._("Ask for someone else"), Consent(proposal_id, "other"))],
        ]
    )


# -- contact after acceptance --


def contact_markup(tr: Translator, name: str, username: str | None, match_id: int) -> InlineKeyboardMarkup:
    if username:
        button = InlineKeyboardButton(
            tr._("Open a chat with {name}").format(name=name), url=f"https://t.me/{username}"
        )
    else:
        button = _button(tr._("Send {name} a message").format(name=name), Relay(match_id))
    return InlineKeyboardMarkup([[button]])


def contact_line(tr: Translator, username: str | None) -> str:
    if username:
        link = f"https://t.me/{username}"
        return tr._("You can write to them on Telegram: {link}").format(
            link=f'<a href="{escape_attribute(link)}">{escape(link)}</a>'
        )
    return tr._(
        "They have no public Telegram username, so I will pass your first message on: "
        "press the button below and type it."
    )


def render_match_for_member(tr: Translator, mentor_name: str, intro: str, username: str | None) -> str:
    return "\n\n".join(
        [
            tr._("🌱 Good news: <b>{name}</b> has agreed to be your peer mentor.").format(
                name=escape(mentor_name)
            ),
            tr._("In their words: {intro}").format(intro=f"<i>{escape(intro)}</i>"),
            contact_line(tr, username),
            tr._("If it does not work out, /endmatch ends the match at any time, no hard feelings."),
        ]
    )


def render_match_for_mentor(tr: Translator, member_name: str, username: str | None) -> str:
    return "\n\n".join(
        [
            tr._("🤝 Thank you! You are now <b>{name}</b>'s peer mentor.").format(name=escape(member_name)),
            contact_line(tr, username),
            tr._("/endmatch ends the match whenever you need to."),
        ]
    )


def render_relayed(tr: Translator, sender: str, text: str, sender_username: str | None) -> str:
    parts = [
        tr._("💬 A message from <b>{name}</b>:").format(name=escape(sender)),
        f"<blockquote>{escape(text)}</blockquote>",
    ]
    if sender_username:
        parts.append(contact_line(tr, sender_username))
    return "\n".join(parts)


# -- ending --


def end_pick_markup(tr: Translator, matches: Sequence[tuple[MatchRecord, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(tr._("End my match with {name}").format(name=name), EndPick(match.match_id))]
            for match, name in matches
        ]
    )


def end_reason_markup(tr: Translator, match_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(tr._("End it without a reason"), EndChoice(match_id, "skip"))],
            [_button(tr._("Keep the match"), EndChoice(match_id, "keep"))],
        ]
    )


def render_ended_for_other(tr: Translator, name: str, other_was_mentor: bool) -> str:
    if other_was_mentor:
        follow = tr._(
            "Thank you for the time you shared. Whenever you are ready, /findmentor finds you a new mentor."
        )
    else:
        follow = tr._("Thank you for the support you gave; your place is free for another member.")
    return "\n\n".join([tr._("🌿 {name} has ended your mentoring match.").format(name=escape(name)), follow])


# -- coordinators --


def render_matchall_preview(
    tr: Translator, lines: Sequence[PreviewLine], left_waiting: int, token: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not lines:
        text = tr.n_(
            "No waiting member can be matched right now ({count} waiting).",
            "No waiting member can be matched right now ({count} waiting).",
            left_waiting,
        ).format(count=left_waiting)
        return text, None
    shown = [
        tr._("#{id} {member} (waiting {waited}) → {mentor} · fit {score}").format(
            id=line.request_id,
            member=escape(line.member_name),
            waited=duration(tr, line.waited),
            mentor=escape(line.mentor_name),
            score=f"{line.score:.2f}",
        )
        for line in lines[:40]
    ]
    if len(lines) > 40:
        shown.append(tr._("… and {count} more.").format(count=len(lines) - 40))
    parts = [
        tr._("<b>Preview</b> — nothing has been sent yet."),
        "\n".join(shown),
        tr.n_(
            "{count} member would stay waiting.", "{count} members would stay waiting.", left_waiting
        ).format(count=left_waiting),
    ]
    send = tr.n_("Send {count} proposal", "Send {count} proposals", len(lines)).format(count=len(lines))
    markup = InlineKeyboardMarkup(
        [
            [_button(send, MatchAllChoice(token, "send"))],
            [_button(tr._("Cancel"), MatchAllChoice(token, "cancel"))],
        ]
    )
    return "\n\n".join(parts), markup


WAITING_NOTES = {
    Waiting.MENTOR: N_("a mentor is considering it"),
    Waiting.MEMBER: N_("a mentor accepted; waiting for the member"),
}


LIST_LIMIT = 20


def _limited(lines: list[str], tr: Translator) -> list[str]:
    if len(lines) <= LIST_LIMIT:
        return lines
    return [*lines[:LIST_LIMIT], tr._("… and {count} more.").format(count=len(lines) - LIST_LIMIT)]


def render_overview(tr: Translator, view: Overview, now: datetime) -> str:
    waiting = [
        tr._("#{id} {name}: waiting {waited} · {areas}").format(
            id=request.request_id,
            name=escape(name),
            waited=duration(tr, now - request.requested_at),
            areas=focus_list(tr, request.focus),
        )
        + (" · " + tr._(WAITING_NOTES[waiting]) if waiting in WAITING_NOTES else "")
        for request, name, waiting in view.waiting
    ]
    active = [
        tr._("{mentor} ↔ {member}, since {date}").format(
            mentor=escape(mentor), member=escape(member), date=when(tr, match.started_at)
        )
        for match, mentor, member in view.active
    ]
    load = [
        tr._("{name}: {count} of {capacity} ({status})").format(
            name=escape(name),
            count=count,
            capacity=record.capacity,
            status=tr._(STATUS_LABELS[record.status]),
        )
        for record, name, count in view.load
    ]
    ended = [_ended_line(tr, match, mentor, member) for match, mentor, member in view.ended]
    sections = [
        (tr._("<b>Waiting requests</b> ({count})").format(count=len(waiting)), waiting),
        (tr._("<b>Active matches</b> ({count})").format(count=len(active)), active),
        (tr._("<b>Mentor load</b>"), load),
        (tr._("<b>Recently ended</b>"), ended),
    ]
    parts = [f"{title}\n" + ("\n".join(_limited(lines, tr)) or "—") for title, lines in sections]
    parts.append(render_stats(tr, view.stats))
    return "\n\n".join(parts)


def _ended_line(tr: Translator, match: MatchRecord, mentor: str, member: str) -> str:
    ender = mentor if match.ended_by == match.mentor_id else member
    line = tr._("{mentor} ↔ {member}, ended {date} by {who}").format(
        mentor=escape(mentor),
        member=escape(member),
        date=when(tr, match.ended_at or match.started_at),
        who=escape(ender),
    )
    if match.end_reason:
        line += "\n" + tr._("Reason (private): {reason}").format(reason=f"<i>{escape(match.end_reason)}</i>")
    return line


def render_stats(tr: Translator, stats: TimeToMatch) -> str:
    title = tr._("<b>Time to match</b> (last 90 days)")
    if stats.count == 0 or stats.median is None or stats.longest is None:
        return f"{title}\n" + tr._("No matches yet.")
    body = tr.n_(
        "Median {median}, longest {longest}, over {count} match.",
        "Median {median}, longest {longest}, over {count} matches.",
        stats.count,
    ).format(median=duration(tr, stats.median), longest=duration(tr, stats.longest), count=stats.count)
    return f"{title}\n{body}"
