"""How care for the carers reads: every message and button of /care, supervision, /team and
time off, in the reader's language, with every name HTML-escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.care import HOURS_CHOICES, SCALE, WeekHidden, WeeklyTime, WorkerLoad
from bot.domain.i18n import N_, Translator
from bot.domain.recurrence import Occurrence, to_utc, zone_for
from bot.domain.time_format import format_clock, format_when
from bot.usecases.care import AskResult, Contact, Keyboard, TeamView
from handlers.callback_data import CallbackData
from handlers.common import escape

# -- buttons --


@dataclass(frozen=True)
class CareMenu(CallbackData, prefix="carm"):
    what: str  # check, trend, talk


@dataclass(frozen=True)
class CareStep(CallbackData, prefix="carq"):
    """The self-check so far, carried in the button itself (0 = not answered yet), so a half-done
    check needs no state on the server and survives a restart."""

    energy: int
    stress: int
    support: int
    hours: int
    talk: int  # 0 unanswered, 1 no, 2 yes


@dataclass(frozen=True)
class SupAccept(CallbackData, prefix="supa"):
    request_id: int


@dataclass(frozen=True)
class SupPropose(CallbackData, prefix="supp"):
    request_id: int


@dataclass(frozen=True)
class SupSlot(CallbackData, prefix="sups"):
    request_id: int
    at: str  # naive local 'YYYYMMDDHHMM' in the coordinator's zone


@dataclass(frozen=True)
class FollowUpAnswer(CallbackData, prefix="carf"):
    answer: str  # ok, talk


WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def _day(tr: Translator, day: date) -> str:
    return format_date(day, "EEE d MMM yyyy", locale=tr.locale)


def as_rows(markup: InlineKeyboardMarkup) -> Keyboard:
    """A keyboard as plain Bot API data, for messages queued in the outbox."""
    return [
        [{"text": b.text, "callback_data": str(b.callback_data)} for b in row]
        for row in markup.inline_keyboard
    ]


# -- /care --


def menu_text(tr: Translator, weekly: WeeklyTime | None, zone: str) -> str:
    lines = [
        tr._("🌿 <b>Care for the carers</b>"),
        tr._(
            "Supporting others is heavy work. A short weekly check helps you notice how you are doing. "
            "Your answers are yours: coordinators only ever see averages across peer workers, never yours."
        ),
    ]
    if weekly is None:
        lines.append(tr._("No weekly reminder yet: choose one with /care weekly fri 17:00."))
    else:
        lines.append(
            tr._("I remind you every {day} at {time}; /care weekly off stops it.").format(
                day=tr._(WEEKDAYS[weekly.weekday]), time=format_clock(tr, weekly.at, zone)
            )
        )
    return "\n\n".join(lines)


def menu_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("📝 Weekly check"), callback_data=CareMenu("check").pack())],
            [InlineKeyboardButton(tr._("📈 My trend"), callback_data=CareMenu("trend").pack())],
            [
                InlineKeyboardButton(
                    tr._("💬 I'd like to talk to someone"), callback_data=CareMenu("talk").pack()
                )
            ],
        ]
    )


def weekly_set_text(tr: Translator, weekly: WeeklyTime | None, zone: str) -> str:
    if weekly is None:
        return tr._("Weekly reminders are off. /care weekly fri 17:00 turns them on again.")
    return tr._("Done: I will remind you every {day} at {time}.").format(
        day=tr._(WEEKDAYS[weekly.weekday]), time=format_clock(tr, weekly.at, zone)
    )


def step_question(tr: Translator, step: CareStep) -> tuple[str, InlineKeyboardMarkup]:
    """The next question of a check, with its answers as buttons."""

    def scale(field: str) -> list[InlineKeyboardButton]:
        return [
            InlineKeyboardButton(str(v), callback_data=CareStep(**{**step.__dict__, field: v}).pack())
            for v in SCALE
        ]

    if not step.energy:
        return tr._("How is your <b>energy</b> this week? (1 = empty, 5 = full)"), InlineKeyboardMarkup(
            [scale("energy")]
        )
    if not step.stress:
        return tr._("How much <b>stress</b> do you carry? (1 = little, 5 = a lot)"), InlineKeyboardMarkup(
            [scale("stress")]
        )
    if not step.support:
        return tr._(
            "How <b>supported</b> do you feel? (1 = alone, 5 = well supported)"
        ), InlineKeyboardMarkup([scale("support")])
    if step.hours == 0:
        buttons = [
            InlineKeyboardButton(
                tr._("{hours} h").format(hours=h)
                if h < HOURS_CHOICES[-1]
                else tr._("{hours}+ h").format(hours=h),
                callback_data=CareStep(step.energy, step.stress, step.support, h + 1, 0).pack(),
            )
            for h in HOURS_CHOICES
        ]
        return tr._("About how many <b>hours</b> did you give this week?"), InlineKeyboardMarkup(
            [buttons[:4], buttons[4:]]
        )
    yes = CareStep(step.energy, step.stress, step.support, step.hours, 2).pack()
    no = CareStep(step.energy, step.stress, step.support, step.hours, 1).pack()
    return tr._("Would you like to talk to someone (a coordinator) about how you are?"), InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("Yes, I'd like to talk"), callback_data=yes)],
            [InlineKeyboardButton(tr._("Not now"), callback_data=no)],
        ]
    )


def saved_text(tr: Translator, asked: AskResult | None) -> str:
    text = tr._("💚 Thank you for checking in with yourself. /care shows your trend.")
    if asked is not None:
        text += "\n\n" + asked_text(tr, asked)
    return text


def asked_text(tr: Translator, asked: AskResult) -> str:
    if asked.new and not asked.coordinators:
        return no_coordinator_text(tr)
    if not asked.new:
        return tr._("Your request to talk is already with the coordinators; one of them will propose a time.")
    return tr._(
        "I asked the coordinators for a supervision conversation; one of them will propose a time. "
        "They see your name only because you asked."
    )


def no_coordinator_text(tr: Translator) -> str:
    return tr._(
        "I asked for a supervision conversation, but no coordinator can be reached right now; your request "
        "is kept, and coordinators see it in /team."
    )


def trend_caption(tr: Translator, answers: int) -> str:
    return tr.n_(
        "Your weekly checks over the last 12 weeks ({count} answer).",
        "Your weekly checks over the last 12 weeks ({count} answers).",
        answers,
    ).format(count=answers)


def no_trend_text(tr: Translator) -> str:
    return tr._("No weekly checks yet. Press 📝 Weekly check in /care to start.")


TREND_LABELS = {"energy": N_("Energy"), "stress": N_("Stress"), "support": N_("Support")}


# -- supervision --


def request_text(tr: Translator, worker: str, username: str | None) -> str:
    handle = f" (@{escape(username)})" if username else ""
    return tr._(
        "💬 <b>Supervision request</b>\n{name}{handle}, a peer worker, would like to talk. "
        "Accept it, or propose a time straight away."
    ).format(name=escape(worker), handle=handle)


def request_markup(tr: Translator, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr._("✅ Accept"), callback_data=SupAccept(request_id).pack()),
                InlineKeyboardButton(tr._("🕒 Propose a time"), callback_data=SupPropose(request_id).pack()),
            ]
        ]
    )


def slots_text(tr: Translator, worker: str, zone: str) -> str:
    return tr._("You are taking {name}'s request. Choose a time for your conversation ({zone}):").format(
        name=escape(worker), zone=escape(zone)
    )


def slots_markup(tr: Translator, request_id: int, slots: Sequence[datetime]) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for slot in slots:
        label = format_date(slot.date(), "EEE d MMM", locale=tr.locale) + f" {slot:%H:%M}"
        button = InlineKeyboardButton(label, callback_data=SupSlot(request_id, f"{slot:%Y%m%d%H%M}").pack())
        if rows and len(rows[-1]) < 3 and rows[-1][0].text.split(" ")[:3] == label.split(" ")[:3]:
            rows[-1].append(button)
        else:
            rows.append([button])
    return InlineKeyboardMarkup(rows)


def taken_text(tr: Translator, worker: str, coordinator: str) -> str:
    return tr._("✅ {coordinator} is taking {name}'s request. Thank you.").format(
        coordinator=escape(coordinator), name=escape(worker)
    )


def worker_accepted_text(tr: Translator, coordinator: str) -> str:
    return tr._("💬 {coordinator} (a coordinator) will talk with you and is choosing a time.").format(
        coordinator=escape(coordinator)
    )


def _when(tr: Translator, start_local: datetime, zone: str) -> str:
    return format_when(tr, to_utc(start_local, zone_for(zone)), zone)


def scheduled_text(tr: Translator, other: str, start_local: datetime, zone: str, *, worker: bool) -> str:
    when = _when(tr, start_local, zone)
    if worker:
        return tr._(
            "🤝 Your supervision conversation with {name}: {when}. A private talk between the two of you; "
            "I will remind you a day and an hour before."
        ).format(name=escape(other), when=when)
    return tr._(
        "🤝 Supervision with {name}: {when}. You will both be reminded a day and an hour before."
    ).format(name=escape(other), when=when)


def session_reminder(
    tr: Translator, occurrence: Occurrence, zone: str, others: Sequence[str], group: bool
) -> str:
    when = format_when(tr, occurrence.start, zone)
    if group:
        return tr._("🔔 Reminder: group supervision, {when}.").format(when=when)
    return tr._("🔔 Reminder: your supervision conversation with {names}, {when}.").format(
        names=escape(", ".join(others)), when=when
    )


def group_scheduled_text(tr: Translator, weekly: WeeklyTime, zone: str, count: int, first: datetime) -> str:
    return tr.n_(
        "🤝 Group supervision every {day} at {time}, first on {when}, for {count} peer worker. "
        "Everyone is reminded a day and an hour before.",
        "🤝 Group supervision every {day} at {time}, first on {when}, for {count} peer workers. "
        "Everyone is reminded a day and an hour before.",
        count,
    ).format(
        day=tr._(WEEKDAYS[weekly.weekday]),
        time=format_clock(tr, weekly.at, zone),
        when=format_when(tr, first, zone),
        count=count,
    )


def group_usage(tr: Translator) -> str:
    return tr._("Write a day and a time, like /groupsupervision tue 18:00 (weekly, in your time zone).")


def sessions_text(tr: Translator, sessions: Sequence[tuple[int, datetime, str]]) -> str:
    if not sessions:
        return ""
    lines = [tr._("Your next supervision:")]
    lines += [f"• {format_when(tr, start, zone)}" for _, start, zone in sessions]
    return "\n".join(lines)


# -- after a crisis --


def follow_up(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._(
        "💛 How are you after yesterday? Being there for someone in crisis takes a lot. "
        "If you would like to talk it through, a coordinator is there for you too."
    )
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("I'm OK, thanks"), callback_data=FollowUpAnswer("ok").pack())],
            [InlineKeyboardButton(tr._("I'd like to talk"), callback_data=FollowUpAnswer("talk").pack())],
        ]
    )
    return text, markup


def follow_up_ok(tr: Translator) -> str:
    return tr._("💚 Glad to hear it. Go gently today; /supervision is there whenever you need it.")


# -- time off --


def away_notice(tr: Translator, worker: str, last_day: date, contact: Contact | None) -> str:
    text = tr._("🌴 {name} is away until {day}.").format(name=escape(worker), day=_day(tr, last_day))
    if contact is None:
        return text + " " + tr._("Meanwhile, please contact a coordinator. In a crisis, /sos has the lines.")
    link = f'<a href="tg://user?id={contact.user_id}">{escape(contact.name)}</a>'
    handle = f" (@{escape(contact.username)})" if contact.username else ""
    return (
        text + " " + tr._("Meanwhile, please contact {contact}{handle}.").format(contact=link, handle=handle)
    )


def away_set_text(tr: Translator, first: datetime, last_day: date, zone: str) -> str:
    return tr._(
        "🌴 Time off from {first} to {last}. When it begins, your mentees and groups are told who to contact "
        "instead, and crisis alerts go to the others. /timeoff off ends it early."
    ).format(first=format_when(tr, first, zone), last=_day(tr, last_day))


def away_off_text(tr: Translator, had: bool) -> str:
    return tr._("Welcome back. Your time off has ended.") if had else tr._("You had no time off set.")


def away_status(tr: Translator, first: datetime | None, last_day: date | None, zone: str) -> str:
    if first is None or last_day is None:
        return tr._("No time off set.")
    return tr._("Time off from {first} to {last}.").format(
        first=format_when(tr, first, zone), last=_day(tr, last_day)
    )


# -- /team --


def render_team(tr: Translator, view: TeamView) -> str:
    lines = [
        tr._("👥 <b>Peer workers' load, last 30 days</b>")
        if view.everyone
        else tr._("👤 <b>Your load, last 30 days</b>")
    ]
    if not view.lines:
        lines.append(tr._("No peer workers yet (facilitators of groups with Kindred, and peer mentors)."))
    for line in view.lines:
        lines.append(_load_line(tr, line, view.threshold))
    lines.append(
        tr._(
            "⚠️ marks a load above {threshold} points (1 a group, meeting led or roll call; "
            "2 a mentee; 3 a crisis alert)."
        ).format(threshold=view.threshold)
    )
    if view.everyone:
        lines.append("")
        lines.append(tr._("<b>Weekly self-checks across peer workers</b> (averages, 1-5)"))
        if not view.weeks:
            lines.append(tr._("No self-checks yet."))
        for week in view.weeks:
            label = format_date(week.week, "d MMM", locale=tr.locale)
            if isinstance(week, WeekHidden):
                lines.append(
                    tr._(
                        "Week of {week}: fewer than {count} peer workers answered, so nothing is shown."
                    ).format(week=label, count=view.min_contributors)
                )
            else:
                lines.append(
                    tr._(
                        "Week of {week}: {count} peer workers · energy {energy:.1f} · stress {stress:.1f} · "
                        "support {support:.1f} · {hours:.1f} h given"
                    ).format(
                        week=label,
                        count=week.contributors,
                        energy=week.energy,
                        stress=week.stress,
                        support=week.support,
                        hours=week.hours,
                    )
                )
    return "\n".join(lines)


def _load_line(tr: Translator, line: WorkerLoad, threshold: int) -> str:
    mark = "⚠️ " if line.over(threshold) else ""
    mentees = (
        tr._("mentees {count}/{capacity}").format(count=line.mentees, capacity=line.capacity)
        if line.capacity is not None
        else tr._("mentees {count}").format(count=line.mentees)
    )
    parts = [
        tr._("groups {count}").format(count=line.groups),
        tr._("meetings led {count}").format(count=line.meetings_led),
        tr._("roll calls {count}").format(count=line.roll_calls),
        mentees,
        tr._("crisis alerts {count}").format(count=line.crises_handled),
        tr._("open requests {count}").format(count=line.open_requests),
    ]
    if line.away_until is not None:
        parts.append(tr._("away until {day}").format(day=_day(tr, line.away_until)))
    return (
        f"{mark}<b>{escape(line.name)}</b> ({tr._('{points} points').format(points=line.points)}): "
        + " · ".join(parts)
    )


def private_only(tr: Translator) -> str:
    return tr._("This is private: please send me that command in a private chat.")


# -- the texts scheduled work renders (bot.usecases.care.CareTexts) --


class Texts:
    def weekly_prompt(self, tr: Translator) -> tuple[str, Keyboard]:
        text = tr._("🌿 Time for your weekly check as a peer worker: how are you doing? It takes a minute.")
        button = InlineKeyboardButton(tr._("📝 Weekly check"), callback_data=CareMenu("check").pack())
        return text, as_rows(InlineKeyboardMarkup([[button]]))

    def session_reminder(
        self, tr: Translator, occurrence: Occurrence, zone: str, others: Sequence[str], group: bool
    ) -> str:
        return session_reminder(tr, occurrence, zone, others, group)

    def follow_up(self, tr: Translator) -> tuple[str, Keyboard]:
        text, markup = follow_up(tr)
        return text, as_rows(markup)

    def away_notice(self, tr: Translator, worker: str, last_day: date, contact: Contact | None) -> str:
        return away_notice(tr, worker, last_day, contact)


TEXTS = Texts()
