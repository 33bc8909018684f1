"""SIGKILL in the middle of a burst of check-ins, RSVPs and reminder sends.

After a restart, everything the bot had confirmed to a person is in the database, and every
reminder arrives: exactly once, except that a message whose HTTP call was under way at the
moment of death may arrive twice (Telegram offers bots no idempotency key; the outbox marks a
row 'sending' before the call, and those rows are the only ones sent again).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.domain.pseudonym import pseudonym
from emulator import Chat, Person, SentMessage
from tests.e2e.conftest import World
from tests.e2e.harness import PSEUDONYM_SECRET, eventually

pytestmark = pytest.mark.slow

WEEKLY = "/schedule Tuesday Circle | 2026-11-24 19:00 | 90m | weekly | Community Centre"
REMINDER_DUE = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # 24 h before the first meeting


def query(world: World, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with world.bot.connect() as conn:
        return conn.execute(sql, params).fetchall()


def count(world: World, sql: str, params: tuple[object, ...] = ()) -> int:
    """The answer of a ``SELECT COUNT(*)``."""
    value = query(world, sql, params)[0][0]
    assert isinstance(value, int)
    return value


def going_label(card: SentMessage) -> str:
    return next(text for text in card.button_texts() if text.startswith("✅ Going"))


async def check_in(person: Person) -> bool:
    """A whole /checkin; True once the bot confirmed it was saved."""
    await person.send("/checkin")
    question = await person.next_message(timeout=8)
    await person.press(question, "ck:mood:3", timeout=8)
    await question.next_edit(timeout=8)
    await person.press(question, "ck:craving:2", timeout=8)
    await question.next_edit(timeout=8)
    await person.press(question, "Skip", timeout=8)
    closing = await person.next_message(timeout=8)
    if "Share this check-in" in closing.text:
        await person.press(closing, "No, keep it private", timeout=8)
        closing = await closing.next_edit(timeout=8)
    return "Saved" in closing.text


async def rsvp(person: Person, card: SentMessage) -> bool:
    return await person.press(card, going_label(card), timeout=8) is not None


async def test_a_kill_mid_burst_keeps_every_confirmed_action_and_every_reminder(world: World) -> None:
    sam = world.person("Sam")
    members = [world.person(f"Member{i}") for i in range(10)]
    for person in (sam, *members):
        await person.send("/start")
        await person.next_message()
    group = await world.group_with_bot("Circle", admin=sam, members=tuple(members))
    await sam.send(WEEKLY, chat=group)
    card = await group.next_message()
    early = members[:5]
    for person in early:  # confirmed before the burst: these must get private reminders
        assert await rsvp(person, card)

    world.emulator.faults.latency = 0.25  # slow answers keep sends in flight when the kill comes
    burst = [asyncio.create_task(check_in(person)) for person in members]
    burst += [asyncio.create_task(rsvp(person, card)) for person in members[5:]]
    world.bot.set_clock(REMINDER_DUE)
    await eventually(lambda: any("Reminder" in m.text for m in group.messages), timeout=15)
    await world.bot.kill()
    outcomes = await asyncio.gather(*burst, return_exceptions=True)
    checked_in = [p for p, ok in zip(members, outcomes[:10], strict=True) if ok is True]
    answered = [p for p, ok in zip(members[5:], outcomes[10:], strict=True) if ok is True]
    in_flight = Counter(row[0] for row in query(world, "SELECT chat_id FROM outbox WHERE status = 'sending'"))
    still_open = count(world, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")
    assert still_open > 0, "the kill came after the burst; the test proved nothing"

    world.emulator.faults.latency = 0.0
    await world.bot.start()
    await eventually(
        lambda: count(world, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')") == 0,
        timeout=30,
    )

    # Every confirmed RSVP and check-in is stored.
    going = {row[0] for row in query(world, "SELECT user_id FROM rsvps WHERE answer = 'going'")}
    assert {p.id for p in early + answered} <= going
    for person in checked_in:
        mine = pseudonym(person.id, PSEUDONYM_SECRET)
        assert count(world, "SELECT COUNT(*) FROM checkins WHERE pseudonym = ?", (mine,)) == 1

    # Every reminder arrived; none twice unless its call was in flight at the kill.
    def reminders(chat: Chat) -> int:
        return sum("Reminder" in m.text for m in chat.messages)

    assert 1 <= reminders(group) <= 1 + in_flight[group.id]
    for person in early:
        assert 1 <= reminders(person) <= 1 + in_flight[person.id], person
    assert all(reminders(person) <= 1 + in_flight[person.id] for person in members)
