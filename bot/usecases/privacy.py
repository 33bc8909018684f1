"""/mydata, /forget and retention: everything Kindred holds about a person, gathered, erased, or
forgotten with age.

Each feature keeps its own part (its ``Feature.export_personal_data``, ``erase_personal_data``
and ``purge_expired_text`` hooks, see :mod:`bot.runtime.feature`); the handler hands them here
bound to the update or the application, and this module runs them in the features' order and
adds the foundation's own data (profile, memberships, queued messages).  That comes last when
erasing, because other features' rows cascade from the ``people`` row.

Retention: a daily job computes one cutoff (``RETENTION_DAYS`` ago), blanks the text of settled
outbox messages and asks every feature to forget its free text older than that (check-in
notes, reasons for ending a mentoring match, announcement wording).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.runtime.logs import log_id
from bot.runtime.services import Services

log = logging.getLogger(__name__)

Export = Callable[[int], Awaitable[dict[str, Any]]]  # user_id -> the feature's part, JSON-able
Erase = Callable[[int], Awaitable[list[str]]]  # user_id -> N_-marked descriptions of what went
Purge = Callable[[datetime], Awaitable[int]]  # cutoff -> texts forgotten

RETENTION_JOB = "privacy:retention"
RETENTION_HOUR = time(3, 0)  # UTC: a quiet hour almost everywhere


async def collect_personal_data(
    svc: Services, user_id: int, exports: Sequence[tuple[str, Export]]
) -> dict[str, Any]:
    """The profile and memberships, then each feature's part under its name."""
    data: dict[str, Any] = {
        "profile": await svc.people.export(user_id),
        "groups": await svc.groups.memberships_of(user_id),
    }
    for name, export in exports:
        data[name] = await export(user_id)
    log.info("Exported personal data for %s", log_id(user_id))
    return data


@dataclass(frozen=True)
class Forgotten:
    features: list[str]  # what the features erased, as they described it (N_-marked)
    queued_messages: bool  # messages waiting to be sent to the person were cancelled


async def forget_person(svc: Services, user_id: int, erasers: Sequence[Erase]) -> Forgotten:
    """Every feature erases its part, then the queued messages, the profile and memberships go
    and the person is no longer remembered as seen."""
    erased: list[str] = []
    for erase in erasers:
        erased += await erase(user_id)
    queued = bool(await svc.outbox.cancel_for_chat(user_id))
    await svc.people.delete(user_id)
    svc.seen.forget(user_id)
    log.info("Erased personal data for %s", log_id(user_id))
    return Forgotten(erased, queued)


async def purge_expired_text(svc: Services, now: datetime, purges: Sequence[Purge]) -> int:
    """Forget free text older than ``RETENTION_DAYS`` before *now*; how many texts went."""
    cutoff = now - timedelta(days=svc.settings.retention_days)
    purged = await svc.repos.outbox.blank_settled_before(cutoff)
    for purge in purges:
        purged += await purge(cutoff)
    log.info("Retention: forgot %d texts older than %d days", purged, svc.settings.retention_days)
    return purged


def plan_retention(svc: Services, when: datetime, purges: Sequence[Purge]) -> None:
    """Purge at *when*, then every day at 03:00 UTC."""

    async def run() -> None:
        now = svc.clock.now()
        await purge_expired_text(svc, now, purges)
        tomorrow = datetime.combine(
            now.astimezone(UTC).date() + timedelta(days=1), RETENTION_HOUR, tzinfo=UTC
        )
        plan_retention(svc, tomorrow, purges)

    svc.jobs.at(RETENTION_JOB, when, run)


def start_retention(svc: Services, purges: Sequence[Purge]) -> None:
    """At start-up: purge at once (the bot may have been down at 03:00), then daily."""
    plan_retention(svc, svc.clock.now(), purges)
