"""The authorisation matrix: every privileged command, as every kind of person, in groups and in
private chats.  Each case says what must happen: the action goes ahead, or a clear refusal.

People: a member of group A, the facilitator (admin) of group A, the facilitator of group B (an
ordinary member in A), a coordinator, and a supporter of the member who is in no group (issue 24:
they try the private commands; a group they are not in is not theirs to write in).  Forged
buttons are covered in each feature's tests, and here for buttons that belong to one person
(mentoring consent), which no role may press for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import Enum

import pytest

from emulator import Button, Emulator, GroupChat, Person, SentMessage
from tests.e2e.conftest import Launch, World
from tests.e2e.harness import handled
from tests.e2e.test_mentors import register_mentor, request_mentor
from tests.e2e.test_plan import add_goal
from tests.e2e.test_supporters import accept, invitation

REFUSALS = (
    "Only this group's facilitators",
    "Only coordinators can do that",
    "Please choose a group first",
    "Only facilitators (a group's Telegram admins) and coordinators can send announcements",
    "Only facilitators (for their groups) and coordinators can see check-in aggregates",
    "You don't facilitate any group",
    "Reports are for coordinators and for the facilitators of a group",
    "Only this member's peer mentor can see what they share",
    "This is for peer workers",
)


class Actor(Enum):
    MEMBER = "member"
    OTHER_FACILITATOR = "facilitator of another group"
    FACILITATOR = "facilitator of this group"
    COORDINATOR = "coordinator"
    SUPPORTER = "supporter of the member, in no group"


class Where(Enum):
    GROUP = "group"
    PRIVATE = "private"


ALL = frozenset(Actor)
SCHEDULE = "/schedule Test Meeting | tue 18:00 | 60m | once | Hall"
FACILITATORS_AND_COORDINATORS = frozenset({Actor.FACILITATOR, Actor.COORDINATOR})
COORDINATORS = frozenset({Actor.COORDINATOR})
PEER_WORKERS = FACILITATORS_AND_COORDINATORS | {Actor.OTHER_FACILITATOR}  # /care and friends


@dataclass(frozen=True)
class Case:
    command: str
    where: Where
    allowed: frozenset[Actor]
    # in a private chat some group commands only explain where to use them: neither allowed nor refused
    redirect: str | None = None
    conversation: bool = False  # the command may open a conversation: /cancel it afterwards


CASES = [
    Case("/settz Europe/Madrid", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/settz Europe/Madrid", Where.PRIVATE, frozenset(), redirect="in the group"),
    Case("/language", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case(
        "/broadcast",
        Where.PRIVATE,
        FACILITATORS_AND_COORDINATORS | {Actor.OTHER_FACILITATOR},
        conversation=True,
    ),
    Case("/broadcast", Where.GROUP, frozenset(), redirect="in a private chat"),
    Case(SCHEDULE, Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case(
        SCHEDULE, Where.PRIVATE, FACILITATORS_AND_COORDINATORS | {Actor.OTHER_FACILITATOR}, conversation=True
    ),
    Case("/skip 1", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/skip 1", Where.PRIVATE, FACILITATORS_AND_COORDINATORS),
    Case("/capacity 1 20", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/capacity 1 20", Where.PRIVATE, FACILITATORS_AND_COORDINATORS),
    Case("/editmeeting 1 Renamed Circle | tue 20:00", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/editmeeting 1 Renamed Circle | tue 20:00", Where.PRIVATE, FACILITATORS_AND_COORDINATORS),
    Case("/reminders 24h 1h", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/wellbeing", Where.PRIVATE, FACILITATORS_AND_COORDINATORS | {Actor.OTHER_FACILITATOR}),
    Case("/feed publish", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/feed unpublish", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/feed publish", Where.PRIVATE, frozenset(), redirect="in the group itself"),
    Case("/import", Where.GROUP, FACILITATORS_AND_COORDINATORS, conversation=True),
    Case("/attendance", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/report", Where.PRIVATE, FACILITATORS_AND_COORDINATORS | {Actor.OTHER_FACILITATOR}),
    Case("/matchall", Where.PRIVATE, COORDINATORS),
    Case("/matches", Where.PRIVATE, COORDINATORS),
    Case("/plan", Where.PRIVATE, ALL),  # one's own plan: everyone, and nobody else's
    Case("/safetyplan", Where.PRIVATE, ALL),
    Case("/plan", Where.GROUP, frozenset(), redirect="private chat"),
    Case("/safetyplan", Where.GROUP, frozenset(), redirect="private chat"),
    Case("/supportstats", Where.PRIVATE, COORDINATORS),
    Case("/familygroup on", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/care", Where.PRIVATE, PEER_WORKERS),
    Case("/care", Where.GROUP, frozenset(), redirect="private chat"),
    Case("/supervision", Where.PRIVATE, PEER_WORKERS),
    Case("/timeoff", Where.PRIVATE, PEER_WORKERS),
    Case("/team", Where.PRIVATE, PEER_WORKERS),
    Case("/team", Where.GROUP, frozenset(), redirect="private chat"),
    Case("/groupsupervision tue 18:00", Where.PRIVATE, COORDINATORS),
    Case("/cancelmeeting 1", Where.GROUP, FACILITATORS_AND_COORDINATORS),
    Case("/cancelmeeting 2", Where.PRIVATE, FACILITATORS_AND_COORDINATORS),
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
    # The table sends far more than Telegram's 20 messages a minute to one group; the bot would
    # (rightly) hold its replies back and they would arrive out of step with the commands.
    world = await launch(coordinators=(people[Actor.COORDINATOR],), env={"GROUP_MESSAGES_PER_MINUTE": "1000"})
    group_a = await world.group_with_bot(
        "Group A",
        admin=people[Actor.FACILITATOR],
        members=(people[Actor.MEMBER], people[Actor.OTHER_FACILITATOR], people[Actor.COORDINATOR]),
    )
    await world.group_with_bot("Group B", admin=people[Actor.OTHER_FACILITATOR])
    for actor, person in people.items():  # everyone has spoken in A, and opened a private chat
        if actor is not Actor.SUPPORTER:
            await person.send("/help", chat=group_a)
            await group_a.next_message()
        await person.send("/help")
        await person.next_message()
    await accept(
        people[Actor.SUPPORTER], await invitation(people[Actor.MEMBER]), people[Actor.MEMBER].first_name
    )
    assert "accepted your invitation" in (await people[Actor.MEMBER].next_message()).text
    # Meetings 1 and 2, in group A, for the commands that act on a meeting.
    for title in ("Circle", "Second Circle"):
        await people[Actor.FACILITATOR].send(
            f"/schedule {title} | tue 19:00 | 90m | weekly | Hall", chat=group_a
        )
        assert title in (await group_a.next_message()).text
    yield Cast(world, group_a, people)


def outbox_open(world: World) -> int:
    with world.bot.connect() as conn:
        return conn.execute("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[
            0
        ]


async def settle(cast: Cast) -> None:
    """Wait until the bot has gone quiet and its outbox is empty (group messages are paced at
    Telegram's 20 a minute), then mark everything it sent as read."""
    calls = cast.world.emulator.calls
    while True:
        seen = len(calls)
        await asyncio.sleep(0.3)
        if len(calls) == seen and not outbox_open(cast.world):
            break
    await mark_read(cast)


async def settle_after(cast: Cast, person: Person, message: SentMessage) -> None:
    """As :func:`settle`, without waiting for silence (:func:`handled`), then for the outbox."""
    if message.deleted:
        await settle(cast)
        return
    await handled(cast.world.emulator, person, message)
    while True:  # the outbox is read from the database: nothing to wait on but time
        if not outbox_open(cast.world):
            break
        await asyncio.sleep(0.05)
    await mark_read(cast)


async def mark_read(cast: Cast) -> None:
    """Everything the bot has sent so far counts as read: the next answer is the next message."""
    for chat in (cast.group, *cast.people.values()):
        while chat.messages[chat._consumed :]:
            await chat.next_message(timeout=0.01)


async def answer_to(cast: Cast, actor: Actor, case: Case) -> str:
    person = cast.people[actor]
    chat = cast.group if case.where is Where.GROUP else person
    await person.send(case.command, chat=cast.group if case.where is Where.GROUP else None)
    answer = await chat.next_message(timeout=30)
    # A meeting card posted to the group by an earlier case can arrive late: Telegram's limit of
    # 20 messages a minute per group holds it back. It is never the answer to another command.
    while answer.text.startswith("📅") and not case.command.startswith(("/schedule", "/editmeeting")):
        answer = await chat.next_message(timeout=30)
    if case.conversation:  # a conversation's own buttons might take the probe: wait for silence
        await settle(cast)
    else:
        await settle_after(cast, person, answer)
    return answer.text


async def test_the_authorisation_matrix(cast: Cast) -> None:
    """One bot for the whole table (cases that change state, like cancelling, come last)."""
    failures = []
    for case in CASES:
        for actor in Actor:
            if actor is Actor.SUPPORTER and case.where is Where.GROUP:
                continue  # not in the group: nothing they could send there
            answer = await answer_to(cast, actor, case)
            refused = any(marker in answer for marker in REFUSALS)
            ok = case.redirect in answer if case.redirect else refused is (actor not in case.allowed)
            if not ok:
                failures.append(f"{case.command} ({case.where.value}) as {actor.value}: {answer[:120]!r}")
            if case.conversation:
                await cast.people[actor].send("/cancel")  # leave the conversation the command opened
                await cast.people[actor].next_message(timeout=10)
                await settle(cast)
    assert failures == []


def answers_given(world: World) -> int:
    return sum(1 for method, _ in world.emulator.calls if method == "answerCallbackQuery")


async def test_mentoring_consent_buttons_answer_only_their_owner(cast: Cast) -> None:
    """The member's consent buttons (and the mentor's): every role in the matrix, and the mentor
    on the member's buttons, is refused; each press is answered exactly once; nothing changes."""
    world = cast.world
    ana, maya = world.person("Ana"), world.person("Maya")
    await register_mentor(ana)
    await request_mentor(maya)
    offer = await ana.next_message()
    await ana.press(offer, "Accept")
    await offer.next_edit()
    summary = await maya.next_message()
    assert "A peer mentor has said yes" in summary.text
    await settle(cast)

    strangers = [*cast.people.values(), ana]
    presses = [(person, summary, label) for person in strangers for label in summary.button_texts()]
    presses += [(person, offer, "mprop:1:yes") for person in cast.people.values()]
    before = answers_given(world)
    for person, message, label in presses:
        button = message.find_button(label) if label in message.button_texts() else None
        answer = (
            await person.press(message, label)
            if button
            else await world.emulator.press(person, message, Button("x", callback_data=label), 5.0)
        )
        assert answer is not None and answer.show_alert, (person, label, answer)
        assert "no longer works" in (answer.text or "") or "no longer waiting" in (answer.text or "")
    await settle(cast)
    assert answers_given(world) - before == len(presses)  # each press answered, and only once
    with world.bot.connect() as conn:
        assert conn.execute("SELECT COUNT(*) FROM mentor_matches").fetchone() == (0,)
        assert conn.execute("SELECT status FROM mentor_proposals").fetchall() == [("pending",)]
        assert conn.execute("SELECT COUNT(*) FROM mentor_declined_pairs").fetchone() == (0,)
    assert summary.button_texts() == ["Accept this mentor", "Ask for someone else"]

    await maya.press(summary, "Accept this mentor")  # the owner's press still works
    assert "You accepted" in (await summary.next_edit()).text


async def test_cancel_confirmation_buttons_answer_only_the_groups_facilitators(cast: Cast) -> None:
    """/cancelmeeting's "Keep it" and "Cancel the series": every role that may not cancel the
    group's meetings is refused (nothing changes), those who may are obeyed; a press after the
    series is gone is refused kindly; each press is answered exactly once."""
    world, group, people = cast.world, cast.group, cast.people
    await people[Actor.FACILITATOR].send("/cancelmeeting 1", chat=group)
    question = await group.next_message()
    assert question.button_texts() == ["Cancel the series", "Keep it"]
    keep, confirm = question.find_button("Keep it"), question.find_button("Cancel the series")
    before, presses = answers_given(world), 0

    for actor in Actor:
        for pressed in (keep, confirm) if actor not in FACILITATORS_AND_COORDINATORS else ():
            answer = await world.emulator.press(people[actor], question, pressed, 5.0)
            presses += 1
            assert answer is not None and answer.show_alert, (actor, pressed.text)
            assert "Only this group's facilitators" in (answer.text or ""), (actor, pressed.text)
    with world.bot.connect() as conn:
        assert conn.execute("SELECT SUM(cancelled) FROM meetings").fetchone() == (0,)
    assert question.edit_count == 0

    for actor in (Actor.FACILITATOR, Actor.COORDINATOR):  # "Keep it": nothing changes, buttons go
        answer = await world.emulator.press(people[actor], question, keep, 5.0)
        presses += 1
        assert answer is not None and not answer.show_alert, actor
    assert "Nothing changed" in (await question.next_edit()).text and question.button_texts() == []
    assert question.edit_count == 1  # the second "Keep it" found the question closed already
    answer = await world.emulator.press(people[Actor.COORDINATOR], question, confirm, 5.0)
    presses += 1
    assert answer is not None and not answer.show_alert
    assert "has been cancelled" in (await question.next_edit()).text
    for actor in Actor:  # the series is gone: refused kindly, whoever presses
        answer = await world.emulator.press(people[actor], question, confirm, 5.0)
        presses += 1
        assert answer is not None and answer.show_alert and "no longer exists" in (answer.text or "")
    await settle(cast)
    assert answers_given(world) - before == presses
    with world.bot.connect() as conn:
        assert conn.execute("SELECT id FROM meetings WHERE cancelled = 1").fetchall() == [(1,)]


async def test_shared_goals_are_seen_by_the_members_peer_mentor_only(cast: Cast) -> None:
    """A member's shared goals: every role in the matrix (a coordinator and the group's
    facilitator included) and the member themself are refused on a forged button; only the
    member's active peer mentor sees them; each press is answered exactly once."""
    world = cast.world
    ana, maya = world.person("Ana"), world.person("Maya")
    await register_mentor(ana)
    await request_mentor(maya)
    offer = await ana.next_message()
    await ana.press(offer, "Accept")
    await offer.next_edit()
    summary = await maya.next_message()
    await maya.press(summary, "Accept this mentor")
    await summary.next_edit()
    await settle(cast)
    for chat in (ana, maya):  # the introductions
        while chat.messages[chat._consumed :]:
            await chat.next_message(timeout=0.01)
    await add_goal(
        maya, "Health", "Swim twice a week at Larchmere baths", "I'll say how it went", target=None, step=None
    )
    await maya.send("/plan")
    view = await maya.next_message()
    await maya.press(view, next(t for t in view.button_texts() if "Swim twice" in t))
    await maya.press(await maya.next_message(), "🤝 Share with my mentor")
    await settle(cast)

    forged = Button("x", callback_data=f"pl:mentee:{maya.id}:-")
    before = answers_given(world)
    for person in (*cast.people.values(), maya):
        answer = await world.emulator.press(person, view, forged, 5.0)
        assert answer is not None and answer.show_alert, person
        assert "Only this member's peer mentor" in (answer.text or ""), person
    await settle(cast)
    for person in cast.people.values():
        assert all("Larchmere" not in m.text for m in person.messages), person
    await ana.send("/plan")
    own = await ana.next_message()
    answer = await world.emulator.press(ana, own, forged, 5.0)
    assert answer is not None and not answer.show_alert
    assert "Larchmere" in (await ana.next_message()).text
    assert answers_given(world) - before == len(cast.people) + 2


async def test_a_supporter_who_is_not_a_member_sees_no_group_meeting_roster_or_member(cast: Cast) -> None:
    """Issue 24: whatever a supporter (in no group) asks in private, no answer names a group, a
    meeting or anyone but the member who invited them."""
    supporter = cast.people[Actor.SUPPORTER]
    others = [p.first_name for a, p in cast.people.items() if a not in (Actor.SUPPORTER, Actor.MEMBER)]
    commands = (
        "/meetings",
        "/calendar",
        "/myattendance",
        "/attendance",
        "/report",
        "/wellbeing",
        "/resources",
        "/matches",
        "/broadcast",
        "/feed",
        "/proof",
        "/family",
        "/help",
    )
    for command in commands:
        await supporter.send(command)
        await settle(cast)
    answers = [m.text or m.caption or "" for m in supporter.messages]
    documents = [m.document.data.decode(errors="replace") for m in supporter.messages if m.document]
    for text in answers + documents:
        for never in ("Group A", "Group B", "Circle", *others):
            assert never not in text, (never, text[:200])
    await supporter.send("/cancel")
    await settle(cast)


CARE_COMMANDS = {  # private commands of care for the carers (issue 18) -> who may use them
    "/care": PEER_WORKERS,
    "/supervision": PEER_WORKERS,
    "/timeoff until 2026-11-30": PEER_WORKERS,
    "/team": PEER_WORKERS,
    "/groupsupervision tue 18:00": COORDINATORS,
}
CARE_BUTTONS = {  # every button of the feature, pressed as forged data -> who may press it
    "carm:check": PEER_WORKERS,
    "carm:trend": PEER_WORKERS,
    "carm:talk": PEER_WORKERS,
    "carq:4:0:0:0:0": PEER_WORKERS,
    "carf:ok": PEER_WORKERS,
    "supa:1": COORDINATORS,
    "supp:1": COORDINATORS,
    "sups:1:202611241000": COORDINATORS,
}


async def test_care_commands_and_buttons_for_every_role_and_a_stranger(cast: Cast) -> None:
    """Care for the carers: each command and button as a member, both facilitators, a coordinator
    and a stranger (in no group at all): peer workers (and coordinators) go ahead, coordinators
    alone answer supervision requests; everyone else is refused kindly, and each press is answered."""
    world = cast.world
    stranger = world.person("Stranger")
    await stranger.send("/start")
    await stranger.next_message()
    people: dict[str, tuple[Person, Actor | None]] = {a.value: (p, a) for a, p in cast.people.items()}
    people["stranger"] = (stranger, None)
    failures = []
    for command, allowed in CARE_COMMANDS.items():
        for name, (person, actor) in people.items():
            await person.send(command)
            message = await person.next_message(timeout=30)
            answer = message.text
            await settle_after(cast, person, message)
            refused = any(marker in answer for marker in REFUSALS)
            if refused is (actor in allowed):
                failures.append(f"{command} as {name}: {answer[:100]!r}")
    for data, allowed in CARE_BUTTONS.items():
        for name, (person, actor) in people.items():
            await person.send("/help")
            target = await person.next_message()
            pressed = await world.emulator.press(person, target, Button("x", callback_data=data), 10.0)
            await settle_after(cast, person, target)
            text = (pressed.text or "") if pressed else ""
            refused = pressed is not None and pressed.show_alert and any(m in text for m in REFUSALS)
            if pressed is None or refused is (actor in allowed):
                failures.append(f"{data} as {name}: {text[:100]!r}")
    assert failures == []
