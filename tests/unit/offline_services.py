"""Real services on a scratch database for use-case tests: real repositories, a fixed clock, and
a scheduler and outbox that record what they are asked (no Telegram, no JobQueue)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast

from bot.domain.clock import FixedClock
from bot.runtime.scheduler import Action
from bot.runtime.services import Services
from bot.runtime.settings import load_settings
from storage.db import Database
from storage.outbox import Delivery

if TYPE_CHECKING:
    from bot.runtime.outbox import BatchDone, Outbox
    from bot.runtime.scheduler import Scheduler

SECRET = "use-case-test-secret-0123456789abcdefghij"


@dataclass
class RecordingJobs:
    """The scheduler's surface: jobs by name, run by hand with :meth:`run`."""

    jobs: dict[str, tuple[datetime, Action]] = field(default_factory=dict)

    def at(self, name: str, when: datetime, action: Action) -> None:
        self.jobs[name] = (when, action)

    def cancel(self, name: str) -> None:
        self.jobs.pop(name, None)

    def planned(self, prefix: str = "") -> dict[str, datetime]:
        return {name: when for name, (when, _) in self.jobs.items() if name.startswith(prefix)}

    async def run(self, name: str) -> None:
        _, action = self.jobs.pop(name)
        await action()


@dataclass
class RecordingOutbox:
    """The outbox's surface: what was queued, counts a test sets, and batch listeners."""

    queued: list[Delivery] = field(default_factory=list)
    batch_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    listeners: list[tuple[str, BatchDone]] = field(default_factory=list)

    async def enqueue(self, deliveries: Iterable[Delivery]) -> None:
        known = {d.key for d in self.queued}
        self.queued += [d for d in deliveries if d.key not in known]

    async def counts(self, batch: str) -> dict[str, int]:
        return self.batch_counts.get(batch, {})

    def on_batch_done(self, prefix: str, callback: BatchDone) -> None:
        self.listeners.append((prefix, callback))

    async def cancel_for_chat(self, chat_id: int) -> int:
        before = len(self.queued)
        self.queued = [d for d in self.queued if d.chat_id != chat_id]
        return before - len(self.queued)


@dataclass
class Offline:
    svc: Services
    jobs: RecordingJobs
    outbox: RecordingOutbox
    clock: FixedClock


def offline(
    db: Database,
    clock: FixedClock,
    *,
    coordinators: Collection[int] = (),
    admins: Collection[tuple[int, int]] = (),  # (chat_id, user_id) pairs of group administrators
    secret: str | None = SECRET,
    **settings: object,
) -> Offline:
    async def is_admin(chat_id: int, user_id: int) -> bool:
        return (chat_id, user_id) in admins

    loaded = load_settings(
        _env_file=None,
        pseudonym_secret=secret,
        coordinator_ids=",".join(str(c) for c in coordinators),
        **settings,
    )
    svc = Services.offline(db, loaded, clock, is_admin)
    jobs, outbox = RecordingJobs(), RecordingOutbox()
    svc.scheduler = cast("Scheduler", jobs)
    svc.delivery = cast("Outbox", outbox)
    return Offline(svc, jobs, outbox, clock)
