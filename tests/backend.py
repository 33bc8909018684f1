"""Which database the suite runs on, and a backend-neutral way for tests to look inside it.

By default every test gets a SQLite file.  With ``KINDRED_TEST_POSTGRES`` set to a PostgreSQL
server's URL (``make test`` starts one with ``.ci/postgres``), every test gets its own fresh
PostgreSQL database instead, copied from a template migrated once per test run (CREATE DATABASE
... TEMPLATE is a file copy: far faster than migrating each time).

Tests that check what is stored (privacy, erasure, the schedule's ledger) read through
:func:`connect`, which speaks ``?`` placeholders and returns plain tuples on both backends, so one
test checks both.  A test that only makes sense on one engine says so with :data:`sqlite_only`.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
import threading
from collections.abc import Coroutine, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import pytest

from storage.db import Database

POSTGRES = os.environ.get("KINDRED_TEST_POSTGRES", "").strip() or None
BACKEND = "postgres" if POSTGRES else "sqlite"

sqlite_only = pytest.mark.skipif(POSTGRES is not None, reason="checks SQLite's own file or pragmas")
postgres_only = pytest.mark.skipif(POSTGRES is None, reason="needs KINDRED_TEST_POSTGRES (make test sets it)")

T = TypeVar("T")
_names = itertools.count(1)
_template_lock = threading.Lock()
_template: str | None = None


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run *coro* to completion from synchronous code, even inside a running event loop (a test's):
    on a thread of its own, with a loop of its own."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as error:
            box["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _url(name: str) -> str:
    assert POSTGRES is not None
    return POSTGRES.rsplit("/", 1)[0] + "/" + name


async def _admin(*statements: str) -> None:
    """Statements on the server's own database, each on its own (CREATE DATABASE needs that)."""
    assert POSTGRES is not None
    db = Database(POSTGRES)
    await db.open()
    try:
        for statement in statements:
            await db.execute(statement)
    finally:
        await db.close()


async def _make_template(name: str) -> None:
    from storage.db import Database  # noqa: PLC0415
    from storage.migrations import migrate  # noqa: PLC0415

    await _admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    db = Database(_url(name))
    await db.open()
    try:
        await migrate(db)
    finally:
        await db.close()


def fresh_postgres_url(*, migrated: bool = True) -> str:
    """A new, empty PostgreSQL database for one test (migrated, unless *migrated* is False)."""
    global _template  # noqa: PLW0603 - one template per test run
    prefix = f"kindred_{os.getpid()}"
    with _template_lock:
        if migrated and _template is None:
            run_sync(_make_template(f"{prefix}_template"))
            _template = f"{prefix}_template"
    name = f"{prefix}_{next(_names)}"
    template = f' TEMPLATE "{_template}"' if migrated else ""
    run_sync(_admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"{template}'))
    return _url(name)


def drop_postgres(url: str) -> None:
    """Drop a test's database (the server is throwaway; this keeps it small)."""
    name = url.rsplit("/", 1)[1]
    run_sync(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def is_url(target: str) -> bool:
    return target.startswith("postgresql://")


def database_target(workdir: Path) -> str:
    """Where a test's bot keeps its data: a fresh PostgreSQL database, or a file in *workdir*."""
    return fresh_postgres_url() if POSTGRES else str(workdir / "kindred.sqlite3")


class Cursor:
    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    # Typed as sqlite3's cursor is (Any), so tests read ``fetchone()[0]`` as they always have.
    def fetchall(self) -> list[Any]:
        return self._rows

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)


class Connection:
    """A tiny sqlite3-shaped connection to a test's database, on either backend.  Each statement
    commits on its own (the bot under test is another process; a test never holds a transaction)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._sqlite = None if target.startswith("postgresql://") else sqlite3.connect(target)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.executemany(sql, [params])

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Cursor:
        """Every row in one transaction; the cursor holds the last statement's rows."""
        if self._sqlite is not None:
            result: list[tuple[Any, ...]] = []
            count = 0
            for params in rows:
                cursor = self._sqlite.execute(sql, params)
                result = [tuple(row) for row in cursor.fetchall()]
                count += cursor.rowcount
            self._sqlite.commit()
            return Cursor(result, count)
        return run_sync(self._postgres(sql, rows))

    async def _postgres(self, sql: str, rows: Sequence[Sequence[Any]]) -> Cursor:
        """Through the bot's own storage layer (only storage/postgres.py imports the driver)."""
        db = Database(self.target)
        await db.open()
        result: list[tuple[Any, ...]] = []
        try:
            async with db.transaction() as tx:
                for params in rows:
                    result = [tuple(row) for row in await tx.fetch_all(sql, params)]
        finally:
            await db.close()
        return Cursor(result, -1)  # rowcount: not reported here

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def connect(target: str | Path) -> Connection:
    return Connection(str(target))


async def table_names(db: Database) -> list[str]:
    """The schema's tables, on either engine (the migrations' own bookkeeping left out)."""
    if db.dialect == "postgres":
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        return [row[0] for row in await db.fetch_all(sql) if row[0] != "kindred_schema"]
    return [row[0] for row in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")]


async def column_names(db: Database, table: str) -> set[str]:
    if db.dialect == "postgres":
        sql = "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
        return {row[0] for row in await db.fetch_all(sql, (table,))}
    return {row[1] for row in await db.fetch_all(f"PRAGMA table_info({table})")}


def _tables(conn: Connection) -> list[str]:
    if is_url(conn.target):
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return [row[0] for row in conn.execute(sql)]


def table_contents(target: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, by table name, on either engine."""
    with connect(target) as conn:
        return {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in _tables(conn)}


def stored_bytes(target: str | Path) -> bytes:
    """What a copy of the database would show, for tests proving some words are never stored in
    clear: SQLite's file and its WAL as they are on disk; on PostgreSQL (whose files are the
    server's), every stored value of every table, text as UTF-8 and binary values as they are."""
    if not is_url(str(target)):
        path = Path(target)
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    values = (value for rows in table_contents(target).values() for row in rows for value in row)
    return b"\0".join(value if isinstance(value, bytes) else str(value).encode() for value in values)


def foreign_key_targets(target: str | Path, table: str) -> set[str]:
    """The tables *table*'s foreign keys point at, on either engine."""
    with connect(target) as conn:
        if is_url(conn.target):
            sql = """
                SELECT target.table_name
                FROM information_schema.table_constraints AS c
                JOIN information_schema.constraint_column_usage AS target
                  ON target.constraint_name = c.constraint_name AND target.table_schema = c.table_schema
                WHERE c.constraint_type = 'FOREIGN KEY' AND c.table_name = ?
            """
            return {row[0] for row in conn.execute(sql, (table,))}
        return {row[2] for row in conn.execute(f"PRAGMA foreign_key_list({table})")}
