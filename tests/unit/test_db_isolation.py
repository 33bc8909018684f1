"""The storage seam: reads never see another task's uncommitted work, and a unit of work is one.

The first two tests use only what the old single-connection ``Database`` also had (a transaction
whose connection has ``execute``, and ``Database.fetch_*``), so they can be run against it: there
they fail, because its reads shared the writer's connection and saw its open transaction.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import storage
from storage.db import Database
from storage.migrations import migrate

INSERT = "INSERT INTO people (user_id, first_name, created_at, updated_at) VALUES (?, ?, 'x', 'x')"
COUNT = "SELECT COUNT(*) FROM people WHERE user_id = 1"


class Abandon(Exception):
    """Raised inside a transaction to roll it back."""


async def hold_open(db: Database, written: asyncio.Event, release: asyncio.Event, *, fail: bool) -> None:
    """Write a row in a transaction and keep it open until *release*; then commit (or roll back)."""
    async with db.transaction() as tx:
        await tx.execute(INSERT, (1, "Ana"))
        written.set()
        await release.wait()
        if fail:
            raise Abandon


async def test_a_read_never_sees_another_tasks_uncommitted_write(db: Database) -> None:
    written, release = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(hold_open(db, written, release, fail=False))
    await written.wait()
    # While the transaction is open, reads from another task answer at once, without the row.
    assert await asyncio.wait_for(db.fetch_value(COUNT), 5) == 0
    assert await asyncio.wait_for(db.fetch_one("SELECT * FROM people WHERE user_id = 1"), 5) is None
    assert await asyncio.wait_for(db.fetch_all("SELECT * FROM people"), 5) == []
    release.set()
    await writer
    assert await db.fetch_value(COUNT) == 1  # committed: now everyone sees it


async def test_a_rolled_back_write_is_never_seen(db: Database) -> None:
    written, release = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(hold_open(db, written, release, fail=True))
    await written.wait()
    assert await asyncio.wait_for(db.fetch_value(COUNT), 5) == 0
    release.set()
    with pytest.raises(Abandon):
        await writer
    assert await db.fetch_value(COUNT) == 0
    await db.execute(INSERT, (1, "Ana"))  # the rollback left no transaction open
    assert await db.fetch_value(COUNT) == 1


async def test_a_transaction_reads_its_own_writes_and_reports_them(db: Database) -> None:
    async with db.transaction() as tx:
        inserted = await tx.execute(INSERT, (1, "Ana"))
        assert inserted.rowcount == 1
        assert inserted.lastrowid == (None if db.dialect == "postgres" else 1)  # RETURNING is portable
        assert await tx.fetch_value(COUNT) == 1
        row = await tx.fetch_one("SELECT user_id, first_name FROM people WHERE user_id = 1")
        assert row is not None
        assert (row[0], row["first_name"], dict(row)) == (1, "Ana", {"user_id": 1, "first_name": "Ana"})
        many = await tx.execute_many(
            INSERT + " ON CONFLICT (user_id) DO NOTHING", [(1, "again"), (2, "Bea"), (3, "Cai")]
        )
        assert many.rowcount == 2  # the existing person counts nothing
        assert [r[0] for r in await tx.fetch_all("SELECT user_id FROM people ORDER BY 1")] == [1, 2, 3]
        assert (
            await tx.fetch_value(
                "INSERT INTO groups (chat_id, title, timezone, language, created_at,"
                " updated_at) VALUES (-5, 'G', 'UTC', 'en', 'x', 'x') RETURNING chat_id"
            )
            == -5
        )
    updated = await db.execute("UPDATE people SET first_name = 'Z' WHERE user_id IN (1, 2)")
    assert updated.rowcount == 2


async def test_a_unit_of_work_cannot_be_used_after_its_block(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute(INSERT, (1, "Ana"))
    with pytest.raises(RuntimeError, match="ended"):
        await tx.execute(INSERT, (2, "Bea"))
    assert await db.fetch_value("SELECT COUNT(*) FROM people") == 1


async def test_reads_outside_a_transaction_cannot_write(db: Database) -> None:
    with pytest.raises(Exception, match=r"readonly|read-only"):
        await db.fetch_value(INSERT + " RETURNING user_id", (1, "Ana"))
    assert await db.fetch_value("SELECT COUNT(*) FROM people") == 0


@pytest.fixture
async def memory_db() -> AsyncIterator[Database]:
    database = Database(":memory:")
    await database.open()
    await migrate(database)
    yield database
    await database.close()


async def test_in_memory_reads_wait_for_the_writer(memory_db: Database) -> None:
    """One in-memory database cannot have a second connection, so its reads take the writer lock."""
    written, release = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(hold_open(memory_db, written, release, fail=False))
    await written.wait()
    read = asyncio.create_task(memory_db.fetch_value(COUNT))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not read.done()  # held by the lock, so it cannot see the open transaction
    release.set()
    await writer
    assert await read == 1


async def test_in_memory_a_read_from_inside_the_transaction_is_refused(memory_db: Database) -> None:
    async with memory_db.transaction() as tx:
        await tx.execute(INSERT, (1, "Ana"))
        with pytest.raises(RuntimeError, match="unit of work"):
            await memory_db.fetch_value(COUNT)  # would otherwise wait for itself forever
    assert await memory_db.fetch_value(COUNT) == 1


def test_only_the_backends_import_a_driver() -> None:
    driver = re.compile(r"^\s*(import|from)\s+(aiosqlite|sqlite3|asyncpg)\b", re.MULTILINE)
    folder = Path(storage.__file__).parent
    importers = sorted(path.name for path in folder.glob("*.py") if driver.search(path.read_text()))
    assert importers == ["postgres.py", "sqlite.py"]
