"""The care repository: checks, requests claimed once, sessions, follow-ups once, time off, and
what /mydata and /forget see."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.domain.care import SelfCheck, WeeklyTime, session_schedule
from bot.domain.clock import FixedClock
from storage.care import ACCEPTED, SCHEDULED, CareRepository, Prompt
from storage.db import Database
from storage.people import PeopleRepository, Sighting


async def setup(db: Database, clock: FixedClock) -> CareRepository:
    for user_id, name in ((7, "Sam"), (8, "Cleo"), (9, "Tom")):
        await PeopleRepository(db).record(Sighting(user_id, name, None, "en", True), clock.now())
    return CareRepository(db)


async def test_checks_requests_and_sessions(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    now = clock.now()
    await repo.add_check(7, SelfCheck(4, 2, 4, 5, False), now)
    await repo.add_check(9, SelfCheck(2, 5, 2, 20, True), now)
    assert [r.energy for r in await repo.checks(now - timedelta(days=1), user_id=7)] == [4]
    assert len(await repo.checks(now - timedelta(days=1))) == 2

    request = await repo.create_request(7, now)
    assert (await repo.open_request(7)) == request and await repo.open_requests() == {7: 1}
    assert await repo.claim(request.id, 8, ACCEPTED, now)
    assert not await repo.claim(request.id, 9, ACCEPTED, now)  # another coordinator holds it
    assert await repo.claim(request.id, 8, SCHEDULED, now)
    assert not await repo.claim(request.id, 8, SCHEDULED, now)  # once
    assert await repo.open_request(7) is None and await repo.open_requests() == {}

    schedule = session_schedule(datetime(2026, 11, 25, 14, 0), "UTC")
    session_id = await repo.create_session(request.id, 8, schedule, [7], now)
    session = await repo.session(session_id)
    assert session is not None and session.participants == (7, 8) and session.schedule == schedule
    assert [s.id for s in await repo.sessions_of(7)] == [session_id]
    start = datetime(2026, 11, 25, 14, 0, tzinfo=now.tzinfo)
    await repo.record_reminder(session_id, start, 1440, "enqueued", now)
    await repo.record_reminder(session_id, start, 1440, "enqueued", now)
    assert await repo.handled_reminders(session_id, now - timedelta(days=8)) == {(start, 1440)}


async def test_follow_ups_and_time_off(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    now = clock.now()
    assert await repo.add_follow_up(1, 7, now + timedelta(days=1))
    assert not await repo.add_follow_up(1, 9, now)  # one per alert
    assert [f.alert_id for f in await repo.pending_follow_ups()] == [1]
    assert await repo.mark_follow_up_sent(1, now) and not await repo.mark_follow_up_sent(1, now)
    assert await repo.pending_follow_ups() == []

    away = await repo.set_time_off(7, now, now + timedelta(days=3), now)
    assert await repo.away([7, 9], now) == {7}
    assert await repo.away([7], now + timedelta(days=4)) == set()
    assert await repo.mark_notified(away.id, now) and not await repo.mark_notified(away.id, now)
    assert await repo.end_time_off(7, now + timedelta(hours=1))
    assert await repo.away([7], now + timedelta(hours=2)) == set()
    assert not await repo.end_time_off(7, now + timedelta(hours=2))


async def test_export_and_erase(db: Database, clock: FixedClock) -> None:
    repo = await setup(db, clock)
    now = clock.now()
    await repo.add_check(7, SelfCheck(4, 2, 4, 5, False), now)
    await repo.set_prompt(Prompt(7, WeeklyTime(4, time(17, 0)), "UTC"))
    await repo.create_request(7, now)
    await repo.set_time_off(7, now, now + timedelta(days=1), now)
    exported = await repo.export(7)
    assert len(exported["self_checks"]) == 1 and exported["weekly_prompt"]["weekday"] == 4
    assert len(exported["supervision_requests"]) == 1 and len(exported["time_off"]) == 1
    assert await repo.erase(7) == 4
    assert await repo.export(7) == {
        "self_checks": [],
        "supervision_requests": [],
        "time_off": [],
        "weekly_prompt": None,
    }


async def test_a_new_prompt_or_request_copy_replaces_the_old_and_new_rows_name_themselves(
    db: Database, clock: FixedClock
) -> None:
    """The upserts that were ``INSERT OR REPLACE`` still replace, and ids come from RETURNING."""
    repo = await setup(db, clock)
    now = clock.now()
    await repo.set_prompt(Prompt(7, WeeklyTime(4, time(17, 0)), "UTC"))
    await repo.set_prompt(Prompt(7, WeeklyTime(1, time(9, 30)), "Europe/Madrid"))
    assert await repo.prompts() == [Prompt(7, WeeklyTime(1, time(9, 30)), "Europe/Madrid")]

    first, second = await repo.create_request(7, now), await repo.create_request(9, now)
    assert first.id != second.id and await repo.request(second.id) == second
    await repo.add_request_message(first.id, 8, 100)
    await repo.add_request_message(first.id, 8, 101)  # the coordinator's copy was sent again
    assert [(m.coordinator_id, m.message_id) for m in await repo.request_messages(first.id)] == [(8, 101)]

    away = await repo.set_time_off(9, now, now + timedelta(days=2), now)
    assert await repo.time_off(9, now) == away
    assert await repo.add_check(7, SelfCheck(3, 3, 3, 10, False), now) != await repo.add_check(
        7, SelfCheck(3, 3, 3, 10, False), now
    )
