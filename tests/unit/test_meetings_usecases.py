"""The meetings use cases without Telegram: real repositories and a real outbox (never started) on a
scratch database, a recording scheduler, and a feature hook that records what it was told.

The rules tested here lived in handlers before (cancel and skip telling those coming and
withdrawing queued reminders, seats and the waitlist, reminder catch-up after downtime)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.i18n import Translator
from bot.domain.meeting_form import parse_meeting_line
from bot.domain.meeting_guide import parse_feed_bytes
from bot.domain.meetings import Answer, RsvpCounts
from bot.domain.recurrence import Occurrence
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature
from bot.runtime.outbox import Outbox
from bot.runtime.services import Services
from bot.usecases import feed as feed_uc
from bot.usecases import meeting_reminders
from bot.usecases import meetings as uc
from storage.groups import GroupRepository
from storage.meetings import Meeting
from storage.outbox import Delivery
from storage.people import PeopleRepository, Sighting
from tests.conftest import NOW
from tests.unit.offline_services import RecordingBot, RecordingJobs, SilentBot, application_for, offline

GROUP = -100
LINE = "/schedule Circle | 2026-11-24 19:00 | 90m | weekly"  # Madrid: 18:00 UTC in winter
FIRST = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
SECOND = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


class Texts:
    """Plain words, so a test can see which notice went to whom."""

    def promoted(self, tr: Translator, meeting: Meeting, occurrence: Occurrence) -> str:
        return f"promoted {meeting.id}"

    def skipped(self, tr: Translator, meeting: Meeting, occurrence: Occurrence) -> str:
        return f"skipped {meeting.id} {occurrence.local_date}"

    def cancelled(self, tr: Translator, meeting: Meeting) -> str:
        return f"cancelled {meeting.id}"

    def changed(self, tr: Translator, meeting: Meeting, occurrence: Occurrence | None) -> str:
        return f"changed {meeting.id}"

    def group_reminder(
        self, tr: Translator, meeting: Meeting, occurrence: Occurrence, counts: RsvpCounts
    ) -> tuple[str, list[list[dict[str, str]]]]:
        return f"group reminder {counts.going} going", []

    def private_reminder(
        self, tr: Translator, meeting: Meeting, occurrence: Occurrence, group_title: str
    ) -> tuple[str, list[list[dict[str, str]]]]:
        return f"private reminder ({group_title})", []


TEXTS = Texts()


@dataclass
class Told:
    """A feature's ``on_meeting_changed`` hook that records what it was told."""

    calls: list[tuple[KindredApplication, int]] = field(default_factory=list)

    async def __call__(self, application: KindredApplication, meeting_id: int) -> None:
        self.calls.append((application, meeting_id))


@pytest.fixture
async def told() -> Told:
    return Told()


@pytest.fixture
async def svc(db, clock, told: Told) -> Services:
    await GroupRepository(db).register(GROUP, "Circle", "Europe/Madrid", "en", NOW)
    people = PeopleRepository(db)
    for user_id in (1, 2, 3):
        await people.record(Sighting(user_id, f"P{user_id}", None, "en", private_chat=True), NOW)
    services = offline(db, clock).svc
    services.features = (Feature("listener", handlers=dict, on_meeting_changed=told),)
    services.application = application_for(services, RecordingBot())  # what hooks receive
    services.delivery = Outbox(services.repos.outbox, people, SilentBot(), clock)  # the real one
    return services


async def schedule(svc: Services, line: str = LINE) -> Meeting:
    group = await svc.groups.get(GROUP)
    assert group is not None
    draft = parse_meeting_line(line, time_zone=group.timezone, now=svc.clock.now())
    announced: list[int] = []

    async def announce(meeting: Meeting) -> None:
        announced.append(meeting.id)

    scheduled = await uc.schedule_meeting(svc, group, draft, 1, announce)
    assert announced == [scheduled.meeting.id] and scheduled.upcoming is not None
    assert scheduled.upcoming.start == FIRST
    return scheduled.meeting


def planned(svc: Services) -> dict[str, datetime]:
    """The jobs the recording scheduler holds: name -> due instant."""
    jobs = svc.scheduler
    assert isinstance(jobs, RecordingJobs)
    return jobs.planned()


async def stored(svc: Services, meeting_id: int) -> Meeting:
    meeting = await svc.repos.meetings.get(meeting_id)
    assert meeting is not None
    return meeting


async def queued(svc: Services, key: str) -> str | None:
    """The status of the outbox row with *key*, or None when nothing was queued."""
    row = await svc.repos.outbox.get(key)
    return None if row is None else row.status


async def going(svc: Services, meeting: Meeting, user_id: int, start: datetime = FIRST):
    occurrence = uc.occurrence_at(meeting, start)
    assert occurrence is not None
    return await uc.rsvp(svc, TEXTS, (meeting, occurrence), user_id, Answer.GOING)


async def test_scheduling_tells_every_feature_through_its_hook(svc: Services, told: Told) -> None:
    meeting = await schedule(svc)
    assert told.calls == [(svc.application, meeting.id)]


async def test_cancelling_a_series_tells_those_coming_withdraws_reminders_and_tells_features(
    svc: Services, told: Told
) -> None:
    meeting = await schedule(svc)
    await going(svc, meeting, 1)
    await going(svc, meeting, 2, SECOND)
    reminder = f"reminder:{meeting.id}:2026-11-24T18:00Z:60:{GROUP}"
    await svc.outbox.enqueue([Delivery(reminder, GROUP, "…", "meeting_reminder")])
    told.calls.clear()

    cancelled = await uc.cancel_series(svc, TEXTS, meeting)

    assert cancelled.told == 2 and cancelled.group is not None and cancelled.group.chat_id == GROUP
    assert (await stored(svc, meeting.id)).cancelled
    assert await queued(svc, f"meeting:{meeting.id}:cancelled:1") == "pending"
    assert await queued(svc, f"meeting:{meeting.id}:cancelled:2") == "pending"
    assert await queued(svc, f"meeting:{meeting.id}:cancelled:3") is None  # not coming
    assert await queued(svc, reminder) == "cancelled"
    assert told.calls == [(svc.application, meeting.id)]


async def test_skip_on_a_date_outside_the_series_changes_nothing(svc: Services, told: Told) -> None:
    meeting = await schedule(svc)
    told.calls.clear()
    assert await uc.skip_on(svc, TEXTS, meeting, date(2026, 11, 25)) is None
    assert (await stored(svc, meeting.id)).schedule.skipped == frozenset()
    assert told.calls == []


async def test_skipping_the_next_one_tells_only_its_guests_and_withdraws_only_its_reminders(
    svc: Services,
) -> None:
    meeting = await schedule(svc)
    await going(svc, meeting, 1)
    await going(svc, meeting, 2, SECOND)
    first = f"reminder:{meeting.id}:2026-11-24T18:00Z:60:{GROUP}"
    second = f"reminder:{meeting.id}:2026-12-01T18:00Z:60:{GROUP}"
    await svc.outbox.enqueue([Delivery(key, GROUP, "…", "meeting_reminder") for key in (first, second)])

    skipped = await uc.skip_on(svc, TEXTS, meeting, None)

    assert skipped is not None and skipped.start == FIRST
    assert (await stored(svc, meeting.id)).schedule.skipped == {date(2026, 11, 24)}
    minutes = uc.occurrence_minutes(FIRST)
    assert await queued(svc, f"meeting:{meeting.id}:skipped:{minutes}:1") == "pending"
    assert await queued(svc, f"meeting:{meeting.id}:skipped:{minutes}:2") is None
    assert await queued(svc, first) == "cancelled" and await queued(svc, second) == "pending"


async def test_a_full_meeting_waitlists_and_a_freed_seat_promotes_with_a_notice(svc: Services) -> None:
    meeting = await schedule(svc)
    result = await uc.set_capacity(svc, TEXTS, meeting, 1)
    assert result.changed and result.meeting.capacity == 1 and result.crowded == []
    meeting = result.meeting
    assert not (await going(svc, meeting, 1)).waitlisted
    assert (await going(svc, meeting, 2)).waitlisted

    occurrence = uc.occurrence_at(meeting, FIRST)
    assert occurrence is not None
    change = await uc.rsvp(svc, TEXTS, (meeting, occurrence), 1, Answer.NO)

    assert change.promoted == (2,)
    minutes = uc.occurrence_minutes(FIRST)
    assert await queued(svc, f"meeting:{meeting.id}:promoted:{minutes}:2") == "pending"
    assert await uc.counts(svc, meeting.id, FIRST) == RsvpCounts(going=1, no=1)


async def test_a_capacity_below_those_going_removes_nobody_and_says_where(svc: Services) -> None:
    meeting = await schedule(svc)
    await going(svc, meeting, 1)
    await going(svc, meeting, 2)
    result = await uc.set_capacity(svc, TEXTS, meeting, 1)
    assert [(occurrence.start, count) for occurrence, count in result.crowded] == [(FIRST, 2)]
    assert (await uc.counts(svc, meeting.id, FIRST)).going == 2
    unchanged = await uc.set_capacity(svc, TEXTS, result.meeting, 1)
    assert not unchanged.changed


async def test_after_downtime_only_the_latest_reminder_is_sent_and_only_once(svc: Services, clock) -> None:
    meeting = await schedule(svc)
    await going(svc, meeting, 1)
    first = await meeting_reminders.plan_reminders(svc, TEXTS, meeting.id)
    assert first == meeting_reminders.ReminderPlan(next_due=datetime(2026, 11, 23, 18, 0, tzinfo=UTC))

    clock.set(datetime(2026, 11, 24, 17, 30, tzinfo=UTC))  # down across both the 24 h and the 1 h one
    plan = await meeting_reminders.plan_reminders(svc, TEXTS, meeting.id)

    assert (plan.sent, plan.skipped) == (1, 1)
    assert plan.next_due == datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    batch = f"reminder:{meeting.id}:2026-11-24T18:00Z"
    assert await queued(svc, f"{batch}:60:{GROUP}") == "pending"
    assert await queued(svc, f"{batch}:60:1") == "pending"  # going, private reminders on
    assert await queued(svc, f"{batch}:60:2") is None  # no answer
    assert await queued(svc, f"{batch}:1440:{GROUP}") is None  # superseded, never sent later
    assert (await meeting_reminders.plan_reminders(svc, TEXTS, meeting.id)).sent == 0


async def test_a_cancelled_series_loses_its_reminder_job(svc: Services) -> None:
    meeting = await schedule(svc)
    await meeting_reminders.plan_reminders(svc, TEXTS, meeting.id)
    assert f"reminder:{meeting.id}" in planned(svc)
    await uc.cancel_series(svc, TEXTS, meeting)
    plan = await meeting_reminders.plan_reminders(svc, TEXTS, meeting.id)
    assert plan == meeting_reminders.ReminderPlan()
    assert f"reminder:{meeting.id}" not in planned(svc)


async def test_new_group_reminder_times_replan_each_series(svc: Services) -> None:
    meeting = await schedule(svc)
    offsets = await uc.group_reminders(svc, TEXTS, GROUP, (timedelta(hours=2),))
    assert offsets == (timedelta(hours=2),)
    assert planned(svc)[f"reminder:{meeting.id}"] == FIRST - timedelta(hours=2)


async def test_imported_meetings_are_created_together_and_get_reminder_jobs(svc: Services) -> None:
    group = await svc.groups.get(GROUP)
    assert group is not None
    feed = b'[{"name": "Harbour", "slug": "h", "day": 2, "time": "19:00", "timezone": "Europe/Madrid"}]'
    draft = parse_feed_bytes(feed, default_zone=group.timezone, now=NOW)
    assert len(draft.meetings) == 1, draft.problems
    created = await feed_uc.import_meetings(svc, TEXTS, group, draft.meetings, 1)
    assert [m.title for m in created] == ["Harbour"]
    assert f"reminder:{created[0].id}" in planned(svc)
