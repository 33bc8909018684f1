"""The meetings repository on a migrated database: series, skips, RSVPs with a waitlist, reminder
settings and ledger, announcements, and personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.meeting_form import parse_meeting_line
from bot.domain.meetings import DEFAULT_REMINDER_OFFSETS, Answer, RsvpCounts
from storage.groups import GroupRepository
from storage.meetings import MeetingRepository
from storage.people import PeopleRepository, Sighting
from tests.checks import found
from tests.conftest import NOW

GROUP = -100
LINE = "/schedule Circle <b> | 2026-11-24 19:00 | 90m | weekly | https://meet.example.org/c | bring tea"


@pytest.fixture
async def repo(db) -> MeetingRepository:
    await GroupRepository(db).register(GROUP, "Circle", "Europe/Madrid", "en", NOW)
    people = PeopleRepository(db)
    for user_id in (1, 2, 3):
        await people.record(Sighting(user_id, f"P{user_id}", None, "en", private_chat=True), NOW)
    return MeetingRepository(db)


def draft(line: str = LINE):
    return parse_meeting_line(line, time_zone="Europe/Madrid", now=NOW)


async def test_a_meeting_round_trips_with_its_schedule(repo: MeetingRepository) -> None:
    meeting = await repo.create(GROUP, draft(), created_by=1, now=NOW)
    again = await repo.get(meeting.id)
    assert again == meeting
    assert again.title == "Circle <b>" and again.series.link == "https://meet.example.org/c"
    assert again.schedule == draft().schedule
    assert [m.id for m in await repo.active_in([GROUP])] == [meeting.id]
    await repo.skip(meeting.id, draft().schedule.first_start.date())
    assert found(await repo.get(meeting.id)).schedule.skipped == {draft().schedule.first_start.date()}
    await repo.cancel(meeting.id, NOW)
    assert found(await repo.get(meeting.id)).cancelled
    assert await repo.active_in([GROUP]) == [] and await repo.active_everywhere() == []


async def test_inactive_groups_have_no_active_meetings_to_remind(repo: MeetingRepository, db) -> None:
    await repo.create(GROUP, draft(), created_by=1, now=NOW)
    assert len(await repo.active_everywhere()) == 1
    await GroupRepository(db).deactivate(GROUP, NOW)
    assert await repo.active_everywhere() == []


async def test_a_supergroup_migration_carries_the_meetings(repo: MeetingRepository, db) -> None:
    meeting = await repo.create(GROUP, draft(), created_by=1, now=NOW)
    await repo.set_reminder_offsets(GROUP, (timedelta(hours=2),), NOW)
    await GroupRepository(db).migrate_chat(GROUP, -200)
    assert found(await repo.get(meeting.id)).chat_id == -200
    assert (await repo.reminder_settings(-200))[0] == (timedelta(hours=2),)


async def test_rsvps_fill_seats_then_the_waitlist_moves_up_in_order(repo: MeetingRepository) -> None:
    meeting = await repo.create(GROUP, draft(), created_by=1, now=NOW, capacity=1)
    start = NOW + timedelta(days=1)
    first = await repo.rsvp(meeting.id, start, 1, Answer.GOING, capacity=1, now=NOW)
    assert (first.previous, first.waitlisted) == (None, False)
    assert (await repo.rsvp(meeting.id, start, 2, Answer.GOING, capacity=1, now=NOW)).waitlisted
    assert (await repo.rsvp(meeting.id, start, 3, Answer.GOING, capacity=1, now=NOW)).waitlisted
    assert await repo.counts(meeting.id, start) == RsvpCounts(going=1, waitlist=2)
    same = await repo.rsvp(meeting.id, start, 2, Answer.GOING, capacity=1, now=NOW)
    assert same.previous is Answer.GOING and same.promoted == ()
    freed = await repo.rsvp(meeting.id, start, 1, Answer.NO, capacity=1, now=NOW)
    assert freed.promoted == (2,)
    assert await repo.counts(meeting.id, start) == RsvpCounts(going=1, no=1, waitlist=1)
    raised = await repo.set_capacity(meeting.id, 5, NOW, [start])
    assert raised == {start: (3,)}
    assert await repo.answer_of(meeting.id, start, 3) is Answer.GOING
    assert set(await repo.coming(meeting.id, NOW)) == {2, 3}


async def test_reminder_recipients_respect_answers_preferences_and_reachability(
    repo: MeetingRepository, db
) -> None:
    meeting = await repo.create(GROUP, draft(), created_by=1, now=NOW)
    start = NOW + timedelta(days=1)
    for user_id, answer in ((1, Answer.GOING), (2, Answer.MAYBE), (3, Answer.NO)):
        await repo.rsvp(meeting.id, start, user_id, answer, capacity=None, now=NOW)
    assert [r.user_id for r in await repo.reminder_recipients(meeting.id, start)] == [1, 2]
    await repo.set_private_reminders(2, False)
    assert not await repo.private_reminders(2) and await repo.private_reminders(1)
    await PeopleRepository(db).mark_unreachable(1, NOW)
    assert await repo.reminder_recipients(meeting.id, start) == []


async def test_reminder_settings_and_ledger(repo: MeetingRepository) -> None:
    meeting = await repo.create(GROUP, draft(), created_by=1, now=NOW)
    assert await repo.reminder_settings(GROUP) == (DEFAULT_REMINDER_OFFSETS, None)
    await repo.set_reminder_offsets(GROUP, (timedelta(minutes=30), timedelta(hours=3)), NOW)
    assert await repo.reminder_settings(GROUP) == ((timedelta(hours=3), timedelta(minutes=30)), NOW)
    start = NOW + timedelta(days=1)
    await repo.record_reminder(meeting.id, start, 60, "enqueued", NOW)
    await repo.record_reminder(meeting.id, start, 60, "skipped", NOW)  # the first outcome stands
    assert await repo.handled_reminders(meeting.id, NOW) == {(start, 60)}


async def test_announcements_remember_what_they_show(repo: MeetingRepository) -> None:
    meeting = await repo.create(GROUP, draft(), created_by=1, now=NOW)
    start = NOW + timedelta(days=1)
    await repo.add_announcement(meeting.id, start, GROUP, 7, "a")
    [announcement] = await repo.announcements(meeting.id, start)
    await repo.set_rendered(meeting.id, start, announcement, "b")
    assert [a.rendered for a in await repo.announcements(meeting.id, start)] == ["b"]


async def test_personal_data_is_exported_and_erased(repo: MeetingRepository) -> None:
    meeting = await repo.create(GROUP, draft(), created_by=1, now=NOW, capacity=1)
    start = NOW + timedelta(days=1)
    await repo.rsvp(meeting.id, start, 1, Answer.GOING, capacity=1, now=NOW)
    await repo.rsvp(meeting.id, start, 2, Answer.GOING, capacity=1, now=NOW)
    await repo.set_private_reminders(1, False)
    exported = await repo.personal_data(1)
    rsvps = exported["rsvps"]
    assert isinstance(rsvps, list)
    assert [r["answer"] for r in rsvps] == ["going"]
    assert exported["private_reminders"] is False
    assert exported["meetings_scheduled"] == [{"id": meeting.id, "title": "Circle <b>"}]
    assert await repo.erase_person(1, NOW) == {(meeting.id, start): (2,)}
    assert (await repo.personal_data(1))["rsvps"] == []
    assert await repo.private_reminders(1)
