"""The milestones repository: set, reset keeps choices, celebration, export, removal, cascades."""

from __future__ import annotations

from datetime import date

from bot.domain.clock import FixedClock
from storage.db import Database
from storage.groups import GroupRepository
from storage.milestones import MilestoneRepository
from storage.people import PeopleRepository, Sighting


async def setup(db: Database, clock: FixedClock) -> MilestoneRepository:
    await PeopleRepository(db).record(Sighting(7, "Maya", None, "en", True), clock.now())
    await GroupRepository(db).register(-100, "Circle", "Europe/Madrid", "en", clock.now())
    return MilestoneRepository(db)


async def test_set_reset_and_choices(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    assert await repo.get(7) is None and await repo.export(7) == {}
    first = await repo.set_start(7, date(2026, 1, 1), date(2026, 11, 23), "Europe/Madrid", clock.now())
    assert (first.start_date, first.timezone, first.celebrate_chat_id) == (
        date(2026, 1, 1),
        "Europe/Madrid",
        None,
    )
    await repo.set_celebration(7, -100, "anonymous", clock.now())
    await repo.set_timezone(7, "America/Lima", clock.now())
    again = await repo.set_start(7, date(2026, 11, 20), date(2026, 11, 24), "UTC", clock.now())
    assert again.start_date == date(2026, 11, 20) and again.set_on == date(2026, 11, 24)
    assert (again.timezone, again.celebrate_chat_id, again.celebrate_as) == (
        "America/Lima",
        -100,
        "anonymous",
    )
    exported = await repo.export(7)
    assert exported["recovery_start_date"] == "2026-11-20" and exported["celebrate_as"] == "anonymous"
    assert [r.user_id for r in await repo.all()] == [7]
    assert await repo.remove(7) is True
    assert await repo.get(7) is None and await repo.remove(7) is False


async def test_group_and_person_deletion_cascade(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    await repo.set_start(7, date(2026, 1, 1), date(2026, 1, 1), "UTC", clock.now())
    await repo.set_celebration(7, -100, "first_name", clock.now())
    await db.execute("DELETE FROM groups WHERE chat_id = -100")
    record = await repo.get(7)
    assert record is not None and record.celebrate_chat_id is None
    await db.execute("DELETE FROM people WHERE user_id = 7")
    assert await repo.get(7) is None
