"""``/schedule``: on one line (anywhere), or step by step in a private chat.

The guided flow asks for the group, title, start, length, repeat, place and notes.  Each step is
checked as soon as it is answered, by the same one-line form parser the experienced users type
(``bot.domain.meeting_form``), so the guided flow and the one-line form can never disagree about
what is valid.  The unconfirmed draft lives in ``user_data`` (small, plain strings); only the
confirmed meeting is stored in the database, by :func:`bot.usecases.meetings.schedule_meeting`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.i18n import Translator
from bot.domain.meeting_form import FormError, MeetingDraft, parse_meeting_line
from bot.domain.recurrence import next_occurrence
from bot.domain.roles import Action
from bot.runtime.feature import AnyHandler
from bot.usecases import meetings as uc
from handlers.callback_data import CallbackData
from handlers.common import (
    KindredContext,
    answer_query,
    escape,
    is_private,
    reply,
    require,
    services,
    translator_for,
    user_data,
)
from handlers.meetings.rsvp import announce
from handlers.meetings.views import (
    first_meeting,
    markup,
    render_no_groups,
    render_syntax,
    render_syntax_short,
    start_note,
)
from storage.groups import Group
from storage.meetings import Meeting

log = logging.getLogger(__name__)

PENDING_LINE = "meeting_line"


def _command_text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message else ""


# --- the one-line form -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineGroup(CallbackData, prefix="mline"):
    chat_id: int


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
        groups = await uc.facilitated_groups(services(context), user.id)
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
        found = await uc.group_of(services(context), chat.id)
        if found is None:
            return
        group = found
    await schedule_line(update, context, group, _command_text(update), tr)


async def ask_group_for_line(
    update: Update, context: KindredContext, groups: list[Group], tr: Translator
) -> None:
    """A facilitator of several groups typed the one-line form privately: which group is it for?

    The line waits in ``user_data`` (an unconfirmed draft) until a group button is pressed."""
    user_data(context)[PENDING_LINE] = _command_text(update)
    rows = [[{"text": group.title, "callback_data": LineGroup(group.chat_id).pack()}] for group in groups]
    await reply(update, tr._("Which group is the meeting for?"), reply_markup=markup(rows))


async def on_line_group(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = LineGroup.unpack(query.data)
    line = user_data(context).pop(PENDING_LINE, None)
    groups = {group.chat_id: group for group in await uc.facilitated_groups(services(context), user.id)}
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
    svc = services(context)
    try:
        draft = parse_meeting_line(text, time_zone=group.timezone, now=svc.clock.now())
    except FormError as error:
        await reply(update, error.render(tr) + "\n\n" + render_syntax_short(tr))
        return None

    async def post(meeting: Meeting) -> None:
        await announce(context, meeting, group)

    scheduled = await uc.schedule_meeting(svc, group, draft, user.id, post)
    meeting, occurrence = scheduled.meeting, scheduled.upcoming
    zone = meeting.schedule.time_zone
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


# --- step by step, in private ------------------------------------------------------------------


GROUP, TITLE, START, DURATION, REPEAT, PLACE, NOTES, CONFIRM = range(8)
DRAFT = "meeting_draft"
KEYBOARD = "keyboard_message"  # in the draft: the id of the one question whose buttons are live
TIMEOUT_SECONDS = 30 * 60
DURATIONS = ("45m", "60m", "90m", "2h")
REPEATS = ("once", "weekly", "every 2 weeks", "monthly")


@dataclass(frozen=True)
class Wizard(CallbackData, prefix="mwiz"):
    step: str  # g (group), d (duration), r (repeat), s (skip a text step), ok, no
    value: str


Rows = list[list[tuple[str, Wizard]]]


def _keyboard(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data.pack()) for text, data in row] for row in rows]
    )


def _draft(context: KindredContext) -> dict[str, str]:
    draft: dict[str, str] = user_data(context).setdefault(DRAFT, {})
    return draft


async def _ask(update: Update, context: KindredContext, text: str, rows: Rows) -> None:
    """Ask with buttons, taking them off the previous question: only the open step has buttons."""
    await _close_keyboard(update, context, _draft(context))
    message = await reply(update, text, reply_markup=_keyboard(rows))
    if message is not None:
        _draft(context)[KEYBOARD] = str(message.message_id)


async def _close_keyboard(update: Update, context: KindredContext, draft: dict[str, str]) -> None:
    """Remove the buttons of the wizard's last question once it is answered or the wizard ends, so
    nobody presses a finished step (a press that slips through is answered by ``handlers.start``)."""
    message_id, chat = draft.pop(KEYBOARD, None), update.effective_chat
    if message_id is None or chat is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat.id, int(message_id), reply_markup=None)
    except TelegramError:
        log.debug("Could not remove a finished step's buttons", exc_info=True)


def _line(draft: dict[str, str], upto: int) -> str:
    fields = [draft.get(name, "") for name in ("title", "start", "duration", "repeat", "place", "notes")]
    return " | ".join(fields[:upto])


def _clean(text: str) -> str:
    """A ``|`` separates the one-line form's fields; inside one answer it is just a slash."""
    return text.replace("|", "/").strip()


async def start(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    groups = await uc.facilitated_groups(services(context), user.id)
    user_data(context).pop(DRAFT, None)
    if not groups:
        await reply(update, render_no_groups(tr))
        return ConversationHandler.END
    if len(groups) == 1:
        _draft(context)["chat_id"] = str(groups[0].chat_id)
        await reply(update, _ask_title(tr, groups[0].title))
        return TITLE
    rows = [[(group.title, Wizard("g", str(group.chat_id)))] for group in groups]
    await _ask(update, context, tr._("Which group is the meeting for?"), rows)
    return GROUP


def _ask_title(tr: Translator, group_title: str) -> str:
    return (
        tr._("Let's schedule a meeting for {group}. Send /cancel at any time to stop.").format(
            group=escape(group_title)
        )
        + "\n\n"
        + tr._("What is the meeting called?")
    )


async def chose_group(update: Update, context: KindredContext) -> int:
    query, user = update.callback_query, update.effective_user
    tr = await translator_for(update, context)
    data = Wizard.unpack(query.data if query else None)
    allowed = {g.chat_id: g for g in await uc.facilitated_groups(services(context), user.id)} if user else {}
    if (
        data is None
        or data.step != "g"
        or not re.fullmatch(r"-?[0-9]{1,19}", data.value)
        or int(data.value) not in allowed
    ):
        await answer_query(query, tr._("That button no longer works. Please send /schedule again."), True)
        return GROUP
    await answer_query(query)
    await _close_keyboard(update, context, _draft(context))
    _draft(context)["chat_id"] = data.value
    await reply(update, _ask_title(tr, allowed[int(data.value)].title))
    return TITLE


async def _group_zone(context: KindredContext) -> str:
    group = await uc.group_of(services(context), int(_draft(context).get("chat_id", "0")))
    return group.timezone if group else services(context).settings.default_timezone


async def _check(update: Update, context: KindredContext, line: str) -> MeetingDraft | None:
    """Parse the draft so far; on a problem, explain it and keep the draft for another try."""
    try:
        return parse_meeting_line(
            line, time_zone=await _group_zone(context), now=services(context).clock.now()
        )
    except FormError as error:
        tr = await translator_for(update, context)
        await reply(update, error.render(tr) + "\n" + tr._("Please try again."))
        return None


def _resolved(tr: Translator, meeting: MeetingDraft, now: datetime) -> tuple[str, str | None]:
    """The first meeting as it will really happen, and a warning when its time does not exist or
    happens twice; the typed text (``tue 19:00``) is never repeated back as if it were a date."""
    occurrence = next_occurrence(meeting.schedule, now)
    if occurrence is None:
        return "", None
    zone = meeting.schedule.time_zone
    return first_meeting(tr, zone, occurrence), start_note(tr, zone, occurrence)


async def got_title(update: Update, context: KindredContext) -> int:
    text = _clean(update.effective_message.text or "") if update.effective_message else ""
    _draft(context)["title"] = text
    if await _check(update, context, f"{text} | tomorrow 12:00") is None:
        return TITLE
    tr = await translator_for(update, context)
    zone = await _group_zone(context)
    await reply(
        update,
        tr._(
            "When is the first meeting? Write a date and time like 2026-12-01 19:00, or tue 19:00 ({zone})."
        ).format(zone=escape(zone)),
    )
    return START


async def got_start(update: Update, context: KindredContext) -> int:
    _draft(context)["start"] = _clean(update.effective_message.text or "") if update.effective_message else ""
    meeting = await _check(update, context, _line(_draft(context), 2))
    if meeting is None:
        return START
    tr = await translator_for(update, context)
    first, note = _resolved(tr, meeting, services(context).clock.now())
    question = "\n".join(part for part in (first, note, tr._("How long is it?")) if part)
    rows = [[(value, Wizard("d", value)) for value in DURATIONS]]
    await _ask(update, context, question, rows)
    return DURATION


def _repeat_label(tr: Translator, value: str) -> str:
    return {
        "once": tr._("Just once"),
        "weekly": tr._("Every week"),
        "every 2 weeks": tr._("Every 2 weeks"),
        "monthly": tr._("Monthly, same weekday"),
    }[value]


async def got_pick(update: Update, context: KindredContext) -> int:
    """Duration and repeat buttons."""
    query = update.callback_query
    tr = await translator_for(update, context)
    data = Wizard.unpack(query.data if query else None)
    if data is not None and data.step == "d" and data.value in DURATIONS:
        await answer_query(query)
        _draft(context)["duration"] = data.value
        rows = [[(_repeat_label(tr, value), Wizard("r", value))] for value in REPEATS]
        await _ask(update, context, tr._("Does it repeat?"), rows)
        return REPEAT
    if data is not None and data.step == "r" and data.value in REPEATS:
        await answer_query(query)
        _draft(context)["repeat"] = data.value
        await _ask_text(
            update, context, tr._("Where? Send a place, or an https:// link for an online meeting."), "place"
        )
        return PLACE
    await answer_query(query, tr._("That button no longer works. Please send /schedule again."), True)
    return ConversationHandler.END


async def _ask_text(update: Update, context: KindredContext, question: str, step: str) -> None:
    tr = await translator_for(update, context)
    await _ask(update, context, question, [[(tr._("Skip"), Wizard("s", step))]])


async def got_place(update: Update, context: KindredContext) -> int:
    _draft(context)["place"] = _clean(update.effective_message.text or "") if update.effective_message else ""
    if await _check(update, context, _line(_draft(context), 5)) is None:
        del _draft(context)["place"]  # still to be answered: its Skip button still works
        return PLACE
    return await _ask_notes(update, context)


async def _ask_notes(update: Update, context: KindredContext) -> int:
    tr = await translator_for(update, context)
    await _ask_text(update, context, tr._("Any notes for the group? (Or skip.)"), "notes")
    return NOTES


async def skipped(update: Update, context: KindredContext) -> int:
    """The Skip button of the place or the notes question."""
    query = update.callback_query
    data = Wizard.unpack(query.data if query else None)
    await answer_query(query)
    if data is not None and data.step == "s" and data.value == "place" and "place" not in _draft(context):
        _draft(context)["place"] = ""
        return await _ask_notes(update, context)
    if data is not None and data.step == "s" and data.value == "notes":
        _draft(context)["notes"] = ""
        return await _confirm(update, context)
    return NOTES if "place" in _draft(context) else PLACE


async def got_notes(update: Update, context: KindredContext) -> int:
    message = update.effective_message
    _draft(context)["notes"] = (message.text or "").strip() if message else ""
    if await _check(update, context, _line(_draft(context), 6)) is None:
        return NOTES
    return await _confirm(update, context)


async def _confirm(update: Update, context: KindredContext) -> int:
    tr = await translator_for(update, context)
    draft = _draft(context)
    draft.setdefault("place", "")
    draft.setdefault("notes", "")
    meeting = await _check(update, context, _line(draft, 6))
    if meeting is None:  # time moved on since the start was typed (it has passed): ask again
        return START
    first, note = _resolved(tr, meeting, services(context).clock.now())
    summary = "\n".join(
        [
            tr._("Please check:"),
            f"<b>{escape(draft['title'])}</b>",
            first + " · " + escape(draft["duration"]),
            *([note] if note else []),
            escape(_repeat_label(tr, draft["repeat"])),
            escape(draft["place"]),
            escape(draft["notes"]),
        ]
    ).strip()
    rows = [[(tr._("Save and announce"), Wizard("ok", "-")), (tr._("Cancel"), Wizard("no", "-"))]]
    await _ask(update, context, summary, rows)
    return CONFIRM


async def confirmed(update: Update, context: KindredContext) -> int:
    query = update.callback_query
    tr = await translator_for(update, context)
    data = Wizard.unpack(query.data if query else None)
    draft = user_data(context).pop(DRAFT, {})
    await answer_query(query)
    await _close_keyboard(update, context, draft)
    if data is None or data.step != "ok" or "notes" not in draft:
        await reply(update, tr._("Nothing was scheduled."))
        return ConversationHandler.END
    user = update.effective_user
    groups = {g.chat_id: g for g in await uc.facilitated_groups(services(context), user.id)} if user else {}
    group = groups.get(int(draft["chat_id"]))
    if group is None:
        await reply(
            update, tr._("Only this group's facilitators (its Telegram admins) and coordinators can do that.")
        )
        return ConversationHandler.END
    await schedule_line(update, context, group, _line(draft, 6), tr)
    return ConversationHandler.END


async def cancel(update: Update, context: KindredContext) -> int:
    await _close_keyboard(update, context, user_data(context).pop(DRAFT, {}))
    tr = await translator_for(update, context)
    await reply(update, tr._("Nothing was scheduled."))
    return ConversationHandler.END


def wizard_handler() -> AnyHandler:
    text = filters.TEXT & ~filters.COMMAND
    pattern = Wizard.pattern()
    return ConversationHandler(
        entry_points=[
            CommandHandler(
                "schedule", start, filters=filters.ChatType.PRIVATE & filters.Regex(r"^/schedule(@\w+)?\s*$")
            )
        ],
        states={
            GROUP: [CallbackQueryHandler(chose_group, pattern=pattern)],
            TITLE: [MessageHandler(text, got_title)],
            START: [MessageHandler(text, got_start)],
            DURATION: [CallbackQueryHandler(got_pick, pattern=pattern)],
            REPEAT: [CallbackQueryHandler(got_pick, pattern=pattern)],
            PLACE: [MessageHandler(text, got_place), CallbackQueryHandler(skipped, pattern=pattern)],
            NOTES: [MessageHandler(text, got_notes), CallbackQueryHandler(skipped, pattern=pattern)],
            CONFIRM: [CallbackQueryHandler(confirmed, pattern=pattern)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        per_chat=True,
        per_user=True,
        conversation_timeout=TIMEOUT_SECONDS,
        name="meeting_wizard",
    )
