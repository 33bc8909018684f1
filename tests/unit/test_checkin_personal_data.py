"""/mydata and /forget for check-ins, driven without Telegram through the use case."""

from __future__ import annotations

from datetime import time

from bot.domain.clock import FixedClock
from bot.domain.pseudonym import group_pseudonym, pseudonym
from bot.usecases import checkins as usecase
from handlers import checkins as feature
from storage.checkins import Contribution, StoredCheckIn
from storage.db import Database
from storage.people import Sighting
from tests.conftest import NOW
from tests.unit.offline_services import SECRET, offline

MAYA, ANA, GROUP = 3, 4, -100


async def test_export_then_erase_covers_checkins_and_the_prompt_but_not_others(
    db: Database, clock: FixedClock
) -> None:
    world = offline(db, clock)
    svc = world.svc
    for user_id, name in ((MAYA, "Maya"), (ANA, "Ana")):
        await svc.people.record(Sighting(user_id, name, None, "en", True), NOW)
    await svc.groups.register(GROUP, "Circle", "UTC", "en", NOW)
    for user_id, mood in ((MAYA, 2), (MAYA, 4), (ANA, 5)):
        await svc.repos.checkins.record(
            pseudonym(user_id, SECRET),
            StoredCheckIn(NOW.date(), mood, 1, "note" if user_id == MAYA else None),
            [Contribution(GROUP, "2026-W48", group_pseudonym(user_id, GROUP, SECRET))],
            None,
        )
    await usecase.set_daily_prompt(svc, MAYA, time(20), "UTC", feature.WORDING)
    assert "prompt:3" in world.jobs.planned()

    exported = await usecase.export_personal_data(svc, MAYA)
    assert [c["mood"] for c in exported["checkins"]] == [2, 4]
    assert exported["daily_prompt"] == {"time": "20:00", "timezone": "UTC"}

    erased = await usecase.erase_personal_data(svc, MAYA)
    assert erased == usecase.Erased(checkins=True, prompt=True)
    assert await usecase.export_personal_data(svc, MAYA) == {"checkins": [], "daily_prompt": None}
    assert "prompt:3" not in world.jobs.planned()
    assert len((await usecase.export_personal_data(svc, ANA))["checkins"]) == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM checkin_contributions") == 1  # Ana's stays
    assert await usecase.erase_personal_data(svc, MAYA) == usecase.Erased(checkins=False, prompt=False)
