"""Which bot process holds the work only one may do at a time, and which processes are alive.

With several processes on one PostgreSQL database each process holds a lock of its own for as
long as it lives (a session advisory lock: the server drops it the moment the process dies), and
the process running the scheduled work holds one more.  :meth:`LeaseRepository.live` tells which
processes are alive, so their claims are respected and a dead one's are taken back at once.

The ``leases`` row of the scheduled work carries a *generation* that any process bumps when it
changed what the holder derives its jobs from, and names the current holder (for operators).
On SQLite, one process, every lock is granted and no process is "live" but this one.
"""

from __future__ import annotations

from storage.db import Database


class LeaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def try_lock(self, key: int) -> bool:
        """Hold lock *key* (1..2**31-1, or 0 for the scheduled work) until this process ends."""
        return await self._db.try_session_lock(key)

    async def live(self) -> set[int]:
        """Keys of the locks live processes hold."""
        return await self._db.live_session_locks()

    async def record_holder(self, name: str, holder: str, now_ms: int, ttl_ms: int) -> int:
        """Note who holds *name* (renewed at every beat) and return its generation."""
        async with self._db.transaction() as tx:
            generation = await tx.fetch_value(
                """
                INSERT INTO leases (name, holder, expires_ms) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
                RETURNING generation
                """,
                (name, holder, now_ms + ttl_ms),
            )
        return int(generation or 0)

    async def generation(self, name: str) -> int:
        return int(await self._db.fetch_value("SELECT generation FROM leases WHERE name = ?", (name,)) or 0)

    async def bump(self, name: str) -> None:
        """Tell the holder that the work it derives from the database has changed."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO leases (name, holder, expires_ms, generation) VALUES (?, '', 0, 1)"
                " ON CONFLICT (name) DO UPDATE SET generation = leases.generation + 1",
                (name,),
            )
