"""Real services on a scratch database for use-case tests: real repositories, a fixed clock, and
the real scheduler and outbox with nothing started behind them (no Telegram, no JobQueue running).

Everything is the real thing except what needs a running bot: the scheduler keeps what is planned,
by name, and a test runs a job by hand; the outbox records what it is asked to queue; group admins
are a set given by the test.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, TypedDict, Unpack

from telegram import Bot, Chat, Message
from telegram.ext import ApplicationBuilder, ExtBot, JobQueue

from bot.domain.clock import Clock, FixedClock
from bot.runtime.context import CONTEXT_TYPES, KindredApplication, KindredBot, KindredContext, KindredJobQueue
from bot.runtime.outbox import BatchDone, Outbox
from bot.runtime.scheduler import Scheduler
from bot.runtime.services import Services
from bot.runtime.settings import load_settings
from storage.db import Database
from storage.outbox import Delivery, OutboxRepository
from storage.people import PeopleRepository, Sighting
from tests.conftest import NOW

SECRET = "use-case-test-secret-0123456789abcdefghij"


class RecordingJobs(Scheduler):
    """The real scheduler on a JobQueue that is never started: jobs are kept by name (``planned``)
    and run by hand with :meth:`run`, so no test waits for time to pass."""

    def __init__(self, clock: Clock) -> None:
        queue: KindredJobQueue = JobQueue()
        super().__init__(queue, clock)

    def _submit(self, name: str, when: datetime) -> None:
        """Nothing goes to APScheduler: the test decides when a job runs."""

    async def run(self, name: str) -> None:
        _, action = self._planned.pop(name)
        await action()

    def forget_all(self) -> None:
        """A restart: nothing planned survives in memory."""
        self._planned.clear()


class SilentBot(Bot):
    """The outbox's bot; the outbox is never started here, so sending at all is a test's mistake."""

    def __init__(self) -> None:
        super().__init__("0:offline")

    async def send_message(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("the outbox is not started in use-case tests")


class RecordingBot(ExtBot[int]):
    """A real bot that never reaches Telegram: what it would send or edit is recorded, as
    (chat id, text), for hooks that run outside an update (``/forget``'s letters)."""

    def __init__(self) -> None:
        super().__init__("0:recording")
        self._sent: list[tuple[int, str]] = []  # PTB freezes a bot's public attributes
        self._edited: list[tuple[int, str]] = []

    @property
    def sent(self) -> list[tuple[int, str]]:
        return self._sent

    @property
    def edited(self) -> list[tuple[int, str]]:
        return self._edited

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        call = inspect.signature(ExtBot.send_message).bind(self, *args, **kwargs).arguments
        chat_id = int(call["chat_id"])
        self._sent.append((chat_id, str(call["text"])))
        return Message(len(self._sent), NOW, Chat(chat_id, Chat.PRIVATE))

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> bool:
        call = inspect.signature(ExtBot.edit_message_text).bind(self, *args, **kwargs).arguments
        self._edited.append((int(call["chat_id"]), str(call["text"])))
        return True


def application_for(svc: Services, bot: KindredBot) -> KindredApplication:
    """A real application, never started, around *svc* and *bot*: what features' hooks receive."""
    queue: KindredJobQueue = JobQueue()
    application = ApplicationBuilder().bot(bot).context_types(CONTEXT_TYPES).job_queue(queue).build()
    application.bot_data.attach(svc)
    return application


def context_for(svc: Services, bot: KindredBot) -> KindredContext:
    """A real context on a real (never started) application around *svc* and *bot*, for the
    hooks that take one (``/mydata`` and ``/forget``'s parts)."""
    return KindredContext(application_for(svc, bot))


class RecordingOutbox(Outbox):
    """The real outbox, never started: what is queued is recorded (``queued``, idempotent on keys
    like the repository), batch counts are what a test sets, and batch listeners are kept."""

    def __init__(self, outbox: OutboxRepository, people: PeopleRepository, clock: Clock) -> None:
        super().__init__(outbox, people, SilentBot(), clock)
        self.queued: list[Delivery] = []
        self.batch_counts: dict[str, dict[str, int]] = {}
        self.listeners: list[tuple[str, BatchDone]] = []

    async def enqueue(self, deliveries: Iterable[Delivery]) -> int:
        known = {d.key for d in self.queued}
        added = [d for d in deliveries if d.key not in known]
        self.queued += added
        return len(added)

    async def counts(self, batch: str) -> dict[str, int]:
        return self.batch_counts.get(batch, {})

    def on_batch_done(self, prefix: str, callback: BatchDone) -> None:
        self.listeners.append((prefix, callback))

    async def cancel_for_chat(self, chat_id: int) -> int:
        before = len(self.queued)
        self.queued = [d for d in self.queued if d.chat_id != chat_id]
        return before - len(self.queued)


class Overrides(TypedDict, total=False):
    """The settings a use-case test changes (raw values, validated like the environment's)."""

    small_cell_threshold: int
    retention_days: int
    crisis_escalation_minutes: int
    member_consent_hours: int
    default_timezone: str


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
    **settings: Unpack[Overrides],
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
    jobs, outbox = RecordingJobs(clock), RecordingOutbox(svc.repos.outbox, svc.repos.people, clock)
    svc.scheduler, svc.delivery = jobs, outbox
    return Offline(svc, jobs, outbox, clock)


async def meet(svc: Services, *people: tuple[int, str]) -> None:
    """People who have written to the bot privately (so it may write back)."""
    for user_id, name in people:
        await svc.people.record(Sighting(user_id, name, None, "en", True), NOW)
