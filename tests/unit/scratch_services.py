"""Real :class:`Services` on a scratch database, for use-case tests without Telegram.

Everything is the real thing (repositories, authoriser, outbox repository) except what needs a
running bot: the scheduler records what is planned, the outbox is never started (queued rows can
be read back), and group admins are a set given by the test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from bot.domain.clock import FixedClock
from bot.domain.roles import Authorizer
from bot.runtime.edit_coalescer import EditCoalescer, paces_for
from bot.runtime.outbox import Outbox
from bot.runtime.rate_limits import Pacer
from bot.runtime.scheduler import Scheduler
from bot.runtime.services import Repositories, Services, Throttles
from bot.runtime.settings import Settings
from storage.db import Database
from storage.people import Sighting
from tests.conftest import NOW


@dataclass
class RecordingJobs:
    """What the scheduler was asked to plan, by job name."""

    planned: dict[str, tuple[datetime, Callable[[], Awaitable[None]]]] = field(default_factory=dict)

    def at(self, name: str, when: datetime, action: Callable[[], Awaitable[None]]) -> None:
        self.planned[name] = (when, action)

    def cancel(self, name: str) -> None:
        self.planned.pop(name, None)


class SilentBot:
    async def send_message(self, *_: Any, **__: Any) -> SimpleNamespace:  # pragma: no cover - never started
        raise AssertionError("the outbox is not started in use-case tests")


def scratch_services(
    db: Database,
    clock: FixedClock,
    *,
    coordinators: Iterable[int] = (),
    admins: Iterable[tuple[int, int]] = (),  # (chat_id, user_id)
    **settings: Any,
) -> tuple[Services, RecordingJobs]:
    admin_set = set(admins)

    async def is_admin(chat_id: int, user_id: int) -> bool:
        return (chat_id, user_id) in admin_set

    config = Settings(_env_file=None, coordinator_ids=frozenset(coordinators), **settings)  # type: ignore[call-arg]
    repos = Repositories.on(db)
    jobs = RecordingJobs()
    svc = Services(
        settings=config,
        clock=clock,
        db=db,
        repos=repos,
        auth=Authorizer(config.coordinator_ids, is_admin),
        pacer=Pacer(),
        throttles=Throttles.from_settings(config),
        edits=EditCoalescer(*paces_for(config.group_messages_per_minute)),
    )
    svc.scheduler = cast(Scheduler, jobs)
    svc.delivery = Outbox(repos.outbox, repos.people, SilentBot(), clock)  # type: ignore[arg-type]
    return svc, jobs


async def meet(svc: Services, *people: tuple[int, str]) -> None:
    """People who have written to the bot privately (so it may write back)."""
    for user_id, name in people:
        await svc.people.record(Sighting(user_id, name, None, "en", True), NOW)
