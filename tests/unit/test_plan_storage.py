"""The plans repository: sealed bytes in, sealed bytes out; a review sent and answered once;
/forget and the people cascade leave nothing."""

from __future__ import annotations

from datetime import date, time

from bot.domain.clock import FixedClock
from bot.domain.plan import GoalStatus, LifeArea, Measure, Outcome, ReviewTime, SafetySection
from storage.db import Database
from storage.people import PeopleRepository, Sighting
from storage.plans import PlanRepository


async def setup(db: Database, clock: FixedClock) -> PlanRepository:
    await PeopleRepository(db).record(Sighting(7, "Maya", None, "en", True), clock.now())
    return PlanRepository(db)


async def test_goals_keep_sealed_bytes_and_their_choices(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    goal_id = await repo.add_goal(
        7, LifeArea.HEALTH, Measure.MEETINGS, 2, (b"\x01goal", None), now=clock.now()
    )
    await repo.set_step(goal_id, b"\x01step", clock.now())
    await repo.set_status(goal_id, GoalStatus.PAUSED, clock.now())
    await repo.set_shared(goal_id, 42, clock.now())
    [goal] = await repo.goals(7)
    assert (goal.goal_sealed, goal.step_sealed, goal.status, goal.shared_with, goal.target) == (
        b"\x01goal",
        b"\x01step",
        GoalStatus.PAUSED,
        42,
        2,
    )
    assert await repo.goal(goal_id) == goal and await repo.goals(8) == []
    assert await repo.drop_goal(goal_id) and not await repo.drop_goal(goal_id)


async def test_a_review_is_claimed_once_and_each_answer_kept_once(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    goal_id = await repo.add_goal(7, LifeArea.WORK, Measure.SELF, None, (b"\x01g", None), now=clock.now())
    await repo.set_schedule(7, ReviewTime(6, time(18), "UTC"), clock.now())
    sunday = date(2026, 11, 29)
    assert await repo.claim_review(7, sunday) and not await repo.claim_review(7, sunday)
    assert not await repo.claim_review(7, date(2026, 11, 22))  # an older week never comes back
    assert await repo.answer(goal_id, sunday, Outcome.DONE, clock.now())
    assert not await repo.answer(goal_id, sunday, Outcome.NOT, clock.now())  # the first answer stands
    assert await repo.answers(7, date(2026, 11, 1)) == {(goal_id, sunday): Outcome.DONE}
    [schedule] = await repo.schedules()
    assert schedule.last_sent_day == sunday and schedule.review.at == time(18)


async def test_forget_and_the_people_cascade_leave_nothing(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    goal_id = await repo.add_goal(7, LifeArea.HOUSING, Measure.SELF, None, (b"\x01g", None), now=clock.now())
    await repo.answer(goal_id, date(2026, 11, 29), Outcome.PARTLY, clock.now())
    await repo.set_section(7, SafetySection.PEOPLE, b"\x01p", clock.now())
    await repo.set_schedule(7, ReviewTime(6, time(18), "UTC"), clock.now())
    assert await repo.erase(7) == {"goals": 1, "safety_plan_sections": 1}
    assert await repo.goals(7) == [] and await repo.safety_plan(7) == {} and await repo.schedule(7) is None
    assert await db.fetch_value("SELECT COUNT(*) FROM plan_review_answers") == 0

    await repo.add_goal(7, LifeArea.HOUSING, Measure.SELF, None, (b"\x01g", None), now=clock.now())
    await repo.set_section(7, SafetySection.REASONS, b"\x01r", clock.now())
    await db.execute("DELETE FROM people WHERE user_id = 7")
    assert await repo.goals(7) == [] and await repo.safety_plan(7) == {}


async def test_a_cleared_section_is_gone(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    await repo.set_section(7, SafetySection.COPING, b"\x01a", clock.now())
    await repo.set_section(7, SafetySection.COPING, b"\x01b", clock.now())
    assert await repo.safety_plan(7) == {SafetySection.COPING: b"\x01b"}
    await repo.set_section(7, SafetySection.COPING, None, clock.now())
    assert await repo.safety_plan(7) == {}
