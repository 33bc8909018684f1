"""Several processes on one database (issue 20), at the storage and runtime floors: outbox claims
never overlap and come back only from dead processes, seats are never over-filled by presses
running side by side, and exactly one process leads the scheduled work, taken over at once when
it dies.  Each test runs on both backends where it means something there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

import storage.postgres
from bot.domain.meetings import Answer
from bot.runtime.leadership import Leadership, wall_ms
from storage.db import Database
from storage.groups import GroupRepository
from storage.leases import LeaseRepository
from storage.meetings import MeetingRepository
from storage.outbox import Delivery, OutboxRepository
from storage.people import PeopleRepository, Sighting
from tests.backend import postgres_only
from tests.conftest import NOW
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


@postgres_only  # SQLite has one process: at start-up every claim is a dead one
async def test_only_a_dead_processes_claims_come_back(db: Database) -> None:
    repo = OutboxRepository(db)
    await repo.enqueue([Delivery(f"k{i}", -i - 1, "x", "test") for i in range(4)], NOW)
    now = wall_ms()
    alive = await repo.claim_due(NOW, 2, "alive", now, LEASE_MS)
    dead = await repo.claim_due(NOW, 2, "dead", now, LEASE_MS)
    await repo.mark_sending(alive[0].id, NOW)
    await repo.mark_sending(dead[0].id, NOW)  # in flight when "dead" died: its outcome is unknown
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
