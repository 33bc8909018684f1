"""One SQLite connection per process, shared by every repository.

aiosqlite runs the connection in its own thread.  Coroutines that share it would interleave inside
each other's transactions, so every write goes through :meth:`Database.transaction`, which holds an
``asyncio.Lock`` (one writer at a time, as datasette's write thread does).  Reads need no lock: WAL
lets them run beside the writer.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

Params = Sequence[Any] | dict[str, Any]

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",  # durable across process crashes; a power cut may lose the last commit
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA temp_store = MEMORY",
    # Checkpoint every ~40 MB of WAL instead of SQLite's ~4 MB: a checkpoint is the only fsync under
    # synchronous=NORMAL, and rarer, larger ones write each hot page once.  Hot writes (a check-in)
    # cost about a quarter less; durability is unchanged.
    "PRAGMA wal_autocheckpoint = 10000",
)


@dataclass(frozen=True)
class Write:
    """One statement of :meth:`Database.write_all`; ``many`` runs it once per params row."""

    sql: str
    params: Params | Iterable[Params] = ()
    many: bool = False


class Database:
    """The connection, the writer lock, and a few small query helpers."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction means what it says.
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await self._conn.execute(pragma)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("Database.open() has not been awaited")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Serialise writers and commit (or roll back) as one unit."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction; returns the last row id."""
        async with self._write_lock:
            cursor = await self.conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def write_all(self, writes: Sequence[Write]) -> None:
        """Several write statements as one transaction, in one trip to the database thread.

        ``transaction()`` costs a trip per statement plus BEGIN and COMMIT, each a thread switch
        on both sides; for a small hot write (a check-in: its row and its group contributions)
        those switches cost more than SQLite's work.  Here the whole unit runs in the thread that
        owns the connection (through aiosqlite's queue; its ``_execute`` is the one entry point it
        has for that), so it is as atomic as ``transaction()`` and five times cheaper."""
        async with self._write_lock:
            await self.conn._execute(_write_all, self.conn._conn, writes)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


def _write_all(conn: sqlite3.Connection, writes: Sequence[Write]) -> None:
    """Runs in aiosqlite's thread: BEGIN IMMEDIATE, every write, COMMIT (ROLLBACK on error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for write in writes:
            if write.many:
                conn.executemany(write.sql, write.params)  # type: ignore[arg-type]
            else:
                conn.execute(write.sql, write.params)  # type: ignore[arg-type]
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
