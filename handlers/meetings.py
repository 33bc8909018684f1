"""Meetings: scheduling with the one-line form, the list, the .ics calendar, the personal-data
hooks, start-up, and the wiring of the whole feature.

The rest of the feature: ``meeting_wizard`` (the guided /schedule), ``meeting_rsvp`` (RSVP buttons,
the ``/start m<id>`` deep link, the private-reminder setting), ``meeting_admin`` (skip, cancel,
edit, capacity, group reminder times), ``meeting_menu`` (a meeting's own ⚙️ menu for facilitators),
``meeting_reminders`` (jobs and the outbox), ``meeting_support`` (shared helpers) and
``meetings_views`` (every text and button).

Times are wall-clock times in the zone the meeting was scheduled in: the group's zone at the time.
Changing the group's zone with /settz later leaves existing meetings in their own zone (the safe
choice: nobody's 19:00 silently becomes 20:00, and every message shows the zone); new meetings use
the new zone.  A facilitator who wants an existing series in the new zone re-creates it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InputFile, Message, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.domain.calendar_export import meetings_to_ics
from bot.domain.i18n import N_, Translator
from bot.domain.meeting_form import FORM_SYNTAX, FormError, MeetingDraft, parse_meeting_line
from bot.domain.preferences import Toggle
from bot.domain.recurrence import occurrences
from bot.domain.roles import Action, Role
from bot.runtime.commands import GROUP_ONLY, PRIVATE_ONLY, Command
from bot.runtime.feature import Feature
from handlers import meeting_reminders
from handlers.callback_data import CallbackData
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    escape,
    is_private,
    reply,
    require,
    services,
    translator_for,
)
from handlers.meeting_admin import cancel_meeting, capacity, edit_meeting, reminders, skip
from handlers.meeting_menu import on_menu
from handlers.meeting_rsvp import on_private_reminders_button, on_rsvp, open_meeting, reminders_private
from handlers.meeting_support import (
    announce,
    bot_username,
    command_text,
    confirm_membership,
    meetings,
    next_of,
    occurrence_at,
    render_syntax_short,
    tell_promoted,
)
from handlers.meetings_views import (
    Connect,
    MeetingMenu,
    PrivateReminders,
    Rsvp,
    connected,
    first_meeting,
    manage_rows,
    markup,
    meeting_list,
    missing_group_hint,
    not_connected,
    not_connected_help,
    start_note,
)
from storage.groups import Group
from storage.meetings import Meeting

log = logging.getLogger(__name__)

LIST_HORIZON = timedelta(days=31)
LIST_LIMIT = 12
PENDING_LINE = "meeting_line"


@dataclass(frozen=True)
class LineGroup(CallbackData, prefix="mline"):
    chat_id: int


async def _private_reminders_on(application: Any, user_id: int) -> bool:
    return await meetings(application).private_reminders(user_id)


async def _set_private_reminders(application: Any, user_id: int, on: bool) -> None:
    await meetings(application).set_private_reminders(user_id, on)


#: The /settings row; the choice lives in ``reminder_preferences``, which the reminder query joins.
SETTINGS = (
    Toggle(
        "meeting_reminders",
        N_("Private meeting reminders"),
        default=True,
        hint=N_("For meetings you answered going or maybe."),
        order=20,
        load=_private_reminders_on,
        save=_set_private_reminders,
    ),
)

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


# --- scheduling ------------------------------------------------------------------------------


async def create_meeting(
    context: KindredContext, group: Group, draft: MeetingDraft, created_by: int
) -> tuple[Meeting, Message | None]:
    """Store the meeting, announce it in its group with RSVP buttons, and plan its reminders."""
    svc = services(context)
    meeting = await meetings(context).create(group.chat_id, draft, created_by, svc.clock.now())
    log.info("Meeting %d scheduled", meeting.id)
    announcement = await announce(context, meeting, group)
    await meeting_reminders.series_changed(context.application, meeting.id)
    return meeting, announcement


async def schedule(update: Update, context: KindredContext) -> None:
    """/schedule with the one-line form (a bare /schedule in private starts the guided flow)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    tr = await translator_for(update, context)
    if not context.args:
        await reply(update, render_syntax(tr, private=is_private(update)))
        return
    if is_private(update):
        groups = await facilitated_groups(context, user.id)
        if len(groups) > 1:
            await ask_group_for_line(update, context, groups, tr)
            return
        if not groups:
            await reply(update, render_no_groups(tr))
            return
        group = groups[0]
    else:
        if not await require(update, context, Action.SCHEDULE_MEETINGS, chat.id):
            return
        group = await services(context).groups.get(chat.id)
        if group is None:
            return
    await schedule_line(update, context, group, command_text(update), tr)


async def ask_group_for_line(
    update: Update, context: KindredContext, groups: list[Group], tr: Translator
) -> None:
    """A facilitator of several groups typed the one-line form privately: which group is it for?

    The line waits in ``user_data`` (an unconfirmed draft) until a group button is pressed."""
    context.user_data[PENDING_LINE] = command_text(update)  # type: ignore[index]
    rows = [[{"text": group.title, "callback_data": LineGroup(group.chat_id).pack()}] for group in groups]
    await reply(update, tr._("Which group is the meeting for?"), reply_markup=markup(rows))


async def on_line_group(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = LineGroup.unpack(query.data)
    line = context.user_data.pop(PENDING_LINE, None)  # type: ignore[union-attr]
    groups = {group.chat_id: group for group in await facilitated_groups(context, user.id)}
    if choice is None or line is None or choice.chat_id not in groups:
        await answer_query(query, tr._("That button no longer works. Please send /schedule again."), True)
        return
    await answer_query(query)
    await schedule_line(update, context, groups[choice.chat_id], line, tr)


async def schedule_line(
    update: Update, context: KindredContext, group: Group, text: str, tr: Translator
) -> Meeting | None:
    """Parse, store, announce; or explain what to fix (nothing is stored on bad input)."""
    user = update.effective_user
    if user is None:
        return None
    try:
        draft = parse_meeting_line(text, time_zone=group.timezone, now=services(context).clock.now())
    except FormError as error:
        await reply(update, error.render(tr) + "\n\n" + render_syntax_short(tr))
        return None
    meeting, _ = await create_meeting(context, group, draft, user.id)
    zone, occurrence = meeting.schedule.time_zone, next_of(meeting, services(context).clock.now())
    note = start_note(tr, zone, occurrence) if occurrence else None
    if note:
        note += "\n" + tr._("To choose another time: /editmeeting {id} with the one-line form.").format(
            id=meeting.id
        )
    if is_private(update):
        lines = [
            tr._("Scheduled <b>{title}</b> (#{id}) and announced it in {group}.").format(
                title=escape(meeting.title), id=meeting.id, group=escape(group.title)
            ),
            first_meeting(tr, zone, occurrence) if occurrence else "",
            note or "",
        ]
        await reply(update, "\n".join(line for line in lines if line))
    elif note:  # in the group the announcement shows the time; only a surprising one needs words
        await reply(update, note)
    return meeting


def render_syntax(tr: Translator, private: bool) -> str:
    text = tr._("To schedule a meeting on one line:") + "\n<code>" + escape(tr._(FORM_SYNTAX)) + "</code>"
    if not private:
        text += "\n\n" + tr._("Or write /schedule to me in a private chat to be guided step by step.")
    return text


def render_no_groups(tr: Translator) -> str:
    return tr._("You don't facilitate any group I'm in. Schedule meetings from your group's chat.")


async def facilitated_groups(context: KindredContext, user_id: int) -> list[Group]:
    svc = services(context)
    groups = await svc.groups.groups_of(user_id)
    allowed = set(await svc.auth.groups_for(user_id, Action.SCHEDULE_MEETINGS, [g.chat_id for g in groups]))
    return [group for group in groups if group.chat_id in allowed]


# --- listing and the calendar ----------------------------------------------------------------


async def groups_in_view(update: Update, context: KindredContext) -> list[Group]:
    """The group this chat is, or in private every group the caller belongs to."""
    chat, user = update.effective_chat, update.effective_user
    svc = services(context)
    if chat is None or user is None:
        return []
    if is_private(update):
        return await svc.groups.groups_of(user.id)
    group = await svc.groups.get(chat.id)
    return [group] if group is not None and group.active else []


async def list_meetings(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    groups = await groups_in_view(update, context)
    if not groups and is_private(update):
        await reply(update, not_connected_help(tr))
        return
    titles = {group.chat_id: group.title for group in groups}
    repo, now = meetings(context), services(context).clock.now()
    upcoming = [
        (occurrence.start, meeting, occurrence)
        for meeting in await repo.active_in(list(titles))
        for occurrence in occurrences(meeting.schedule, now, now + LIST_HORIZON)
    ]
    upcoming.sort(key=lambda item: (item[0], item[1].id))
    entries = [
        (
            meeting,
            occurrence,
            await repo.counts(meeting.id, occurrence.start),
            titles[meeting.chat_id] if is_private(update) else None,
        )
        for _, meeting, occurrence in upcoming[:LIST_LIMIT]
    ]
    manage = await manageable(update, context, [meeting for meeting, *_ in entries])
    text = meeting_list(tr, entries, await bot_username(context))
    if is_private(update):
        text += "\n\n" + missing_group_hint(tr)
    await reply(update, text, reply_markup=markup(manage_rows(tr, manage)))


async def connect(update: Update, context: KindredContext) -> None:
    """``/start g<chat id>`` from a meeting's "Connect privately" button: once Telegram confirms
    the person is in that group, remember them as a member and show their meetings.

    The payload is not secret (see ``Connect``): forged, it names a group the person is not in,
    and they get the same kind refusal as for an unknown group, which names no group."""
    user = update.effective_user
    target = Connect.from_payload((context.args or [""])[0])
    tr = await translator_for(update, context)
    if user is None or target is None or not await confirm_membership(context, target.chat_id, user.id):
        await reply(update, not_connected(tr))
        raise ApplicationHandlerStop
    group = await services(context).groups.get(target.chat_id)
    log.info("A member connected privately through a group's meeting message")
    await reply(update, connected(tr, group.title if group else ""))
    await list_meetings(update, context)
    raise ApplicationHandlerStop


async def manageable(update: Update, context: KindredContext, listed: list[Meeting]) -> list[Meeting]:
    """The listed meetings whose menu the reader may open: only in private (a group's list is seen
    by everyone), and only for groups the reader facilitates (each press checks again)."""
    user = update.effective_user
    if user is None or not is_private(update):
        return []
    unique = list({meeting.id: meeting for meeting in listed}.values())
    chat_ids = {meeting.chat_id for meeting in unique}
    allowed = set(await services(context).auth.groups_for(user.id, Action.SCHEDULE_MEETINGS, chat_ids))
    return [meeting for meeting in unique if meeting.chat_id in allowed]


async def calendar(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    groups = await groups_in_view(update, context)
    if not groups and is_private(update):
        await reply(update, not_connected_help(tr))
        return
    found = await meetings(context).active_in([group.chat_id for group in groups])
    if not found:
        await reply(update, tr._("No meetings are planned yet."))
        return
    name = groups[0].title if len(groups) == 1 else "Kindred"
    data = meetings_to_ics([meeting.series for meeting in found], name, services(context).clock.now())
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            InputFile(data, filename="meetings.ics"),
            caption=tr._("Open this file to add the meetings to your calendar."),
        )


# --- RSVPs ------------------------------------------------------------------------------------


# --- deep link -------------------------------------------------------------------------------


# --- facilitators: skip, cancel, capacity, reminders ----------------------------------------


# --- personal data -------------------------------------------------------------------------


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await meetings(context).personal_data(user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    """Erase RSVPs and the reminder preference; anyone who moves up into a freed seat is told."""
    repo = meetings(context)
    promoted = await repo.erase_person(user_id, services(context).clock.now())
    for (meeting_id, start), people in promoted.items():
        meeting = await repo.get(meeting_id)
        occurrence = occurrence_at(meeting, start) if meeting else None
        if meeting is not None and occurrence is not None:
            await tell_promoted(context, meeting, occurrence, people)
    return [N_("your meeting RSVPs"), N_("your meeting reminder preference")]


# --- wiring ----------------------------------------------------------------------------------


async def on_startup(application: Any) -> None:
    """Rebuild every series' reminder job from the database; send reminders missed while down.

    As a job that runs as soon as the bot is up, not before it polls: with 10,000 series the
    rebuild takes seconds, and people's messages should not wait for it (bench/startup.py).  The
    job queue lets it finish before the database closes at shutdown."""
    services = application.bot_data.services
    services.jobs.at(
        "meetings:rebuild", services.clock.now(), lambda: meeting_reminders.refresh_all(application)
    )


DEEP_LINK = filters.ChatType.PRIVATE & filters.Regex(r"^/start(@\w+)?\s+m[0-9]{1,12}\s*$")
CONNECT_LINK = filters.ChatType.PRIVATE & filters.Regex(r"^/start(@\w+)?\s+g-?[0-9]{1,16}\s*$")


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
    from handlers.meeting_wizard import wizard_handler  # noqa: PLC0415 - avoids an import cycle

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
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
