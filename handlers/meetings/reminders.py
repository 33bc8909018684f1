"""Meeting reminders as people set them: ``/reminders 24h 1h`` (when a group is reminded),
``/reminders_private`` and its button and /settings row (private reminders for meetings you
answered going or maybe), and the feature's hooks that keep every series' reminder job planned.

Planning, the exactly-once rules and the catch-up after downtime are the use case's
(:mod:`bot.usecases.meeting_reminders`); the words are :data:`handlers.meetings.views.TEXTS`.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.i18n import N_
from bot.domain.meetings import RemindersError, parse_reminder_offsets
from bot.domain.preferences import Toggle
from bot.domain.roles import Action
from bot.runtime.context import KindredApplication
from bot.usecases import meeting_reminders
from bot.usecases import meetings as uc
from handlers.common import (
    KindredContext,
    answer_query,
    answer_stale,
    is_private,
    reply,
    require,
    services,
    translator_for,
)
from handlers.meetings.views import TEXTS, PrivateReminders, reminders_setting, render_private_setting


async def on_meeting_changed(application: KindredApplication, meeting_id: int) -> None:
    """The feature's own ``on_meeting_changed``: a series changed, so its reminders re-plan now."""
    await meeting_reminders.plan_reminders(application.bot_data.services, TEXTS, meeting_id)


async def on_startup(application: KindredApplication) -> None:
    """Rebuild every series' reminder job from the database, just after start-up."""
    meeting_reminders.rebuild_soon(application.bot_data.services, TEXTS)


async def reminders(update: Update, context: KindredContext) -> None:
    """``/reminders 24h 1h`` in a group (facilitators): when the group is reminded; bare, shows it."""
    chat = update.effective_chat
    if chat is None:
        return
    tr = await translator_for(update, context)
    if is_private(update):
        await reply(update, tr._("Send /reminders in your group's chat to change its reminders."))
        return
    if not await require(update, context, Action.SCHEDULE_MEETINGS, chat.id):
        return
    offsets = None
    if context.args:
        try:
            offsets = parse_reminder_offsets(context.args)
        except RemindersError as error:
            await reply(update, tr._(error.message).format(count=4))
            return
    current = await uc.group_reminders(services(context), TEXTS, chat.id, offsets)
    await reply(update, reminders_setting(tr, current))


async def reminders_private(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    choice = (context.args or [""])[0].casefold()
    allowed = await uc.private_reminders(
        services(context), user.id, choice == "on" if choice in ("on", "off") else None
    )
    await reply(update, render_private_setting(tr, allowed))


async def on_private_reminders_button(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    data = PrivateReminders.unpack(query.data)
    if data is None or data.allowed not in (0, 1):
        await answer_stale(query, tr)
        return
    await uc.private_reminders(services(context), user.id, bool(data.allowed))
    await answer_query(query, render_private_setting(tr, bool(data.allowed)), True)


async def _private_reminders_on(application: KindredApplication, user_id: int) -> bool:
    return await uc.private_reminders(application.bot_data.services, user_id)


async def _set_private_reminders(application: KindredApplication, user_id: int, on: bool) -> None:
    await uc.private_reminders(application.bot_data.services, user_id, on)


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
