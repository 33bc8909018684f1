"""Fault switches: rate limits (on a fake clock), server errors, blocked users, slow answers."""

from __future__ import annotations

import asyncio

import pytest

from emulator import Window


@pytest.fixture
async def alice(emu):
    person = emu.add_user("Alice")
    await person.send("/start")
    return person


@pytest.fixture
async def group(emu, alice):
    chat = emu.add_group("Tuesday Circle")
    await chat.add_member(alice, owner=True)
    await chat.add_bot(by=alice)
    return chat


async def send(api, chat_id, text="hello"):
    return await api("sendMessage", chat_id=chat_id, text=text)


async def test_private_chat_limit_answers_429_with_retry_after(emu, api, alice, clock):
    emu.faults.rate_limits = True
    for _ in range(3):
        assert (await send(api, alice.id))[0] == 200
    status, body = await send(api, alice.id)
    assert status == 429
    assert body["description"] == "Too Many Requests: retry after 3"
    assert body["parameters"] == {"retry_after": 3}
    clock.advance(3.0)
    assert (await send(api, alice.id))[0] == 200
    assert emu.rejections == []
    assert [f.error_code for f in emu.faults_served] == [429]


async def test_group_limit_is_per_minute(emu, api, group, clock):
    emu.faults.rate_limits = True
    emu.faults.limits.group = Window(20, 60.0)
    for _ in range(20):
        clock.advance(0.5)
        assert (await send(api, group.id))[0] == 200
    status, body = await send(api, group.id)
    assert status == 429
    assert body["parameters"]["retry_after"] == 51  # the first of the 20 leaves the window in 50.5 s
    clock.advance(51)
    assert (await send(api, group.id))[0] == 200


async def test_overall_limit_spans_chats(emu, api, clock):
    emu.faults.rate_limits = True
    emu.faults.limits.overall = Window(5, 1.0)
    people = [emu.add_user(f"P{i}") for i in range(6)]
    for person in people:
        await person.send("/start")
    statuses = [(await send(api, p.id))[0] for p in people]
    assert statuses == [200] * 5 + [429]
    clock.advance(1.0)
    assert (await send(api, people[5].id))[0] == 200


async def test_limits_off_by_default(emu, api, alice):
    statuses = [(await send(api, alice.id))[0] for _ in range(10)]
    assert statuses == [200] * 10


async def test_server_error_rate_answers_5xx_reproducibly(emu, api, alice):
    emu.faults.server_error_rate = 0.5
    emu.faults.reseed(7)
    first = [(await send(api, alice.id))[0] for _ in range(40)]
    emu.faults.reseed(7)
    second = [(await send(api, alice.id))[0] for _ in range(40)]
    assert first == second
    errors = [s for s in first if s != 200]
    assert set(errors) <= {500, 502}
    assert 8 <= len(errors) <= 32
    assert emu.rejections == []
    assert len(emu.faults_served) == 2 * len(errors)


async def test_blocked_user_answers_403_as_a_fault(emu, api, alice):
    emu.faults.blocked.add(alice.id)
    status, body = await send(api, alice.id)
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    assert emu.rejections == []
    assert emu.faults_served[0].error_code == 403


async def test_block_sends_my_chat_member(emu, api, alice):
    await alice.block()
    _, body = await api("getUpdates")
    kinds = [next(k for k in u if k != "update_id") for u in body["result"]]
    assert kinds == ["message", "my_chat_member"]
    assert body["result"][-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert (await send(api, alice.id))[0] == 403


async def test_latency_delays_answers(emu, api):
    emu.faults.latency = 0.2
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, _ = await api("getMe")
    assert status == 200
    assert loop.time() - started >= 0.2


async def test_a_slow_method_delays_only_its_own_answers(emu, api):
    emu.faults.slow_methods["setWebhook"] = 0.3
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await api("getMe"))[0] == 200
    assert loop.time() - started < 0.3
    started = loop.time()
    status, _ = await api("setWebhook", url="https://bot.example.org/hook")
    assert status == 200
    assert loop.time() - started >= 0.3
