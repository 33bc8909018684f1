"""Recovery milestones, step by step: the start date, its zone, the group celebration, and the
congratulation job.

The database holds the start date and the member's choices; the one scheduler job per member
(``milestone:{user_id}``) is derived from it and rebuilt at start-up (:func:`replan_all`).
Congratulations go through the outbox with a key naming the member, the start date and the
milestone, so each is sent once, ever: across restarts, and across a reset to the same date.
The words are the handlers' (:class:`Wording`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Protocol

from bot.domain.milestones import (
    DateError,
    Milestone,
    days_count,
    due,
    local_today,
    parse_start_date,
    plan,
    send_instant,
)
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from storage.groups import Group
from storage.milestones import CelebrateAs, MilestoneRecord
from storage.outbox import Delivery

log = logging.getLogger(__name__)


class Wording(Protocol):
    """The congratulations' text (handlers/milestones.py renders them in the reader's language)."""

    async def congratulation(self, user_id: int, milestone: Milestone) -> str: ...

    def group_celebration(self, group: Group, milestone: Milestone, first_name: str | None) -> str: ...


def job_name(user_id: int) -> str:
    return f"milestone:{user_id}"


# -- scheduling and sending --


def plan_job(svc: Services, wording: Wording, record: MilestoneRecord, handled: date | None = None) -> None:
    """Schedule (or replace) the member's next congratulation."""
    step = plan(record.start_date, record.set_on, record.timezone, svc.clock.now(), handled)
    svc.jobs.at(job_name(record.user_id), step.when, partial(fire, svc, wording, record.user_id))


async def replan_all(svc: Services, wording: Wording) -> int:
    """Start-up: plan every member's next congratulation from the database (a due one runs at once)."""
    records = await svc.repos.milestones.all()
    for record in records:
        plan_job(svc, wording, record)
    return len(records)


async def fire(svc: Services, wording: Wording, user_id: int) -> None:
    """The job: congratulate today's milestone if it is due, then plan the next one."""
    record = await svc.repos.milestones.get(user_id)
    if record is None:
        return
    now = svc.clock.now()
    milestone = due(record.start_date, record.set_on, record.timezone, now)
    if milestone is not None:
        await svc.outbox.enqueue(await deliveries(svc, wording, record, milestone))
        log.info("Milestone %s for %s", milestone.label, log_id(user_id))
    today = local_today(now, record.timezone)
    handled = today if now >= send_instant(today, record.timezone) else None  # today's chance is used
    plan_job(svc, wording, record, handled)


async def deliveries(
    svc: Services, wording: Wording, record: MilestoneRecord, milestone: Milestone
) -> list[Delivery]:
    """The private congratulation, and the group post if the member opted in and still belongs."""
    base = f"{record.user_id}:{record.start_date.isoformat()}:{milestone.label}"
    found = [
        Delivery(
            key=f"milestone:{base}",
            chat_id=record.user_id,
            text=await wording.congratulation(record.user_id, milestone),
            kind="milestone",
        )
    ]
    group = await celebration_group(svc, record)
    if group is not None:
        person = await svc.people.get(record.user_id)
        name = person.first_name if person and record.celebrate_as == "first_name" else None
        found.append(
            Delivery(
                key=f"milestone-group:{base}",
                chat_id=group.chat_id,
                text=wording.group_celebration(group, milestone, name),
                kind="milestone_group",
            )
        )
    return found


async def celebration_group(svc: Services, record: MilestoneRecord) -> Group | None:
    """The group chosen for celebrations, while the member still belongs to it."""
    if record.celebrate_chat_id is None:
        return None
    groups = await svc.groups.groups_of(record.user_id)
    return next((g for g in groups if g.chat_id == record.celebrate_chat_id), None)


async def stop_congratulating(svc: Services, user_id: int) -> None:
    svc.jobs.cancel(job_name(user_id))
    await svc.outbox.cancel_pending(f"milestone:{user_id}:")
    await svc.outbox.cancel_pending(f"milestone-group:{user_id}:")


# -- what the member sees and changes --


@dataclass(frozen=True)
class Status:
    """The count as the member sees it: their record, today in their zone, and the celebration group."""

    record: MilestoneRecord
    today: date
    group: Group | None


async def record_of(svc: Services, user_id: int) -> MilestoneRecord | None:
    return await svc.repos.milestones.get(user_id)


async def status(svc: Services, record: MilestoneRecord) -> Status:
    today = local_today(svc.clock.now(), record.timezone)
    return Status(record, today, await celebration_group(svc, record))


@dataclass(frozen=True)
class StartSaved:
    days: int
    status: Status


@dataclass(frozen=True)
class StartRefused:
    error: DateError
    had_date: bool  # a reset (True) or a first date: the buttons offered again differ


async def save_start(svc: Services, wording: Wording, user_id: int, text: str) -> StartSaved | StartRefused:
    """Validate a typed or chosen start date; on success save it and plan the next congratulation.
    A reset keeps the zone; a first date takes the member's home zone."""
    existing = await svc.repos.milestones.get(user_id)
    zone = existing.timezone if existing else await svc.home_timezone(user_id)
    now = svc.clock.now()
    today = local_today(now, zone)
    try:
        start = parse_start_date(text, today)
    except DateError as error:
        return StartRefused(error, existing is not None)
    record = await svc.repos.milestones.set_start(user_id, start, today, zone, now)
    plan_job(svc, wording, record)
    log.info("Milestone date set by %s", log_id(user_id))
    return StartSaved(days_count(start, today), await status(svc, record))


async def set_zone(svc: Services, wording: Wording, record: MilestoneRecord, zone: str) -> Status:
    """Count in another zone from now on; the next congratulation is planned again."""
    await svc.repos.milestones.set_timezone(record.user_id, zone, svc.clock.now())
    record = await svc.repos.milestones.get(record.user_id) or record
    plan_job(svc, wording, record)
    return await status(svc, record)


async def zone_choices(svc: Services, record: MilestoneRecord) -> list[str]:
    """The member's groups' zones other than the current one, offered as buttons."""
    groups = await svc.groups.groups_of(record.user_id)
    return sorted({g.timezone for g in groups} - {record.timezone})


async def member_groups(svc: Services, user_id: int) -> list[Group]:
    return await svc.groups.groups_of(user_id)


async def member_group(svc: Services, user_id: int, arg: str) -> Group | None:
    """The group named by a button, only if the member belongs to it (forged ids are refused)."""
    groups = await svc.groups.groups_of(user_id)
    return next((g for g in groups if str(g.chat_id) == arg), None)


async def celebrate_in(
    svc: Services, record: MilestoneRecord, group: Group | None, how: CelebrateAs
) -> Status:
    """Celebrate in *group* (None: nowhere) with the first name or anonymously."""
    chat_id = group.chat_id if group is not None else None
    await svc.repos.milestones.set_celebration(record.user_id, chat_id, how, svc.clock.now())
    return await status(svc, await svc.repos.milestones.get(record.user_id) or record)


async def remove(svc: Services, user_id: int) -> bool:
    """Forget the start date and every congratulation still planned; False if there was none."""
    await stop_congratulating(svc, user_id)
    return await svc.repos.milestones.remove(user_id)


async def export(svc: Services, user_id: int) -> dict[str, Any]:
    return await svc.repos.milestones.export(user_id)
