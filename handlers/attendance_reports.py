"""Attendance in private chats: /report, /myattendance, /proof and /verify, and their date ranges.

Split from :mod:`handlers.attendance` (roll calls and marking) by concern.  Who may see a report
is decided by ``require()`` on each group, so a forged button for another group is refused there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from dateutil.relativedelta import relativedelta
from telegram import InputFile, Update
from telegram.ext import Application, ConversationHandler

from bot.domain.attendance import (
    AttendedMeeting,
    DateRange,
    OccurrenceCount,
    ProofLetter,
    RangeError,
    Summary,
    attendance_csv,
    code_matches,
    local_day_range,
    local_time,
    normalize_code,
    parse_date_range,
    per_meeting_series,
    proof_code,
    proof_key,
    summarize,
)
from bot.domain.charts import Series, line_chart_png
from bot.domain.i18n import Translator
from bot.domain.roles import NEEDS_FACILITATOR, Action
from handlers.attendance_views import (
    ProofRange,
    ReportRange,
    chunks,
    group_names,
    groups_keyboard,
    proof_ranges_keyboard,
    render_history,
    render_report,
    render_verified,
    render_verify_limit,
    report_ranges_keyboard,
)
from handlers.common import (
    KindredContext,
    answer_query,
    reply,
    require,
    services,
    translator_for,
    within_limit,
)
from storage.attendance import AttendanceRepository
from storage.groups import Group
from storage.meetings import Meeting, MeetingRepository

log = logging.getLogger(__name__)

CUSTOM_RANGE = 1
CUSTOM_KEY = "attendance_custom_range"
CHART_SIZE = (800, 400)
HISTORY_LINES = 30

App = Application  # type: ignore[type-arg]


def repo(source: KindredContext | App) -> AttendanceRepository:
    app = source if isinstance(source, Application) else source.application
    return app.bot_data.services.repos.attendance


# -- meetings, as the meetings feature stores them --


def meetings(source: KindredContext | App) -> MeetingRepository:
    app = source if isinstance(source, Application) else source.application
    return app.bot_data.services.repos.meetings


async def active_meetings(source: KindredContext | App, chat_id: int | None = None) -> list[Meeting]:
    """Series not cancelled, in groups the bot is still in (one group, or all)."""
    if chat_id is None:
        return await meetings(source).active_everywhere()
    return await meetings(source).active_in([chat_id])


async def find_meeting(
    source: KindredContext | App, meeting_id: int, active_only: bool = False
) -> Meeting | None:
    """A series by id; with *active_only*, None once cancelled or its group left."""
    meeting = await meetings(source).get(meeting_id)
    if meeting is None or not active_only:
        return meeting
    app = source if isinstance(source, Application) else source.application
    group = await app.bot_data.services.groups.get(meeting.chat_id)
    return meeting if not meeting.cancelled and group is not None and group.active else None


def window_length(app: App) -> timedelta:
    return timedelta(minutes=app.bot_data.services.settings.attendance_window_minutes)


async def allowed_groups(context: KindredContext, user_id: int, action: Action) -> list[Group]:
    """Coordinators: every active group; facilitators: the groups they administer."""
    svc = services(context)
    if svc.auth.is_coordinator(user_id):
        return await svc.groups.active()
    mine = await svc.groups.groups_of(user_id)
    allowed = set(await svc.auth.groups_for(user_id, action, [g.chat_id for g in mine]))
    return [g for g in mine if g.chat_id in allowed]


# -- /report --


@dataclass(frozen=True)
class Report:
    summary: Summary
    csv: bytes
    chart: dict[int, list[tuple[date, float]]]  # per group: (day, people present)


async def report_summary(
    attendance: AttendanceRepository, chat_ids: Sequence[int], period: DateRange, former_member: str
) -> tuple[Summary, list[OccurrenceCount]]:
    """The numbers, from SQL aggregates (one row per meeting held, or per member who matters)."""
    counts = await attendance.occurrence_counts(chat_ids, period)
    candidates = await attendance.dropped_candidates(chat_ids, period)
    newcomers = await attendance.newcomers(chat_ids, period)
    return summarize(counts, candidates, newcomers, period, former_member), counts


async def report_table(
    attendance: AttendanceRepository, chat_ids: Sequence[int], period: DateRange, former_member: str
) -> bytes:
    """The CSV of every recorded mark; written in a worker thread (it grows with the data)."""
    rows = await attendance.rows(chat_ids, period)
    return await asyncio.to_thread(attendance_csv, rows, former_member)


async def build_report(
    attendance: AttendanceRepository, chat_ids: Sequence[int], period: DateRange, former_member: str
) -> Report:
    summary, counts = await report_summary(attendance, chat_ids, period, former_member)
    csv = await report_table(attendance, chat_ids, period, former_member) if counts else b""
    return Report(summary, csv, per_meeting_series(counts))


async def report_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    groups = await allowed_groups(context, user.id, Action.VIEW_REPORTS)
    if not groups and services(context).auth.is_coordinator(user.id):
        await reply(update, tr._("I am not in any group yet, so there is nothing to report."))
        return
    if not groups:
        await reply(update, tr._("Reports are for coordinators and for the facilitators of a group."))
        return
    if len(groups) == 1:
        await reply(
            update,
            tr._("Attendance report for <b>{group}</b>: which period?").format(group=group_names(tr, groups)),
            reply_markup=report_ranges_keyboard(tr, groups[0].chat_id),
        )
        return
    await reply(
        update,
        tr._("Which group's attendance report?"),
        reply_markup=groups_keyboard(tr, groups, "report", with_all=True),
    )


async def report_scope(update: Update, context: KindredContext, chat_id: int) -> list[Group] | None:
    """The groups a report button covers, or None (the person was told) when not allowed."""
    user = update.effective_user
    if user is None:
        return None
    if chat_id == 0:
        groups = await allowed_groups(context, user.id, Action.VIEW_REPORTS)
        if not groups:
            await require(update, context, Action.VIEW_REPORTS, None)
            return None
        return groups
    if not await require(update, context, Action.VIEW_REPORTS, chat_id):
        return None
    group = await services(context).groups.get(chat_id)
    return [group] if group is not None else None


async def on_report_group(update: Update, context: KindredContext, chat_id: int) -> None:
    groups = await report_scope(update, context, chat_id)
    query = update.callback_query
    if groups is None or query is None:
        return
    tr = await translator_for(update, context)
    await answer_query(query)
    await query.edit_message_text(
        tr._("Attendance report for <b>{group}</b>: which period?").format(group=group_names(tr, groups)),
        reply_markup=report_ranges_keyboard(tr, chat_id),
    )


async def on_report_range(update: Update, context: KindredContext) -> int:
    query = update.callback_query
    data = ReportRange.unpack(query.data if query else None)
    tr = await translator_for(update, context)
    if data is None or data.span not in ("4w", "3m", "custom"):
        await answer_query(query, tr._("That button no longer works."), alert=True)
        return ConversationHandler.END
    groups = await report_scope(update, context, data.chat_id)
    if groups is None:
        return ConversationHandler.END
    await answer_query(query)
    if data.span == "custom":
        context.user_data[CUSTOM_KEY] = ("report", data.chat_id)
        await reply(update, tr._("Which dates? Write the first and last day, like 2026-09-01 2026-11-30."))
        return CUSTOM_RANGE
    now = services(context).clock.now()
    start = now - (timedelta(weeks=4) if data.span == "4w" else relativedelta(months=3))
    await send_report(update, context, groups, DateRange(start, now))
    return ConversationHandler.END


def report_zone(context: KindredContext, groups: Sequence[Group]) -> str:
    return groups[0].timezone if len(groups) == 1 else services(context).settings.default_timezone


async def send_report(
    update: Update, context: KindredContext, groups: Sequence[Group], period: DateRange
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    tr = await translator_for(update, context)
    zone = report_zone(context, groups)
    first = local_time(period.start, zone).date()
    last = local_time(period.end - timedelta(microseconds=1), zone).date()
    report = await build_report(repo(context), [g.chat_id for g in groups], period, tr._("a former member"))
    await reply(update, render_report(tr, groups, first, last, report.summary))
    if not report.summary.meetings_held:
        return
    await chat.send_document(
        InputFile(report.csv, filename=f"attendance-{first}-{last}.csv"),
        caption=tr._("The table behind the report (meeting, date, member, present)."),
    )
    png = await asyncio.to_thread(_chart, tr, groups, report.chart, (first, last))
    await chat.send_photo(
        InputFile(png, filename="attendance.png"), caption=tr._("People present per meeting.")
    )


def _chart(
    tr: Translator,
    groups: Sequence[Group],
    points: dict[int, list[tuple[date, float]]],
    period: tuple[date, date],
) -> bytes:
    """People present per meeting over exactly the period asked for, counted in whole people."""
    titles = {g.chat_id: g.title for g in groups}
    series = [
        Series(values, titles.get(chat_id) if len(points) > 1 else None) for chat_id, values in points.items()
    ]
    top = max((value for values in points.values() for _, value in values), default=0)
    return line_chart_png(
        series,
        tr._("Attendance per meeting"),
        tr._("People present"),
        CHART_SIZE,
        y_limits=(0, top + 1),
        x_limits=period,
        format_day=lambda day: format_date(day, "d MMM", locale=tr.locale),
        whole_numbers=True,
    )


# -- custom ranges (reports and letters) --


async def on_custom_range(update: Update, context: KindredContext) -> int:
    pending = context.user_data.get(CUSTOM_KEY)
    message = update.message
    tr = await translator_for(update, context)
    if pending is None or message is None:
        return ConversationHandler.END
    kind, chat_id = pending
    zone = services(context).settings.default_timezone
    groups: list[Group] | None = None
    if kind == "report":
        groups = await report_scope(update, context, chat_id)
        if groups is None:
            return ConversationHandler.END
        zone = report_zone(context, groups)
    today = local_time(services(context).clock.now(), zone).date()
    try:
        first, last = parse_date_range(message.text or "", today)
    except RangeError as error:
        await reply(update, tr._(error.message) + "\n" + tr._("Or send /cancel to stop."))
        return CUSTOM_RANGE
    context.user_data.pop(CUSTOM_KEY, None)
    period = local_day_range(first, last, zone)
    if groups is not None:
        await send_report(update, context, groups, period)
    else:
        await send_letter(update, context, period, first, last)
    return ConversationHandler.END


async def cancel_custom(update: Update, context: KindredContext) -> int:
    context.user_data.pop(CUSTOM_KEY, None)
    tr = await translator_for(update, context)
    await reply(update, tr._("All right, cancelled."))
    return ConversationHandler.END


# -- /myattendance --


async def myattendance_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    since = services(context).clock.now() - timedelta(days=365)
    items = await repo(context).history(user.id, since=since)
    present = sum(1 for item in items if item.present)
    await reply(update, render_history(tr, items[:HISTORY_LINES], present))


# -- /proof --


def letter_key(context: KindredContext) -> bytes | None:
    secret = services(context).settings.pseudonym_secret
    return proof_key(secret.get_secret_value()) if secret is not None else None


async def proof_command(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await reply(
        update,
        tr._(
            "I can make you a PDF letter listing the meetings you attended: your first name, the "
            "groups, dates and times, and a code a facilitator can check. Which period?"
        ),
        reply_markup=proof_ranges_keyboard(tr),
    )


async def on_proof_range(update: Update, context: KindredContext) -> int:
    query = update.callback_query
    data = ProofRange.unpack(query.data if query else None)
    tr = await translator_for(update, context)
    if data is None or data.span not in ("3m", "12m", "custom"):
        await answer_query(query, tr._("That button no longer works."), alert=True)
        return ConversationHandler.END
    await answer_query(query)
    if data.span == "custom":
        context.user_data[CUSTOM_KEY] = ("proof", 0)
        await reply(update, tr._("Which dates? Write the first and last day, like 2026-09-01 2026-11-30."))
        return CUSTOM_RANGE
    zone = services(context).settings.default_timezone
    now = services(context).clock.now()
    today = local_time(now, zone).date()
    first = today - relativedelta(months=3 if data.span == "3m" else 12)
    await send_letter(update, context, local_day_range(first, today, zone), first, today)
    return ConversationHandler.END


async def send_letter(
    update: Update, context: KindredContext, period: DateRange, first: date, last: date
) -> None:
    """Build, record and send the letter: only ever at the member's own request."""
    from bot.domain.proof_pdf import proof_pdf  # noqa: PLC0415 - fpdf2 is loaded only when a letter is asked for

    user, chat = update.effective_user, update.effective_chat
    key = letter_key(context)
    tr = await translator_for(update, context)
    if user is None or chat is None:
        return
    if key is None:
        await reply(update, tr._("Proof letters are not available on this server."))
        return
    items = await repo(context).history(user.id, since=period.start, until=period.end, present_only=True)
    if not items:
        await reply(
            update, tr._("I found no meetings you attended in that period, so there is no letter to make.")
        )
        return
    person = await services(context).people.get(user.id)
    now = services(context).clock.now().replace(microsecond=0)
    letter = ProofLetter(
        first_name=person.first_name if person else user.first_name,
        first_day=first,
        last_day=last,
        issued_at=now,
        meetings=tuple(
            AttendedMeeting(
                item.group_title,
                item.meeting_title,
                local_time(item.start, item.time_zone).replace(tzinfo=None),
                item.minutes,
                item.time_zone,
            )
            for item in reversed(items)
        ),
    )
    code = proof_code(letter, key)
    await repo(context).save_letter(code, user.id, letter.canonical(), now)
    pdf = await asyncio.to_thread(proof_pdf, letter, code, tr, context.bot.username or "")
    await chat.send_document(
        InputFile(pdf, filename=f"proof-of-attendance-{first}-{last}.pdf"),
        caption=tr._("Your letter. Its verification code is {code}.").format(code=code),
    )


# -- /verify --


async def may_verify(context: KindredContext, user_id: int) -> bool:
    """Coordinators, and facilitators of any group: the people a member would show a letter to."""
    return bool(await allowed_groups(context, user_id, Action.VERIFY_PROOF))


async def verify_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    tr = await translator_for(update, context)
    if user is None:
        return
    if not await may_verify(context, user.id):
        await reply(update, tr._(NEEDS_FACILITATOR.reason))
        return
    code = normalize_code(" ".join(context.args or []))
    if code is None:
        await reply(update, tr._("Send the code from the letter, like /verify ABCD-EFGH-IJKL-MNOP."))
        return
    # Each code checked is a guess at one: VERIFY_ATTEMPTS_PER_HOUR per person keeps guessing hopeless.
    limiter = services(context).throttles.verify
    if not await within_limit(update, context, limiter, "/verify", render_verify_limit):
        return
    key = letter_key(context)
    contents = await repo(context).letter(code)
    letter = ProofLetter.from_json(contents) if contents is not None else None
    if key is None or letter is None or not code_matches(letter, code, key):
        log.info("A proof code was refused")
        await reply(
            update,
            tr._("❌ No letter was issued with this code. It may be mistyped, altered or forged."),
        )
        return
    for piece in chunks(render_verified(tr, letter)):
        await reply(update, piece)
