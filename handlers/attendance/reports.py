"""Attendance in private chats: /report, /myattendance, /proof and /verify, and their date ranges.

The numbers, the letters and the checks are :mod:`bot.usecases.attendance`; here the update is
read, the person authorised, and the answer rendered (text, CSV, chart, PDF).  Who may see a
report is decided by ``require()`` on each group, so a forged button for another group is
refused there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date

from babel.dates import format_date
from telegram import InputFile, Update
from telegram.ext import ConversationHandler

from bot.domain.attendance import DateRange, RangeError, normalize_code
from bot.domain.charts import Series, line_chart_png
from bot.domain.i18n import Translator
from bot.domain.roles import NEEDS_FACILITATOR, Action
from bot.usecases import attendance as usecase
from bot.usecases.attendance import Days, IssuedLetter, NoLetter
from handlers.attendance.views import (
    ProofRange,
    ReportRange,
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
    answer_stale,
    chunks,
    reply,
    require,
    services,
    translator_for,
    within_limit,
)
from storage.groups import Group

CUSTOM_RANGE = 1
CUSTOM_KEY = "attendance_custom_range"
CHART_SIZE = (800, 400)


def ask_for_days(context: KindredContext, kind: str, chat_id: int) -> None:
    """Remember what the typed dates are for: a report (of a group, 0: all) or a letter."""
    if context.user_data is not None:
        context.user_data[CUSTOM_KEY] = (kind, chat_id)


def days_asked_for(context: KindredContext) -> tuple[str, int] | None:
    pending = (context.user_data or {}).get(CUSTOM_KEY)
    return pending if isinstance(pending, tuple) else None


def forget_days_asked(context: KindredContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(CUSTOM_KEY, None)


# -- /report --


async def report_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    svc = services(context)
    groups = await usecase.allowed_groups(svc, user.id, Action.VIEW_REPORTS)
    if not groups and svc.auth.is_coordinator(user.id):
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
    svc = services(context)
    if chat_id == 0:
        groups = await usecase.allowed_groups(svc, user.id, Action.VIEW_REPORTS)
        if not groups:
            await require(update, context, Action.VIEW_REPORTS, None)
            return None
        return groups
    if not await require(update, context, Action.VIEW_REPORTS, chat_id):
        return None
    group = await svc.groups.get(chat_id)
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
        await answer_stale(query, tr)
        return ConversationHandler.END
    groups = await report_scope(update, context, data.chat_id)
    if groups is None:
        return ConversationHandler.END
    await answer_query(query)
    if data.span == "custom":
        ask_for_days(context, "report", data.chat_id)
        await reply(update, tr._("Which dates? Write the first and last day, like 2026-09-01 2026-11-30."))
        return CUSTOM_RANGE
    await send_report(update, context, groups, usecase.report_period(services(context), data.span))
    return ConversationHandler.END


async def send_report(
    update: Update, context: KindredContext, groups: Sequence[Group], period: DateRange
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    tr = await translator_for(update, context)
    made = await usecase.group_report(services(context), groups, period, tr._("a former member"))
    first, last, report = made.first, made.last, made.report
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
    pending = days_asked_for(context)
    message = update.message
    tr = await translator_for(update, context)
    if pending is None or message is None:
        return ConversationHandler.END
    kind, chat_id = pending
    svc = services(context)
    zone = svc.settings.default_timezone
    groups: list[Group] | None = None
    if kind == "report":
        groups = await report_scope(update, context, chat_id)
        if groups is None:
            return ConversationHandler.END
        zone = usecase.report_zone(svc, groups)
    try:
        days = usecase.days_typed(svc, message.text or "", zone)
    except RangeError as error:
        await reply(update, tr._(error.message) + "\n" + tr._("Or send /cancel to stop."))
        return CUSTOM_RANGE
    forget_days_asked(context)
    if groups is not None:
        await send_report(update, context, groups, days.period)
    else:
        await send_letter(update, context, days)
    return ConversationHandler.END


async def cancel_custom(update: Update, context: KindredContext) -> int:
    forget_days_asked(context)
    tr = await translator_for(update, context)
    await reply(update, tr._("All right, cancelled."))
    return ConversationHandler.END


# -- /myattendance --


async def myattendance_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    history = await usecase.my_history(services(context), user.id)
    await reply(update, render_history(tr, history.items, history.present))


# -- /proof --


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
        await answer_stale(query, tr)
        return ConversationHandler.END
    await answer_query(query)
    if data.span == "custom":
        ask_for_days(context, "proof", 0)
        await reply(update, tr._("Which dates? Write the first and last day, like 2026-09-01 2026-11-30."))
        return CUSTOM_RANGE
    await send_letter(update, context, usecase.letter_days(services(context), data.span))
    return ConversationHandler.END


async def send_letter(update: Update, context: KindredContext, days: Days) -> None:
    """Have the letter made and recorded, then send it as a PDF: only at the member's request."""
    from bot.domain.proof_pdf import proof_pdf  # noqa: PLC0415 - fpdf2 is loaded only when a letter is asked for

    user, chat = update.effective_user, update.effective_chat
    tr = await translator_for(update, context)
    if user is None or chat is None:
        return
    issued = await usecase.issue_letter(services(context), user.id, user.first_name, days)
    if issued is NoLetter.UNAVAILABLE:
        await reply(update, tr._("Proof letters are not available on this server."))
        return
    if not isinstance(issued, IssuedLetter):
        await reply(
            update, tr._("I found no meetings you attended in that period, so there is no letter to make.")
        )
        return
    pdf = await asyncio.to_thread(proof_pdf, issued.letter, issued.code, tr, context.bot.username or "")
    await chat.send_document(
        InputFile(pdf, filename=f"proof-of-attendance-{days.first}-{days.last}.pdf"),
        caption=tr._("Your letter. Its verification code is {code}.").format(code=issued.code),
    )


# -- /verify --


async def verify_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    tr = await translator_for(update, context)
    if user is None:
        return
    svc = services(context)
    if not await usecase.may_verify(svc, user.id):
        await reply(update, tr._(NEEDS_FACILITATOR.reason))
        return
    code = normalize_code(" ".join(context.args or []))
    if code is None:
        await reply(update, tr._("Send the code from the letter, like /verify ABCD-EFGH-IJKL-MNOP."))
        return
    # Each code checked is a guess at one: VERIFY_ATTEMPTS_PER_HOUR per person keeps guessing hopeless.
    if not await within_limit(update, context, svc.throttles.verify, "/verify", render_verify_limit):
        return
    letter = await usecase.verified_letter(svc, code)
    if letter is None:
        await reply(
            update,
            tr._("❌ No letter was issued with this code. It may be mistyped, altered or forged."),
        )
        return
    for piece in chunks(render_verified(tr, letter)):
        await reply(update, piece)
