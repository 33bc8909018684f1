"""/mydata and /forget hooks for milestones: the export holds the date, erasure stops everything.

Driven without the emulator, on real services with the real outbox (never started), so a queued
congratulation can be seen cancelled.
"""

from __future__ import annotations

import json
from datetime import date

from bot.domain.clock import FixedClock
from bot.runtime.context import KindredContext
from bot.runtime.outbox import Outbox
from bot.runtime.services import Services
from bot.usecases import milestones
from handlers import milestones as feature
from storage.db import Database
from storage.milestones import MilestoneRepository
from storage.outbox import Delivery, OutboxRepository
from tests.conftest import NOW
from tests.unit.offline_services import RecordingBot, SilentBot, context_for, meet, offline

MAYA = 7


async def make_context(db: Database, clock: FixedClock) -> tuple[Services, KindredContext]:
    services = offline(db, clock).svc
    await meet(services, (MAYA, "Maya"))
    services.delivery = Outbox(services.repos.outbox, services.people, SilentBot(), clock)  # the real one
    return services, context_for(services, RecordingBot())


async def test_export_then_erase(db, clock) -> None:
    services, context = await make_context(db, clock)
    assert await feature.export_personal_data(context, MAYA) == {}
    record = await MilestoneRepository(db).set_start(MAYA, date(2026, 1, 1), date(2026, 1, 1), "UTC", NOW)
    milestones.plan_job(services, feature.MilestoneWording(services), record)
    assert set(services.jobs.planned()) == {"milestone:7"}
    later = NOW.replace(year=2027)
    await services.outbox.enqueue(
        [Delivery("milestone:7:2026-01-01:y1", MAYA, "…", "milestone", not_before=later)]
    )

    exported = await feature.export_personal_data(context, MAYA)
    assert exported["recovery_start_date"] == "2026-01-01" and exported["timezone"] == "UTC"
    json.dumps(exported)

    assert await feature.erase_personal_data(context, MAYA) == [
        "your recovery start date and milestone choices"
    ]
    assert services.jobs.planned() == {}
    assert await MilestoneRepository(db).get(MAYA) is None
    queued = await OutboxRepository(db).get("milestone:7:2026-01-01:y1")
    assert queued is not None and queued.status == "cancelled"
    assert await feature.erase_personal_data(context, MAYA) == []
