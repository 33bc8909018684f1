"""Several processes on one database (issue 20), at the storage and runtime floors: outbox claims
never overlap and come back only from dead processes, a chat's queued messages go through one
process at a time and a group's window is kept across processes, seats are never over-filled by
presses running side by side, and exactly one process leads the scheduled work, taken over at
once when it dies.  Each test runs on both backends where it means something there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import cast

import pytest
from telegram.ext import ExtBot

import storage.postgres
from bot.app.application import _take_over, stop_services
from bot.domain.clock import FixedClock, SystemClock
from bot.domain.meetings import Answer
from bot.runtime.context import KindredApplication, KindredJobQueue
from bot.runtime.leadership import SCHEDULER_LOCK, Leadership, wall_ms
from bot.runtime.outbox import Outbox
from bot.runtime.rate_limits import Limits, Pacer, Window
from bot.runtime.scheduler import Scheduler
from emulator import Emulator
from emulator.chats import GroupChat
from emulator.faults import Window as FaultWindow
from storage.db import Database
from storage.groups import GroupRepository
from storage.leases import LeaseRepository
from storage.meetings import MeetingRepository
from storage.outbox import CLAIM_LOCK, Delivery, OutboxRepository
from storage.people import PeopleRepository, Sighting
from tests.backend import postgres_only
from tests.conftest import NOW
from tests.e2e.harness import TOKEN
from tests.unit.test_meetings_repository import draft

LEASE_MS = 15_000


@pytest.fixture
async def second(db: Database) -> AsyncIterator[Database]:
    """Another process's view of the same database (its own connections)."""
    other = Database(db.path if db.dialect == "sqlite" else db._backend.url)  # type: ignore[attr-defined]
    await other.open()
    yield other
    await other.close()


async def test_two_processes_claiming_at_once_never_take_the_same_row(db: Database, second: Database) -> None:
    await OutboxRepository(db).enqueue([Delivery(f"k{i}", -i - 1, "x", "test") for i in range(40)], NOW)
    now = wall_ms()
    claims = await asyncio.gather(
        *(
            OutboxRepository(base).claim_due(NOW, 7, f"{owner}{n}", now, LEASE_MS)
            for n in range(3)
            for base, owner in ((db, "a"), (second, "b"))
        )
    )
    ids = [row.id for claim in claims for row in claim]
    assert len(ids) == len(set(ids)) == 40  # six claims of up to 7: every row, each once
    assert all(len(claim) <= 7 for claim in claims)
    assert await OutboxRepository(db).claim_due(NOW, 10, "c", now, LEASE_MS) == []  # all held


async def test_a_chat_held_by_one_process_is_left_to_it_until_its_claims_lapse(
    db: Database, second: Database
) -> None:
    repo, other = OutboxRepository(db), OutboxRepository(second)
    group = [Delivery(f"g{i}", -100, "x", "test") for i in range(4)]
    await repo.enqueue([*group, Delivery("h", -200, "x", "test")], NOW)
    now = wall_ms()
    assert [row.delivery.key for row in await repo.claim_due(NOW, 2, "a", now, LEASE_MS)] == ["g0", "g1"]
    taken = await other.claim_due(NOW, 10, "b", now, LEASE_MS)
    assert [row.delivery.key for row in taken] == ["h"]  # the group's other rows wait for "a"
    await other.mark_sent(taken[0].id, 1, NOW)
    assert await other.next_due_time("b", now) is None  # nothing "b" may take: no reason to wake
    assert await other.next_due_time("a", now) == NOW
    rest = await repo.claim_due(NOW, 10, "a", now, LEASE_MS)
    assert [row.delivery.key for row in rest] == ["g0", "g1", "g2", "g3"]  # the rest, and its own again
    # "a" hangs: when its leases lapse, the chat, and every row of it, go to another process.
    lapsed = now + LEASE_MS + 1
    assert [row.delivery.key for row in await other.claim_due(NOW, 10, "b", lapsed, LEASE_MS)] == [
        "g0",
        "g1",
        "g2",
        "g3",
    ]


async def test_claims_at_once_never_split_a_chat_between_processes(db: Database, second: Database) -> None:
    """Each claim alone respects the other's; at once, both could see the chat free (on
    PostgreSQL claims take turns for this)."""
    await OutboxRepository(db).enqueue([Delivery(f"k{i}", -100, "x", "test") for i in range(40)], NOW)
    now = wall_ms()
    claims = await asyncio.gather(
        *(
            OutboxRepository(base).claim_due(NOW, 7, f"{owner}{n}", now, LEASE_MS)
            for n in range(3)
            for base, owner in ((db, "a"), (second, "b"))
        )
    )
    assert sorted(len(claim) for claim in claims) == [0, 0, 0, 0, 0, 7]


async def test_a_process_whose_claim_lapsed_never_sends_the_row_another_took_back(
    db: Database, second: Database
) -> None:
    """Process "a" claimed a row, then hung past its lease; "b" took the row back and sent it.  When "a"
    wakes up, marking the row 'sending' finds it no longer its own: it must not send it again."""
    repo, other = OutboxRepository(db), OutboxRepository(second)
    await repo.enqueue([Delivery("k", -1, "x", "test")], NOW)
    now = wall_ms()
    [row] = await repo.claim_due(NOW, 10, "a", now, LEASE_MS)
    lapsed = now + LEASE_MS + 1
    [taken] = await other.claim_due(NOW, 10, "b", lapsed, LEASE_MS)
    assert await other.mark_sending(taken.id, "b", NOW, lapsed + LEASE_MS)
    assert not await repo.mark_sending(row.id, "a", NOW, lapsed + LEASE_MS)  # no longer "a"'s
    await other.mark_sent(taken.id, 7, NOW)
    assert not await repo.mark_sending(row.id, "a", NOW, lapsed + LEASE_MS)  # sent: never again
    stored = await repo.get("k")
    assert stored is not None and (stored.status, stored.attempts) == ("sent", 1)


@postgres_only  # SQLite has one process: at start-up every claim is a dead one
async def test_only_a_dead_processes_claims_come_back(db: Database) -> None:
    repo = OutboxRepository(db)
    await repo.enqueue([Delivery(f"k{i}", -i - 1, "x", "test") for i in range(4)], NOW)
    now = wall_ms()
    alive = await repo.claim_due(NOW, 2, "alive", now, LEASE_MS)
    dead = await repo.claim_due(NOW, 2, "dead", now, LEASE_MS)
    assert await repo.mark_sending(alive[0].id, "alive", NOW, now + LEASE_MS)
    assert await repo.mark_sending(dead[0].id, "dead", NOW, now + LEASE_MS)  # in flight when "dead" died
    assert await repo.recover_interrupted(NOW, now, live={"alive"}) == 1
    back = await repo.claim_due(NOW, 10, "other", now, LEASE_MS)
    assert sorted(row.delivery.key for row in back) == sorted(row.delivery.key for row in dead)
    # A process that hangs (alive, but its leases lapsed) loses its claims too.
    assert await repo.recover_interrupted(NOW, now + LEASE_MS + 1, live={"alive", "other"}) == 1
    assert len(await repo.claim_due(NOW, 10, "other", now + LEASE_MS + 1, LEASE_MS)) == 4


async def test_presses_side_by_side_never_overfill_a_meeting(db: Database, second: Database) -> None:
    await GroupRepository(db).register(-100, "Circle", "UTC", "en", NOW)
    people = PeopleRepository(db)
    for user_id in range(1, 21):
        await people.record(Sighting(user_id, f"P{user_id}", None, "en", private_chat=False), NOW)
    meeting = await MeetingRepository(db).create(-100, draft(), created_by=1, now=NOW)
    start = NOW + timedelta(days=1)
    changes = await asyncio.gather(
        *(
            MeetingRepository(db if user_id % 2 else second).rsvp(
                meeting.id, start, user_id, Answer.GOING, capacity=3, now=NOW
            )
            for user_id in range(1, 21)
        )
    )
    assert sum(not change.waitlisted for change in changes) == 3
    counts = await MeetingRepository(db).counts(meeting.id, start)
    assert (counts.going, counts.waitlist) == (3, 17)


@postgres_only
async def test_one_process_leads_and_another_takes_over_when_it_dies(db: Database, second: Database) -> None:
    first = Leadership(LeaseRepository(db))
    other = Leadership(LeaseRepository(second))
    await first.start()
    await other.start()
    try:
        assert (first.leader, other.leader) == (True, False)
        assert other.processes == 2  # the first counted itself alone, a beat ago
        taken: list[str] = []
        other.on_gain(lambda: _note(taken, "gained"))
        await first.stop()
        await db.close()  # the leader's process dies: its connections, and its locks, go with it
        for _ in range(50):
            if other.leader:
                break
            await asyncio.sleep(0.1)
        assert other.leader and taken == ["gained"]
        assert other.processes == 1
    finally:
        await first.stop()
        await other.stop()
        await db.open()  # the fixture closes it


@postgres_only
async def test_closing_never_waits_for_work_that_never_gave_its_connection_back(
    db: Database, second: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work cut off by shutdown may hold a pooled connection for good; asyncpg's Pool.close()
    waits for every connection forever, and a stopping bot hung until killed.  Closing is bounded;
    what the held connection had not committed is rolled back, never half-kept."""
    monkeypatch.setattr(storage.postgres, "CLOSE_SECONDS", 0.5)
    held = await second._backend.pool.acquire()  # type: ignore[attr-defined]  # never released
    server_pid = await held.fetchval("SELECT pg_backend_pid()")
    await held.execute("BEGIN")
    await held.execute("INSERT INTO leases (name, holder, expires_ms) VALUES ('cut-off', 'x', 0)")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(second.close(), 10)
    assert loop.time() - started < 3
    for _ in range(50):  # the server notices the dropped connection and ends its session
        if await db.fetch_one("SELECT 1 FROM pg_stat_activity WHERE pid = ?", (server_pid,)) is None:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the held connection was never closed")
    assert await db.fetch_one("SELECT 1 FROM leases WHERE name = 'cut-off'") is None


async def _note(taken: list[str], what: str) -> None:
    taken.append(what)


# Telegram's group minute, scaled down so a test waits seconds: the emulator refuses (429) a 21st
# message to a group within GROUP_WINDOW seconds, and the pacers keep to it with their usual slack.
GROUP_WINDOW = 8.0
LIMITS = Limits(overall=Window(10, 1.03), group=Window(20, GROUP_WINDOW + 0.2), private=Window(1, 1.03))


@dataclass
class Process:
    """One bot process as far as the outbox goes: its database connections, leadership, outbox."""

    db: Database
    leadership: Leadership
    outbox: Outbox

    async def start(self, *, beating: bool = True) -> None:
        await self.outbox.start()
        if beating:
            await self.beat()

    async def beat(self) -> None:
        """Take this process's lock and beat (renew claims, take back dead ones, wake the worker)."""
        self.leadership.on_beat(self.outbox.heartbeat)
        await self.leadership.start()

    async def die(self) -> None:
        """The process goes: it sends nothing more, and its connections (and lock) close."""
        await self.outbox.stop()
        await self.leadership.stop()
        await self.db.close()


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[Emulator, ExtBot[None]]]:
    emulator = Emulator(token=TOKEN)
    await emulator.start()
    emulator.faults.rate_limits = True
    emulator.faults.limits.group = FaultWindow(20, GROUP_WINDOW)
    async with ExtBot(TOKEN, base_url=f"{emulator.url}/bot") as bot:
        yield emulator, bot
    await emulator.stop()
    assert emulator.rejections == []


async def group_with_bot(emulator: Emulator) -> GroupChat:
    owner = emulator.add_user("Owner")
    group = emulator.add_group("Circle")
    await group.add_member(owner, owner=True)
    await group.add_bot(by=owner)
    return group


async def processes(db: Database, bot: ExtBot[None], stack: AsyncExitStack, count: int) -> list[Process]:
    """*count* processes on the test's database, each with connections of its own."""
    made = []
    for _ in range(count):
        base = Database(db._backend.url)  # type: ignore[attr-defined]
        await base.open()
        stack.push_async_callback(base.close)  # safe twice: a process that died closed it already
        leadership = Leadership(LeaseRepository(base))
        repos = OutboxRepository(base), PeopleRepository(base)
        outbox = Outbox(*repos, bot, SystemClock(), pacer=Pacer(LIMITS), leadership=leadership)
        stack.push_async_callback(leadership.stop)
        stack.push_async_callback(outbox.stop)
        made.append(Process(base, leadership, outbox))
    return made


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:  # noqa: ASYNC109
    """Wait for *condition* (it may read the database), as tests.e2e.harness.eventually does."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the expected state was not reached in time")
        await asyncio.sleep(0.05)


def group_deliveries(group: GroupChat, start: int, count: int) -> list[Delivery]:
    return [Delivery(f"m{i}", group.id, f"Message {i}", "test") for i in range(start, start + count)]


def refused(emulator: Emulator) -> list[int | str | None]:
    return [fault.chat_id for fault in emulator.faults_served if fault.error_code == 429]


@postgres_only
async def test_two_processes_never_send_a_group_more_than_its_minute_allows(
    db: Database, telegram: tuple[Emulator, ExtBot[None]]
) -> None:
    """40 messages for one group, queued through two processes at once: alone, each would pace
    the group at 20 a window and together send it 40 (429s); one sends, or each in turn, and the
    emulator, which counts the group's window across both, never refuses one."""
    emulator, bot = telegram
    group = await group_with_bot(emulator)
    async with AsyncExitStack() as stack:
        first, other = await processes(db, bot, stack, 2)
        await first.start()
        await other.start()
        await asyncio.gather(
            first.outbox.enqueue(group_deliveries(group, 0, 20)),
            other.outbox.enqueue(group_deliveries(group, 20, 20)),
        )

        async def all_sent() -> bool:
            return len(group.messages) >= 40 or bool(refused(emulator))

        await until(all_sent, timeout=4 * GROUP_WINDOW)
    assert refused(emulator) == []
    assert sorted(message.text for message in group.messages) == sorted(f"Message {i}" for i in range(40))


@postgres_only
async def test_a_group_held_by_a_process_that_dies_is_taken_over_without_a_burst(
    db: Database, telegram: tuple[Emulator, ExtBot[None]]
) -> None:
    """The holder sent the group a full window and holds its next rows when it dies (its lock
    goes with its connections): the survivor, running all along, takes the rows over and first
    counts the dead process's sends, which only the database knows of."""
    emulator, bot = telegram
    group = await group_with_bot(emulator)
    async with AsyncExitStack() as stack:
        holder, survivor = await processes(db, bot, stack, 2)
        await survivor.start(beating=False)  # up and idle: its start-up saw no recent sends
        await holder.start()
        await holder.outbox.enqueue(group_deliveries(group, 0, 30))

        async def holds_the_rest() -> bool:
            held = await db.fetch_value(
                "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND claimed_by = ?",
                (holder.leadership.name,),
            )
            print(
                len(group.messages),
                held,
                [
                    tuple(r)
                    for r in await db.fetch_all(
                        "SELECT status, claimed_by, count(*) FROM outbox GROUP BY 1, 2"
                    )
                ],
            )
            return len(group.messages) == 20 and held == 10

        await until(holds_the_rest)
        await holder.die()
        await survivor.beat()  # its next beat sees the holder's lock gone and frees its claims

        async def all_sent() -> bool:
            return len(group.messages) >= 30 or bool(refused(emulator))

        await until(all_sent, timeout=4 * GROUP_WINDOW)
        rows = await db.fetch_all("SELECT DISTINCT claimed_by FROM outbox WHERE key >= 'm20'")
    assert refused(emulator) == []
    assert sorted(message.text for message in group.messages) == sorted(f"Message {i}" for i in range(30))
    assert survivor.leadership.name in {row[0] for row in rows}  # the survivor sent the rest


async def test_stopping_keeps_renewing_claims_until_the_outbox_has_stopped() -> None:
    """The beat renews this process's outbox claims: stopped first, a slow shutdown (features,
    sends settling) let them lapse, and another process resent rows still being sent here."""
    order: list[str] = []

    def step(name: str) -> Callable[..., Awaitable[None]]:
        async def record(*_: object) -> None:
            order.append(name)

        return record

    services = SimpleNamespace(
        edits=SimpleNamespace(close=step("edits")),
        features=[SimpleNamespace(on_shutdown=step("feature"))],
        delivery=SimpleNamespace(stop=step("outbox")),
        leadership=SimpleNamespace(stop=step("beat"), retire=lambda: order.append("retire")),
    )
    application = SimpleNamespace(bot_data=SimpleNamespace(services=services))
    await stop_services(cast(KindredApplication, application))
    assert order == ["retire", "edits", "feature", "outbox", "beat"]


@postgres_only
async def test_a_process_started_meanwhile_keeps_its_claims_when_another_recovers_at_start_up(
    db: Database, second: Database
) -> None:
    """The outbox starts after every feature's on_startup (seconds after this process counted
    the live ones): a process that started meanwhile is alive, and its rows under way are not a
    dead process's to send again."""
    starting = Leadership(LeaseRepository(db))
    await starting.start()  # counts the live processes: itself alone
    await starting.stop()  # no beat to recount them: what start-up knew is all it knows
    meanwhile = Leadership(LeaseRepository(second))
    await meanwhile.start()
    await meanwhile.stop()
    repo = OutboxRepository(second)
    await repo.enqueue([Delivery("k", -1, "x", "test")], NOW)
    now = wall_ms()
    [row] = await repo.claim_due(NOW, 1, meanwhile.name, now, LEASE_MS)
    assert await repo.mark_sending(row.id, meanwhile.name, NOW, now + LEASE_MS)
    bot = ExtBot(TOKEN, base_url="http://127.0.0.1:9/bot")  # never called: nothing is ours to send
    outbox = Outbox(OutboxRepository(db), PeopleRepository(db), bot, SystemClock(), leadership=starting)
    await outbox.start()
    await outbox.stop()
    stored = await repo.get("k")
    assert stored is not None and stored.status == "sending"  # still the live process's


class FlakyLeases(LeaseRepository):
    """Leases whose first bump fails (a dropped connection); another process leads."""

    def __init__(self) -> None:
        self.bumps: list[bool] = []  # each bump: did it go through
        self.held: set[int] = set()

    async def bump(self, name: str) -> None:
        self.bumps.append(bool(self.bumps))
        if not self.bumps[-1]:
            raise ConnectionError("the database went away")

    async def live(self) -> set[int]:
        return self.held

    async def try_lock(self, key: int) -> bool:
        if key == SCHEDULER_LOCK:
            return False  # another process leads
        self.held.add(key)
        return True


async def test_a_change_is_told_to_the_leader_even_when_telling_it_failed_once() -> None:
    leases = FlakyLeases()
    standby = Leadership(leases)
    standby.changed()  # a job planned here, for the leader to run
    with pytest.raises(ConnectionError):
        await standby._try()
    await standby._try()  # the next beat
    await standby._try()
    assert leases.bumps == [False, True]  # told once it could be, and only once


@postgres_only
async def test_a_process_whose_lock_connection_dropped_steps_down_and_takes_its_lock_again(
    db: Database, second: Database
) -> None:
    """Its locks' connection cut (a server restart, an idle timeout): to the others it is dead.
    At its next beat it notices, takes its own lock again, and stands down before competing for
    the scheduled work (which it wins again here: nobody else wants it), so it never leads
    without its lock."""
    leading = Leadership(LeaseRepository(db))
    gained: list[str] = []
    leading.on_gain(lambda: _note(gained, "gained"))
    await leading.start()
    try:
        assert leading.leader
        cut = await second.fetch_value(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'kindred-locks' AND datname = current_database()"
        )
        assert cut

        async def back() -> bool:
            return bool(gained) and leading.key in await LeaseRepository(second).live()

        await until(back, timeout=10)
        assert leading.leader and SCHEDULER_LOCK in await LeaseRepository(second).live()
    finally:
        await leading.stop()


@postgres_only
async def test_taking_back_claims_waits_its_turn_with_the_other_processes(
    db: Database, second: Database
) -> None:
    """Every process takes back dead claims at every beat; two at once, updating the same rows
    in different orders, deadlocked (PostgreSQL aborted one).  They take turns, as claims do."""
    repo = OutboxRepository(db)
    await repo.enqueue([Delivery("k", -1, "x", "test")], NOW)
    await repo.claim_due(NOW, 1, "dead", wall_ms(), LEASE_MS)
    async with second.transaction() as tx:  # another process claiming, or taking back
        await tx.fetch_value("SELECT pg_advisory_xact_lock(?)", (CLAIM_LOCK,))
        taking_back = asyncio.create_task(repo.recover_interrupted(NOW, wall_ms(), live={"alive"}))

        async def waits_its_turn() -> bool:
            return (
                await second.fetch_value("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                is not None
            )

        await until(waits_its_turn, timeout=10)
        assert not taking_back.done()
    assert await taking_back == 0  # a claim, never sent: nothing to resend, and the row is free
    assert [row.delivery.key for row in await repo.claim_due(NOW, 1, "alive", wall_ms(), LEASE_MS)] == ["k"]


class PlannedJobs:
    """The few JobQueue calls the Scheduler makes; nothing runs."""

    def __init__(self) -> None:
        self.scheduler = SimpleNamespace(remove_job=lambda name: None)

    def run_once(self, *_: object, **__: object) -> None:
        return None


async def _nothing() -> None:
    return None


@pytest.mark.parametrize("leads", [False, True])
async def test_a_standby_process_forgets_the_jobs_the_leader_ran_long_ago(leads: bool) -> None:
    """A job that came due while another process led was run there; kept here, it ran again the
    day this process took over, hours later.  Jobs just due are kept: their leader may have died."""
    clock = FixedClock(NOW)
    leadership = Leadership(None if leads else FlakyLeases())
    scheduler = Scheduler(cast(KindredJobQueue, PlannedJobs()), clock, leadership)
    scheduler.at("long-ago", NOW + timedelta(minutes=1), _nothing)
    scheduler.at("just-due", NOW + timedelta(hours=1), _nothing)
    scheduler.at("later", NOW + timedelta(hours=2), _nothing)
    clock.set(NOW + timedelta(hours=1, seconds=30))
    await scheduler.forget_run_elsewhere()
    kept = {"just-due", "later"} | ({"long-ago"} if leads else set())  # a leader runs its own
    assert set(scheduler.planned()) == kept


async def test_taking_over_rederives_the_jobs_before_running_what_came_due() -> None:
    order: list[str] = []

    async def replan(*_: object) -> None:
        order.append("replan")

    services = SimpleNamespace(
        jobs=SimpleNamespace(run_overdue=lambda: order.append("run overdue")),
        features=[SimpleNamespace(replan=replan)],
    )
    application = SimpleNamespace(bot_data=SimpleNamespace(services=services))
    await _take_over(cast(KindredApplication, application))
    assert order == ["replan", "run overdue"]


class FreeLeases(FlakyLeases):
    """Nobody leads: the scheduled work is free to take."""

    async def try_lock(self, key: int) -> bool:
        self.held.add(key)
        return True

    async def record_holder(self, name: str, holder: str, now_ms: int, ttl_ms: int) -> int:
        return 0


@pytest.mark.parametrize("stopping", [False, True])
async def test_a_stopping_process_keeps_beating_but_takes_no_work_over(stopping: bool) -> None:
    """Its beat renews its claims until its sends have settled; meanwhile a leader may die, and
    a process shutting down would re-plan work it is about to drop: another takes it."""
    standby = Leadership(FreeLeases())
    if stopping:
        standby.retire()
    await standby._try()
    assert standby.leader is not stopping
