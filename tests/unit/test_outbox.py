"""The outbox against the emulator: pacing, exactly-once, failures, recovery (no bot process)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from telegram.ext import ExtBot

from bot.domain.clock import FixedClock
from bot.runtime.leadership import wall_ms
from bot.runtime.outbox import BatchDone, Delivery, Outbox
from bot.runtime.rate_limiter import PatientRateLimiter
from bot.runtime.rate_limits import TELEGRAM_LIMITS, Pacer, minimum_seconds
from emulator import Emulator
from storage.db import Database
from storage.outbox import OutboxRepository, QueuedDelivery
from storage.people import PeopleRepository, Sighting
from tests.checks import found
from tests.conftest import NOW
from tests.e2e.harness import TOKEN


@dataclass
class Rig:
    emulator: Emulator
    bot: ExtBot[int]
    outbox: Outbox
    repo: OutboxRepository
    people: PeopleRepository
    clock: FixedClock
    finished: list[tuple[str, dict[str, int]]]
    changed: asyncio.Condition
    finished_recorder: BatchDone


@pytest.fixture
async def rig(db: Database, clock: FixedClock) -> AsyncIterator[Rig]:
    emulator = Emulator(token=TOKEN)
    await emulator.start()
    pacer = (
        Pacer()
    )  # as bot/app/application.py wires it: the rate limiter counts replies in the outbox's pacer
    limiter = PatientRateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=5, pacer=pacer)
    async with ExtBot(TOKEN, base_url=f"{emulator.url}/bot", rate_limiter=limiter) as bot:
        repo, people = OutboxRepository(db), PeopleRepository(db)
        outbox = Outbox(repo, people, bot, clock, pacer=pacer)
        finished: list[tuple[str, dict[str, int]]] = []
        changed = asyncio.Condition()

        async def record(batch: str, counts: dict[str, int]) -> None:
            async with changed:
                finished.append((batch, counts))
                changed.notify_all()

        outbox.on_batch_done("b:", record)
        await outbox.start()
        yield Rig(emulator, bot, outbox, repo, people, clock, finished, changed, record)
        await outbox.stop()
    await emulator.stop()
    assert emulator.rejections == []


async def audience(rig: Rig, people: int, groups: int) -> list[int]:
    chats = []
    for index in range(people):
        person = rig.emulator.add_user(f"P{index}")
        await person.send("/start")  # the bot may only write to people who wrote first
        await rig.people.record(Sighting(person.id, person.first_name, None, None, True), NOW)
        chats.append(person.id)
    for index in range(groups):
        owner = rig.emulator.add_user(f"Owner{index}")
        group = rig.emulator.add_group(f"G{index}")
        await group.add_member(owner, owner=True)
        await group.add_bot(by=owner)
        chats.append(group.id)
    return chats


def deliveries(chats: list[int], batch: str = "b:1", text: str = "Hello <b>all</b>") -> list[Delivery]:
    return [Delivery(f"{batch}:{chat}", chat, text, "test", batch=batch) for chat in chats]


async def wait_finished(rig: Rig, count: int = 1, timeout: float = 20) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout), rig.changed:
        await rig.changed.wait_for(lambda: len(rig.finished) >= count)


def received(rig: Rig, chat_id: int) -> int:
    chat = rig.emulator.chat(chat_id)
    assert chat is not None
    return len([m for m in chat.messages if m.html == "Hello <b>all</b>"])


async def test_everyone_gets_it_exactly_once_with_no_429(rig: Rig) -> None:
    rig.emulator.faults.rate_limits = True
    chats = await audience(rig, people=30, groups=2)
    assert await rig.outbox.enqueue(deliveries(chats)) == 32
    assert await rig.outbox.enqueue(deliveries(chats)) == 0  # same keys: nothing new
    await wait_finished(rig)
    assert rig.finished == [("b:1", {"sent": 32})]
    assert all(received(rig, chat) == 1 for chat in chats)
    assert [f for f in rig.emulator.faults_served if f.error_code == 429] == []


async def test_replies_just_before_a_fan_out_leave_it_no_429(rig: Rig) -> None:
    """Telegram counts replies and queued sends in one budget; the outbox must leave room."""
    rig.emulator.faults.rate_limits = True
    chats = await audience(rig, people=33, groups=0)
    for chat in chats[:3]:
        await rig.bot.send_message(chat, "A reply to someone, sent around the outbox")
    await rig.outbox.enqueue(deliveries(chats[3:]))  # 30 more: the budget allows 27 this second
    await wait_finished(rig)
    assert all(received(rig, chat) == 1 for chat in chats[3:])
    assert [f for f in rig.emulator.faults_served if f.error_code == 429] == []


async def test_a_blocked_person_is_unreachable_and_marked(rig: Rig) -> None:
    chats = await audience(rig, people=3, groups=0)
    rig.emulator.faults.blocked.add(chats[1])
    await rig.outbox.enqueue(deliveries(chats))
    await wait_finished(rig)
    assert rig.finished[0][1] == {"sent": 2, "unreachable": 1}
    # The delivery marks the person after the batch is reported: let it finish (reads see only
    # committed writes, not one still under way on the writer connection).
    await rig.outbox.stop()
    assert found(await rig.people.get(chats[1])).reachable is False
    assert found(await rig.people.get(chats[0])).reachable is True


async def test_server_errors_are_retried_until_delivered(rig: Rig) -> None:
    chats = await audience(rig, people=6, groups=0)
    rig.emulator.faults.server_error_rate = 0.5
    await rig.outbox.enqueue(deliveries(chats))
    for _ in range(40):  # retries wait on the (frozen) clock; move it forward until all are through
        if rig.finished:
            break
        await asyncio.sleep(0.1)
        rig.clock.set(rig.clock.now() + timedelta(minutes=5))
    assert rig.finished == [("b:1", {"sent": 6})]
    assert all(received(rig, chat) == 1 for chat in chats)
    assert any(f.error_code >= 500 for f in rig.emulator.faults_served)


async def test_nothing_goes_before_its_time(rig: Rig) -> None:
    chats = await audience(rig, people=1, groups=0)
    later = NOW + timedelta(hours=1)
    await rig.outbox.enqueue(
        [Delivery("b:2:x", chats[0], "Hello <b>all</b>", "test", batch="b:2", not_before=later)]
    )
    await asyncio.sleep(0.3)
    assert received(rig, chats[0]) == 0
    rig.clock.set(later)
    await wait_finished(rig)
    assert received(rig, chats[0]) == 1


async def test_cancelled_deliveries_are_not_sent(rig: Rig) -> None:
    chats = await audience(rig, people=2, groups=0)
    later = NOW + timedelta(hours=1)
    await rig.outbox.enqueue(
        [Delivery(f"r:7:{c}", c, "Hello <b>all</b>", "test", batch="b:3", not_before=later) for c in chats]
    )
    assert await rig.outbox.cancel_pending("r:7:") == 2
    rig.clock.set(later)
    await asyncio.sleep(0.3)
    assert [received(rig, c) for c in chats] == [0, 0]
    assert await rig.outbox.counts("b:3") == {"cancelled": 2}


async def test_a_crash_resends_only_what_was_in_flight(db: Database) -> None:
    repo = OutboxRepository(db)
    await repo.enqueue([Delivery(f"k{i}", i + 1, "x", "test") for i in range(3)], NOW)
    lease_until = wall_ms() + 15_000
    first, second, _third = await repo.claim_due(NOW, 10, "p", wall_ms(), 15_000)
    assert await repo.mark_sending(first.id, "p", NOW, lease_until)
    await repo.mark_sent(first.id, 99, NOW)
    assert await repo.mark_sending(second.id, "p", NOW, lease_until)  # ... and then the process died
    assert await repo.recover_interrupted(NOW) == 1
    assert [row.delivery.key for row in await repo.due(NOW, 10)] == ["k1", "k2"]


def test_the_pacer_keeps_to_telegram_limits() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    t = 0.0
    sent_times: list[float] = []
    for chat in range(1, 100):  # 99 different private chats
        while (wait := pacer.delay(chat, t)) > 0:
            t += wait
        pacer.record(chat, t)
        sent_times.append(t)
    assert all(sum(1 for s in sent_times if start <= s < start + 1.0) <= 30 for start in sent_times)
    assert minimum_seconds(list(range(1, 100))) == 3.0  # 30 at once, then one window per 30
    assert sent_times[-1] == pytest.approx(3.0, rel=0.05)  # within our few percent of slack
    assert pacer.delay(99, t) > 0.5  # the same private chat again: about a second later


def test_groups_get_twenty_a_minute() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    for _ in range(20):
        assert pacer.delay(-1, 0.0) == 0.0
        pacer.record(-1, 0.0)
    assert pacer.delay(-1, 0.0) > 60
    assert pacer.delay(-2, 0.0) == 0.0  # another group is not held up


def test_minimum_time_counts_the_slowest_chat() -> None:
    assert minimum_seconds([]) == 0.0
    assert minimum_seconds([-1] * 21) == 60.0  # a group's 21st message waits a minute
    assert minimum_seconds([7, 7, 7]) == 2.0  # one a second in a private chat
    assert minimum_seconds(list(range(1, 1001))) == 33.0


async def test_a_restarted_outbox_counts_what_the_last_process_just_sent(rig: Rig) -> None:
    """Telegram's windows outlive our process: a restart that forgets the sends of the second
    before it bursts past 30 a second and earns a 429."""
    rig.emulator.faults.rate_limits = True
    chats = await audience(rig, people=50, groups=0)
    await rig.outbox.enqueue(deliveries(chats[:25], batch="b:1"))
    await wait_finished(rig)
    await rig.outbox.stop()
    restarted = Outbox(rig.repo, rig.people, rig.bot, rig.clock, pacer=Pacer())  # a new process
    restarted.on_batch_done("b:", rig.finished_recorder)
    await restarted.start()
    await restarted.enqueue(deliveries(chats[25:], batch="b:2"))
    await wait_finished(rig, count=2)
    await restarted.stop()
    assert all(received(rig, chat) == 1 for chat in chats)
    assert [f for f in rig.emulator.faults_served if f.error_code == 429] == []


class Overtaken(OutboxRepository):
    """Claims as usual, but this process then hangs past its lease before sending: another
    process ("b") takes the rows back and sends them first."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.refused = asyncio.Event()

    async def claim_due(
        self, now: datetime, limit: int, owner: str, now_ms: int, lease_ms: int
    ) -> list[QueuedDelivery]:
        rows = await super().claim_due(now, limit, owner, now_ms, lease_ms)
        lapsed = now_ms + lease_ms + 1
        for row in await super().claim_due(now, limit, "b", lapsed, lease_ms):
            assert await super().mark_sending(row.id, "b", now, lapsed + lease_ms)
            await self.mark_sent(row.id, 1, now)
        return rows

    async def mark_sending(self, row_id: int, owner: str, now: datetime, lease_until_ms: int) -> bool:
        marked = await super().mark_sending(row_id, owner, now, lease_until_ms)
        if not marked:
            self.refused.set()
        return marked


async def test_a_row_taken_back_while_this_process_hung_is_neither_sent_nor_counted_here(
    db: Database, clock: FixedClock
) -> None:
    emulator = Emulator(token=TOKEN)
    await emulator.start()
    person = emulator.add_user("P")
    await person.send("/start")
    repo, pacer = Overtaken(db), Pacer()
    async with ExtBot(TOKEN, base_url=f"{emulator.url}/bot") as bot:
        outbox = Outbox(repo, PeopleRepository(db), bot, clock, pacer=pacer)  # the only worker
        await outbox.start()
        try:
            await outbox.enqueue([Delivery("late", person.id, "Hello", "test")])
            async with asyncio.timeout(10):
                await repo.refused.wait()
        finally:
            await outbox.stop()  # and any send it had launched settles
    await emulator.stop()
    chat = emulator.chat(person.id)
    assert chat is not None and chat.messages == []  # "b" sent it (in this test, only in the database)
    assert pacer.delay(person.id, time.monotonic()) == 0  # nothing counted against the chat's window
    stored = await repo.get("late")
    assert stored is not None and (stored.status, stored.attempts) == ("sent", 1)
