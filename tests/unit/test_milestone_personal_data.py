"""/mydata and /forget hooks for milestones: the export holds the date, erasure stops everything.

Driven without the emulator (no command calls the hooks yet on this branch), with a real outbox
repository so a queued congratulation can be seen cancelled.
"""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

from bot.runtime.outbox import Outbox
from bot.runtime.services import Repositories
from bot.usecases import milestones
from handlers import milestones as feature
from storage.milestones import MilestoneRepository
from storage.outbox import Delivery, OutboxRepository
from storage.people import PeopleRepository, Sighting
from tests.conftest import NOW
from tests.unit.test_mentor_personal_data import RecordingBot, RecordingJobs

MAYA = 7


async def make_context(db, clock) -> SimpleNamespace:
    people = PeopleRepository(db)
    await people.record(Sighting(MAYA, "Maya", None, "en", True), NOW)
    outbox = Outbox(OutboxRepository(db), people, RecordingBot(), clock)  # type: ignore[arg-type]
    services = SimpleNamespace(
        db=db, repos=Repositories.on(db), people=people, clock=clock, jobs=RecordingJobs(), outbox=outbox
    )
    app = SimpleNamespace(bot=RecordingBot(), bot_data=SimpleNamespace(services=services))
    return SimpleNamespace(application=app, bot_data=app.bot_data)


async def test_export_then_erase(db, clock) -> None:
    context = await make_context(db, clock)
    services = context.application.bot_data.services
    assert await feature.export_personal_data(context, MAYA) == {}
    record = await MilestoneRepository(db).set_start(MAYA, date(2026, 1, 1), date(2026, 1, 1), "UTC", NOW)
    milestones.plan_job(services, feature.MilestoneWording(services), record)
    assert set(services.jobs.planned) == {"milestone:7"}
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
    assert services.jobs.planned == {}
    assert await MilestoneRepository(db).get(MAYA) is None
    queued = await OutboxRepository(db).get("milestone:7:2026-01-01:y1")
    assert queued is not None and queued.status == "cancelled"
    assert await feature.erase_personal_data(context, MAYA) == []
