"""Meetings: scheduling (one-line form; the guided flow is in ``handlers.meeting_wizard``), the
list, RSVPs with a waitlist, skipping and cancelling, reminder settings, the .ics calendar, the
``/start m<id>`` deep link, and the personal-data hooks.

Times are wall-clock times in the zone the meeting was scheduled in: the group's zone at the time.
Changing the group's zone with /settz later leaves existing meetings in their own zone (the safe
choice: nobody's 19:00 silently becomes 20:00); new meetings use the new zone.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from telegram import InputFile, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot.calendar_export import meetings_to_ics
from bot.commands import GROUP_ONLY, PRIVATE_ONLY, Command
from bot.i18n import N_, Translator, resolve_language, translator
from bot.meeting_form import FORM_SYNTAX, FormError, MeetingDraft, parse_meeting_line
from bot.meetings import Answer, RemindersError, parse_reminder_offsets
from bot.recurrence import Occurrence, iter_occurrences, next_occurrence, occurrences
from bot.roles import Action, Role
from handlers import meeting_reminders
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
from handlers.meetings_views import (
    ANSWER_CODES,
    PrivateReminders,
    Rows,
    Rsvp,
    markup,
    meeting_card,
    meeting_list,
    notice_cancelled,
    notice_changed,
    notice_promoted,
    notice_skipped,
    reminders_setting,
    rsvp_answer,
    rsvp_rows,
)
from storage.groups import Group
from storage.meetings import Meeting, MeetingRepository
from storage.outbox import Delivery

log = logging.getLogger(__name__)

NOTICE_KIND = "meeting_notice"
LIST_HORIZON = timedelta(days=31)
LIST_LIMIT = 12
MEMBER_STATUSES = {"creator", "administrator", "member", "restricted"}

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


def meetings(context: Any) -> MeetingRepository:
    """The repository, from a handler's context or from the application."""
    bot_data = context.bot_data
    return MeetingRepository(bot_data.services.db)


def occurrence_at(meeting: Meeting, start: datetime) -> Occurrence | None:
    """The series' occurrence starting exactly at *start*, if the series (still) has one."""
    found = occurrences(meeting.schedule, start, start + timedelta(minutes=1))
    return found[0] if found and found[0].start == start else None


def next_of(meeting: Meeting, now: datetime) -> Occurrence | None:
    return None if meeting.cancelled else next_occurrence(meeting.schedule, now)


async def bot_username(context: KindredContext) -> str:
    return context.bot.username


# --- scheduling ------------------------------------------------------------------------------


async def create_meeting(
    context: KindredContext, group: Group, draft: MeetingDraft, created_by: int
) -> tuple[Meeting, Message | None]:
    """Store the meeting, announce it in its group with RSVP buttons, and plan its reminders."""
    svc = services(context)
    meeting = await meetings(context).create(group.chat_id, draft, created_by, svc.clock.now())
    log.info("Meeting %d scheduled", meeting.id)
    announcement = await announce(context, meeting, group)
    await meeting_reminders.refresh_series(context.application, meeting.id)
    return meeting, announcement


async def announce(context: KindredContext, meeting: Meeting, group: Group) -> Message | None:
    occurrence = next_of(meeting, services(context).clock.now())
    if occurrence is None:
        return None
    tr = translator(group.language)
    rows = rsvp_rows(tr, meeting, occurrence, await meetings(context).counts(meeting.id, occurrence.start))
    text = meeting_card(tr, meeting, occurrence, await bot_username(context))
    try:
        message = await context.bot.send_message(group.chat_id, text, reply_markup=markup(rows))
    except Forbidden:
        log.info("Could not announce meeting %d: the bot cannot write to its group", meeting.id)
        return None
    await meetings(context).add_announcement(
        meeting.id, occurrence.start, group.chat_id, message.message_id, repr(rows)
    )
    return message


def command_text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message else ""


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
        if len(groups) != 1:
            await reply(update, render_pick_group_first(tr, groups))
            return
        group = groups[0]
    else:
        if not await require(update, context, Action.SCHEDULE_MEETINGS, chat.id):
            return
        group = await services(context).groups.get(chat.id)
        if group is None:
            return
    await schedule_line(update, context, group, command_text(update), tr)


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
    if is_private(update):
        await reply(
            update,
            tr._("Scheduled <b>{title}</b> (#{id}) and announced it in {group}.").format(
                title=escape(meeting.title), id=meeting.id, group=escape(group.title)
            ),
        )
    return meeting


def render_syntax(tr: Translator, private: bool) -> str:
    text = tr._("To schedule a meeting on one line:") + "\n<code>" + escape(tr._(FORM_SYNTAX)) + "</code>"
    if not private:
        text += "\n\n" + tr._("Or write /schedule to me in a private chat to be guided step by step.")
    return text


def render_syntax_short(tr: Translator) -> str:
    return tr._("Send /help in a private chat with me for the full syntax.")


def render_pick_group_first(tr: Translator, groups: list[Group]) -> str:
    if not groups:
        return tr._("You don't facilitate any group I'm in. Schedule meetings from your group's chat.")
    names = ", ".join(escape(group.title) for group in groups)
    return tr._(
        "You facilitate several groups ({groups}). Send the one-line /schedule in the group's chat, "
        "or send /schedule alone here to be guided step by step."
    ).format(groups=names)


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
    await reply(update, meeting_list(tr, entries, await bot_username(context)))


async def calendar(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    groups = await groups_in_view(update, context)
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


async def is_group_member(context: KindredContext, chat_id: int, user_id: int) -> bool:
    """Known as a member, or Telegram says so (people who joined before the bot never showed up)."""
    if user_id in await services(context).groups.member_ids(chat_id):
        return True
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in MEMBER_STATUSES


async def on_rsvp(update: Update, context: KindredContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    tr = await translator_for(update, context)
    data = Rsvp.unpack(query.data)
    start = data.occurrence_start() if data else None
    meeting = await meetings(context).get(data.meeting_id) if data else None
    occurrence = occurrence_at(meeting, start) if meeting and start else None
    if data is None or data.answer not in ANSWER_CODES or meeting is None or occurrence is None:
        await answer_query(
            query, tr._("That button no longer works. Send /meetings to see what is planned."), True
        )
        return
    if meeting.cancelled or occurrence.start <= services(context).clock.now():
        await answer_query(query, tr._("This meeting is no longer open for answers."), True)
        return
    in_its_group = chat.id == meeting.chat_id
    if not in_its_group and (
        not is_private(update) or not await is_group_member(context, meeting.chat_id, user.id)
    ):
        await answer_query(query, tr._("Only members of the meeting's group can answer."), True)
        return
    await record_rsvp(update, context, (meeting, occurrence), ANSWER_CODES[data.answer], tr)


async def record_rsvp(
    update: Update,
    context: KindredContext,
    target: tuple[Meeting, Occurrence],
    answer: Answer,
    tr: Translator,
) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    meeting, occurrence = target
    now = services(context).clock.now()
    change = await meetings(context).rsvp(
        meeting.id, occurrence.start, user.id, answer, capacity=meeting.capacity, now=now
    )
    await answer_query(query, rsvp_answer(tr, change.answer, change.waitlisted))
    if change.previous is change.answer:
        return
    pressed = query.message if isinstance(query.message, Message) else None
    await refresh_counts(context, meeting, occurrence, pressed)
    await tell_promoted(context, meeting, occurrence, change.promoted)


async def refresh_counts(
    context: KindredContext, meeting: Meeting, occurrence: Occurrence, pressed: Message | None
) -> None:
    """Edit the counts on the pressed message and on the group's announcement, never a no-op edit."""
    repo = meetings(context)
    counts = await repo.counts(meeting.id, occurrence.start)

    async def rows_for(chat_id: int) -> Rows:
        return rsvp_rows(await _translator_for_chat(context, chat_id), meeting, occurrence, counts)

    pressed_id = None
    if pressed is not None:
        pressed_id = (pressed.chat_id, pressed.message_id)
        await _edit_markup(context, *pressed_id, await rows_for(pressed.chat_id), _current_rows(pressed))
    for announcement in await repo.announcements(meeting.id, occurrence.start):
        rows = await rows_for(announcement.chat_id)
        if repr(rows) == announcement.rendered:
            continue
        same = (announcement.chat_id, announcement.message_id) == pressed_id
        if same or await _edit_markup(context, announcement.chat_id, announcement.message_id, rows, None):
            await repo.set_rendered(meeting.id, occurrence.start, announcement, repr(rows))


def _current_rows(message: Message) -> Rows | None:
    keyboard = message.reply_markup.inline_keyboard if message.reply_markup else ()
    return [
        [{"text": button.text, "callback_data": button.callback_data or ""} for button in row]
        for row in keyboard
    ]


async def _edit_markup(
    context: KindredContext, chat_id: int, message_id: int, rows: Rows, current: Rows | None
) -> bool:
    if current is not None and current == rows:
        return False
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup(rows))
    except BadRequest as error:
        log.debug("Could not update RSVP counts on a message: %s", error.message)
        return False
    except Forbidden:
        return False
    return True


async def _translator_for_chat(context: KindredContext, chat_id: int) -> Translator:
    svc = services(context)
    group = await svc.groups.get(chat_id)
    if group is not None:
        return translator(group.language)
    person = await svc.people.get(chat_id)
    if person is None:
        return translator("en")
    return translator(person.language or resolve_language(person.telegram_language))


async def _person_translator(context: KindredContext, user_id: int) -> Translator:
    return await _translator_for_chat(context, user_id)


async def notify(context: KindredContext, key: str, user_ids: Any, render: Any) -> None:
    """Tell people privately, through the outbox (durable, paced, never twice for one *key*)."""
    deliveries = []
    for user_id in user_ids:
        person = await services(context).people.get(user_id)
        if person is None or not person.private_chat or not person.reachable:
            continue
        tr = await _person_translator(context, user_id)
        deliveries.append(Delivery(f"{key}:{user_id}", user_id, render(tr), NOTICE_KIND))
    if deliveries:
        await services(context).outbox.enqueue(deliveries)


async def tell_promoted(
    context: KindredContext, meeting: Meeting, occurrence: Occurrence, promoted: tuple[int, ...]
) -> None:
    if not promoted:
        return
    minutes = Rsvp.occurrence_minutes(occurrence.start)
    await notify(
        context,
        f"meeting:{meeting.id}:promoted:{minutes}",
        promoted,
        lambda tr: notice_promoted(tr, meeting, occurrence),
    )


# --- deep link -------------------------------------------------------------------------------


async def open_meeting(update: Update, context: KindredContext) -> None:
    """``/start m<id>``: the meeting's card with RSVP buttons, privately; the generic /start stays quiet."""
    user = update.effective_user
    tr = await translator_for(update, context)
    payload = (context.args or [""])[0]
    meeting = await meetings(context).get(int(payload[1:])) if payload[1:].isdigit() else None
    occurrence = next_of(meeting, services(context).clock.now()) if meeting else None
    if (
        user is None
        or meeting is None
        or occurrence is None
        or not await is_group_member(context, meeting.chat_id, user.id)
    ):
        await reply(
            update,
            tr._("I couldn't find that meeting, or it is over. Send /meetings to see what is planned."),
        )
        raise ApplicationHandlerStop
    counts = await meetings(context).counts(meeting.id, occurrence.start)
    group = await services(context).groups.get(meeting.chat_id)
    header = escape(group.title) if group else ""
    await reply(
        update,
        meeting_card(tr, meeting, occurrence, await bot_username(context), header=header),
        reply_markup=markup(rsvp_rows(tr, meeting, occurrence, counts)),
    )
    raise ApplicationHandlerStop


# --- facilitators: skip, cancel, capacity, reminders ----------------------------------------


async def meeting_from_args(
    update: Update, context: KindredContext, tr: Translator, usage: str
) -> Meeting | None:
    """The meeting named by the first argument, after the facilitator check on ITS group."""
    args = context.args or []
    meeting = await meetings(context).get(int(args[0])) if args and args[0].lstrip("#").isdigit() else None
    if args and args[0].startswith("#") and args[0][1:].isdigit():
        meeting = await meetings(context).get(int(args[0][1:]))
    if meeting is None or meeting.cancelled:
        await reply(update, tr._("I don't know that meeting. Usage: {usage}").format(usage=escape(usage)))
        return None
    if not await require(update, context, Action.SCHEDULE_MEETINGS, meeting.chat_id):
        return None
    return meeting


async def skip(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    meeting = await meeting_from_args(update, context, tr, "/skip 12 2026-12-08")
    if meeting is None:
        return
    now = services(context).clock.now()
    occurrence = _occurrence_on(meeting, (context.args or [])[1:], now)
    if occurrence is None:
        await reply(
            update,
            tr._("That date is not one of the upcoming meetings of this series. Send /meetings to see them."),
        )
        return
    repo = meetings(context)
    coming = await repo.coming(meeting.id, occurrence.start)
    await repo.skip(meeting.id, occurrence.local_date)
    updated = await repo.get(meeting.id) or meeting
    minutes = Rsvp.occurrence_minutes(occurrence.start)
    going = [user for user, starts in coming.items() if occurrence.start in starts]
    await notify(
        context,
        f"meeting:{meeting.id}:skipped:{minutes}",
        going,
        lambda t: notice_skipped(t, meeting, occurrence),
    )
    await services(context).outbox.cancel_pending(
        f"reminder:{meeting.id}:{occurrence.start.strftime('%Y-%m-%dT%H:%MZ')}:"
    )
    await meeting_reminders.refresh_series(context.application, updated.id)
    await reply(update, notice_skipped(tr, meeting, occurrence))


def _occurrence_on(meeting: Meeting, args: list[str], now: datetime) -> Occurrence | None:
    if not args:
        return next_of(meeting, now)
    try:
        day = date.fromisoformat(args[0])
    except ValueError:
        return None
    for occurrence in iter_occurrences(meeting.schedule, now):
        if occurrence.local_date >= day:
            return occurrence if occurrence.local_date == day else None
    return None


async def cancel_meeting(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    meeting = await meeting_from_args(update, context, tr, "/cancelmeeting 12")
    if meeting is None:
        return
    repo, now = meetings(context), services(context).clock.now()
    coming = await repo.coming(meeting.id, now)
    await repo.cancel(meeting.id, now)
    await notify(
        context, f"meeting:{meeting.id}:cancelled", list(coming), lambda t: notice_cancelled(t, meeting)
    )
    await services(context).outbox.cancel_pending(f"reminder:{meeting.id}:")
    await meeting_reminders.refresh_series(context.application, meeting.id)
    group = await services(context).groups.get(meeting.chat_id)
    await reply(update, notice_cancelled(tr, meeting))
    if group is not None and is_private(update):
        await _tell_group(context, group, notice_cancelled(translator(group.language), meeting))


async def edit_meeting(update: Update, context: KindredContext) -> None:
    """Replace a meeting's details with a new one-line form; those coming are told."""
    tr = await translator_for(update, context)
    meeting = await meeting_from_args(update, context, tr, "/editmeeting 12 Title | start | ...")
    if meeting is None:
        return
    form = command_text(update).split(maxsplit=2)[2:] or [""]
    now = services(context).clock.now()
    try:
        draft = parse_meeting_line(form[0], time_zone=meeting.schedule.time_zone, now=now)
    except FormError as error:
        await reply(update, error.render(tr) + "\n\n" + render_syntax_short(tr))
        return
    repo = meetings(context)
    coming = await repo.coming(meeting.id, now)
    await repo.update(meeting.id, draft, now)
    updated = await repo.get(meeting.id) or meeting
    upcoming = next_of(updated, now)
    stamp = int(now.timestamp())
    await notify(
        context,
        f"meeting:{meeting.id}:changed:{stamp}",
        list(coming),
        lambda t: notice_changed(t, updated, upcoming),
    )
    await meeting_reminders.refresh_series(context.application, meeting.id)
    await reply(update, notice_changed(tr, updated, upcoming))
    group = await services(context).groups.get(meeting.chat_id)
    if group is not None:
        await announce(context, updated, group)


async def _tell_group(context: KindredContext, group: Group, text: str) -> None:
    try:
        await context.bot.send_message(group.chat_id, text)
    except Forbidden:
        log.info("Could not write to a group")


async def capacity(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    usage = "/capacity 12 20"
    meeting = await meeting_from_args(update, context, tr, usage)
    if meeting is None:
        return
    args = (context.args or [])[1:]
    value = args[0].casefold() if args else ""
    if value not in ("off", "none") and not (value.isdigit() and 1 <= int(value) <= 10_000):
        await reply(
            update, tr._("Write the number of seats (1 to 10000) or off, like {usage}.").format(usage=usage)
        )
        return
    seats = None if value in ("off", "none") else int(value)
    now = services(context).clock.now()
    upcoming = [o.start for o in occurrences(meeting.schedule, now, now + timedelta(days=366))]
    promoted = await meetings(context).set_capacity(meeting.id, seats, now, upcoming)
    updated = await meetings(context).get(meeting.id) or meeting
    for start, people in promoted.items():
        occurrence = occurrence_at(updated, start)
        if occurrence is not None:
            await tell_promoted(context, updated, occurrence, people)
    if seats is None:
        await reply(update, tr._("Meeting #{id} has no seat limit now.").format(id=meeting.id))
    else:
        await reply(
            update,
            tr._("Meeting #{id}: seats set to {n}.").format(id=meeting.id, n=seats),
        )


async def reminders(update: Update, context: KindredContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    tr = await translator_for(update, context)
    if is_private(update):
        await reply(update, tr._("Send /reminders in your group's chat to change its reminders."))
        return
    if not await require(update, context, Action.SCHEDULE_MEETINGS, chat.id):
        return
    repo = meetings(context)
    if context.args:
        try:
            offsets = parse_reminder_offsets(context.args)
        except RemindersError as error:
            await reply(update, tr._(error.message).format(count=4))
            return
        await repo.set_reminder_offsets(chat.id, offsets, services(context).clock.now())
        await meeting_reminders.refresh_group(context.application, chat.id)
    offsets, _ = await repo.reminder_settings(chat.id)
    await reply(update, reminders_setting(tr, offsets))


async def reminders_private(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    choice = (context.args or [""])[0].casefold()
    repo = meetings(context)
    if choice in ("on", "off"):
        await repo.set_private_reminders(user.id, choice == "on")
    allowed = await repo.private_reminders(user.id)
    await reply(update, render_private_setting(tr, allowed))


def render_private_setting(tr: Translator, allowed: bool) -> str:
    if allowed:
        return tr._(
            "Private reminders are on for meetings you answer going or maybe. "
            "/reminders_private off turns them off."
        )
    return tr._("Private reminders are off. /reminders_private on turns them back on.")


async def on_private_reminders_button(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    data = PrivateReminders.unpack(query.data)
    if data is None or data.allowed not in (0, 1):
        await answer_query(query, tr._("That button no longer works."), True)
        return
    await meetings(context).set_private_reminders(user.id, bool(data.allowed))
    await answer_query(query, render_private_setting(tr, bool(data.allowed)), True)


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
    """Rebuild every series' reminder job from the database; send reminders missed while down."""
    await meeting_reminders.refresh_all(application)


DEEP_LINK = filters.ChatType.PRIVATE & filters.Regex(r"^/start(@\w+)?\s+m\d{1,12}\s*$")


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
    from handlers.meeting_wizard import wizard_handler  # noqa: PLC0415 - avoids an import cycle

    return {
        FEATURES: [
            CommandHandler("start", open_meeting, filters=DEEP_LINK),
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
            CallbackQueryHandler(on_private_reminders_button, pattern=PrivateReminders.pattern()),
        ]
    }
