"""The words and buttons of families and supporters (issue 24), for both sides, in one place.

Every name here was typed by a person (a first name on Telegram): each is escaped where it goes
into HTML.  Nothing rendered for a supporter ever names a group, a meeting or anyone but the one
member who invited them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.plan import Measure, Outcome
from bot.domain.supporters import (
    ANSWER_LEVELS,
    HOURS,
    GoalNews,
    InviteProblem,
    SelfCheckResult,
    ShareItem,
    SupportCounts,
    UpdateSchedule,
    WeeklyUpdate,
    suppressed,
)
from bot.domain.time_format import format_hour, format_when
from bot.runtime.services import Services
from bot.usecases.supporters import FamilyMeeting, Overview, Panel, Supported, Supporter
from handlers.callback_data import CallbackData
from handlers.common import escape
from handlers.milestones_views import render_label
from handlers.plan.views import short


@dataclass(frozen=True)
class Sup(CallbackData, prefix="sup"):
    """The member's buttons: *action* on link (or invitation) *ident*, with *arg*."""

    action: str
    ident: int
    arg: str


@dataclass(frozen=True)
class Fam(CallbackData, prefix="fam"):
    """The supporter's buttons: *action* on *ident* (a link, an invitation, a request), with *arg*."""

    action: str
    ident: int
    arg: str


SHARE_LABELS = {
    ShareItem.ATTENDANCE: N_("Meetings attended this week (a count, never which)"),
    ShareItem.MILESTONES: N_("Recovery milestones reached"),
}
SHORT_LABELS = {
    ShareItem.ATTENDANCE: N_("meetings attended"),
    ShareItem.MILESTONES: N_("milestones"),
}
NEVER = N_(
    "They never see your check-ins, mood, notes, crisis messages, groups, meetings by name, or anyone else."
)
STALE = N_("That button no longer works. Please send /supporters again.")
STALE_FAMILY = N_(
    "That button no longer works: this link has ended or the request is gone. "
    "Send /family to see where things stand."
)


async def translator_of(svc: Services, user_id: int) -> Translator:
    """Someone else's language, for a message sent to them (a supporter, the member)."""
    person = await svc.people.get(user_id)
    if person is None:
        return translator("en")
    return translator(person.language or resolve_language(person.telegram_language))


def day_name(tr: Translator, weekday: int) -> str:
    return str(get_day_names("wide", locale=tr.locale)[weekday])


def render_schedule(tr: Translator, schedule: UpdateSchedule) -> str:
    return tr._("{day} at {time}").format(
        day=day_name(tr, schedule.weekday), time=format_hour(tr, schedule.at)
    )


# -- the member's side --


def render_overview(tr: Translator, view: Overview, zone: str) -> str:
    lines = [
        tr._("<b>Your supporters</b> ({count} of {limit})").format(
            count=len(view.supporters) + len(view.invitations), limit=view.limit
        ),
        "",
    ]
    for supporter in view.supporters:
        what = [tr._(SHORT_LABELS[item]) for item in ShareItem if item in supporter.link.shares]
        if supporter.link.goals:
            goals = len(supporter.link.goals)
            what.append(tr.n_("{n} goal of your plan", "{n} goals of your plan", goals).format(n=goals))
        shared = ", ".join(what)
        lines.append(
            tr._("• {name}: sees {what}").format(
                name=escape(supporter.name), what=shared or tr._("nothing yet")
            )
        )
    for invitation in view.invitations:
        lines.append(
            tr._("• An invitation waiting, until {when}").format(
                when=format_when(tr, invitation.expires_at, zone)
            )
        )
    if not view.supporters and not view.invitations:
        lines.append(
            tr._(
                "Nobody yet. Invite someone close to you (a relative, a partner, a friend) and choose, "
                "item by item, what they see."
            )
        )
    lines += [
        "",
        tr._(
            "Weekly update: {when}, in each supporter's own time zone; "
            "nothing is sent in a week with nothing to share."
        ).format(when=render_schedule(tr, view.schedule)),
        tr._(NEVER),
    ]
    return "\n".join(lines)


def overview_markup(tr: Translator, view: Overview) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(f"👤 {s.name}"[:60], callback_data=Sup("open", s.link.id, "").pack())]
        for s in view.supporters
    ]
    rows += [
        [
            InlineKeyboardButton(
                tr._("Withdraw invitation {n}").format(n=n), callback_data=Sup("withdraw", i.id, "").pack()
            )
        ]
        for n, i in enumerate(view.invitations, start=1)
    ]
    if len(view.supporters) + len(view.invitations) < view.limit:
        rows.append(
            [InlineKeyboardButton(tr._("➕ Invite a supporter"), callback_data=Sup("invite", 0, "").pack())]
        )
    if view.supporters:
        rows.append(
            [
                InlineKeyboardButton(
                    tr._("🙋 Ask them all to reach out"), callback_data=Sup("reach", 0, "").pack()
                )
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    tr._("🗓 Day and time of the update"), callback_data=Sup("when", 0, "").pack()
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


def render_supporter(tr: Translator, panel: Panel) -> str:
    supporter = panel.supporter
    name = escape(supporter.name)
    lines = [
        tr._("👤 <b>{name}</b> supports you.").format(name=name),
        tr._(
            "What {name} sees in the weekly update ({when}, in their time zone), "
            "each off until you turn it on:"
        ).format(name=name, when=render_schedule(tr, panel.schedule)),
    ]
    for item in ShareItem:
        mark = "✅" if item in supporter.link.shares else "⬜"
        lines.append(f"{mark} {escape(tr._(SHARE_LABELS[item]))}")
    lines += ["", render_goal_choices(tr, panel), "", tr._(NEVER)]
    return "\n".join(lines)


def render_goal_choices(tr: Translator, panel: Panel) -> str:
    """The goals of the member's recovery plan, each shared with this supporter or not."""
    if not panel.goals:
        return tr._(
            "Goals of your recovery plan can be shared here too, one by one, once you have some: /plan"
        )
    lines = [tr._("Goals from your recovery plan; each one you turn on shows with how its week went:")]
    for goal in panel.goals:
        mark = "✅" if goal.shared else "⬜"
        paused = " " + tr._("(paused: left out until you resume it)") if goal.paused else ""
        lines.append(f"{mark} 🎯 {escape(goal.text)}{escape(paused)}")
    return "\n".join(lines)


def supporter_markup(tr: Translator, panel: Panel) -> InlineKeyboardMarkup:
    supporter = panel.supporter
    link_id = supporter.link.id
    rows = []
    for item in ShareItem:
        on = item in supporter.link.shares
        label = ("✅ " if on else "⬜ ") + tr._(SHORT_LABELS[item])
        rows.append(
            [
                InlineKeyboardButton(
                    label, callback_data=Sup("share", link_id, f"{item.value}.{int(not on)}").pack()
                )
            ]
        )
    for goal in panel.goals:
        # The goal's first words on one line, as /plan's buttons show them; the message has them all.
        label = ("✅ " if goal.shared else "⬜ ") + "🎯 " + short(" ".join(goal.text.split()))
        rows.append(
            [
                InlineKeyboardButton(
                    label, callback_data=Sup("goal", link_id, f"{goal.goal_id}.{int(not goal.shared)}").pack()
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                tr._("🙋 Ask {name} to reach out").format(name=supporter.name)[:60],
                callback_data=Sup("reach", link_id, "").pack(),
            )
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                tr._("Remove {name}").format(name=supporter.name)[:60],
                callback_data=Sup("remove", link_id, "").pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def render_remove_question(tr: Translator, supporter: Supporter) -> str:
    return tr._(
        "Remove {name} as your supporter? They will get nothing more from me, and I will tell them "
        "only that the link has ended."
    ).format(name=escape(supporter.name))


def remove_markup(tr: Translator, link_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr._("Yes, remove"), callback_data=Sup("remove_yes", link_id, "").pack()
                ),
                InlineKeyboardButton(tr._("No, keep"), callback_data=Sup("open", link_id, "").pack()),
            ]
        ]
    )


def render_removed(tr: Translator, name: str) -> str:
    return tr._("Done: {name} is no longer your supporter, and gets nothing more from me.").format(
        name=escape(name)
    )


def render_invite(tr: Translator, link: str, expires_at: datetime, zone: str) -> str:
    return tr._(
        "Here is your invitation. Send this link to the one person you would like as a supporter; it "
        "works once, until {when}:\n\n{link}\n\nThey will see your first name and can accept or "
        "decline; I will tell you which. Until you turn something on, they see nothing."
    ).format(when=format_when(tr, expires_at, zone), link=escape(link))


def render_full(tr: Translator, limit: int) -> str:
    return tr._(
        "You already have {limit} supporters and invitations, the most I keep for one person. Remove "
        "someone or withdraw an invitation first."
    ).format(limit=limit)


def when_markup(tr: Translator) -> InlineKeyboardMarkup:
    days = [
        InlineKeyboardButton(day_name(tr, d)[:12], callback_data=Sup("day", d, "").pack()) for d in range(7)
    ]
    return InlineKeyboardMarkup([days[:4], days[4:]])


def hour_markup(tr: Translator, weekday: int) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(f"{hour:02d}:00", callback_data=Sup("hour", weekday, str(hour)).pack())
        for hour in HOURS
    ]
    return InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)])


def render_reach_out_sent(tr: Translator, names: Sequence[str]) -> str:
    if not names:
        return tr._("You have no supporters yet. Send /supporters to invite someone.")
    return tr._("💛 I asked {names} to call or write to you. I will tell you when they answer.").format(
        names=", ".join(escape(n) for n in names)
    )


def reach_out_offer(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The line in the crisis reply, after the crisis lines (never instead of them)."""
    text = tr._("You can also ask the people who support you to call or write to you, with one tap:")
    button = InlineKeyboardButton(
        tr._("🙋 Ask my supporters to reach out"), callback_data=Sup("reach", 0, "").pack()
    )
    return text, InlineKeyboardMarkup([[button]])


# -- what the other side is told --


def render_accepted_for_member(tr: Translator, supporter_name: str) -> str:
    return tr._(
        "💛 {name} accepted your invitation and is now one of your supporters. They see nothing until "
        "you choose what to share: /supporters"
    ).format(name=escape(supporter_name))


def render_declined_for_member(tr: Translator) -> str:
    return tr._("The person you invited declined, and that is all right. The invitation is gone.")


def render_removed_for_supporter(tr: Translator, member_name: str) -> str:
    return tr._(
        "{name} has ended your link as a supporter on Kindred. Thank you for being there. "
        "/family stays open to you."
    ).format(name=escape(member_name))


def render_left_for_member(tr: Translator, supporter_name: str) -> str:
    return tr._("{name} is no longer one of your supporters on Kindred.").format(name=escape(supporter_name))


def render_reach_out_request(tr: Translator, member_name: str, emergency: str) -> str:
    return tr._(
        "💛 <b>{name}</b> would like you to reach out: a call or a message would mean a lot right now. "
        "If you think they are in danger, call {number}."
    ).format(name=escape(member_name), number=escape(emergency))


def reach_out_markup(tr: Translator, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr._("I'm on it"), callback_data=Fam("ack", request_id, "").pack())]]
    )


def render_on_it_for_member(tr: Translator, supporter_name: str) -> str:
    return tr._("💛 {name} is on it: expect a call or a message soon.").format(name=escape(supporter_name))


def render_weekly(tr: Translator, update: WeeklyUpdate) -> str:
    lines = [tr._("💛 <b>This week with {name}</b>").format(name=escape(update.member_name))]
    if update.meetings_attended is not None:
        lines.append(
            tr.n_("• {n} meeting attended", "• {n} meetings attended", update.meetings_attended).format(
                n=update.meetings_attended
            )
        )
    for milestone in update.milestones or ():
        lines.append(
            tr._("• 🎉 A milestone reached: {label} in recovery").format(label=render_label(tr, milestone))
        )
    for goal in update.goals:
        lines.append(
            tr._("• 🎯 {goal}: {progress}").format(
                goal=escape(goal.text), progress=render_goal_week(tr, goal)
            )
        )
    lines += [
        "",
        tr._("A kind word from you goes a long way. And you matter too: /family has support for families."),
    ]
    return "\n".join(lines)


OUTCOME_WORDS = {
    Outcome.DONE: N_("done this week"),
    Outcome.PARTLY: N_("partly this week"),
    Outcome.NOT: N_("not this week"),
}


def render_goal_week(tr: Translator, goal: GoalNews) -> str:
    """A shared goal's week for a supporter: the count Kindred measured (meetings, days), else
    the member's own answer in their weekly review, else that they have not said yet."""
    if goal.measure is Measure.MEETINGS and goal.count is not None:
        if goal.target:
            return tr.n_(
                "{n} of {target} meeting this week", "{n} of {target} meetings this week", goal.target
            ).format(n=goal.count, target=goal.target)
        return tr.n_("{n} meeting this week", "{n} meetings this week", goal.count).format(n=goal.count)
    if goal.measure is Measure.DAYS and goal.count is not None:
        return tr.n_("{n} day so far", "{n} days so far", goal.count).format(n=goal.count)
    if goal.outcome is not None:
        return tr._(OUTCOME_WORDS[goal.outcome])
    return tr._("not reviewed yet this week")


def weekly_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr._("💛 A minute for yourself"), callback_data=Fam("check", 0, "").pack())]]
    )


# -- the supporter's side --


INVITE_PROBLEMS = {
    InviteProblem.UNKNOWN: N_(
        "This invitation link has already been used, was withdrawn, or is not complete. If someone "
        "meant to invite you, ask them for a new link."
    ),
    InviteProblem.EXPIRED: N_(
        "This invitation has expired. If you would like to be a supporter, ask for a new link."
    ),
    InviteProblem.OWN: N_(
        "This is your own invitation link: send it to the person you would like as a supporter. "
        "It works for one person only."
    ),
    InviteProblem.ALREADY: N_("You are already one of this person's supporters; nothing changed."),
}


def render_invitation(tr: Translator, member_name: str) -> str:
    name = escape(member_name)
    return "\n\n".join(
        [
            tr._("👋 <b>{name}</b> invites you to be one of their supporters on Kindred.").format(name=name),
            tr._(
                "{name} chooses what you see, item by item: at most, once a week, how many meetings they "
                "attended, the recovery milestones they reached and how the goals they choose from their "
                "recovery plan went, and a request to reach out when they want one. You will never see "
                "their check-ins, notes, groups or anyone else. You can leave at any time."
            ).format(name=name),
        ]
    )


def invitation_markup(tr: Translator, invitation_id: int, token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr._("Accept"), callback_data=Fam("acc", invitation_id, token).pack()),
                InlineKeyboardButton(tr._("Decline"), callback_data=Fam("dec", invitation_id, token).pack()),
            ]
        ]
    )


def render_welcome_supporter(tr: Translator, member_name: str) -> str:
    return tr._(
        "Thank you. You are now one of {name}'s supporters. You will hear from me only about what "
        "{name} chooses to share. Meanwhile, /family has resources for families, family meetings "
        "and a short check-in for yourself."
    ).format(name=escape(member_name))


def render_declined(tr: Translator) -> str:
    return tr._("All right, you declined; nothing was made. Take care of yourself.")


FAMILY_HEADINGS = {
    "crisis": N_("If someone is in danger"),
    "helpline": N_("Helplines"),
    "fellowship": N_("Groups for families"),
    "local": N_("Overdose and naloxone"),
    "other": N_("Learning about addiction and mental health"),
}


def render_family_home(tr: Translator, supporting: Sequence[Supported], zone: str) -> str:
    lines = [tr._("<b>For families and supporters</b>")]
    if supporting:
        names = ", ".join(escape(s.member_name) for s in supporting)
        lines.append(
            tr._("You support: {names}. Updates reach you in {zone}.").format(names=names, zone=escape(zone))
        )
        lines.append(tr._("Another zone? Send /family zone Area/City, e.g. /family zone Europe/Madrid."))
    lines.append(
        tr._(
            "Caring for someone in recovery is heavy at times. Here are groups and education for "
            "families, family meetings, and a short check-in for your own well-being."
        )
    )
    return "\n\n".join(lines)


def family_markup(tr: Translator, supporting: Sequence[Supported]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(tr._("📚 Resources for families"), callback_data=Fam("res", 0, "").pack())],
        [InlineKeyboardButton(tr._("📅 Family meetings"), callback_data=Fam("meet", 0, "").pack())],
        [InlineKeyboardButton(tr._("💛 A minute for yourself"), callback_data=Fam("check", 0, "").pack())],
    ]
    rows += [
        [
            InlineKeyboardButton(
                tr._("Stop supporting {name}").format(name=s.member_name)[:60],
                callback_data=Fam("leave", s.link.id, "").pack(),
            )
        ]
        for s in supporting
    ]
    return InlineKeyboardMarkup(rows)


def render_family_meetings(tr: Translator, meetings: Sequence[FamilyMeeting]) -> str:
    if not meetings:
        return tr._(
            "No family meetings are scheduled here yet. The groups for families in the resources meet "
            "in person and online."
        )
    lines = [tr._("<b>Family meetings</b>, next first:")]
    for item in meetings:
        where = item.meeting.series.place or item.meeting.series.link or ""
        line = f"• <b>{escape(item.meeting.title)}</b> ({escape(item.group.title)}): " + format_when(
            tr, item.next.start, item.meeting.schedule.time_zone
        )
        lines.append(line + (f", {escape(where)}" if where else ""))
    lines.append(tr._("Ask the organisation for a family group's invitation to take part."))
    return "\n".join(lines)


def render_leave_question(tr: Translator, member_name: str) -> str:
    return tr._("Stop being {name}'s supporter? I will tell {name} only that you left.").format(
        name=escape(member_name)
    )


def leave_markup(tr: Translator, link_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr._("Yes, leave"), callback_data=Fam("leave_yes", link_id, "").pack()),
                InlineKeyboardButton(tr._("No, stay"), callback_data=Fam("home", 0, "").pack()),
            ]
        ]
    )


def render_left(tr: Translator, member_name: str) -> str:
    return tr._("Done: you are no longer {name}'s supporter. Thank you for being there.").format(
        name=escape(member_name)
    )


SELF_CHECK = (
    N_(
        "Over the past week, how often have you felt worn out or overwhelmed by worry "
        "for someone you care for?"
    ),
    N_("How often have you put your own needs (sleep, meals, time with others) aside?"),
    N_("How often have you felt hopeless, or had thoughts of harming yourself?"),
)
ANSWERS = (N_("Not at all"), N_("Some days"), N_("Often"), N_("Nearly every day"))


def render_self_check_question(tr: Translator, index: int) -> str:
    head = tr._(
        "💛 <b>A minute for yourself</b> ({n} of {total}). Only you see this, and I keep no answers."
    ).format(n=index + 1, total=len(SELF_CHECK))
    return f"{head}\n\n{escape(tr._(SELF_CHECK[index]))}"


def self_check_markup(tr: Translator, index: int, answers: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr._(ANSWERS[level]), callback_data=Fam("check", index + 1, answers + str(level)).pack()
                )
            ]
            for level in range(ANSWER_LEVELS)
        ]
    )


def render_self_check_result(tr: Translator, result: SelfCheckResult) -> str:
    if result is SelfCheckResult.STEADY:
        return tr._(
            "Thank you for taking a minute for yourself. It sounds like you are holding up; keep making "
            "room for your own life. Groups for families are there whenever you want them: /family"
        )
    return tr._(
        "Caring for someone in recovery is heavy, and this week it shows. You deserve support too: "
        "groups for families (Al-Anon, Nar-Anon, SMART Recovery Family & Friends, NAMI "
        "Family-to-Family) and free helplines are listed under Resources in /family."
    )


# -- coordinators --


def render_support_counts(tr: Translator, counts: SupportCounts, threshold: int) -> str:
    def shown(value: int) -> str:
        kept = suppressed(value, threshold)
        return str(kept) if kept is not None else tr._("fewer than {n}").format(n=threshold)

    return "\n".join(
        [
            tr._("<b>Supporters</b> (counts only; nobody is named)"),
            tr._("Members with at least one supporter: {n}").format(n=shown(counts.members_with_supporters)),
            tr._("Supporter links: {n}").format(n=shown(counts.active_links)),
            tr._("Invitations open: {n}").format(n=shown(counts.open_invitations)),
        ]
    )
