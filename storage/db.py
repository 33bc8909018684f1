"""The database as repositories see it: a driver-neutral unit of work, whatever the backend.

Repositories talk to :class:`Database` only.  Writes go through :meth:`Database.transaction`,
which yields a :class:`UnitOfWork` (``execute``, ``execute_many`` and the ``fetch_*`` reads, which
see the transaction's own writes), or through the one-statement shortcuts :meth:`Database.execute`
and :meth:`Database.write_all`.  Reads outside a transaction (``Database.fetch_*``) never see
another task's uncommitted work.  Rows are :class:`Row`: by column name or by position.

The driver lives behind :class:`Backend`: ``storage/sqlite.py`` (the default, a file) and
``storage/postgres.py`` (a ``postgresql://`` URL) are the only modules that import one.
SQL in repositories stays portable where that costs nothing (``INSERT ... RETURNING id``,
``ON CONFLICT ... DO ...``, ``?`` placeholders the PostgreSQL backend translates); what must
differ between engines (connections, locking, the schema version) is the backend's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """One result row: ``row["title"]`` or ``row[0]``; ``dict(row)`` maps column names to values.

    A protocol, not a class, so rows cost no copy: ``sqlite3.Row`` (and ``asyncpg.Record``) are
    already shaped like this."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> Iterable[str]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True, slots=True)
class Result:
    """What a write did: how many rows it changed, and the new row's id where the engine says so.

    Repositories read new ids with ``INSERT ... RETURNING id`` (portable); ``lastrowid`` is what
    SQLite reports for free and may be None on other engines."""

    rowcount: int
    lastrowid: int | None = None


@dataclass(frozen=True)
class Write:
    """One statement of :meth:`Database.write_all`; ``many`` runs it once per params row."""

    sql: str
    params: Params | Iterable[Params] = ()
    many: bool = False


class UnitOfWork(Protocol):
    """One open transaction: everything done through it commits together or not at all."""

    async def execute(self, sql: str, params: Params = ()) -> Result: ...
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> Result: ...
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetch_value(self, sql: str, params: Params = ()) -> Any: ...


class Backend(Protocol):
    """What an engine adapter provides; :class:`Database` adds nothing but the choice of one."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    async def execute(self, sql: str, params: Params = ()) -> Result: ...
    async def write_all(self, writes: Sequence[Write]) -> None: ...
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def schema_version(self) -> int: ...
    async def apply_migration(self, version: int, sql: str) -> None: ...


@runtime_checkable
class SessionLocks(Protocol):
    """What a backend shared by several processes adds: locks that die with their process."""

    async def try_session_lock(self, key: int) -> bool: ...
    async def live_session_locks(self) -> set[int]: ...


class Database:
    """The one database of the process, shared by every repository (made in ``Repositories.on``)."""

    def __init__(self, path: Path | str) -> None:
        """*path*: a SQLite file (or ``:memory:``), or a ``postgresql://`` URL (DATABASE_URL)."""
        # The adapters import this module, hence the late imports.
        from storage.postgres import PostgresBackend, is_postgres_url, redacted  # noqa: PLC0415
        from storage.sqlite import SQLiteBackend  # noqa: PLC0415

        target = str(path)
        self.dialect = "postgres" if is_postgres_url(target) else "sqlite"
        self._backend: Backend
        if self.dialect == "postgres":
            self.path = redacted(target)  # named in messages: never the password
            self._backend = PostgresBackend(target)
        else:
            self.path = target
            self._backend = SQLiteBackend(target)

    async def open(self) -> None:
        await self._backend.open()

    async def close(self) -> None:
        await self._backend.close()

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One writer at a time; commits when the block ends, rolls back if it raises."""
        return self._backend.transaction()

    async def execute(self, sql: str, params: Params = ()) -> Result:
        """One write statement as its own transaction."""
        return await self._backend.execute(sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> Result:
        async with self.transaction() as work:
            return await work.execute_many(sql, rows)

    async def write_all(self, writes: Sequence[Write]) -> None:
        """Several write statements as one transaction, in one trip to the driver: the hot write
        (a check-in) costs a fifth of a ``transaction()`` block."""
        await self._backend.write_all(writes)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """Read committed data only: never another task's open transaction."""
        return await self._backend.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._backend.fetch_all(sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self._backend.fetch_one(sql, params)
        return None if row is None else row[0]

    async def try_session_lock(self, key: int) -> bool:
        """Hold lock *key* (a 31-bit number) for as long as this process lives, if nobody else
        holds it; on PostgreSQL a session advisory lock, which the server drops the moment the
        process dies.  SQLite has one process: always True."""
        if isinstance(self._backend, SessionLocks):
            return await self._backend.try_session_lock(key)
        return True

    async def live_session_locks(self) -> set[int]:
        """The keys of :meth:`try_session_lock` held by live processes (empty on SQLite)."""
        if isinstance(self._backend, SessionLocks):
            return await self._backend.live_session_locks()
        return set()

    async def schema_version(self) -> int:
        """The version the migrations last brought the schema to (0: none yet)."""
        return await self._backend.schema_version()

    async def apply_migration(self, version: int, sql: str) -> None:
        """Run one migration step and record *version*, in one transaction."""
        await self._backend.apply_migration(version, sql)
