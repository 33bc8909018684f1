"""Check-in use cases on a scratch database: what is stored, shared, planned and sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.checkins import PublishedCell, SuppressedCell, next_digest_time, next_prompt_time
from bot.domain.clock import FixedClock
from bot.usecases import checkins as usecase
from bot.usecases.checkins import Answers, Wording
from storage.checkins import SharedItem
from storage.db import Database
from storage.people import Sighting
from tests.conftest import NOW
from tests.unit.offline_services import Offline, offline

MAYA, ANA, SAM = 3, 4, 9
CIRCLE, OTHER = -100, -200
MADRID = ZoneInfo("Europe/Madrid")


def digest(language: str, items: Sequence[SharedItem]) -> str:
    return f"{language}|" + ";".join(f"{i.mood}/{i.craving}/{i.note}" for i in items)


def prompt(language: str) -> tuple[str, dict[str, object]]:
    return f"prompt in {language}", {"inline_keyboard": []}


WORDING = Wording(digest=digest, prompt=prompt)


async def circle(
    db: Database, clock: FixedClock, admins: Sequence[tuple[int, int]] = (), threshold: int = 5
) -> Offline:
    """Maya (Spanish) and Ana in the Circle (Madrid, Spanish); Other has nobody."""
    world = offline(db, clock, admins=admins, small_cell_threshold=threshold)
    svc = world.svc
    await svc.people.record(Sighting(MAYA, "Maya", None, "es", True), NOW)
    await svc.people.record(Sighting(ANA, "Ana", None, "en", True), NOW)
    await svc.groups.register(CIRCLE, "Circle", "Europe/Madrid", "es", NOW)
    await svc.groups.register(OTHER, "Other", "UTC", "en", NOW)
    for user_id in (MAYA, ANA):
        await svc.groups.add_member(CIRCLE, user_id, NOW)
    return world


async def test_a_shared_checkin_waits_for_the_digest_without_a_name_then_is_posted_and_dropped(
    db: Database, clock: FixedClock
) -> None:
    world = await circle(db, clock)
    svc = world.svc
    saved = await usecase.save_checkin(
        svc, MAYA, Answers(2, 6, "a hard day", False, CIRCLE), share_note=True, wording=WORDING
    )
    slot = next_digest_time(NOW, MADRID)
    assert saved.group is not None and saved.group.chat_id == CIRCLE
    assert saved.digest_at == slot
    assert not saved.note_withheld
    assert await svc.repos.checkins.shared_items(CIRCLE, slot) == [
        SharedItem(CIRCLE, slot, 2, 6, "a hard day")
    ]
    assert await db.fetch_value("SELECT COUNT(*) FROM checkin_contributions") == 1  # Maya's one group

    job = usecase.digest_job(CIRCLE, slot)
    assert world.jobs.planned("digest:") == {job: slot}
    await world.jobs.run(job)
    [posted] = world.outbox.queued
    assert (posted.chat_id, posted.kind, posted.key) == (CIRCLE, "digest", job)
    assert posted.text == "es|2/6/a hard day"  # in the group's language
    assert await svc.repos.checkins.shared_items(CIRCLE, slot) == []


async def test_a_note_read_as_a_crisis_is_never_shared_but_stays_the_members(
    db: Database, clock: FixedClock
) -> None:
    world = await circle(db, clock)
    svc = world.svc
    saved = await usecase.save_checkin(
        svc, MAYA, Answers(1, 9, "I can't go on", True, CIRCLE), share_note=True, wording=WORDING
    )
    assert saved.note_withheld
    [item] = await svc.repos.checkins.shared_items(CIRCLE, next_digest_time(NOW, MADRID))
    assert item.note is None and (item.mood, item.craving) == (1, 9)
    exported = await usecase.export_personal_data(svc, MAYA)
    assert [c["note"] for c in exported["checkins"]] == ["I can't go on"]


async def test_a_private_checkin_plans_nothing_and_only_the_members_groups_may_be_chosen(
    db: Database, clock: FixedClock
) -> None:
    world = await circle(db, clock)
    svc = world.svc
    saved = await usecase.save_checkin(
        svc, MAYA, Answers(4, 0, None, False, None), share_note=False, wording=WORDING
    )
    assert (saved.group, saved.digest_at, saved.note_withheld) == (None, None, False)
    assert world.jobs.planned() == {}
    assert await usecase.may_share_with(svc, MAYA, CIRCLE)
    assert not await usecase.may_share_with(svc, MAYA, OTHER)  # a forged button, or a group left
    assert [g.chat_id for g in await usecase.share_choices(svc, MAYA)] == [CIRCLE]


async def test_my_stats_read_only_my_own_checkins_averaged_per_day(db: Database, clock: FixedClock) -> None:
    world = await circle(db, clock)
    svc = world.svc
    for mood in (2, 4):
        await usecase.save_checkin(
            svc, MAYA, Answers(mood, 1, None, False, None), share_note=False, wording=WORDING
        )
    await usecase.save_checkin(svc, ANA, Answers(5, 0, None, False, None), share_note=False, wording=WORDING)
    mine = await usecase.my_stats(svc, MAYA, 30)
    today = NOW.astimezone(MADRID).date()
    assert (mine.days, mine.today, mine.daily_moods) == (30, today, [(today, 3.0)])
    assert not mine.empty and mine.stats.period(30).checkins == 2
    assert (await usecase.my_stats(svc, SAM, 90)).empty


async def test_wellbeing_shows_facilitators_their_groups_and_hides_small_cells(
    db: Database, clock: FixedClock
) -> None:
    world = await circle(db, clock, admins=[(CIRCLE, SAM)], threshold=3)
    svc = world.svc
    await svc.people.record(Sighting(SAM, "Sam", None, "en", True), NOW)
    await svc.groups.add_member(CIRCLE, SAM, NOW)
    assert (await usecase.wellbeing(svc, MAYA)).groups == []  # a member sees no aggregates
    for user_id in (MAYA, ANA):
        await usecase.save_checkin(
            svc, user_id, Answers(3, 3, None, False, None), share_note=False, wording=WORDING
        )
    seen = await usecase.wellbeing(svc, SAM)
    assert [g.chat_id for g in seen.groups] == [CIRCLE] and seen.threshold == 3
    assert [type(c) for c in seen.cells] == [SuppressedCell]  # two people: too few to show
    await usecase.save_checkin(svc, SAM, Answers(3, 3, None, False, None), share_note=False, wording=WORDING)
    [cell] = (await usecase.wellbeing(svc, SAM)).cells
    assert isinstance(cell, PublishedCell) and cell.contributors == 3


async def test_a_daily_prompt_defaults_to_the_members_zone_and_plans_the_next_after_sending(
    db: Database, clock: FixedClock
) -> None:
    world = await circle(db, clock)
    svc = world.svc
    set_up = await usecase.set_daily_prompt(svc, MAYA, time(20), None, WORDING)
    assert set_up.timezone == "Europe/Madrid"  # her first group's zone
    first = next_prompt_time(NOW, time(20), MADRID)
    assert world.jobs.planned("prompt:") == {"prompt:3": first}

    clock.set(first)
    await world.jobs.run("prompt:3")
    [sent] = world.outbox.queued
    assert (sent.chat_id, sent.kind, sent.text) == (MAYA, "prompt", "prompt in es")
    assert sent.key == f"prompt:3:{first.astimezone(MADRID).date().isoformat()}"
    assert world.jobs.planned("prompt:")["prompt:3"] > first  # tomorrow's

    assert await usecase.stop_daily_prompt(svc, MAYA)
    assert world.jobs.planned("prompt:") == {}
    assert await usecase.current_prompt(svc, MAYA) is None
    assert not await usecase.stop_daily_prompt(svc, MAYA)


async def test_replan_rebuilds_waiting_digests_and_prompts_from_the_database(
    db: Database, clock: FixedClock
) -> None:
    world = await circle(db, clock)
    svc = world.svc
    await usecase.save_checkin(
        svc, MAYA, Answers(3, 3, None, False, CIRCLE), share_note=False, wording=WORDING
    )
    await usecase.set_daily_prompt(svc, ANA, time(8, 30), "UTC", WORDING)
    world.jobs.forget_all()  # a restart: nothing in memory
    assert await usecase.replan(svc, WORDING) == (1, 1)
    assert set(world.jobs.planned()) == {
        usecase.digest_job(CIRCLE, next_digest_time(NOW, MADRID)),
        "prompt:4",
    }
    assert await usecase.purge_expired_notes(svc, datetime(2000, 1, 1, tzinfo=UTC)) == 0
