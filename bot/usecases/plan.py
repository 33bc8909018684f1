"""The recovery plan and the safety plan (issue 17), step by step.

Every text a member writes is sealed here before it reaches the repository and opened here after
it comes back (:mod:`bot.domain.sealing`); handlers see plain dataclasses.  Who may see what:

* a member sees their own plan and safety plan;
* their *active* peer mentor sees the goals the member chose to share (and those goals' weekly
  progress), never anything else: not the safety plan, not check-in notes, not moods;
* coordinators and facilitators see nothing of it (the authoriser gives them no way in).

Measured goals count what Kindred already knows: meetings attended (the attendance records),
check-ins made (through the member's own pseudonym, as ``/mystats`` reads them: nothing links a
plan to a check-in row) and days since the milestone date.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.plan import (
    CHART_WEEKS,
    CRISIS_SECTIONS,
    DEFAULT_REVIEW_TIME,
    DEFAULT_REVIEW_WEEKDAY,
    GOAL_MAX_LENGTH,
    MAX_GOALS,
    SECTION_MAX_LENGTH,
    STEP_MAX_LENGTH,
    TOO_MANY_GOALS,
    WEEKLY_MEASURES,
    GoalStatus,
    LifeArea,
    Measure,
    Outcome,
    PlanError,
    ReviewTime,
    SafetySection,
    clean_text,
    count_in_week,
    days_since,
    last_review,
    next_review,
    review_day,
    week_days,
    week_score,
    weekly_target,
)
from bot.domain.pseudonym import pseudonym
from bot.domain.sealing import Sealer, SealError
from bot.runtime.logs import log_id
from bot.runtime.services import Repositories, Services
from storage.plans import StoredGoal

log = logging.getLogger(__name__)


# -- sealing -------------------------------------------------------------------------------------


@cache
def _sealer_for(secret: str) -> Sealer:
    return Sealer(secret)


def _secret(svc: Services) -> str:
    secret = svc.settings.pseudonym_secret
    if secret is None:
        raise RuntimeError("PSEUDONYM_SECRET is required for plans")
    return secret.get_secret_value()


def sealer(svc: Services) -> Sealer:
    """The plan key, derived once per secret (HKDF under its own label)."""
    return _sealer_for(_secret(svc))


def _goal_field(kind: str) -> str:
    return f"plan:{kind}"


def _section_field(section: SafetySection) -> str:
    return f"safety:{section.value}"


# -- what handlers get ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    goal_id: int
    area: LifeArea
    measure: Measure
    target: int | None
    text: str
    step: str | None
    status: GoalStatus
    shared_with: int | None  # the peer mentor this goal is shared with
    supporters: int = 0  # how many supporters see it (chosen in /supporters, issue 24)

    @property
    def shared(self) -> bool:
        return self.shared_with is not None


@dataclass(frozen=True)
class WeekProgress:
    last_day: date  # the review day naming the week
    count: int | None  # meetings or check-ins that week (measured goals)
    outcome: Outcome | None  # the member's answer (any goal)
    score: float  # 0..1 for the chart; NaN: nothing to say


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    weeks: list[WeekProgress]  # oldest first; the last is the week in progress
    days: int | None  # days since the milestone date (Measure.DAYS)


@dataclass(frozen=True)
class Mentee:
    user_id: int
    first_name: str


@dataclass(frozen=True)
class PlanOverview:
    progress: list[GoalProgress]
    review: ReviewTime | None
    next_review_at: datetime | None
    has_safety_plan: bool
    has_mentor: bool
    sharing_with_me: list[Mentee]  # members whose peer mentor this person is, sharing something

    @property
    def open_goals(self) -> int:
        return sum(1 for p in self.progress if p.goal.status is not GoalStatus.COMPLETED)


@dataclass(frozen=True)
class GoalDraft:
    area: LifeArea
    text: str
    measure: Measure
    target: int | None
    step: str | None


@dataclass(frozen=True)
class Review:
    """One weekly review: the week's goals, each with what is known and what was answered."""

    day: date
    timezone: str
    items: list[GoalProgress]  # the active goals, their last WeekProgress being this review's week


@dataclass(frozen=True)
class ReviewAnswer:
    outcome: str  # "saved", "already" (answered before: nothing changed) or "stale"
    review: Review | None  # the review as it stands now, to show again


@dataclass(frozen=True)
class SharedPlan:
    member: Mentee
    progress: list[GoalProgress]  # shared goals only


# -- reading -------------------------------------------------------------------------------------


def _open_goal(svc: Services, stored: StoredGoal) -> Goal | None:
    """The goal in plain words; None (logged without words) if its text does not open."""
    box = sealer(svc)
    try:
        text = box.open(stored.user_id, _goal_field("goal"), stored.goal_sealed)
        step = (
            None
            if stored.step_sealed is None
            else box.open(stored.user_id, _goal_field("step"), stored.step_sealed)
        )
    except SealError:
        log.warning("A plan goal of %s does not open with this key", log_id(stored.user_id))
        return None
    return Goal(
        stored.goal_id,
        stored.area,
        stored.measure,
        stored.target,
        text,
        step,
        stored.status,
        stored.shared_with,
        stored.supporters,
    )


async def goals_of(svc: Services, user_id: int) -> list[Goal]:
    found = [_open_goal(svc, stored) for stored in await svc.repos.plans.goals(user_id)]
    return [goal for goal in found if goal is not None]


async def own_goal(svc: Services, user_id: int, goal_id: int) -> Goal | None:
    """The goal if it belongs to *user_id* (a forged button naming another's goal gets None)."""
    stored = await svc.repos.plans.goal(goal_id)
    if stored is None or stored.user_id != user_id:
        return None
    return _open_goal(svc, stored)


async def review_zone(svc: Services, user_id: int) -> str:
    schedule = await svc.repos.plans.schedule(user_id)
    return schedule.review.timezone if schedule else await _home_zone(svc, user_id)


async def _home_zone(svc: Services, user_id: int) -> str:
    """The member's own zone where they gave one (daily prompt, milestone), else their group's."""
    prompt = await svc.repos.checkins.prompt(user_id)
    if prompt is not None:
        return prompt.timezone
    milestone = await svc.repos.milestones.get(user_id)
    return milestone.timezone if milestone is not None else await svc.home_timezone(user_id)


async def _progress(
    svc: Services, user_id: int, goals: list[Goal], days: list[date], zone: str
) -> list[GoalProgress]:
    """Each goal's weeks (ending on *days*), from what Kindred knows and what the member said."""
    measures = {goal.measure for goal in goals}
    first, _ = week_days(days[0])
    attended: list[date] = []
    checked: list[date] = []
    if Measure.MEETINGS in measures:
        since = datetime.combine(first, datetime.min.time(), tzinfo=ZoneInfo(zone)) - timedelta(days=1)
        history = await svc.repos.attendance.history(user_id, since=since, present_only=True)
        attended = [item.start.astimezone(ZoneInfo(zone)).date() for item in history]
    if Measure.CHECKINS in measures:
        own = pseudonym(user_id, _secret(svc))  # the member's own pseudonym, never stored with the plan
        checked = [c.local_day for c in await svc.repos.checkins.history(own, since=first)]
    milestone = await svc.repos.milestones.get(user_id) if Measure.DAYS in measures else None
    answers = await svc.repos.plans.answers(user_id, first)
    today = svc.clock.now().astimezone(ZoneInfo(zone)).date()
    found = []
    for goal in goals:
        weeks = []
        for day in days:
            outcome = answers.get((goal.goal_id, day))
            count: int | None = None
            if goal.measure is Measure.MEETINGS:
                count = count_in_week(attended, day)
            elif goal.measure is Measure.CHECKINS:
                count = count_in_week(checked, day)
            weeks.append(
                WeekProgress(day, count, outcome, week_score(goal.measure, goal.target, count, outcome))
            )
        found.append(
            GoalProgress(goal, weeks, days_since(milestone.start_date if milestone else None, today))
        )
    return found


def _week_ends(now: datetime, review: ReviewTime, weeks: int) -> list[date]:
    """The review days of the last *weeks* weeks, the one in progress last."""
    upcoming = review_day(next_review(now, review), review.timezone)
    return [upcoming - timedelta(weeks=n) for n in reversed(range(weeks))]


async def _review_time(svc: Services, user_id: int) -> ReviewTime:
    schedule = await svc.repos.plans.schedule(user_id)
    if schedule is not None:
        return schedule.review
    return ReviewTime(DEFAULT_REVIEW_WEEKDAY, DEFAULT_REVIEW_TIME, await _home_zone(svc, user_id))


async def overview(svc: Services, user_id: int, weeks: int = 4) -> PlanOverview:
    """What /plan shows: the goals with their last *weeks* weeks, the review time, and the
    members (if any) who share goals with this person as their peer mentor."""
    goals = await goals_of(svc, user_id)
    schedule = await svc.repos.plans.schedule(user_id)
    review = await _review_time(svc, user_id)
    now = svc.clock.now()
    progress = (
        await _progress(svc, user_id, goals, _week_ends(now, review, weeks), review.timezone) if goals else []
    )
    return PlanOverview(
        progress=progress,
        review=schedule.review if schedule else None,
        next_review_at=next_review(now, schedule.review) if schedule and goals else None,
        has_safety_plan=bool(await svc.repos.plans.safety_plan(user_id)),
        has_mentor=await _mentor_of(svc.repos, user_id) is not None,
        sharing_with_me=await mentees_sharing(svc, user_id),
    )


async def chart_progress(svc: Services, user_id: int) -> list[GoalProgress]:
    """The active and paused goals over the last :data:`CHART_WEEKS` weeks, for the chart."""
    goals = [g for g in await goals_of(svc, user_id) if g.status is not GoalStatus.COMPLETED]
    if not goals:
        return []
    review = await _review_time(svc, user_id)
    return await _progress(
        svc, user_id, goals, _week_ends(svc.clock.now(), review, CHART_WEEKS), review.timezone
    )


# -- changing goals ------------------------------------------------------------------------------


async def add_goal(svc: Services, user_id: int, draft: GoalDraft) -> Goal:
    """Save a new goal (sealed); the weekly review starts with the first goal.  PlanError when
    five goals are open already."""
    existing = await svc.repos.plans.goals(user_id)
    if sum(1 for g in existing if g.status is not GoalStatus.COMPLETED) >= MAX_GOALS:
        raise PlanError(TOO_MANY_GOALS)
    box, now = sealer(svc), svc.clock.now()
    text = clean_text(draft.text, GOAL_MAX_LENGTH)
    step = clean_text(draft.step, STEP_MAX_LENGTH) if draft.step is not None else None
    target = draft.target if draft.measure in WEEKLY_MEASURES else None
    sealed = (
        box.seal(user_id, _goal_field("goal"), text),
        None if step is None else box.seal(user_id, _goal_field("step"), step),
    )
    goal_id = await svc.repos.plans.add_goal(user_id, draft.area, draft.measure, target, sealed, now=now)
    if await svc.repos.plans.schedule(user_id) is None:
        await set_review_time(svc, user_id, DEFAULT_REVIEW_WEEKDAY, DEFAULT_REVIEW_TIME, None)
    log.info("Plan goal added by %s", log_id(user_id))
    return Goal(goal_id, draft.area, draft.measure, target, text, step, GoalStatus.ACTIVE, None)


async def edit_goal_text(svc: Services, user_id: int, goal_id: int, text: str) -> Goal | None:
    if await own_goal(svc, user_id, goal_id) is None:
        return None
    cleaned = clean_text(text, GOAL_MAX_LENGTH)
    await svc.repos.plans.set_goal_text(
        goal_id, sealer(svc).seal(user_id, _goal_field("goal"), cleaned), svc.clock.now()
    )
    return await own_goal(svc, user_id, goal_id)


async def edit_step(svc: Services, user_id: int, goal_id: int, text: str | None) -> Goal | None:
    """Set the weekly step, or remove it with None."""
    if await own_goal(svc, user_id, goal_id) is None:
        return None
    sealed = None
    if text is not None:
        sealed = sealer(svc).seal(user_id, _goal_field("step"), clean_text(text, STEP_MAX_LENGTH))
    await svc.repos.plans.set_step(goal_id, sealed, svc.clock.now())
    return await own_goal(svc, user_id, goal_id)


async def change_area(svc: Services, user_id: int, goal_id: int, area: LifeArea) -> Goal | None:
    """Move a goal to another life area; its words, step and weekly history stay as they are."""
    if await own_goal(svc, user_id, goal_id) is None:
        return None
    await svc.repos.plans.set_area(goal_id, area, svc.clock.now())
    return await own_goal(svc, user_id, goal_id)


async def change_measure(
    svc: Services, user_id: int, goal_id: int, measure: Measure, target: int | None
) -> Goal | None:
    """Count a goal's progress another way from now on, so a member need not drop a goal (and its
    history) to change it: the weekly answers already given stay.  A weekly count needs a target
    (PlanError otherwise, and nothing changes); the other measures keep none."""
    if await own_goal(svc, user_id, goal_id) is None:
        return None
    kept = weekly_target(str(target or "")) if measure in WEEKLY_MEASURES else None
    await svc.repos.plans.set_measure(goal_id, measure, kept, svc.clock.now())
    log.info("Plan goal measure changed by %s", log_id(user_id))
    return await own_goal(svc, user_id, goal_id)


async def set_status(svc: Services, user_id: int, goal_id: int, status: GoalStatus) -> Goal | None:
    """Pause, resume or complete an open goal.  A completed goal is left as it is (an old Pause or
    Resume button changes nothing): bringing it back is :func:`reopen_goal`, which keeps the cap."""
    goal = await own_goal(svc, user_id, goal_id)
    if goal is None:
        return None
    if goal.status is GoalStatus.COMPLETED:
        return goal
    await svc.repos.plans.set_status(goal_id, status, svc.clock.now())
    return await own_goal(svc, user_id, goal_id)


async def reopen_goal(svc: Services, user_id: int, goal_id: int) -> Goal | None:
    """A completed goal back in the plan, active, with its weekly history (review answers are kept
    by goal).  PlanError when five goals are open already; a goal that is not completed (an old
    button pressed twice) is returned as it is.  Supporters were unshared when it was completed
    and are asked again in /supporters."""
    goal = await own_goal(svc, user_id, goal_id)
    if goal is None or goal.status is not GoalStatus.COMPLETED:
        return goal
    open_goals = sum(1 for g in await svc.repos.plans.goals(user_id) if g.status is not GoalStatus.COMPLETED)
    if open_goals >= MAX_GOALS:
        raise PlanError(TOO_MANY_GOALS)
    await svc.repos.plans.set_status(goal_id, GoalStatus.ACTIVE, svc.clock.now())
    log.info("Plan goal reopened by %s", log_id(user_id))
    return await own_goal(svc, user_id, goal_id)


async def drop_goal(svc: Services, user_id: int, goal_id: int) -> bool:
    if await own_goal(svc, user_id, goal_id) is None:
        return False
    return await svc.repos.plans.drop_goal(goal_id)


async def set_sharing(svc: Services, user_id: int, goal_id: int, shared: bool) -> Goal | None:
    """Share one goal with the member's current peer mentor, or stop.  The consent names that
    mentor: a later mentor does not inherit it.  Effective at once: the mentor's view reads it on
    every look.  None if the goal is not the member's (or, to share, they have no mentor)."""
    mentor = await _mentor_of(svc.repos, user_id) if shared else None
    if await own_goal(svc, user_id, goal_id) is None or (shared and mentor is None):
        return None
    await svc.repos.plans.set_shared(goal_id, mentor, svc.clock.now())
    log.info("Plan goal sharing %s by %s", "on" if shared else "off", log_id(user_id))
    return await own_goal(svc, user_id, goal_id)


# -- the weekly review ---------------------------------------------------------------------------


async def set_review_time(
    svc: Services, user_id: int, weekday: int, at: time, zone: str | None
) -> ReviewTime:
    """Store when the weekly review comes; a review already past in the new schedule is not owed."""
    review = ReviewTime(weekday, at, zone or await review_zone(svc, user_id))
    now = svc.clock.now()
    await svc.repos.plans.set_schedule(user_id, review, now)
    await svc.repos.plans.claim_review(user_id, review_day(last_review(now, review), review.timezone))
    return review


async def review_schedules(svc: Services) -> list[tuple[int, datetime]]:
    """Every member's next review instant, for start-up: one still owed (its time passed while
    the bot was down, not sent yet) comes at once, only the latest."""
    now = svc.clock.now()
    found = []
    for schedule in await svc.repos.plans.schedules():
        latest = last_review(now, schedule.review)
        owed = (
            schedule.last_sent_day is None
            or review_day(latest, schedule.review.timezone) > schedule.last_sent_day
        )
        found.append((schedule.user_id, latest if owed else next_review(now, schedule.review)))
    return found


async def next_review_at(svc: Services, user_id: int) -> datetime | None:
    schedule = await svc.repos.plans.schedule(user_id)
    if schedule is None or not await svc.repos.plans.goals(user_id):
        return None
    return next_review(svc.clock.now(), schedule.review)


async def take_due_review(svc: Services, user_id: int) -> Review | None:
    """The review that is due now, claimed so it is sent once ever; None if nothing is owed (sent
    already, or no active goal)."""
    schedule = await svc.repos.plans.schedule(user_id)
    if schedule is None:
        return None
    day = review_day(last_review(svc.clock.now(), schedule.review), schedule.review.timezone)
    review = await review_of(svc, user_id, day)
    if review is None or not review.items:
        return None
    if not await svc.repos.plans.claim_review(user_id, day):
        return None
    return review


async def review_of(svc: Services, user_id: int, day: date) -> Review | None:
    schedule = await svc.repos.plans.schedule(user_id)
    if schedule is None:
        return None
    goals = [g for g in await goals_of(svc, user_id) if g.status is GoalStatus.ACTIVE]
    zone = schedule.review.timezone
    items = await _progress(svc, user_id, goals, [day], zone) if goals else []
    return Review(day, zone, items)


async def answer_review(
    svc: Services, user_id: int, goal_id: int, day: date, outcome: Outcome
) -> ReviewAnswer:
    """One button of a review: saved once; a second press or an old review's button changes nothing."""
    schedule = await svc.repos.plans.schedule(user_id)
    goal = await own_goal(svc, user_id, goal_id)
    if (
        schedule is None
        or goal is None
        or goal.status is not GoalStatus.ACTIVE
        or schedule.last_sent_day != day
    ):
        return ReviewAnswer("stale", None)
    saved = await svc.repos.plans.answer(goal_id, day, outcome, svc.clock.now())
    return ReviewAnswer("saved" if saved else "already", await review_of(svc, user_id, day))


# -- the peer mentor's view ----------------------------------------------------------------------


async def _mentor_of(repos: Repositories, member_id: int) -> int | None:
    for match in await repos.mentors.active_matches(member_id):
        if match.member_id == member_id:
            return match.mentor_id
    return None


async def has_peer_mentor(svc: Services, member_id: int) -> bool:
    """Whether sharing a goal is possible now (an active match with the member as mentee)."""
    return await _mentor_of(svc.repos, member_id) is not None


async def review_setting(svc: Services, user_id: int) -> tuple[ReviewTime | None, str]:
    """The member's review time if they have one, and the zone a new one would use."""
    schedule = await svc.repos.plans.schedule(user_id)
    if schedule is not None:
        return schedule.review, schedule.review.timezone
    return None, await _home_zone(svc, user_id)


async def is_peer_mentor(repos: Repositories, mentor_id: int, member_id: int) -> bool:
    """For the authoriser: is *mentor_id* the member's peer mentor in an active match?"""
    return await _mentor_of(repos, member_id) == mentor_id


async def mentees_sharing(svc: Services, mentor_id: int) -> list[Mentee]:
    found = []
    for match in await svc.repos.mentors.active_matches(mentor_id):
        if match.mentor_id != mentor_id:
            continue
        if any(g.shared_with == mentor_id for g in await svc.repos.plans.goals(match.member_id)):
            person = await svc.people.get(match.member_id)
            found.append(Mentee(match.member_id, person.first_name if person else "—"))
    return found


async def shared_plan(svc: Services, mentor_id: int, member_id: int) -> SharedPlan:
    """The goals a member shares with this mentor, with their last four weeks; the caller was
    authorised first (the active peer mentor of *member_id*)."""
    person = await svc.people.get(member_id)
    goals = [g for g in await goals_of(svc, member_id) if g.shared_with == mentor_id]
    review = await _review_time(svc, member_id)
    progress = (
        await _progress(svc, member_id, goals, _week_ends(svc.clock.now(), review, 4), review.timezone)
        if goals
        else []
    )
    return SharedPlan(Mentee(member_id, person.first_name if person else "—"), progress)


async def progress_for_supporter(
    svc: Services, member_id: int, goal_ids: frozenset[int], at: datetime
) -> list[GoalProgress]:
    """The member's *active* goals among *goal_ids* (paused, completed or dropped ones are left
    out), each with the plan's latest review week ended by *at*: the week the member has just
    reviewed, so their own answer is there when they gave it.  For a supporter's weekly update
    (issue 24); the caller checked the member shares these goals with that supporter."""
    goals = [
        g for g in await goals_of(svc, member_id) if g.goal_id in goal_ids and g.status is GoalStatus.ACTIVE
    ]
    if not goals:
        return []
    review = await _review_time(svc, member_id)
    day = review_day(last_review(at, review), review.timezone)
    return await _progress(svc, member_id, goals, [day], review.timezone)


# -- the safety plan -----------------------------------------------------------------------------


async def safety_plan(svc: Services, user_id: int) -> dict[SafetySection, str]:
    """The member's safety plan in their words, in the plan's order; sections that do not open
    are left out (and logged without words)."""
    box = sealer(svc)
    stored = await svc.repos.plans.safety_plan(user_id)
    found = {}
    for section in SafetySection:
        if section in stored:
            try:
                found[section] = box.open(user_id, _section_field(section), stored[section])
            except SealError:
                log.warning("A safety-plan section of %s does not open with this key", log_id(user_id))
    return found


async def crisis_plan(svc: Services, user_id: int) -> dict[SafetySection, str]:
    """What a crisis reply shows first: warning signs, coping steps, people to call."""
    plan = await safety_plan(svc, user_id)
    return {section: plan[section] for section in CRISIS_SECTIONS if section in plan}


async def set_section(svc: Services, user_id: int, section: SafetySection, text: str | None) -> None:
    """Write a section (PlanError for unusable text: nothing changes), or clear it with None."""
    sealed = None
    if text is not None:
        sealed = sealer(svc).seal(user_id, _section_field(section), clean_text(text, SECTION_MAX_LENGTH))
    await svc.repos.plans.set_section(user_id, section, sealed, svc.clock.now())


# -- personal data -------------------------------------------------------------------------------


async def export(svc: Services, user_id: int) -> dict[str, Any]:
    """/mydata: the plan and the safety plan in the member's words, opened."""
    goals = await goals_of(svc, user_id)
    schedule = await svc.repos.plans.schedule(user_id)
    answers = await svc.repos.plans.answers(user_id, date.min)
    plan = await safety_plan(svc, user_id)
    if not goals and schedule is None and not plan:
        return {}
    return {
        "goals": [
            {
                "goal": g.text,
                "life_area": g.area.value,
                "measured_by": g.measure.value,
                "weekly_target": g.target,
                "weekly_step": g.step,
                "status": g.status.value,
                "shared_with_mentor": g.shared,
                "reviews": {
                    day.isoformat(): outcome.value
                    for (goal_id, day), outcome in sorted(answers.items())
                    if goal_id == g.goal_id
                },
            }
            for g in goals
        ],
        "weekly_review": None
        if schedule is None
        else {
            "weekday": schedule.review.weekday,
            "time": schedule.review.at.strftime("%H:%M"),
            "timezone": schedule.review.timezone,
        },
        "safety_plan": {section.value: text for section, text in plan.items()},
    }


async def erase(svc: Services, user_id: int) -> bool:
    erased = await svc.repos.plans.erase(user_id)
    return any(erased.values())


def scores(progress: GoalProgress) -> list[tuple[date, float]]:
    """The chart's points for one goal: weeks with something to say."""
    return [(w.last_day, w.score) for w in progress.weeks if not math.isnan(w.score)]
