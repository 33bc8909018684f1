"""Check-in storage: round trips, SQL aggregates through suppress(), erasure, retention, digests."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.domain.checkins import PublishedCell, SuppressedCell, suppress
from bot.domain.pseudonym import group_pseudonym, pseudonym
from storage.checkins import CheckInRepository, Contribution, Prompt, SharedItem, StoredCheckIn
from storage.groups import GroupRepository
from storage.people import PeopleRepository, Sighting
from tests.backend import column_names
from tests.conftest import NOW

SECRET = "repository-test-secret-0123456789abcdef"
BIG, SMALL = -100, -200


def contributions(user_id: int, week: str = "2026-W48") -> list[Contribution]:
    return [Contribution(group, week, group_pseudonym(user_id, group, SECRET)) for group in (BIG, SMALL)]


async def test_checkins_round_trip_under_a_pseudonym(db) -> None:
    repo = CheckInRepository(db)
    me = pseudonym(7, SECRET)
    first = StoredCheckIn(date(2026, 11, 22), 3, 4, "a note")
    second = StoredCheckIn(date(2026, 11, 23), 5, 0, None)
    await repo.record(me, first, [], None)
    await repo.record(me, second, [], None)
    await repo.record(pseudonym(8, SECRET), StoredCheckIn(date(2026, 11, 23), 1, 9, None), [], None)
    assert await repo.history(me) == [first, second]
    assert await repo.history(me, since=date(2026, 11, 23)) == [second]
    columns = await column_names(db, "checkins")
    assert columns == {"id", "pseudonym", "local_day", "mood", "craving", "note"}  # no id, no time of day


async def test_weekly_cells_count_distinct_people_and_small_cells_are_suppressed(db) -> None:
    repo = CheckInRepository(db)
    for user_id in range(1, 6):  # five people in the big group, two of them twice
        only_big = [c for c in contributions(user_id) if c.group_id == BIG]
        for _ in range(2 if user_id <= 2 else 1):
            await repo.record(
                pseudonym(user_id, SECRET), StoredCheckIn(NOW.date(), 4, 2, None), only_big, None
            )
    for user_id in (11, 12):
        only_small = [c for c in contributions(user_id) if c.group_id == SMALL]
        await repo.record(pseudonym(user_id, SECRET), StoredCheckIn(NOW.date(), 2, 8, None), only_small, None)
    cells = [suppress(row, min_contributors=5) for row in await repo.weekly_cells([BIG, SMALL], "2026-W40")]
    small, big = cells  # ordered by group id
    assert isinstance(big, PublishedCell) and (big.checkins, big.contributors) == (7, 5)
    assert big.average_mood == 4.0 and big.average_craving == 2.0
    assert isinstance(small, SuppressedCell) and small.key.group_id == SMALL
    assert await repo.weekly_cells([BIG], "2026-W49") == []  # weeks before the window are left out


async def test_erasure_removes_checkins_and_contributions_but_nobody_elses(db) -> None:
    repo = CheckInRepository(db)
    await GroupRepository(db).register(BIG, "Big", "UTC", "en", NOW)
    await GroupRepository(db).register(SMALL, "Small", "UTC", "en", NOW)
    await repo.record(pseudonym(7, SECRET), StoredCheckIn(NOW.date(), 3, 3, "x"), contributions(7), None)
    await repo.record(pseudonym(8, SECRET), StoredCheckIn(NOW.date(), 4, 4, None), contributions(8), None)
    mine = [group_pseudonym(7, g, SECRET) for g in await repo.known_group_ids()]
    assert await repo.erase(pseudonym(7, SECRET), mine) == {"checkins": 1, "contributions": 2}
    assert await repo.history(pseudonym(7, SECRET)) == []
    assert len(await repo.history(pseudonym(8, SECRET))) == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM checkin_contributions") == 2


async def test_retention_blanks_old_notes_only(db) -> None:
    repo = CheckInRepository(db)
    me = pseudonym(7, SECRET)
    await repo.record(me, StoredCheckIn(date(2025, 1, 1), 3, 3, "old"), [], None)
    await repo.record(me, StoredCheckIn(date(2026, 11, 1), 3, 3, "recent"), [], None)
    assert await repo.blank_notes_before(date(2025, 11, 23)) == 1
    assert [c.note for c in await repo.history(me)] == [None, "recent"]


async def test_shared_items_wait_for_their_slot_without_a_pseudonym_and_are_dropped(db) -> None:
    repo = CheckInRepository(db)
    slot = NOW + timedelta(hours=6)
    item = SharedItem(BIG, slot, 4, 2, "hello")
    await repo.record(pseudonym(7, SECRET), StoredCheckIn(NOW.date(), 4, 2, "hello"), [], item)
    assert await repo.pending_slots() == [(BIG, slot)]
    assert await repo.shared_items(BIG, slot) == [item]
    assert await repo.shared_items(BIG, slot - timedelta(hours=1)) == []
    columns = await column_names(db, "shared_checkins")
    assert "pseudonym" not in columns
    assert await repo.drop_shared(BIG, slot) == 1
    assert await repo.pending_slots() == []


async def test_prompts_round_trip(db) -> None:
    await PeopleRepository(db).record(Sighting(7, "Ana", None, "es", private_chat=True), NOW)
    repo = CheckInRepository(db)
    prompt = Prompt(7, time(20, 0), "Europe/Madrid")
    await repo.set_prompt(prompt)
    assert await repo.prompt(7) == prompt
    await repo.set_prompt(Prompt(7, time(8, 30), "UTC"))
    assert await repo.prompts() == [Prompt(7, time(8, 30), "UTC")]
    assert await repo.delete_prompt(7) is True
    assert await repo.prompt(7) is None and await repo.delete_prompt(7) is False
