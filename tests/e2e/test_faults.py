"""When Telegram misbehaves (5xx answers, slowness, 429s), the bot keeps serving."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import World

pytestmark = pytest.mark.slow


async def test_server_errors_and_slow_answers_do_not_lose_replies(world: World) -> None:
    people = [world.person(f"P{i}") for i in range(8)]
    world.emulator.faults.server_error_rate = 0.4
    world.emulator.faults.latency = 0.05
    for person in people:
        await person.send("/help")
    for person in people:
        assert "What you can do here" in (await person.next_message(timeout=20)).text
    served = [fault.error_code for fault in world.emulator.faults_served]
    assert any(code >= 500 for code in served), (served, len(world.emulator.calls))


async def test_rate_limits_are_waited_out_not_failed(world: World) -> None:
    maya = world.person("Maya")
    world.emulator.faults.rate_limits = True
    for _ in range(5):  # five replies to one private chat: more than Telegram allows at once
        await maya.send("/help")
    for _ in range(5):
        assert "What you can do here" in (await maya.next_message(timeout=20)).text
    assert any(fault.error_code == 429 for fault in world.emulator.faults_served)


async def test_reminders_get_through_errors_slowness_and_rate_limits(world: World) -> None:
    sam = world.person("Sam")
    members = [world.person(f"M{i}") for i in range(6)]
    for person in (sam, *members):
        await person.send("/start")
        await person.next_message()
    group = await world.group_with_bot("Circle", admin=sam, members=tuple(members))
    await sam.send("/schedule Circle | 2026-11-24 19:00 | 60m | weekly | Hall", chat=group)
    card = await group.next_message()
    for person in members:
        going = next(text for text in card.button_texts() if text.startswith("✅ Going"))
        assert await person.press(card, going) is not None
    faults = world.emulator.faults
    faults.server_error_rate, faults.latency, faults.rate_limits = 0.4, 0.05, True
    world.bot.set_clock(datetime(2026, 11, 23, 19, 0, tzinfo=UTC))
    for _ in range(60):  # the outbox retries on the bot's clock: move it on until all are through
        if all(any("Reminder" in m.text for m in chat.messages) for chat in (group, *members)):
            break
        await asyncio.sleep(0.5)
        world.bot.advance(timedelta(minutes=1))
    for chat in (group, *members):
        assert sum("Reminder" in m.text for m in chat.messages) == 1, chat
    assert any(fault.error_code >= 500 for fault in world.emulator.faults_served)
