"""/plan: the member's goals, adding and changing them, the progress chart, the review time, and a
peer mentor's look at what a member shares.

A goal being written lives in ``user_data`` only until it is saved (sealed, through
:mod:`bot.usecases.plan`); a typed answer that cannot be kept gets a kind word and the same
question, so nothing already written is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from babel.dates import format_date
from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import ConversationHandler

from bot.domain.charts import Series, line_chart_png
from bot.domain.i18n import Translator
from bot.domain.plan import (
    GOAL_MAX_LENGTH,
    MAX_GOALS,
    TOO_MANY_GOALS,
    WEEKLY_MEASURES,
    GoalStatus,
    LifeArea,
    Measure,
    PlanError,
    clean_text,
    parse_review_time,
    weekly_target,
)
from bot.domain.roles import Action
from bot.domain.timezones import canonical_timezone
from bot.runtime.context import KindredContext
from bot.runtime.services import Services
from bot.usecases import plan as uc
from handlers.common import answer_query, answer_stale, reply, require, services, translator_for
from handlers.plan import views
from handlers.plan.review import replan
from handlers.plan.views import Pl

GoalEdit = Callable[[Services, int, int, str], Awaitable["uc.Goal | None"]]  # (svc, user, goal, words)

GOAL_TEXT, TARGET, STEP, EDIT_TEXT, EDIT_STEP, REVIEW_TIME = range(1, 7)
EDIT_TARGET = 8  # after handlers.plan.safety.SECTION (7): the states share one conversation
DRAFT = "plan_draft"
EDITING = "plan_goal"
NEW_MEASURE = "plan_measure"  # a saved goal's new weekly measure, while its target is asked


@dataclass
class Draft:
    """A goal being written; it lives in user_data only until it is saved."""

    area: LifeArea | None = None
    text: str | None = None
    measure: Measure | None = None
    target: int | None = None


def _error(tr: Translator, error: PlanError) -> str:
    return tr._(error.message).format(**error.params)


def _draft(context: KindredContext) -> Draft | None:
    found = (context.user_data or {}).get(DRAFT)
    return found if isinstance(found, Draft) else None


async def show_plan(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    svc = services(context)
    view = await uc.overview(svc, user.id)
    await reply(update, views.render_plan(tr, view), reply_markup=views.plan_markup(tr, view))
    return ConversationHandler.END


async def plan_command(update: Update, context: KindredContext) -> int:
    return await show_plan(update, context)


# -- typed answers --


async def on_goal_text(update: Update, context: KindredContext) -> int:
    tr, draft = await translator_for(update, context), _draft(context)
    message = update.effective_message
    if draft is None or message is None:
        return ConversationHandler.END
    try:
        draft.text = clean_text(message.text, GOAL_MAX_LENGTH)
    except PlanError as error:
        await reply(update, _error(tr, error))
        return GOAL_TEXT
    await reply(update, views.render_measure_question(tr), reply_markup=views.measure_markup(tr))
    return ConversationHandler.END


async def on_target_text(update: Update, context: KindredContext) -> int:
    tr, draft = await translator_for(update, context), _draft(context)
    message = update.effective_message
    if draft is None or message is None:
        return ConversationHandler.END
    try:
        draft.target = weekly_target(message.text or "")
    except PlanError as error:
        await reply(update, _error(tr, error))
        return TARGET
    await reply(update, views.render_step_question(tr), reply_markup=views.skip_markup(tr, "skipstep"))
    return STEP


async def on_step_text(update: Update, context: KindredContext) -> int:
    message = update.effective_message
    return await save_draft(update, context, message.text if message else None, skipped=False)


async def save_draft(update: Update, context: KindredContext, step: str | None, *, skipped: bool) -> int:
    """Save the goal being written; a step that cannot be kept is asked again (the draft stays)."""
    user, draft = update.effective_user, _draft(context)
    tr = await translator_for(update, context)
    if user is None or draft is None or draft.area is None or draft.text is None or draft.measure is None:
        await reply(update, views.render_stale(tr))
        return ConversationHandler.END
    goal = uc.GoalDraft(draft.area, draft.text, draft.measure, draft.target, None if skipped else step or "")
    try:
        await uc.add_goal(services(context), user.id, goal)
    except PlanError as error:
        await reply(update, _error(tr, error))
        return STEP
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await replan(services(context), context.bot, user.id)
    await reply(update, views.render_added(tr))
    return await show_plan(update, context)


async def on_edit_text(update: Update, context: KindredContext) -> int:
    return await _apply_edit(update, context, uc.edit_goal_text, EDIT_TEXT)


async def on_edit_step(update: Update, context: KindredContext) -> int:
    return await _apply_edit(update, context, uc.edit_step, EDIT_STEP)


async def _apply_edit(update: Update, context: KindredContext, change: GoalEdit, again: int) -> int:
    """Apply the typed words to the goal being edited; a kind word and the same question again
    when they do not fit (nothing is lost: the goal keeps its old words)."""
    user, message = update.effective_user, update.effective_message
    goal_id = (context.user_data or {}).get(EDITING)
    tr = await translator_for(update, context)
    if user is None or message is None or not isinstance(goal_id, int):
        return ConversationHandler.END
    try:
        goal = await change(services(context), user.id, goal_id, message.text or "")
    except PlanError as error:
        await reply(update, _error(tr, error))
        return again
    return await _goal_or_gone(update, context, tr, goal)


async def on_edit_target(update: Update, context: KindredContext) -> int:
    """A typed weekly number for a saved goal's new measure; a number that does not fit gets a
    kind word and the same question (the goal keeps its old measure until one does)."""
    user, message = update.effective_user, update.effective_message
    found = context.user_data or {}
    goal_id, measure = found.get(EDITING), found.get(NEW_MEASURE)
    tr = await translator_for(update, context)
    if user is None or message is None or not isinstance(goal_id, int) or not isinstance(measure, Measure):
        return ConversationHandler.END
    try:
        goal = await uc.change_measure(
            services(context), user.id, goal_id, measure, weekly_target(message.text or "")
        )
    except PlanError as error:
        await reply(update, _error(tr, error))
        return EDIT_TARGET
    return await _goal_or_gone(update, context, tr, goal)


async def on_review_time(update: Update, context: KindredContext) -> int:
    user, message = update.effective_user, update.effective_message
    tr = await translator_for(update, context)
    if user is None or message is None:
        return ConversationHandler.END
    try:
        weekday, at, zone_name = parse_review_time((message.text or "")[:80])
    except PlanError as error:
        await reply(update, _error(tr, error))
        return REVIEW_TIME
    zone = canonical_timezone(zone_name) if zone_name else None
    if zone_name and zone is None:
        await reply(update, tr._("I don't know that time zone. Try a name like Europe/Madrid."))
        return REVIEW_TIME
    review = await uc.set_review_time(services(context), user.id, weekday, at, zone)
    await replan(services(context), context.bot, user.id)
    await reply(update, views.render_review_time_set(tr, review))
    return await show_plan(update, context)


# -- buttons --

Step = Callable[[Update, KindredContext, Translator, Pl], Awaitable[int]]


async def on_button(update: Update, context: KindredContext) -> int:
    query, user = update.callback_query, update.effective_user
    choice = Pl.unpack(query.data if query else None)
    tr = await translator_for(update, context)
    step = BUTTONS.get(choice.action) if choice else None
    if query is None or user is None or choice is None or step is None:
        await answer_stale(query, tr, views.STALE)
        return ConversationHandler.END
    if choice.action != "mentee":  # the mentor's view answers through the authoriser
        await answer_query(query)
    return await step(update, context, tr, choice)


async def _back(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    return await show_plan(update, context)


async def _add(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    user = update.effective_user
    if user is None or context.user_data is None:
        return ConversationHandler.END
    goals = await uc.goals_of(services(context), user.id)
    if sum(1 for g in goals if g.status is not GoalStatus.COMPLETED) >= MAX_GOALS:
        await reply(update, tr._(TOO_MANY_GOALS))
        return ConversationHandler.END
    context.user_data[DRAFT] = Draft()
    await reply(update, views.render_area_question(tr), reply_markup=views.area_markup(tr))
    return ConversationHandler.END


async def _area(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    draft = _draft(context)
    area = next((a for a in LifeArea if a.value == choice.arg), None)
    if draft is None or area is None:
        await reply(update, views.render_stale(tr))
        return ConversationHandler.END
    draft.area = area
    await reply(update, views.render_goal_question(tr, area))
    return GOAL_TEXT


async def _measure(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    draft = _draft(context)
    measure = next((m for m in Measure if m.value == choice.arg), None)
    if draft is None or draft.text is None or measure is None:
        await reply(update, views.render_stale(tr))
        return ConversationHandler.END
    draft.measure = measure
    if measure in WEEKLY_MEASURES:
        await reply(update, views.render_target_question(tr, measure), reply_markup=views.target_markup())
        return TARGET
    await reply(update, views.render_step_question(tr), reply_markup=views.skip_markup(tr, "skipstep"))
    return STEP


async def _target(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    draft = _draft(context)
    if draft is None or draft.measure not in WEEKLY_MEASURES:
        await reply(update, views.render_stale(tr))
        return ConversationHandler.END
    try:
        draft.target = weekly_target(choice.arg)
    except PlanError:
        await reply(update, views.render_stale(tr))
        return TARGET
    await reply(update, views.render_step_question(tr), reply_markup=views.skip_markup(tr, "skipstep"))
    return STEP


async def _skip_step(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    return await save_draft(update, context, None, skipped=True)


async def _own(update: Update, context: KindredContext, tr: Translator, goal_id: int) -> uc.Goal | None:
    user = update.effective_user
    goal = await uc.own_goal(services(context), user.id, goal_id) if user else None
    if goal is None:
        await reply(update, views.render_no_goal(tr))
    return goal


async def _goal_or_gone(update: Update, context: KindredContext, tr: Translator, goal: uc.Goal | None) -> int:
    if goal is None:
        await reply(update, views.render_no_goal(tr))
        return ConversationHandler.END
    user = update.effective_user
    has_mentor = user is not None and await uc.has_peer_mentor(services(context), user.id)
    await reply(
        update, views.render_goal_menu(tr, goal), reply_markup=views.goal_markup(tr, goal, has_mentor)
    )
    return ConversationHandler.END


async def _goal(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    return await _goal_or_gone(update, context, tr, await _own(update, context, tr, choice.ref))


async def _edit(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    goal = await _own(update, context, tr, choice.ref)
    if goal is None or context.user_data is None:
        return ConversationHandler.END
    context.user_data[EDITING] = goal.goal_id
    await reply(update, views.render_edit_question(tr, goal))
    return EDIT_TEXT


async def _step(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    goal = await _own(update, context, tr, choice.ref)
    if goal is None or context.user_data is None:
        return ConversationHandler.END
    context.user_data[EDITING] = goal.goal_id
    await reply(
        update, views.render_step_edit_question(tr, goal), reply_markup=views.step_edit_markup(tr, goal)
    )
    return EDIT_STEP


async def _no_step(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    user = update.effective_user
    goal = await uc.edit_step(services(context), user.id, choice.ref, None) if user else None
    return await _goal_or_gone(update, context, tr, goal)


async def _change_area(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    return await _ask_change(
        update,
        context,
        tr,
        choice.ref,
        question=views.render_area_change_question,
        markup=views.area_markup,
        action="setarea",
    )


async def _set_area(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    user = update.effective_user
    area = next((a for a in LifeArea if a.value == choice.arg), None)
    if user is None or area is None:
        await reply(update, views.render_stale(tr))
        return ConversationHandler.END
    goal = await uc.change_area(services(context), user.id, choice.ref, area)
    return await _goal_or_gone(update, context, tr, goal)


async def _change_measure(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    return await _ask_change(
        update,
        context,
        tr,
        choice.ref,
        question=views.render_measure_change_question,
        markup=views.measure_markup,
        action="setmeasure",
    )


async def _ask_change(
    update: Update,
    context: KindredContext,
    tr: Translator,
    ref: int,
    *,
    question: Callable[[Translator, uc.Goal], str],
    markup: Callable[[Translator, str, int], InlineKeyboardMarkup],
    action: str,
) -> int:
    """Ask which life area or measure a saved goal should have, with the creation keyboard."""
    goal = await _own(update, context, tr, ref)
    if goal is not None:
        await reply(update, question(tr, goal), reply_markup=markup(tr, action, goal.goal_id))
    return ConversationHandler.END


async def _set_measure(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    """A measure without a target is set at once; a weekly count asks its number first (by button
    or typed), and the goal keeps its old measure until then."""
    user = update.effective_user
    measure = next((m for m in Measure if m.value == choice.arg), None)
    if user is None or measure is None or context.user_data is None:
        await reply(update, views.render_stale(tr))
        return ConversationHandler.END
    if measure not in WEEKLY_MEASURES:
        goal = await uc.change_measure(services(context), user.id, choice.ref, measure, None)
        return await _goal_or_gone(update, context, tr, goal)
    if await _own(update, context, tr, choice.ref) is None:
        return ConversationHandler.END
    context.user_data[EDITING], context.user_data[NEW_MEASURE] = choice.ref, measure
    await reply(
        update,
        views.render_target_question(tr, measure),
        reply_markup=views.target_markup(measure, choice.ref),
    )
    return EDIT_TARGET


async def _set_target(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    """A target button names its measure (``meetings-3``): it works even after a restart."""
    user = update.effective_user
    name, _, number = choice.arg.partition("-")
    measure = next((m for m in WEEKLY_MEASURES if m.value == name), None)
    if user is None or measure is None:
        await reply(update, views.render_stale(tr))
        return ConversationHandler.END
    try:
        goal = await uc.change_measure(services(context), user.id, choice.ref, measure, weekly_target(number))
    except PlanError:
        await reply(update, views.render_stale(tr))
        return ConversationHandler.END
    return await _goal_or_gone(update, context, tr, goal)


async def _completed(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    done = [g for g in await uc.goals_of(services(context), user.id) if g.status is GoalStatus.COMPLETED]
    await reply(update, views.render_completed_goals(tr, done), reply_markup=views.completed_markup(tr, done))
    return ConversationHandler.END


async def _reopen(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    was = await _own(update, context, tr, choice.ref)
    if was is None:
        return ConversationHandler.END
    try:
        goal = await uc.reopen_goal(services(context), user.id, choice.ref)
    except PlanError as error:
        await reply(update, _error(tr, error))
        return ConversationHandler.END
    if goal is not None and was.status is GoalStatus.COMPLETED:
        await replan(services(context), context.bot, user.id)
        await reply(update, views.render_reopened(tr, goal))
    return await _goal_or_gone(update, context, tr, goal)


def _status(status: GoalStatus) -> Step:
    async def change(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
        user = update.effective_user
        goal = await uc.set_status(services(context), user.id, choice.ref, status) if user else None
        if user is not None:
            await replan(services(context), context.bot, user.id)
        if goal is not None and status is GoalStatus.COMPLETED:
            await reply(update, views.render_completed(tr, goal))
            return await show_plan(update, context)
        return await _goal_or_gone(update, context, tr, goal)

    return change


async def _drop(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    goal = await _own(update, context, tr, choice.ref)
    if goal is not None:
        await reply(update, views.render_drop_question(tr, goal), reply_markup=views.drop_markup(tr, goal))
    return ConversationHandler.END


async def _drop_yes(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    user = update.effective_user
    if user is None or not await uc.drop_goal(services(context), user.id, choice.ref):
        await reply(update, views.render_no_goal(tr))
        return ConversationHandler.END
    await replan(services(context), context.bot, user.id)
    await reply(update, views.render_dropped(tr))
    return await show_plan(update, context)


def _sharing(shared: bool) -> Step:
    async def change(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
        user = update.effective_user
        goal = await uc.set_sharing(services(context), user.id, choice.ref, shared) if user else None
        if goal is not None:
            await reply(update, views.render_shared(tr, shared))
        return await _goal_or_gone(update, context, tr, goal)

    return change


async def _chart(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return ConversationHandler.END
    progress = await uc.chart_progress(services(context), user.id)
    series = [
        Series([(day, score * 100) for day, score in uc.scores(p)], tr._("Goal {n}").format(n=n))
        for n, p in enumerate(progress, 1)
    ]
    if not any(s.points for s in series):
        await reply(update, views.render_no_chart(tr))
        return ConversationHandler.END
    days = [w.last_day for w in progress[0].weeks]
    png = await asyncio.to_thread(
        line_chart_png,
        series,
        tr._("Your plan, week by week"),
        tr._("How the week went (%)"),
        y_limits=(-5, 105),
        x_limits=(days[0], days[-1]),
        format_day=lambda day: format_date(day, "d MMM", locale=tr.locale),
    )
    await chat.send_photo(InputFile(png, filename="plan.png"), caption=views.render_chart_caption(tr))
    return ConversationHandler.END


async def _when(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    review, zone = await uc.review_setting(services(context), user.id)
    await reply(update, views.render_review_time_question(tr, review, zone))
    return REVIEW_TIME


async def _mentee(update: Update, context: KindredContext, tr: Translator, choice: Pl) -> int:
    """A peer mentor's look at what one member shares: through the one door, every time."""
    if not await require(update, context, Action.VIEW_SHARED_GOALS, subject=choice.ref):
        return ConversationHandler.END
    await answer_query(update.callback_query)
    user = update.effective_user
    shared = await uc.shared_plan(services(context), user.id if user else 0, choice.ref)
    await reply(update, views.render_shared_plan(tr, shared))
    return ConversationHandler.END


BUTTONS: dict[str, Step] = {
    "back": _back,
    "add": _add,
    "area": _area,
    "measure": _measure,
    "target": _target,
    "skipstep": _skip_step,
    "goal": _goal,
    "edit": _edit,
    "step": _step,
    "nostep": _no_step,
    "pause": _status(GoalStatus.PAUSED),
    "resume": _status(GoalStatus.ACTIVE),
    "done": _status(GoalStatus.COMPLETED),
    "drop": _drop,
    "dropyes": _drop_yes,
    "share": _sharing(True),
    "unshare": _sharing(False),
    "chgarea": _change_area,
    "setarea": _set_area,
    "chgmeasure": _change_measure,
    "setmeasure": _set_measure,
    "settarget": _set_target,
    "completed": _completed,
    "reopen": _reopen,
    "chart": _chart,
    "when": _when,
    "mentee": _mentee,
}
