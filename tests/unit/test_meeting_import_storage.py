"""Importing meetings creates them all in one transaction, or none of them."""

from __future__ import annotations

import dataclasses

import pytest

from bot.domain.meeting_form import parse_meeting_line
from storage.groups import GroupRepository
from storage.meetings import MeetingRepository
from storage.people import PeopleRepository, Sighting
from tests.conftest import NOW

GROUP = -100


@pytest.fixture
async def repo(db) -> MeetingRepository:
    await GroupRepository(db).register(GROUP, "Circle", "Europe/Madrid", "en", NOW)
    await PeopleRepository(db).record(Sighting(1, "Sam", None, "en", private_chat=True), NOW)
    return MeetingRepository(db)


def draft(title: str):
    return parse_meeting_line(
        f"/schedule {title} | 2026-11-24 19:00 | 90m | weekly", time_zone="Europe/Madrid", now=NOW
    )


async def test_all_are_created_together(repo: MeetingRepository) -> None:
    created = await repo.create_many(GROUP, [draft("One"), draft("Two")], created_by=1, now=NOW)
    assert [m.title for m in created] == ["One", "Two"]
    assert [m.title for m in await repo.active_in([GROUP])] == ["One", "Two"]


async def test_a_failure_part_way_adds_nothing(repo: MeetingRepository) -> None:
    broken = dataclasses.replace(draft("Broken"), title=None)  # violates NOT NULL in the database
    with pytest.raises(Exception, match=r"NOT NULL|not-null"):
        await repo.create_many(GROUP, [draft("One"), broken, draft("Three")], created_by=1, now=NOW)
    assert await repo.active_in([GROUP]) == []
