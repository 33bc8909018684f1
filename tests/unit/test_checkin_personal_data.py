"""/mydata and /forget hooks for check-ins, driven without Telegram (no command calls them yet)."""

from __future__ import annotations

from datetime import time
from types import SimpleNamespace

from bot.domain.pseudonym import group_pseudonym, pseudonym
from bot.runtime.services import Repositories
from bot.usecases import checkins as usecase
from handlers import checkins as feature
from storage.checkins import Contribution, StoredCheckIn
from storage.groups import GroupRepository
from storage.people import PeopleRepository, Sighting
from tests.conftest import NOW
from tests.unit.test_mentor_personal_data import RecordingJobs

SECRET = "personal-data-test-secret-0123456789abcdef"
MAYA, ANA, GROUP = 3, 4, -100


async def make_context(db, clock) -> SimpleNamespace:
    people, groups = PeopleRepository(db), GroupRepository(db)
    for user_id, name in ((MAYA, "Maya"), (ANA, "Ana")):
        await people.record(Sighting(user_id, name, None, "en", True), NOW)
    await groups.register(GROUP, "Circle", "UTC", "en", NOW)
    settings = SimpleNamespace(pseudonym_secret=SimpleNamespace(get_secret_value=lambda: SECRET))
    services = SimpleNamespace(
        db=db,
        repos=Repositories.on(db),
        people=people,
        groups=groups,
        clock=clock,
        jobs=RecordingJobs(),
        settings=settings,
    )
    app = SimpleNamespace(bot_data=SimpleNamespace(services=services))
    return SimpleNamespace(application=app, bot_data=app.bot_data)


async def test_export_then_erase_covers_checkins_and_the_prompt_but_not_others(db, clock) -> None:
    context = await make_context(db, clock)
    svc = context.application.bot_data.services
    for user_id, mood in ((MAYA, 2), (MAYA, 4), (ANA, 5)):
        await svc.repos.checkins.record(
            pseudonym(user_id, SECRET),
            StoredCheckIn(NOW.date(), mood, 1, "note" if user_id == MAYA else None),
            [Contribution(GROUP, "2026-W48", group_pseudonym(user_id, GROUP, SECRET))],
            None,
        )
    await usecase.set_daily_prompt(svc, MAYA, time(20), "UTC", feature.WORDING)
    assert "prompt:3" in context.application.bot_data.services.jobs.planned

    exported = await feature.export_personal_data(context, MAYA)
    assert [c["mood"] for c in exported["checkins"]] == [2, 4]
    assert exported["daily_prompt"] == {"time": "20:00", "timezone": "UTC"}

    erased = await feature.erase_personal_data(context, MAYA)
    assert erased == ["your check-ins", "your daily check-in prompt"]
    assert await feature.export_personal_data(context, MAYA) == {"checkins": [], "daily_prompt": None}
    assert "prompt:3" not in context.application.bot_data.services.jobs.planned
    assert len((await feature.export_personal_data(context, ANA))["checkins"]) == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM checkin_contributions") == 1  # Ana's stays
