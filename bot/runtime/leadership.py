"""Several bot processes on one PostgreSQL database: exactly one runs the scheduled work.

Every process plans every job (features rebuild them at start-up, handlers plan new ones), but a
job runs only in the process holding the scheduled work's lock (storage/leases.py: a PostgreSQL
advisory lock, which the server drops the moment its holder dies).  The others stand by and try
to take it at every :data:`BEAT`; the one that does runs the jobs that came due meanwhile and
re-derives the rest from the database.  A process that plans a job while another leads bumps the
generation of the scheduled work, so the leader re-derives its jobs from the database within a
beat.

Each process also holds a lock of its own while it lives: its outbox claims are respected while
it does, and taken back by the others the moment it dies (bot/runtime/outbox.py).  The same beat
renews those claims' leases and counts the live processes, which share Telegram's budget.  On
SQLite there is one process: it always leads, and nothing here touches the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from storage.leases import LeaseRepository

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"
SCHEDULER_LOCK = 0  # process locks are 1..2**31-1
BEAT = 1.0  # seconds between beats: a dead leader's work is taken over within about this long
LEASE = 15.0  # seconds an outbox claim outlives its holder's last beat (a hung process)
STOP_SECONDS = 5.0  # at most this long to wait for a beat under way when the process stops

Hook = Callable[[], Awaitable[None]]


def process_key() -> int:
    """A random number naming this process among those sharing the database (a pid is reused
    after a restart; a dead process's claims must never look like ours)."""
    return 1 + secrets.randbelow(2**31 - 2)


def wall_ms() -> int:
    """Real time in milliseconds: leases measure whether a process is alive, not a promise to a
    person, so they never follow the injected clock."""
    return int(time.time() * 1000)


class Leadership:
    """Whether this process runs the scheduled work, and which processes are alive."""

    def __init__(self, leases: LeaseRepository | None) -> None:
        self.key = process_key()
        self.name = str(self.key)  # what the outbox writes in claimed_by
        self._leases = leases
        self.leader = leases is None  # one process (SQLite): always
        self.processes = 1  # live processes sharing the database, counted at each beat
        self.live: set[str] = {self.name}
        self._generation: int | None = None
        self._changed = False
        self._on_gain: list[Hook] = []
        self._on_change: list[Hook] = []
        self._on_beat: list[Hook] = []
        self._task: asyncio.Task[None] | None = None
        self._retiring = False

    @property
    def shared(self) -> bool:
        """Several processes may share the database (PostgreSQL)."""
        return self._leases is not None

    def on_gain(self, hook: Hook) -> None:
        """Run *hook* when this process takes the scheduled work over from a dead one."""
        self._on_gain.append(hook)

    def on_change(self, hook: Hook) -> None:
        """Run *hook* in the leader when another process changed scheduled work."""
        self._on_change.append(hook)

    def on_beat(self, hook: Hook) -> None:
        """Run *hook* at every beat, in every process (outbox claims, the sending budget)."""
        self._on_beat.append(hook)

    def retire(self) -> None:
        """The process is stopping: keep beating (its outbox claims must not lapse while its
        sends settle) but never take the scheduled work over now; it would only re-plan work
        it is about to drop."""
        self._retiring = True

    def changed(self) -> None:
        """This process planned a job it will not run: tell the leader at the next beat."""
        if self.shared and not self.leader:
            self._changed = True

    async def start(self) -> None:
        """Take this process's own lock and try for the scheduled work once now (so start-up
        knows whether it leads), then keep beating."""
        if self._leases is None:
            return
        await self._leases.try_lock(self.key)
        await self._try()
        log.info("Scheduled work: %s", "this process" if self.leader else "another process (standing by)")
        self._task = asyncio.create_task(self._beat(), name="leadership")

    async def stop(self) -> None:
        """Stop beating; the locks go when the database closes (not before), and another process
        takes over at its next beat.
        Safe to call twice.  Bounded: a beat's hook that ignored its cancellation (a replan deep
        in a query) must not hold the process up; the database's close then cuts it off."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
        if not done:
            log.warning("The scheduled work's beat did not stop within %.0f s; closing anyway", STOP_SECONDS)
            return
        with contextlib.suppress(asyncio.CancelledError):
            task.result()

    async def alive(self) -> set[str]:
        """The names of the live processes, read now (and kept in :attr:`live`).  Whoever takes
        back the claims of dead processes reads this just before: a list read earlier (at start-up,
        before the features' on_startup ran) misses the processes started since, and their
        claims would be taken for a dead one's and sent twice."""
        if self._leases is not None:
            await self._recount(self._leases)
        return self.live

    async def _recount(self, leases: LeaseRepository) -> set[int]:
        """Read the live processes' locks (keeping :attr:`live` and :attr:`processes`); returns
        the keys held, so the beat can tell whether this process's own is still among them."""
        live = await leases.live()
        self.live = {str(key) for key in live if key != SCHEDULER_LOCK} | {self.name}
        self.processes = len(self.live)
        return live

    async def _rejoin(self, leases: LeaseRepository) -> None:
        """Our own lock is gone (its connection dropped: the server restarted, or an idle timeout
        cut it): to the others this process is dead, its claims theirs to take back, and if it led,
        another may lead now.  Step down, so two processes never run the jobs, take our lock again
        on a new connection, and only then compete for the scheduled work like any other."""
        log.warning(
            "This process lost its database lock (its connection dropped); taking it again%s",
            " and standing down from the scheduled work" if self.leader else "",
        )
        self.leader = False
        self._generation = None
        if not await leases.try_lock(self.key):
            raise RuntimeError("this process's own lock is held by another connection")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(BEAT)
            try:
                gained, changed = await self._try()
                for hook in self._on_beat:
                    await hook()
                if gained:
                    log.warning("Took over the scheduled work from a process that stopped")
                    for hook in self._on_gain:
                        await hook()
                elif changed:
                    for hook in self._on_change:
                        await hook()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Leadership beat failed; trying again")

    async def _try(self) -> tuple[bool, bool]:
        """Lead if nobody does; returns (just took over, another process changed the work)."""
        if self._leases is None:
            return False, False
        if self._changed:
            # Cleared before the bump (a change noted while it runs is told at the next beat)
            # and set again if it fails: the leader must not miss the change for good.
            self._changed = False
            try:
                await self._leases.bump(SCHEDULER)
            except BaseException:
                self._changed = True
                raise
        if self.key not in await self._recount(self._leases):
            await self._rejoin(self._leases)
        was = self.leader
        if not was and not self._retiring:
            self.leader = await self._leases.try_lock(SCHEDULER_LOCK)
        if not self.leader:
            self._generation = None
            return False, False
        generation = await self._leases.record_holder(SCHEDULER, self.name, wall_ms(), int(LEASE * 1000))
        changed = self._generation is not None and generation != self._generation
        self._generation = generation
        return (not was and self._task is not None), changed
