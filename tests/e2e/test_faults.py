"""When Telegram misbehaves (5xx answers, slowness, 429s), the bot keeps serving."""

from __future__ import annotations

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
