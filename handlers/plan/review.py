"""The weekly review of a recovery plan: its scheduled job and its answer buttons.

The database holds each member's review weekday, time, zone and the last review sent; the one job
per member (``plan-review:{user_id}``) is derived from it and rebuilt at start-up, and a review
owed while the bot was down comes at once (only the latest).  The review is sent straight to the
member rather than through the outbox, whose rows keep message text: plan words must never rest
in the database unsealed.  Its buttons carry the goal and the review day, so they keep working
across restarts; a second press, or a press on an older week's review, is answered kindly and
changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, datetime
from functools import partial

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.domain.i18n import Translator, resolve_language, translator
from bot.domain.plan import Outcome
from bot.runtime.context import KindredApplication, KindredContext
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases import plan as uc
from handlers.common import answer_query, answer_stale, services, translator_for
from handlers.plan.views import (
    REVIEW_STALE,
    Rv,
    render_review,
    render_review_again,
    render_review_noted,
    review_markup,
)

log = logging.getLogger(__name__)


def job_name(user_id: int) -> str:
    return f"plan-review:{user_id}"


def plan_review(svc: Services, bot: Bot, user_id: int, when: datetime) -> None:
    svc.jobs.at(job_name(user_id), when, partial(fire, svc, bot, user_id))


async def replan(svc: Services, bot: Bot, user_id: int) -> None:
    """Plan (or stop) the member's next review from what the database says now."""
    when = await uc.next_review_at(svc, user_id)
    if when is None:
        svc.jobs.cancel(job_name(user_id))
    else:
        plan_review(svc, bot, user_id, when)


async def _translator(svc: Services, user_id: int) -> Translator:
    person = await svc.people.get(user_id)
    if person is None:
        return translator("en")
    return translator(person.language or resolve_language(person.telegram_language))


async def fire(svc: Services, bot: Bot, user_id: int) -> None:
    """The job: send the review that is due (once ever), then plan the next one."""
    review = await uc.take_due_review(svc, user_id)
    if review is not None:
        tr = await _translator(svc, user_id)
        try:
            await bot.send_message(user_id, render_review(tr, review), reply_markup=review_markup(tr, review))
            log.info("Weekly plan review sent to %s", log_id(user_id))
        except Forbidden:
            await svc.people.mark_unreachable(user_id, svc.clock.now())
        except TelegramError as error:
            log.warning(
                "Could not send a weekly plan review to %s: %s", log_id(user_id), type(error).__name__
            )
    await replan(svc, bot, user_id)


async def on_startup(application: KindredApplication) -> None:
    """Rebuild every member's review job from the database."""
    svc = application.bot_data.services
    schedules = await uc.review_schedules(svc)
    for user_id, when in schedules:
        plan_review(svc, application.bot, user_id, when)
    log.info("Planned %d weekly plan reviews", len(schedules))


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


async def on_answer(update: Update, context: KindredContext) -> None:
    """One review button: saved once; twice or stale, a kind word and nothing changes."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = Rv.unpack(query.data)
    day = _day(choice.day) if choice else None
    if choice is None or day is None or choice.outcome not in {o.value for o in Outcome}:
        await answer_stale(query, tr, REVIEW_STALE)
        return
    result = await uc.answer_review(services(context), user.id, choice.goal_id, day, Outcome(choice.outcome))
    if result.outcome == "stale" or result.review is None:
        await answer_stale(query, tr, REVIEW_STALE)
        return
    if result.outcome == "already":  # the message already shows the first answer
        await answer_query(query, render_review_again(tr), alert=True)
        return
    await answer_query(query, render_review_noted(tr))
    with contextlib.suppress(BadRequest):  # a stale copy of the message may show this already
        await query.edit_message_text(
            render_review(tr, result.review), reply_markup=review_markup(tr, result.review)
        )
