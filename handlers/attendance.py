"""Attendance (issue 5): the roll call in the group, facilitators' marks, /report, /myattendance,
/proof and /verify, and the jobs that open and close roll calls.

Roll calls are planned from the meetings in the database: ``rollcall:{meeting_id}`` opens the
next occurrence's roll call (posting the "I'm here" button) and ``rollcall-close:{meeting_id}:{start}``
closes it.  The meetings feature tells us when a series is created, edited, skipped or cancelled
(:func:`on_meeting_changed`), so a meeting scheduled minutes ahead gets its button the moment its
window opens; at start-up every meeting is planned from the database, and a sweep every few
minutes (``attendance:sweep``) re-plans them all as a safety net.
Reports and letters are built in private chats only.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.attendance import Window, correctable, roll_call_window
from bot.domain.i18n import N_, Translator, translator
from bot.domain.recurrence import iter_occurrences, occurrences
from bot.domain.roles import Action, Role
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.edit_coalescer import Edit
from bot.runtime.feature import Feature
from bot.runtime.logs import log_id
from handlers import attendance_reports as reports
from handlers.attendance_reports import active_meetings, find_meeting, repo, window_length
from handlers.attendance_views import (
    CHECK_IN_ANSWERS,
    Here,
    OccurrenceChoice,
    OpenRollCall,
    PickGroup,
    PickOccurrence,
    ProofRange,
    ReportRange,
    Toggle,
    groups_keyboard,
    occurrences_keyboard,
    panel_keyboard,
    render_closed,
    render_occurrence_list,
    render_panel,
    render_roll_call,
    roll_call_keyboard,
)
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    edit_in_place,
    is_private,
    reply,
    require,
    services,
    talk_privately,
    translator_for,
)
from storage.attendance import POST_FAILED, CheckIn, RollCall
from storage.meetings import Meeting

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
CUSTOM_RANGE = 1
CUSTOM_KEY = "attendance_custom_range"

COMMANDS = (
    Command(
        "attendance",
        N_("Take or correct attendance for the last 7 days"),
        role=Role.FACILITATOR,
        order=40,
    ),
    Command(
        "report",
        N_("Attendance reports: summary, CSV table and chart"),
        role=Role.FACILITATOR,
        where=PRIVATE_ONLY,
        order=41,
    ),
    Command("myattendance", N_("Your own attendance history"), where=PRIVATE_ONLY, order=30),
    Command(
        "proof",
        N_("A PDF letter listing the meetings you attended"),
        where=PRIVATE_ONLY,
        order=31,
        details=N_("Only your first name, the groups, and the dates and times are in the letter."),
    ),
    Command(
        "verify",
        N_("Check a proof-of-attendance letter's code"),
        role=Role.FACILITATOR,
        where=PRIVATE_ONLY,
        order=42,
        details=N_("/verify ABCD-EFGH-IJKL-MNOP"),
    ),
)

App = Application  # type: ignore[type-arg]


def stamp(start: datetime) -> int:
    return int(start.timestamp())


def from_stamp(value: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


# -- planning roll calls --


def is_occurrence(meeting: Meeting, start: datetime) -> bool:
    return bool(occurrences(meeting.series.schedule, start, start + timedelta(seconds=1)))


def window_of(app: App, meeting: Meeting, start: datetime) -> Window:
    return roll_call_window(start, start + meeting.series.schedule.duration, window_length(app))


async def plan_next(app: App, meeting: Meeting) -> None:
    """Plan ``rollcall:{id}`` for the first occurrence whose roll call is still to be posted."""
    now = app.bot_data.services.clock.now()
    schedule = meeting.series.schedule
    after = now - schedule.duration - window_length(app)
    for occurrence in iter_occurrences(schedule, after):
        existing = await repo(app).roll_call(meeting.id, occurrence.start)
        if existing is not None and existing.attempted:
            continue  # posted, or refused by Telegram (a facilitator can post it by hand)
        start = occurrence.start
        app.bot_data.services.jobs.at(
            f"rollcall:{meeting.id}",
            window_of(app, meeting, start).opens,
            partial(open_roll_call, app, meeting.id, start),
        )
        return
    app.bot_data.services.jobs.cancel(f"rollcall:{meeting.id}")


async def sweep(app: App) -> None:
    """Re-plan every meeting's next roll call; forget meetings that were cancelled."""
    services = app.bot_data.services
    meetings = await active_meetings(app)
    for meeting in meetings:
        await plan_next(app, meeting)
    active = {f"rollcall:{m.id}" for m in meetings}
    for name in services.jobs.planned("rollcall:"):
        if name not in active:
            services.jobs.cancel(name)
    services.jobs.at("attendance:sweep", services.clock.now() + SWEEP_EVERY, lambda: sweep(app))


async def on_meeting_changed(app: App, meeting_id: int) -> None:
    """Re-plan one series' roll call now (the hook ``meeting_reminders.series_changed`` calls)."""
    meeting = await find_meeting(app, meeting_id, active_only=True)
    if meeting is None:
        app.bot_data.services.jobs.cancel(f"rollcall:{meeting_id}")
    else:
        await plan_next(app, meeting)


async def open_roll_call(app: App, meeting_id: int, start: datetime) -> None:
    """Post the "I'm here" button for one occurrence (once), then plan its closing and the next."""
    meeting = await find_meeting(app, meeting_id, active_only=True)
    if meeting is None:
        return
    if is_occurrence(meeting, start):
        window = window_of(app, meeting, start)
        if app.bot_data.services.clock.now() < window.closes:
            roll_call = await repo(app).start_roll_call(meeting_id, start, meeting.chat_id, window)
            await post_roll_call(app, meeting, roll_call)
    await plan_next(app, meeting)


async def post_roll_call(
    app: App, meeting: Meeting, roll_call: RollCall, closes: datetime | None = None
) -> bool:
    """Send the group its roll-call message; False when it was already posted or could not be."""
    closes = max(roll_call.window.closes, closes or roll_call.window.closes)
    if not await repo(app).claim_posting(meeting.id, roll_call.start, closes):
        return False
    services = app.bot_data.services
    group = await services.groups.get(meeting.chat_id)
    tr = translator(group.language if group else "en")
    zone = meeting.series.schedule.time_zone
    try:
        message = await app.bot.send_message(
            meeting.chat_id,
            render_roll_call(tr, meeting.series.title, roll_call.start, zone, closes),
            reply_markup=roll_call_keyboard(tr, meeting.id, roll_call.start),
        )
    except TelegramError as error:
        log.warning("Could not post the roll call for meeting %d: %s", meeting.id, type(error).__name__)
        await repo(app).set_message(meeting.id, roll_call.start, POST_FAILED)
        return False
    await repo(app).set_message(meeting.id, roll_call.start, message.message_id)
    plan_close(app, meeting.id, roll_call.start, closes)
    log.info("Roll call posted for meeting %d", meeting.id)
    return True


def plan_close(app: App, meeting_id: int, start: datetime, closes: datetime) -> None:
    app.bot_data.services.jobs.at(
        f"rollcall-close:{meeting_id}:{stamp(start)}", closes, lambda: close_roll_call(app, meeting_id, start)
    )


async def close_roll_call(app: App, meeting_id: int, start: datetime) -> None:
    """Edit the roll-call message to say it is closed and how many were counted."""
    roll_call = await repo(app).roll_call(meeting_id, start)
    meeting = await find_meeting(app, meeting_id)
    if roll_call is None or meeting is None or roll_call.message_id is None or roll_call.message_id <= 0:
        return
    if app.bot_data.services.clock.now() < roll_call.window.closes:  # a facilitator extended it
        plan_close(app, meeting_id, start, roll_call.window.closes)
        return
    if not await repo(app).mark_closed(meeting_id, start):
        return
    group = await app.bot_data.services.groups.get(roll_call.chat_id)
    tr = translator(group.language if group else "en")
    present = await repo(app).present_count(meeting_id, start)
    text = render_closed(tr, meeting.series.title, start, meeting.series.schedule.time_zone, present)
    try:
        await app.bot.edit_message_text(text, chat_id=roll_call.chat_id, message_id=roll_call.message_id)
    except (BadRequest, Forbidden):
        log.info("Could not close the roll-call message of meeting %d", meeting_id)


async def on_startup(application: App) -> None:
    """Close roll calls whose time passed while we were down, and plan every meeting's next one.

    A post interrupted by a crash (claimed, never recorded) is tried again: a rare duplicate
    message is kinder than a roll call nobody can answer.
    """
    leadership = application.bot_data.services.leadership
    if leadership is None or leadership.leader:  # not another live process's post under way
        await repo(application).release_unfinished_posts()
    await replan(application)


async def replan(application: App) -> None:
    """Plan the closing of every posted roll call and every meeting's next one (again, safely)."""
    unclosed = await repo(application).unclosed()
    for roll_call in unclosed:
        plan_close(application, roll_call.meeting_id, roll_call.start, roll_call.window.closes)
    # Planning every meeting's roll call is a job that runs once polling starts, as meetings'
    # reminder rebuild is: with 10,000 meetings it takes seconds people should not wait through.
    services = application.bot_data.services
    services.jobs.at("attendance:sweep", services.clock.now(), lambda: sweep(application))
    log.info("Planned roll calls; %d to close", len(unclosed))


# -- the button --


async def on_here(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    data = Here.unpack(query.data)
    start = from_stamp(data.start) if data else None
    roll_call = await repo(context).roll_call(data.meeting_id, start) if data and start else None
    chat = update.effective_chat
    if data is None or start is None or roll_call is None or chat is None or chat.id != roll_call.chat_id:
        await answer_query(query, tr._(CHECK_IN_ANSWERS[CheckIn.UNKNOWN]), alert=True)
        return
    outcome = await repo(context).check_in(data.meeting_id, start, user.id, services(context).clock.now())
    await answer_query(query, tr._(CHECK_IN_ANSWERS[outcome]), alert=outcome is not CheckIn.RECORDED)


# -- facilitators: /attendance --


async def attendance_command(update: Update, context: KindredContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if not is_private(update):
        if await require(update, context, Action.TAKE_ATTENDANCE, chat.id):
            await show_occurrences(update, context, chat.id)
        return
    groups = await reports.allowed_groups(context, user.id, Action.TAKE_ATTENDANCE)
    tr = await translator_for(update, context)
    if not groups:
        await reply(
            update,
            tr._("Only a group's facilitators (its Telegram admins) and coordinators take attendance."),
        )
        return
    await reply(update, tr._("Which group?"), reply_markup=groups_keyboard(tr, groups, "mark"))


async def show_occurrences(update: Update, context: KindredContext, chat_id: int, edit: bool = False) -> None:
    """The group's occurrences from the last 7 days (and one about to start), newest first."""
    services_ = services(context)
    now = services_.clock.now()
    since = now - timedelta(days=7)
    until = now + window_length(context.application)
    found: dict[tuple[int, datetime], OccurrenceChoice] = {}
    meetings = {m.id: m for m in await active_meetings(context, chat_id)}
    for meeting in meetings.values():
        for occurrence in occurrences(meeting.series.schedule, since, until):
            key = (meeting.id, occurrence.start)
            found[key] = OccurrenceChoice(
                meeting.id, meeting.series.title, occurrence.start, meeting.series.schedule.time_zone
            )
    for roll_call in await repo(context).recent_roll_calls(chat_id, since):
        if (roll_call.meeting_id, roll_call.start) not in found:
            meeting = meetings.get(roll_call.meeting_id) or await find_meeting(context, roll_call.meeting_id)
            if meeting is not None:
                found[(meeting.id, roll_call.start)] = OccurrenceChoice(
                    meeting.id, meeting.series.title, roll_call.start, meeting.series.schedule.time_zone
                )
    choices = sorted(found.values(), key=lambda c: c.start, reverse=True)[:20]
    group = await services_.groups.get(chat_id)
    tr = await translator_for(update, context)
    text = render_occurrence_list(tr, group.title if group else "", choices)
    keyboard = occurrences_keyboard(tr, choices)
    if edit and update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=keyboard)
    else:
        await reply(update, text, reply_markup=keyboard)


async def on_pick_group(update: Update, context: KindredContext) -> None:
    query = update.callback_query
    data = PickGroup.unpack(query.data if query else None)
    if data is None or data.purpose not in ("mark", "report"):
        await stale(update, context)
        return
    if data.purpose == "report":
        await reports.on_report_group(update, context, data.chat_id)
        return
    if not await require(update, context, Action.TAKE_ATTENDANCE, data.chat_id):
        return
    await answer_query(query)
    await show_occurrences(update, context, data.chat_id, edit=True)


async def checked_occurrence(
    update: Update, context: KindredContext, meeting_id: int, start_stamp: int
) -> tuple[Meeting, datetime] | None:
    """The meeting and occurrence a facilitator's button names, if real, allowed and recent."""
    start = from_stamp(start_stamp)
    meeting = await find_meeting(context, meeting_id)
    if start is None or meeting is None:
        await stale(update, context)
        return None
    if not await require(update, context, Action.TAKE_ATTENDANCE, meeting.chat_id):
        return None
    known = is_occurrence(meeting, start) or await repo(context).roll_call(meeting_id, start) is not None
    now = services(context).clock.now()
    if not known or not correctable(start, now, window_length(context.application)):
        tr = await translator_for(update, context)
        await answer_query(
            update.callback_query, tr._("Attendance can be changed for 7 days after a meeting only."), True
        )
        return None
    return meeting, start


async def on_pick_occurrence(update: Update, context: KindredContext) -> None:
    data = PickOccurrence.unpack(update.callback_query.data if update.callback_query else None)
    if data is None:
        await stale(update, context)
        return
    found = await checked_occurrence(update, context, data.meeting_id, data.start)
    if found is not None:
        await answer_query(update.callback_query)
        await show_panel(update, context, *found)


async def on_toggle(update: Update, context: KindredContext) -> None:
    data = Toggle.unpack(update.callback_query.data if update.callback_query else None)
    user = update.effective_user
    if data is None or user is None:
        await stale(update, context)
        return
    found = await checked_occurrence(update, context, data.meeting_id, data.start)
    if found is None:
        return
    meeting, start = found
    members = {m.user_id for m in await repo(context).members(meeting.chat_id)}
    marks = await repo(context).marks(meeting.id, start)
    if data.user_id not in members and data.user_id not in marks:
        await stale(update, context)
        return
    roll_call = await repo(context).start_roll_call(
        meeting.id, start, meeting.chat_id, window_of(context.application, meeting, start)
    )
    present = not marks.get(data.user_id, False)
    await repo(context).mark(roll_call, data.user_id, present, user.id, services(context).clock.now())
    log.info("Attendance corrected by %s", log_id(user.id))
    await answer_query(update.callback_query)
    await show_panel(update, context, meeting, start)


async def on_open(update: Update, context: KindredContext) -> None:
    data = OpenRollCall.unpack(update.callback_query.data if update.callback_query else None)
    if data is None:
        await stale(update, context)
        return
    found = await checked_occurrence(update, context, data.meeting_id, data.start)
    if found is None:
        return
    meeting, start = found
    app = context.application
    tr = await translator_for(update, context)
    now = services(context).clock.now()
    window = window_of(app, meeting, start)
    roll_call = await repo(context).start_roll_call(meeting.id, start, meeting.chat_id, window)
    posted = await post_roll_call(
        app, meeting, roll_call, closes=max(window.closes, now + window_length(app))
    )
    await answer_query(
        update.callback_query,
        tr._("The “I'm here” button is in the group.") if posted else tr._("It was already posted."),
    )
    await show_panel(update, context, meeting, start)


async def show_panel(update: Update, context: KindredContext, meeting: Meeting, start: datetime) -> None:
    """Have the pressed message show the occurrence's marking panel.

    Through the edit coalescer (bot/runtime/edit_coalescer.py): in a group each edit spends the group's
    budget, and a facilitator's next tap must not wait for the last one's edit."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    tr = await translator_for(update, context)
    chat_id, message_id = query.message.chat.id, query.message.message_id
    panel = Panel(context, tr, meeting, start, chat_id, message_id)
    services(context).edits.submit(chat_id, message_id, Edit(panel.render, panel.show))


@dataclass(frozen=True)
class Panel:
    """One occurrence's marking panel on one message: rendered when the edit runs, then shown."""

    context: KindredContext
    tr: Translator
    meeting: Meeting
    start: datetime
    chat_id: int
    message_id: int

    async def render(self) -> tuple[str, InlineKeyboardMarkup | None]:
        meeting, start = self.meeting, self.start
        members = await repo(self.context).members(meeting.chat_id)
        marks = await repo(self.context).marks(meeting.id, start)
        roll_call = await repo(self.context).roll_call(meeting.id, start)
        now = services(self.context).clock.now()
        can_open = (roll_call is None or not roll_call.posted) and now < window_of(
            self.context.application, meeting, start
        ).closes
        zone = meeting.series.schedule.time_zone
        text = render_panel(self.tr, meeting.series.title, start, zone, marks)
        return text, panel_keyboard(self.tr, meeting.id, start, members, marks, can_open=can_open)

    async def show(self, content: tuple[str, InlineKeyboardMarkup | None]) -> bool:
        return await edit_in_place(
            self.context, (self.chat_id, self.message_id), content, what="an attendance panel"
        )


async def stale(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await answer_query(update.callback_query, tr._("That button no longer works."), alert=True)


async def private_only(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await talk_privately(
        update,
        context,
        tr._("That is personal, so let's talk privately: send me the command in a private chat."),
    )


# -- personal data (/mydata, /forget) --


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await repo(context).export(user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    """Letters are deleted; attendance is kept only as unnamed counts (see storage.attendance)."""
    counts = await repo(context).erase(user_id)
    log.info("Erased attendance identity of %s", log_id(user_id))
    erased = []
    if counts["attendance"]:
        erased.append(N_("your name on your attendance (group counts stay, unnamed)"))
    if counts["letters"]:
        erased.append(N_("your proof-of-attendance letters"))
    return erased


# -- wiring --


def _custom_range_conversation() -> ConversationHandler:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return ConversationHandler(
        entry_points=[
            CallbackQueryHandler(reports.on_report_range, pattern=ReportRange.pattern()),
            CallbackQueryHandler(reports.on_proof_range, pattern=ProofRange.pattern()),
        ],
        states={
            CUSTOM_RANGE: [MessageHandler(filters.TEXT & ~filters.COMMAND & private, reports.on_custom_range)]
        },
        fallbacks=[CommandHandler("cancel", reports.cancel_custom)],
        allow_reentry=True,
        conversation_timeout=timedelta(minutes=30),
        name="attendance_range",
    )


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)  # one range question at a time per person
        conversation = _custom_range_conversation()
    return {
        FEATURES: [
            conversation,
            CommandHandler("attendance", attendance_command),
            CommandHandler("report", reports.report_command, filters=private),
            CommandHandler("myattendance", reports.myattendance_command, filters=private),
            CommandHandler("proof", reports.proof_command, filters=private),
            CommandHandler("verify", reports.verify_command, filters=private),
            CommandHandler(["report", "myattendance", "proof", "verify"], private_only, filters=groups),
            CallbackQueryHandler(on_here, pattern=Here.pattern()),
            CallbackQueryHandler(on_pick_group, pattern=PickGroup.pattern()),
            CallbackQueryHandler(on_pick_occurrence, pattern=PickOccurrence.pattern()),
            CallbackQueryHandler(on_toggle, pattern=Toggle.pattern()),
            CallbackQueryHandler(on_open, pattern=OpenRollCall.pattern()),
        ]
    }


FEATURE = Feature(
    name="attendance",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
    replan=replan,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    on_meeting_changed=on_meeting_changed,
)
