"""Attendance (issue 5): the feature's wiring, start-up work and personal data.

Where things are: :mod:`.roll_calls` (the group's "I'm here" button and facilitators' marks,
/attendance), :mod:`.reports` (/report, /myattendance, /proof, /verify), :mod:`.views` (every
message, keyboard and callback codec); what they do is :mod:`bot.usecases.attendance`.
Reports and letters are built in private chats only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.i18n import N_
from bot.domain.roles import Role
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature, Handlers
from bot.usecases import attendance as usecase
from handlers.attendance import reports, roll_calls
from handlers.attendance.roll_calls import TelegramRollCalls
from handlers.attendance.views import (
    Here,
    OpenRollCall,
    PickGroup,
    PickOccurrence,
    ProofRange,
    ReportRange,
    Toggle,
)
from handlers.common import (
    FEATURES,
    KindredContext,
    buttons_tracked_per_person,
    services,
    talk_privately,
    translator_for,
)

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


async def on_startup(application: KindredApplication) -> None:
    """Close roll calls whose time passed while we were down, and plan every meeting's next one."""
    svc = application.bot_data.services
    await usecase.resume(svc, TelegramRollCalls(application.bot, svc))


async def replan(application: KindredApplication) -> None:
    """Plan every posted roll call's closing and every meeting's next one again (another process
    changed them)."""
    svc = application.bot_data.services
    await usecase.replan(svc, TelegramRollCalls(application.bot, svc))


async def on_meeting_changed(application: KindredApplication, meeting_id: int) -> None:
    """Re-plan one series' roll call now (a series was created, edited, skipped or cancelled)."""
    svc = application.bot_data.services
    await usecase.meeting_changed(svc, meeting_id, TelegramRollCalls(application.bot, svc))


async def private_only(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await talk_privately(
        update,
        context,
        tr._("That is personal, so let's talk privately: send me the command in a private chat."),
    )


# -- personal data (/mydata, /forget) --


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await usecase.export_personal_data(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    """Letters are deleted; attendance is kept only as unnamed counts (see storage.attendance)."""
    erased = await usecase.erase_personal_data(services(context), user_id)
    described = []
    if erased.attendance:
        described.append(N_("your name on your attendance (group counts stay, unnamed)"))
    if erased.letters:
        described.append(N_("your proof-of-attendance letters"))
    return described


# -- wiring --


def _custom_range_conversation() -> ConversationHandler[KindredContext]:
    private = filters.ChatType.PRIVATE
    return ConversationHandler(
        entry_points=[
            CallbackQueryHandler(reports.on_report_range, pattern=ReportRange.pattern()),
            CallbackQueryHandler(reports.on_proof_range, pattern=ProofRange.pattern()),
        ],
        states={
            reports.CUSTOM_RANGE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND & private, reports.on_custom_range)
            ]
        },
        fallbacks=[CommandHandler("cancel", reports.cancel_custom)],
        allow_reentry=True,
        conversation_timeout=timedelta(minutes=30),
        name="attendance_range",
    )


def handlers() -> Handlers:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    with buttons_tracked_per_person():  # one range question at a time per person
        conversation = _custom_range_conversation()
    return {
        FEATURES: [
            conversation,
            CommandHandler("attendance", roll_calls.attendance_command),
            CommandHandler("report", reports.report_command, filters=private),
            CommandHandler("myattendance", reports.myattendance_command, filters=private),
            CommandHandler("proof", reports.proof_command, filters=private),
            CommandHandler("verify", reports.verify_command, filters=private),
            CommandHandler(["report", "myattendance", "proof", "verify"], private_only, filters=groups),
            CallbackQueryHandler(roll_calls.on_here, pattern=Here.pattern()),
            CallbackQueryHandler(roll_calls.on_pick_group, pattern=PickGroup.pattern()),
            CallbackQueryHandler(roll_calls.on_pick_occurrence, pattern=PickOccurrence.pattern()),
            CallbackQueryHandler(roll_calls.on_toggle, pattern=Toggle.pattern()),
            CallbackQueryHandler(roll_calls.on_open, pattern=OpenRollCall.pattern()),
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
