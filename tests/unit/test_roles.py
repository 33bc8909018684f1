"""Role resolution and the single authorisation decision."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.roles import COORDINATOR_ONLY, MENTOR_ONLY, Action, Authorizer, Role

COORDINATOR, ADMIN, MEMBER = 1, 2, 3
GROUP, OTHER_GROUP = -100, -200


class FakeTelegram:
    """Admin lookups, counted, with a clock the test moves."""

    def __init__(self) -> None:
        self.admins = {(GROUP, ADMIN)}
        self.lookups = 0
        self.time = 0.0

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        self.lookups += 1
        return (chat_id, user_id) in self.admins


@pytest.fixture
def telegram() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def auth(telegram: FakeTelegram) -> Authorizer:
    return Authorizer([COORDINATOR], telegram.is_admin, cache_seconds=60, monotonic=lambda: telegram.time)


async def test_roles(auth: Authorizer) -> None:
    assert await auth.role(COORDINATOR) is Role.COORDINATOR
    assert await auth.role(ADMIN, GROUP) is Role.FACILITATOR
    assert await auth.role(ADMIN, OTHER_GROUP) is Role.MEMBER  # facilitator of *that* group only
    assert await auth.role(ADMIN) is Role.MEMBER
    assert await auth.role(MEMBER, GROUP) is Role.MEMBER


async def test_admin_status_is_cached_then_refreshed(auth: Authorizer, telegram: FakeTelegram) -> None:
    assert await auth.is_facilitator(ADMIN, GROUP)
    assert await auth.is_facilitator(ADMIN, GROUP)
    assert telegram.lookups == 1
    telegram.admins.clear()  # demoted in Telegram
    telegram.time += 30
    assert await auth.is_facilitator(ADMIN, GROUP)  # still cached
    telegram.time += 31
    assert not await auth.is_facilitator(ADMIN, GROUP)  # refreshed after the TTL
    assert telegram.lookups == 2


async def test_a_reported_change_takes_effect_at_once(auth: Authorizer, telegram: FakeTelegram) -> None:
    assert await auth.is_facilitator(ADMIN, GROUP)
    telegram.admins.clear()  # demoted, and Telegram tells the bot (a chat_member update)
    auth.forget(ADMIN, GROUP)
    assert not await auth.is_facilitator(ADMIN, GROUP)  # asked afresh, not trusted for the TTL
    telegram.admins.add((GROUP, MEMBER))  # promoted
    auth.forget(MEMBER, GROUP)
    assert await auth.is_facilitator(MEMBER, GROUP)
    assert telegram.lookups == 3


async def test_an_answer_overtaken_by_a_reported_change_is_not_kept(telegram: FakeTelegram) -> None:
    """Asked before a demotion, answered after it: the answer serves that one check only."""
    release = asyncio.Event()

    async def slow_lookup(chat_id: int, user_id: int) -> bool:
        answer = await telegram.is_admin(chat_id, user_id)
        await release.wait()
        return answer

    auth = Authorizer([], slow_lookup, cache_seconds=60, monotonic=lambda: telegram.time)
    in_flight = asyncio.create_task(auth.is_facilitator(ADMIN, GROUP))
    await asyncio.sleep(0)  # the lookup has been asked
    telegram.admins.clear()
    auth.forget(ADMIN, GROUP)  # the demotion is reported while the answer is on its way
    release.set()
    assert await in_flight
    assert not await auth.is_facilitator(ADMIN, GROUP)
    assert telegram.lookups == 2


@pytest.mark.parametrize("action", [a for a in Action if a not in MENTOR_ONLY])
async def test_every_action_is_decided(auth: Authorizer, action: Action) -> None:
    assert await auth.authorize(COORDINATOR, action, GROUP)
    assert not await auth.authorize(MEMBER, action, GROUP)
    assert not await auth.authorize(ADMIN, action, OTHER_GROUP)
    facilitator = await auth.authorize(ADMIN, action, GROUP)
    assert bool(facilitator) is (action not in COORDINATOR_ONLY)
    refused = await auth.authorize(MEMBER, action, GROUP)
    assert refused.reason  # a refusal always explains itself


async def test_group_actions_need_a_group(auth: Authorizer) -> None:
    decision = await auth.authorize(ADMIN, Action.SCHEDULE_MEETINGS, None)
    assert not decision
    assert "group" in decision.reason


async def test_groups_for_filters_candidates(auth: Authorizer) -> None:
    assert await auth.groups_for(ADMIN, Action.VIEW_REPORTS, [GROUP, OTHER_GROUP]) == [GROUP]
    assert await auth.groups_for(COORDINATOR, Action.VIEW_REPORTS, [GROUP, OTHER_GROUP]) == [
        GROUP,
        OTHER_GROUP,
    ]


MENTOR, MENTEE = 4, 5


async def test_a_members_personal_matters_are_for_their_peer_mentor_alone(telegram: FakeTelegram) -> None:
    """No role opens them: not a coordinator, not the group's facilitator, not the member asking
    about themself through this door; only the member's active peer mentor."""

    async def is_mentor(mentor_id: int, member_id: int) -> bool:
        return (mentor_id, member_id) == (MENTOR, MENTEE)

    auth = Authorizer([COORDINATOR], telegram.is_admin, monotonic=lambda: telegram.time, is_mentor=is_mentor)
    for action in MENTOR_ONLY:
        assert await auth.authorize(MENTOR, action, subject=MENTEE)
        for who in (COORDINATOR, ADMIN, MEMBER, MENTEE):
            refused = await auth.authorize(who, action, GROUP, subject=MENTEE)
            assert not refused and "peer mentor" in refused.reason
        assert not await auth.authorize(MENTOR, action)  # no member named: nothing to see
        assert not await auth.authorize(MENTOR, action, subject=MEMBER)  # not their mentee


async def test_without_a_mentor_lookup_nobody_sees_personal_matters(auth: Authorizer) -> None:
    for action in MENTOR_ONLY:
        assert not await auth.authorize(COORDINATOR, action, subject=MEMBER)
