"""Every message and keyboard of recovery milestones (issue 11), in one place.

Wording matters here: a reset is a new start, never a failure, and nothing counts resets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.i18n import Translator
from bot.domain.milestones import Milestone, Unit, days_count, next_milestone
from handlers.callback_data import CallbackData
from handlers.common import escape
from storage.groups import Group
from storage.milestones import MilestoneRecord


@dataclass(frozen=True)
class Ms(CallbackData, prefix="ms"):
    """A milestone button: ``action`` says what, ``arg`` carries a group id or a zone name."""

    action: str
    arg: str = "-"


def button(text: str, action: str, arg: str = "-") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=Ms(action, arg).pack())


def render_count(tr: Translator, days: int) -> str:
    return tr.n_("{n} day", "{n} days", days).format(n=days)


def render_label(tr: Translator, milestone: Milestone) -> str:
    n = milestone.amount
    if milestone.unit is Unit.DAYS:
        return render_count(tr, n)
    if milestone.unit is Unit.MONTHS:
        return tr.n_("{n} month", "{n} months", n).format(n=n)
    return tr.n_("{n} year", "{n} years", n).format(n=n)


def render_date(tr: Translator, day: date) -> str:
    return format_date(day, format="long", locale=tr.locale)


def render_status(tr: Translator, record: MilestoneRecord, today: date, group: Group | None) -> str:
    days = days_count(record.start_date, today)
    milestone, when = next_milestone(record.start_date, today)
    lines = [
        tr._("🌱 <b>{count}</b> since {date}.").format(
            count=render_count(tr, days), date=render_date(tr, record.start_date)
        ),
        tr._("Next milestone: {label} on {date}.").format(
            label=render_label(tr, milestone), date=render_date(tr, when)
        ),
        tr._("I count your days in {zone} and write to you on milestone mornings.").format(
            zone=escape(record.timezone)
        ),
        render_celebration(tr, record, group),
    ]
    return "\n".join(lines)


def render_celebration(tr: Translator, record: MilestoneRecord, group: Group | None) -> str:
    if group is None or record.celebrate_chat_id is None:
        return tr._("Group celebration: off (only you hear from me).")
    if record.celebrate_as == "anonymous":
        return tr._("Group celebration: on, in {group}, anonymously.").format(group=escape(group.title))
    return tr._("Group celebration: on, in {group}, with your first name.").format(group=escape(group.title))


def status_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(tr._("🌅 Start again from a new date"), "reset")],
            [button(tr._("🎉 Group celebration"), "celebrate"), button(tr._("🕒 Time zone"), "zone")],
            [button(tr._("Remove my date"), "remove")],
        ]
    )


def date_markup(tr: Translator, purpose: str) -> InlineKeyboardMarkup:
    """Today / Yesterday; *purpose* ("new" or "reset") lets an old "new" offer be refused later."""
    return InlineKeyboardMarkup(
        [[button(tr._("Today"), "today", purpose), button(tr._("Yesterday"), "yesterday", purpose)]]
    )


def render_offer(tr: Translator) -> str:
    return "\n\n".join(
        [
            tr._(
                "Would you like me to count your days in recovery? I will tell you privately when you "
                "reach 1, 7, 30, 60 and 90 days, 6 and 9 months, and every year."
            ),
            tr._("When did your recovery start? Choose below, or type the date like 2026-03-15."),
        ]
    )


def render_reset(tr: Translator) -> str:
    return "\n\n".join(
        [
            tr._(
                "Starting again takes courage. Relapse can be part of recovery, and what you learned in "
                "the days before still belongs to you. 💛"
            ),
            tr._("When does your new start begin? Choose below, or type the date like 2026-03-15."),
        ]
    )


def render_saved(tr: Translator, days: int) -> str:
    if days == 0:
        return tr._("Saved. Today is day one of your count. I'm glad you're here. 🌱")
    return tr._("Saved. That's {count} already. I'm glad you're here. 🌱").format(
        count=render_count(tr, days)
    )


def render_congratulation(tr: Translator, milestone: Milestone) -> str:
    return tr._(
        "🎉 <b>{label}</b> today! Every day counts, and these are yours. Thank you for keeping going. 🌱"
    ).format(label=render_label(tr, milestone))


def render_group_celebration(tr: Translator, milestone: Milestone, first_name: str | None) -> str:
    label = render_label(tr, milestone)
    if first_name is None:
        return tr._(
            "🎉 A member of this group reaches {label} in recovery today. Let's celebrate together! 🌱"
        ).format(label=label)
    return tr._("🎉 {name} reaches {label} in recovery today. Let's celebrate with them! 🌱").format(
        name=escape(first_name), label=label
    )


def remove_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(tr._("Yes, remove it"), "remove_yes"), button(tr._("Keep it"), "keep")]]
    )


def render_remove_question(tr: Translator) -> str:
    return tr._(
        "Remove your recovery date? I will delete it and stop milestone messages. "
        "You can set it again whenever you like."
    )


def render_removed(tr: Translator) -> str:
    return tr._("Removed. Your date is deleted. /milestone whenever you want to count again.")


def celebrate_markup(tr: Translator, groups: list[Group]) -> InlineKeyboardMarkup:
    rows = [[button(group.title[:60], "group", str(group.chat_id))] for group in groups]
    rows.append([button(tr._("No group posts"), "nogroup")])
    return InlineKeyboardMarkup(rows)


def render_celebrate_question(tr: Translator, groups: list[Group]) -> str:
    if not groups:
        return tr._(
            "I only post in groups you belong to, and I don't know any of yours yet. Say hello in "
            "your group, then try again."
        )
    return tr._(
        "Should I also share a short celebration in one of your groups on milestone days? "
        "Only if you want; you can turn it off at any time."
    )


def as_markup(tr: Translator, chat_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(tr._("With my first name"), "as_name", str(chat_id))],
            [button(tr._("Anonymously"), "as_anon", str(chat_id))],
        ]
    )


def render_as_question(tr: Translator, group: Group) -> str:
    return tr._("How should I mention you in {group}?").format(group=escape(group.title))


def zone_markup(zones: list[str]) -> InlineKeyboardMarkup | None:
    if not zones:
        return None
    return InlineKeyboardMarkup([[button(zone, "zone_pick", zone)] for zone in zones])


def render_zone_question(tr: Translator, current: str) -> str:
    return tr._(
        "I count your days in {zone}. To change it, type a time zone like Europe/Madrid or "
        "America/New_York, or choose one of your groups' zones."
    ).format(zone=escape(current))


def render_zone_set(tr: Translator, zone: str) -> str:
    return tr._("Time zone set to {zone}.").format(zone=escape(zone))


def render_talk_privately(tr: Translator) -> str:
    return tr._("Your recovery date is personal, so let's talk about it privately.")
