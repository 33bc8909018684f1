"""The authorisation matrix: every privileged command, as every kind of person, in groups and in
private chats.  Each case says what must happen: the action goes ahead, or a clear refusal.

People: a member of group A, the facilitator (admin) of group A, the facilitator of group B (an
ordinary member in A), and a coordinator.  Forged buttons are covered in each feature's tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import Enum

import pytest

from emulator import Emulator, GroupChat, Person
from tests.e2e.conftest import Launch, World

REFUSALS = (
    "Only this group's facilitators",
    "Only coordinators can do that",
    "Please choose a group first",
    "Only facilitators (a group's Telegram admins) and coordinators can send announcements",
)


class Actor(Enum):
    MEMBER = "member"
    OTHER_FACILITATOR = "facilitator of another group"
    FACILITATOR = "facilitator of this group"
    COORDINATOR = "coordinator"


class Where(Enum):
    GROUP = "group"
    PRIVATE = "private"


ALL = frozenset(Actor)
FACILITATORS_AND_COORDINATORS = frozenset({Actor.FACILITATOR, Actor.COORDINATOR})
COORDINATORS = frozenset({Actor.COORDINATOR})


@dataclass(frozen=True)
class Case:
    command: str
    where: Where
    allowed: frozenset[Actor]
    # in a private chat some group commands only explain where to use them: neither allowed nor refused
    redirect: str | None = None


CASES = [
    Case("/settz Europe/Madrid", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/settz Europe/Madrid", Where.PRIVATE, frozenset(), redirect="in the group"),
    Case("/language", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/broadcast", Where.PRIVATE, FACILITATORS_AND_COORDINATORS | {Actor.OTHER_FACILITATOR}),
    Case("/broadcast", Where.GROUP, frozenset(), redirect="in a private chat"),
    Case("/matchall", Where.PRIVATE, COORDINATORS),
    Case("/matches", Where.PRIVATE, COORDINATORS),
]


@dataclass
class Cast:
    world: World
    group: GroupChat
    people: dict[Actor, Person]


@pytest.fixture
async def cast(emulator: Emulator, launch: Launch) -> AsyncIterator[Cast]:
    people = {
        actor: emulator.add_user(actor.value.split()[0].capitalize() + str(i))
        for i, actor in enumerate(Actor)
    }
    world = await launch(coordinators=(people[Actor.COORDINATOR],))
    group_a = await world.group_with_bot(
        "Group A",
        admin=people[Actor.FACILITATOR],
        members=(people[Actor.MEMBER], people[Actor.OTHER_FACILITATOR], people[Actor.COORDINATOR]),
    )
    await world.group_with_bot("Group B", admin=people[Actor.OTHER_FACILITATOR])
    for person in people.values():  # everyone has spoken in A, and opened a private chat
        await person.send("/help", chat=group_a)
        await group_a.next_message()
        await person.send("/help")
        await person.next_message()
    yield Cast(world, group_a, people)


async def answer_to(cast: Cast, actor: Actor, case: Case) -> str:
    person = cast.people[actor]
    chat = cast.group if case.where is Where.GROUP else person
    await person.send(case.command, chat=cast.group if case.where is Where.GROUP else None)
    return (await chat.next_message(timeout=10)).text


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.command.split()[0]}-{c.where.value}")
async def test_privileged_commands(cast: Cast, case: Case) -> None:
    for actor in Actor:
        answer = await answer_to(cast, actor, case)
        refused = any(marker in answer for marker in REFUSALS)
        if case.redirect:
            assert case.redirect in answer, (actor, answer)
        elif actor in case.allowed:
            assert not refused, f"{actor.value} was refused {case.command}: {answer}"
        else:
            assert refused, f"{actor.value} was allowed {case.command}: {answer}"
        await cast.people[actor].send("/cancel")  # leave any conversation the command started
        await cast.people[actor].next_message(timeout=10)
