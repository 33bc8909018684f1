"""Meetings: the feature's commands, handlers, hooks and wiring.

Where each part lives:

* ``schedule``: ``/schedule``, on one line or step by step in private;
* ``manage``: facilitators change a series: ``/editmeeting``, ``/skip``, ``/cancelmeeting``,
  ``/capacity``, and each meeting's own ⚙️ menu;
* ``rsvp``: the card in the group, RSVP buttons with counts edited in place, the deep link;
* ``listing``: ``/meetings``, ``/calendar``, and "Connect privately";
* ``reminders``: ``/reminders``, ``/reminders_private``, and the reminder jobs' hooks;
* ``views``: every text and button.

What the feature does, step by step, is :mod:`bot.usecases.meetings` (and
:mod:`bot.usecases.meeting_reminders`); the rules are :mod:`bot.domain.meetings`.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.domain.i18n import N_
from bot.domain.meeting_form import FORM_SYNTAX
from bot.domain.roles import Role
from bot.runtime.commands import GROUP_ONLY, PRIVATE_ONLY, Command
from bot.runtime.feature import Feature, Handlers
from bot.usecases import meetings as uc
from handlers.common import FEATURES, KindredContext, services
from handlers.meetings.listing import calendar, connect, list_meetings
from handlers.meetings.manage import cancel_meeting, capacity, edit_meeting, on_menu, skip
from handlers.meetings.reminders import (
    SETTINGS,
    on_meeting_changed,
    on_private_reminders_button,
    on_startup,
    reminders,
    reminders_private,
)
from handlers.meetings.rsvp import on_rsvp, open_meeting
from handlers.meetings.schedule import LineGroup, on_line_group, schedule, wizard_handler
from handlers.meetings.views import TEXTS, MeetingMenu, PrivateReminders, Rsvp

COMMANDS = (
    Command("meetings", N_("Upcoming meetings and who is coming"), order=10),
    Command("calendar", N_("The meetings as a calendar file (.ics)"), order=12),
    Command(
        "reminders_private",
        N_("Private meeting reminders: /reminders_private on or off"),
        where=PRIVATE_ONLY,
        order=14,
    ),
    Command(
        "schedule",
        N_("Schedule a meeting: step by step in private, or on one line"),
        role=Role.FACILITATOR,
        details=FORM_SYNTAX,
        order=20,
    ),
    Command(
        "editmeeting",
        N_("Change a meeting on one line: /editmeeting 12 Title | start | ...; those coming are told"),
        role=Role.FACILITATOR,
        order=21,
    ),
    Command(
        "skip",
        N_("Skip one meeting of a series: /skip 12 2026-12-08 (default: the next one)"),
        role=Role.FACILITATOR,
        order=21,
    ),
    Command(
        "cancelmeeting", N_("Cancel a meeting series: /cancelmeeting 12"), role=Role.FACILITATOR, order=22
    ),
    Command(
        "capacity",
        N_("Limit the seats of a meeting, with a waitlist: /capacity 12 20 (or off)"),
        role=Role.FACILITATOR,
        order=23,
    ),
    Command(
        "reminders",
        N_("When the group is reminded of meetings, e.g. /reminders 24h 1h"),
        role=Role.FACILITATOR,
        where=GROUP_ONLY,
        order=24,
    ),
)


# --- personal data -------------------------------------------------------------------------


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await uc.export_personal_data(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    """Erase RSVPs and the reminder preference; anyone who moves up into a freed seat is told."""
    await uc.erase_person(services(context), TEXTS, user_id)
    return [N_("your meeting RSVPs"), N_("your meeting reminder preference")]


# --- wiring ----------------------------------------------------------------------------------


DEEP_LINK = filters.ChatType.PRIVATE & filters.Regex(r"^/start(@\w+)?\s+m[0-9]{1,12}\s*$")
CONNECT_LINK = filters.ChatType.PRIVATE & filters.Regex(r"^/start(@\w+)?\s+g-?[0-9]{1,16}\s*$")


def handlers() -> Handlers:
    return {
        FEATURES: [
            CommandHandler("start", open_meeting, filters=DEEP_LINK),
            CommandHandler("start", connect, filters=CONNECT_LINK),
            wizard_handler(),
            CommandHandler("schedule", schedule),
            CommandHandler("meetings", list_meetings),
            CommandHandler("calendar", calendar),
            CommandHandler("skip", skip),
            CommandHandler("cancelmeeting", cancel_meeting),
            CommandHandler("capacity", capacity),
            CommandHandler("editmeeting", edit_meeting),
            CommandHandler("reminders", reminders),
            CommandHandler("reminders_private", reminders_private),
            CallbackQueryHandler(on_rsvp, pattern=Rsvp.pattern()),
            CallbackQueryHandler(on_line_group, pattern=LineGroup.pattern()),
            CallbackQueryHandler(on_menu, pattern=MeetingMenu.pattern()),
            CallbackQueryHandler(on_private_reminders_button, pattern=PrivateReminders.pattern()),
        ]
    }


FEATURE = Feature(
    name="meetings",
    handlers=handlers,
    commands=COMMANDS,
    settings=SETTINGS,
    on_startup=on_startup,
    replan=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    on_meeting_changed=on_meeting_changed,
)
