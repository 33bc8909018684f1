"""Families and supporters (issue 24): the domain rules and the repository."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.clock import FixedClock
from bot.domain.milestones import Milestone, Unit
from bot.domain.plan import GoalStatus, LifeArea, Measure, Outcome
from bot.domain.supporters import (
    DEFAULT_SCHEDULE,
    InviteProblem,
    SelfCheckResult,
    ShareItem,
    UpdateSchedule,
    WeeklyUpdate,
    goal_id_of,
    goal_item,
    goal_news,
    hash_token,
    invite_problem,
    milestones_in,
    new_invite,
    next_update,
    parse_answers,
    self_check_result,
    suppressed,
    token_from_payload,
)
from storage.db import Database
from storage.groups import GroupRepository
from storage.people import PeopleRepository, Sighting
from storage.plans import PlanRepository
from storage.supporters import SupporterRepository
from tests.checks import found

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


def test_invitations_are_unguessable_and_stored_hashed() -> None:
    first, second = new_invite(), new_invite()
    assert first.token != second.token and len(first.token) >= 24
    assert first.token_hash == hash_token(first.token) != first.token
    assert token_from_payload("s" + first.token) == first.token
    for payload in ("", "s", "g123", "sshort", "s" + "a" * 65, "s" + "a<b>" * 5, "s" + "é" * 20):
        assert token_from_payload(payload) is None, payload


@pytest.mark.parametrize(
    ("opener", "expires", "already", "expected"),
    [
        (7, NOW + timedelta(days=1), False, InviteProblem.OWN),  # the member, even when expired
        (8, NOW, False, InviteProblem.EXPIRED),
        (8, NOW + timedelta(seconds=1), True, InviteProblem.ALREADY),
        (8, NOW + timedelta(seconds=1), False, None),
    ],
)
def test_who_may_use_an_invitation(
    opener: int, expires: datetime, already: bool, expected: InviteProblem | None
) -> None:
    assert (
        invite_problem(member_id=7, opener_id=opener, expires_at=expires, now=NOW, already=already)
        == expected
    )


def test_the_weekly_update_falls_on_the_chosen_day_in_the_supporters_zone() -> None:
    assert next_update(DEFAULT_SCHEDULE, "UTC", NOW) == datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    madrid = next_update(DEFAULT_SCHEDULE, "Europe/Madrid", NOW)
    assert madrid == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 18:00 in Madrid
    at_the_instant = next_update(DEFAULT_SCHEDULE, "UTC", datetime(2026, 11, 29, 18, 0, tzinfo=UTC))
    assert at_the_instant == datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # strictly after: next week
    monday_eight = UpdateSchedule(0, time(8))
    assert next_update(monday_eight, "UTC", NOW) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert next_update(UpdateSchedule(0, time(13)), "UTC", NOW) == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def test_milestones_reached_in_a_week() -> None:
    start = date(2026, 11, 22)
    assert milestones_in(start, date(2026, 11, 23), date(2026, 11, 29)) == [
        Milestone(Unit.DAYS, 1),
        Milestone(Unit.DAYS, 7),
    ]
    assert milestones_in(start, date(2026, 11, 30), date(2026, 12, 6)) == []
    assert milestones_in(date(2026, 12, 1), date(2026, 11, 23), date(2026, 11, 29)) == []  # not started


def test_an_update_with_nothing_shared_or_reached_is_not_sent() -> None:
    assert WeeklyUpdate("Maya", None, None).empty
    assert WeeklyUpdate("Maya", None, ()).empty
    assert not WeeklyUpdate("Maya", 0, None).empty  # a shared count is news, even at zero
    assert not WeeklyUpdate("Maya", None, (Milestone(Unit.DAYS, 7),)).empty


def test_the_self_check_brings_the_crisis_lines_on_any_sign_of_hopelessness() -> None:
    assert self_check_result((0, 0, 0)) is SelfCheckResult.STEADY
    assert self_check_result((1, 1, 0)) is SelfCheckResult.STEADY
    assert self_check_result((2, 0, 0)) is SelfCheckResult.STRAINED
    assert self_check_result((0, 0, 1)) is SelfCheckResult.CRISIS
    assert parse_answers("") == () and parse_answers("012") == (0, 1, 2)
    for forged in ("9", "0123", "a", "-1"):
        assert parse_answers(forged) is None


def test_small_counts_are_hidden() -> None:
    assert suppressed(4, 5) is None and suppressed(5, 5) == 5


async def people(db: Database, clock: FixedClock, *ids: int) -> None:
    for user_id in ids:
        await PeopleRepository(db).record(Sighting(user_id, f"P{user_id}", None, "en", True), clock.now())


async def test_an_invitation_is_used_once_and_erased_with_either_side(
    db: Database, clock: FixedClock
) -> None:
    await people(db, clock, 7, 8, 9)
    repo = SupporterRepository(db)
    invite = new_invite()
    await repo.invite(7, invite.token_hash, clock.now() + timedelta(days=7), clock.now())
    assert await repo.count_for(7, clock.now()) == 1
    link = await repo.accept(invite.token_hash, 8, clock.now())
    assert link is not None and (link.member_id, link.supporter_id, link.shares) == (7, 8, frozenset())
    assert await repo.accept(invite.token_hash, 9, clock.now()) is None  # used: nobody else
    assert await repo.invitation(invite.token_hash) is None
    await repo.set_share(link.id, ShareItem.MILESTONES, True)
    await repo.set_share(link.id, ShareItem.MILESTONES, True)  # twice: still one row
    assert found(await repo.link(link.id)).shares == {ShareItem.MILESTONES}
    request = await repo.ask_reach_out(link.id, clock.now())
    assert await repo.acknowledge(request, clock.now()) and not await repo.acknowledge(request, clock.now())

    late = new_invite()
    await repo.invite(7, late.token_hash, clock.now() + timedelta(days=1), clock.now())
    assert await repo.accept(late.token_hash, 9, clock.now() + timedelta(days=1)) is None  # expired
    assert await repo.drop_expired(clock.now() + timedelta(days=1)) == 1

    assert await repo.erase(8) == 1  # the supporter's /forget ends the link, shares and requests go
    assert await repo.supporters_of(7) == []
    assert await db.fetch_value("SELECT COUNT(*) FROM supporter_shares") == 0
    assert await db.fetch_value("SELECT COUNT(*) FROM reach_out_requests") == 0


async def test_a_family_group_stays_one_when_it_becomes_a_supergroup(db: Database, clock: FixedClock) -> None:
    groups, repo = GroupRepository(db), SupporterRepository(db)
    await groups.register(-100, "Families", "UTC", "en", clock.now())
    await groups.register(-200, "Circle", "UTC", "en", clock.now())
    await repo.set_family_group(-100, True)
    assert await repo.family_group_ids() == [-100]
    await groups.migrate_chat(-100, -1001)
    assert await repo.family_group_ids() == [-1001]


def test_a_shared_goal_never_tells_a_supporter_how_many_check_ins() -> None:
    """Issue 24: never check-ins.  A goal counted by check-ins shows only the member's answer."""
    checkins = goal_news(
        "Check in daily", Measure.CHECKINS, 5, week_count=4, days=None, outcome=Outcome.PARTLY
    )
    assert (checkins.count, checkins.target, checkins.outcome) == (None, None, Outcome.PARTLY)
    meetings = goal_news("Two meetings", Measure.MEETINGS, 2, week_count=1, days=30, outcome=None)
    assert (meetings.count, meetings.target) == (1, 2)
    days = goal_news("Stay sober", Measure.DAYS, None, week_count=None, days=30, outcome=None)
    assert days.count == 30
    assert not WeeklyUpdate("Maya", None, None, (days,)).empty  # a shared goal is news any week


def test_goal_share_rows_name_one_goal() -> None:
    assert goal_id_of(goal_item(12)) == 12
    for junk in ("attendance", "goal:", "goal:1x", "goal:-3", "goal:١"):
        assert goal_id_of(junk) is None, junk


async def test_a_goal_stops_being_shared_when_completed_dropped_or_erased(
    db: Database, clock: FixedClock
) -> None:
    """The share rows go with the goal, in the same transaction: a goal id used again later
    never inherits a supporter's view."""
    await people(db, clock, 7, 8)
    repo, plans = SupporterRepository(db), PlanRepository(db)
    invite = new_invite()
    await repo.invite(7, invite.token_hash, clock.now() + timedelta(days=7), clock.now())
    link = await repo.accept(invite.token_hash, 8, clock.now())
    assert link is not None

    async def goal() -> int:
        return await plans.add_goal(
            7, LifeArea.HEALTH, Measure.SELF, None, (b"sealed", None), now=clock.now()
        )

    first, second, third = await goal(), await goal(), await goal()
    for goal_id in (first, second, third):
        await repo.set_goal_share(link.id, goal_id, True)
    await repo.set_share(link.id, ShareItem.ATTENDANCE, True)
    shared = await repo.link(link.id)
    assert shared is not None and shared.goals == {first, second, third}
    assert shared.shares == {ShareItem.ATTENDANCE}

    await plans.set_status(first, GoalStatus.PAUSED, clock.now())  # paused: still shared
    await plans.set_status(second, GoalStatus.COMPLETED, clock.now())
    assert await plans.drop_goal(third)
    assert (await repo.link(link.id)).goals == {first}  # type: ignore[union-attr]
    reused = await goal()  # SQLite may hand the dropped goal's id out again
    assert reused not in (await repo.link(link.id)).goals  # type: ignore[union-attr]

    await repo.set_goal_share(link.id, reused, True)
    await plans.erase(7)
    assert await db.fetch_value("SELECT COUNT(*) FROM supporter_shares WHERE item LIKE 'goal:%'") == 0
    assert (await repo.link(link.id)).shares == {ShareItem.ATTENDANCE}  # type: ignore[union-attr]
