"""SQLite behind the storage interface: one writer connection with its lock, one read-only reader.

Writes are serialised on the writer connection by an ``asyncio.Lock`` (coroutines sharing a
connection would otherwise interleave inside each other's transactions; datasette's single write
thread does the same job).  Reads outside a transaction go to a second connection, opened
``query_only``: in WAL mode it sees only committed transactions, never the writer's open one, and
it reads beside the writer instead of queueing behind it.  An in-memory database cannot be shared
by two connections, so there reads take the writer's lock instead.

aiosqlite runs each connection in its own thread.  Every call here is ONE trip to that thread (a
statement with its rows and its cursor closed, or a whole :meth:`SQLiteBackend.write_all`): each
trip is a thread switch on both sides, which costs more than SQLite's own work for a small query.
aiosqlite's one entry point for running a function in its thread is ``Connection._execute``; it
is used in :func:`_call` only.  This is the only module that imports a driver.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import aiosqlite

from storage.db import Params, Result, Row, UnitOfWork, Write

MEMORY = ":memory:"

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
# The reader never writes: a write sent to it by mistake fails instead of escaping the writer lock.
READER_PRAGMAS = (*PRAGMAS, "PRAGMA query_only = ON")

P = ParamSpec("P")
T = TypeVar("T")


def _call(
    conn: aiosqlite.Connection,
    work: Callable[Concatenate[sqlite3.Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> Awaitable[T]:
    """Run ``work(sqlite3 connection, ...)`` in the connection's thread: one trip.  A plain
    function handing back aiosqlite's awaitable: no coroutine of its own on the hot path."""
    return cast("Awaitable[T]", conn._execute(work, conn._conn, *args, **kwargs))  # type: ignore[no-untyped-call]


# -- what runs in a connection's thread ---------------------------------------------------------


def _run(conn: sqlite3.Connection, sql: str, params: Params) -> Result:
    cursor = conn.execute(sql, params)
    try:
        return Result(cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


def _run_many(conn: sqlite3.Connection, sql: str, rows: Iterable[Params]) -> Result:
    cursor = conn.executemany(sql, rows)
    try:
        return Result(cursor.rowcount)  # summed over the rows
    finally:
        cursor.close()


def _fetch_one(conn: sqlite3.Connection, sql: str, params: Params) -> Row | None:
    cursor = conn.execute(sql, params)
    try:
        row: Row | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def _fetch_all(conn: sqlite3.Connection, sql: str, params: Params) -> list[Row]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _begin(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")


def _commit(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # e.g. a deferred constraint failed: leave no transaction open
            conn.execute("ROLLBACK")
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _write_all(conn: sqlite3.Connection, writes: Sequence[Write]) -> None:
    """BEGIN IMMEDIATE, every write, COMMIT (ROLLBACK on error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for write in writes:
            if write.many:
                conn.executemany(write.sql, write.params)
            else:
                conn.execute(write.sql, write.params)  # type: ignore[arg-type]
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    _commit(conn)


def _script(conn: sqlite3.Connection, script: str) -> None:
    """A migration step: the script holds its own BEGIN and COMMIT; a failure leaves nothing."""
    try:
        conn.executescript(script)
    except BaseException:
        _rollback(conn)
        raise


# -- the unit of work and the backend -----------------------------------------------------------


class _Work:
    """The open transaction's view of the writer connection; dead once the block has ended."""

    __slots__ = ("_conn", "open")

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self.open = True

    def _live(self) -> aiosqlite.Connection:
        if not self.open:
            raise RuntimeError("this transaction has ended; open a new one")
        return self._conn

    async def execute(self, sql: str, params: Params = ()) -> Result:
        return await _call(self._live(), _run, sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> Result:
        return await _call(self._live(), _run_many, sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await _call(self._live(), _fetch_one, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await _call(self._live(), _fetch_all, sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


class SQLiteBackend:
    """The writer connection and its lock, and the reader connection (see the module docstring)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None  # the task inside transaction(), if any

    async def open(self) -> None:
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await _connect(self.path, PRAGMAS)
        if self.path != MEMORY:
            self._reader = await _connect(self.path, READER_PRAGMAS)

    async def close(self) -> None:
        for conn in (self._reader, self._writer):  # the writer last: it checkpoints the WAL
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def _conn(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("Database.open() has not been awaited")
        return self._writer

    # -- writes: on the writer connection, one at a time --

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._lock:
            self._holder = asyncio.current_task()
            try:
                await _call(self._conn, _begin)
                work = _Work(self._conn)
                try:
                    yield work
                except BaseException:
                    work.open = False
                    await _call(self._conn, _rollback)
                    raise
                work.open = False
                await _call(self._conn, _commit)
            finally:
                self._holder = None

    async def execute(self, sql: str, params: Params = ()) -> Result:
        async with self._lock:
            return await _call(self._conn, _run, sql, params)

    async def write_all(self, writes: Sequence[Write]) -> None:
        async with self._lock:
            await _call(self._conn, _write_all, writes)

    async def apply_migration(self, version: int, sql: str) -> None:
        script = f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {int(version)};\nCOMMIT;"
        async with self._lock:
            await _call(self._conn, _script, script)

    # -- reads: committed data only --

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        if self._reader is not None:
            return await _call(self._reader, _fetch_one, sql, params)
        async with self._shared_lock():
            return await _call(self._conn, _fetch_one, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        if self._reader is not None:
            return await _call(self._reader, _fetch_all, sql, params)
        async with self._shared_lock():
            return await _call(self._conn, _fetch_all, sql, params)

    async def schema_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return 0 if row is None else int(row[0])

    def _shared_lock(self) -> asyncio.Lock:
        """In-memory only: reads wait for the writer.  A read from inside the task's own
        transaction would wait for itself; it must go through the unit of work instead."""
        if self._holder is not None and self._holder is asyncio.current_task():
            raise RuntimeError("read through the transaction's unit of work, not the Database")
        return self._lock


async def _connect(path: str, pragmas: Sequence[str]) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction means what it says.
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for pragma in pragmas:
        await conn.execute(pragma)
    return conn
