"""The plan's use cases below Telegram: sealed at rest, check-ins counted through the member's own
pseudonym only, sharing bound to the current peer mentor, a review sent once."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr

from bot.domain.clock import FixedClock
from bot.domain.plan import GoalStatus, LifeArea, Measure, Outcome, PlanError, SafetySection
from bot.domain.pseudonym import pseudonym
from bot.runtime.services import Repositories
from bot.usecases import plan as uc
from storage.checkins import StoredCheckIn
from storage.db import Database
from storage.people import Sighting

SECRET = "test-secret-0123456789-abcdefghijklmnop"
MAYA, ANA, LEE = 7, 8, 9


def services(db: Database, clock: FixedClock, secret: str = SECRET) -> Any:
    repos = Repositories.on(db)

    async def home_timezone(user_id: int) -> str:
        return "UTC"

    return SimpleNamespace(
        repos=repos,
        clock=clock,
        settings=SimpleNamespace(pseudonym_secret=SecretStr(secret)),
        people=repos.people,
        home_timezone=home_timezone,
    )


@pytest.fixture
async def svc(db: Database, clock: FixedClock) -> Any:
    found = services(db, clock)
    for user_id, name in ((MAYA, "Maya"), (ANA, "Ana"), (LEE, "Lee")):
        await found.people.record(Sighting(user_id, name, None, "en", True), clock.now())
    return found


def draft(text: str, measure: Measure = Measure.SELF, target: int | None = None) -> uc.GoalDraft:
    return uc.GoalDraft(LifeArea.HEALTH, text, measure, target, "a small step")


async def test_words_are_sealed_and_open_only_under_the_same_secret(
    svc: Any, db: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    goal = await uc.add_goal(svc, MAYA, draft("Swim at Larchmere"))
    await uc.set_section(svc, MAYA, SafetySection.REASONS, "my daughter Imogen")
    raw = await db.fetch_all("SELECT goal_sealed, step_sealed FROM plan_goals")
    raw += await db.fetch_all("SELECT sealed FROM safety_plan_sections")
    assert all(b"Larchmere" not in bytes(v) and b"Imogen" not in bytes(v) for row in raw for v in row if v)
    assert [g.text for g in await uc.goals_of(svc, MAYA)] == ["Swim at Larchmere"]
    other = services(db, clock, secret="another-secret-0123456789-abcdefghijk")
    with caplog.at_level(logging.WARNING):
        assert await uc.goals_of(other, MAYA) == [] and await uc.safety_plan(other, MAYA) == {}
    assert "Larchmere" not in caplog.text and "does not open" in caplog.text
    assert await uc.own_goal(svc, LEE, goal.goal_id) is None  # someone else's goal id


async def test_check_ins_count_through_the_members_own_pseudonym(svc: Any, clock: FixedClock) -> None:
    await uc.add_goal(svc, MAYA, draft("Check in most days", Measure.CHECKINS, 3))
    today = clock.now().date()  # Monday 23 Nov 2026; the week to Sunday 29 Nov is in progress
    for who, day in (
        (MAYA, today),
        (MAYA, today + timedelta(days=1)),
        (LEE, today),
        (MAYA, today - timedelta(days=1)),
    ):
        await svc.repos.checkins.record(pseudonym(who, SECRET), StoredCheckIn(day, 3, 0, None), [], None)
    [progress] = (await uc.overview(svc, MAYA)).progress
    assert progress.weeks[-1].count == 2  # not Lee's, and Sunday 22 was last week
    assert progress.weeks[-2].count == 1
    assert progress.weeks[-1].score == pytest.approx(2 / 3)


async def test_sharing_needs_and_names_the_current_peer_mentor(svc: Any, db: Database) -> None:
    goal = await uc.add_goal(svc, MAYA, draft("Sleep before midnight"))
    assert await uc.set_sharing(svc, MAYA, goal.goal_id, True) is None  # no mentor: nobody to share with
    stamp = "2026-11-23T12:00:00.000000Z"
    await db.execute(
        "INSERT INTO mentor_matches (mentor_id, member_id, requested_at, started_at) VALUES (?, ?, ?, ?)",
        (ANA, MAYA, stamp, stamp),
    )
    shared = await uc.set_sharing(svc, MAYA, goal.goal_id, True)
    assert shared is not None and shared.shared_with == ANA
    assert await uc.is_peer_mentor(svc.repos, ANA, MAYA) and not await uc.is_peer_mentor(svc.repos, LEE, MAYA)
    assert [m.first_name for m in await uc.mentees_sharing(svc, ANA)] == ["Maya"]
    assert [p.goal.text for p in (await uc.shared_plan(svc, ANA, MAYA)).progress] == ["Sleep before midnight"]
    assert (await uc.shared_plan(svc, LEE, MAYA)).progress == []  # a later mentor inherits nothing
    await uc.set_sharing(svc, MAYA, goal.goal_id, False)
    assert (await uc.shared_plan(svc, ANA, MAYA)).progress == [] and await uc.mentees_sharing(svc, ANA) == []


async def test_a_review_is_taken_once_and_only_its_week_is_answered(svc: Any, clock: FixedClock) -> None:
    goal = await uc.add_goal(svc, MAYA, draft("Call my sister"))
    assert await uc.take_due_review(svc, MAYA) is None  # the first review is Sunday's
    clock.set(datetime(2026, 11, 29, 18, 0, tzinfo=clock.now().tzinfo))
    review = await uc.take_due_review(svc, MAYA)
    assert review is not None and review.day == date(2026, 11, 29) and len(review.items) == 1
    assert await uc.take_due_review(svc, MAYA) is None
    assert (
        await uc.answer_review(svc, MAYA, goal.goal_id, date(2026, 11, 22), Outcome.DONE)
    ).outcome == "stale"
    assert (await uc.answer_review(svc, LEE, goal.goal_id, review.day, Outcome.DONE)).outcome == "stale"
    assert (await uc.answer_review(svc, MAYA, goal.goal_id, review.day, Outcome.DONE)).outcome == "saved"
    assert (await uc.answer_review(svc, MAYA, goal.goal_id, review.day, Outcome.NOT)).outcome == "already"
    assert (await uc.export(svc, MAYA))["goals"][0]["reviews"] == {"2026-11-29": "done"}


async def test_five_open_goals_at_most(svc: Any) -> None:
    for n in range(5):
        await uc.add_goal(svc, MAYA, draft(f"Goal {n}"))
    with pytest.raises(PlanError):
        await uc.add_goal(svc, MAYA, draft("One more"))
    assert await uc.erase(svc, MAYA) and await uc.goals_of(svc, MAYA) == []


async def reviewed_goal(svc: Any, clock: FixedClock, outcome: Outcome) -> uc.Goal:
    """Maya's goal "Call my sister", with one weekly review answered (on 2026-11-29)."""
    goal = await uc.add_goal(svc, MAYA, draft("Call my sister"))
    clock.set(datetime(2026, 11, 29, 18, 0, tzinfo=clock.now().tzinfo))
    review = await uc.take_due_review(svc, MAYA)
    assert review is not None
    await uc.answer_review(svc, MAYA, goal.goal_id, review.day, outcome)
    return goal


async def test_a_goals_area_and_measure_change_and_its_history_stays(svc: Any, clock: FixedClock) -> None:
    goal = await reviewed_goal(svc, clock, Outcome.DONE)

    moved = await uc.change_area(svc, MAYA, goal.goal_id, LifeArea.RELATIONSHIPS)
    assert moved is not None and moved.area is LifeArea.RELATIONSHIPS and moved.text == "Call my sister"
    with pytest.raises(PlanError):  # a weekly count needs its number: nothing changes
        await uc.change_measure(svc, MAYA, goal.goal_id, Measure.MEETINGS, None)
    with pytest.raises(PlanError):
        await uc.change_measure(svc, MAYA, goal.goal_id, Measure.MEETINGS, 99)
    assert (await uc.own_goal(svc, MAYA, goal.goal_id)) == moved
    counted = await uc.change_measure(svc, MAYA, goal.goal_id, Measure.MEETINGS, 2)
    assert counted is not None and (counted.measure, counted.target) == (Measure.MEETINGS, 2)
    days = await uc.change_measure(svc, MAYA, goal.goal_id, Measure.DAYS, 5)
    assert days is not None and (days.measure, days.target) == (Measure.DAYS, None)
    assert days.text == "Call my sister" and days.step == "a small step"
    assert (await uc.export(svc, MAYA))["goals"][0]["reviews"] == {"2026-11-29": "done"}
    assert await uc.change_area(svc, LEE, goal.goal_id, LifeArea.WORK) is None  # not Lee's goal
    assert await uc.change_measure(svc, LEE, goal.goal_id, Measure.SELF, None) is None
    assert (await uc.own_goal(svc, MAYA, goal.goal_id)) == days


async def test_a_completed_goal_reopens_with_its_history_within_the_cap(svc: Any, clock: FixedClock) -> None:
    goal = await reviewed_goal(svc, clock, Outcome.PARTLY)
    done = await uc.set_status(svc, MAYA, goal.goal_id, GoalStatus.COMPLETED)
    assert done is not None and done.status is GoalStatus.COMPLETED
    resumed = await uc.set_status(svc, MAYA, goal.goal_id, GoalStatus.ACTIVE)  # an old Resume button
    assert resumed is not None and resumed.status is GoalStatus.COMPLETED

    for n in range(5):
        await uc.add_goal(svc, MAYA, draft(f"Goal {n}"))
    with pytest.raises(PlanError):  # five open already: it stays completed
        await uc.reopen_goal(svc, MAYA, goal.goal_id)
    kept = await uc.own_goal(svc, MAYA, goal.goal_id)
    assert kept is not None and kept.status is GoalStatus.COMPLETED
    last = (await uc.goals_of(svc, MAYA))[-1]
    assert await uc.drop_goal(svc, MAYA, last.goal_id)

    assert await uc.reopen_goal(svc, LEE, goal.goal_id) is None  # not Lee's goal
    reopened = await uc.reopen_goal(svc, MAYA, goal.goal_id)
    assert reopened is not None and reopened.status is GoalStatus.ACTIVE and reopened.text == "Call my sister"
    assert await uc.reopen_goal(svc, MAYA, goal.goal_id) == reopened  # twice: nothing more happens
    progress = (await uc.overview(svc, MAYA)).progress
    assert any(
        w.outcome is Outcome.PARTLY for p in progress if p.goal.goal_id == goal.goal_id for w in p.weeks
    )
