"""Attendance use cases on a scratch database: roll calls, marks, reports, letters and codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.domain.attendance import DateRange
from bot.domain.clock import FixedClock
from bot.domain.roles import Action
from bot.usecases import attendance as usecase
from bot.usecases.attendance import Days, IssuedLetter, NoLetter, Occurrence
from storage.attendance import POST_FAILED, CheckIn, RollCall
from storage.db import Database
from storage.meetings import Meeting
from storage.people import Sighting
from tests.conftest import NOW
from tests.unit.offline_services import Offline, offline
from tests.unit.test_attendance_storage import setup_group

START = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # a Monday: the weekly meeting setup_group makes
FACILITATOR = 9  # administers group -1 (not a member); members are 1, 2, 3


@dataclass
class GroupMessages:
    """The roll-call messages the handler would send: ids handed out, or None (Telegram refused)."""

    refuse: bool = False
    posted: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    closed: list[tuple[int, int]] = field(default_factory=list)

    async def post(self, meeting: Meeting, roll_call: RollCall, closes: datetime) -> int | None:
        if self.refuse:
            return None
        self.posted.append((meeting.id, roll_call.start, closes))
        return 500 + len(self.posted)

    async def close(self, meeting: Meeting, roll_call: RollCall, present: int) -> None:
        self.closed.append((meeting.id, present))


async def join(world: Offline, user_id: int) -> None:
    await world.svc.people.record(Sighting(user_id, "Sam", None, "en", True), NOW)
    await world.svc.groups.add_member(-1, user_id, NOW)


async def world_with_meeting(db: Database, clock: FixedClock) -> tuple[Offline, Meeting]:
    meeting_id = await setup_group(db)
    world = offline(db, clock, admins=[(-1, FACILITATOR)])
    meeting = await world.svc.repos.meetings.get(meeting_id)
    assert meeting is not None
    return world, meeting


async def test_a_roll_call_is_planned_posted_once_counted_and_closed(db: Database, clock: FixedClock) -> None:
    world, meeting = await world_with_meeting(db, clock)
    svc, messages = world.svc, GroupMessages()
    await usecase.meeting_changed(svc, meeting.id, messages)
    window = usecase.window_of(svc, meeting, START)
    assert world.jobs.planned("rollcall:") == {f"rollcall:{meeting.id}": window.opens}

    clock.set(window.opens)
    await world.jobs.run(f"rollcall:{meeting.id}")
    assert messages.posted == [(meeting.id, START, window.closes)]
    assert world.jobs.planned("rollcall:")[f"rollcall:{meeting.id}"] > window.closes  # next week's

    stamp = usecase.stamp(START)
    assert await usecase.check_in(svc, meeting.id, stamp, -999, 1) is CheckIn.UNKNOWN  # another chat
    assert await usecase.check_in(svc, meeting.id, stamp, -1, 1) is CheckIn.RECORDED
    assert await usecase.check_in(svc, meeting.id, stamp, -1, 1) is CheckIn.ALREADY

    clock.set(window.closes)
    await world.jobs.run(f"rollcall-close:{meeting.id}:{stamp}")
    assert messages.closed == [(meeting.id, 1)]
    assert await usecase.check_in(svc, meeting.id, stamp, -1, 2) is CheckIn.CLOSED


async def test_a_refused_post_is_recorded_and_not_tried_again_by_itself(
    db: Database, clock: FixedClock
) -> None:
    world, meeting = await world_with_meeting(db, clock)
    window = usecase.window_of(world.svc, meeting, START)
    clock.set(window.opens)
    await usecase.open_roll_call(world.svc, meeting.id, START, GroupMessages(refuse=True))
    roll_call = await world.svc.repos.attendance.roll_call(meeting.id, START)
    assert roll_call is not None and roll_call.message_id == POST_FAILED
    assert f"rollcall-close:{meeting.id}:{usecase.stamp(START)}" not in world.jobs.planned()
    # A facilitator can still post it by hand, open at least one window from now; once only.
    by_hand = GroupMessages()
    occurrence = Occurrence(meeting, START)
    clock.set(window.closes - timedelta(minutes=5))
    assert await usecase.open_by_hand(world.svc, occurrence, by_hand)
    assert by_hand.posted == [(meeting.id, START, window.closes + timedelta(minutes=10))]
    assert not await usecase.open_by_hand(world.svc, occurrence, by_hand)


async def test_facilitators_flip_marks_of_members_only_for_seven_days(
    db: Database, clock: FixedClock
) -> None:
    world, meeting = await world_with_meeting(db, clock)
    svc = world.svc
    clock.set(START + timedelta(hours=2))
    found = await usecase.named_occurrence(svc, meeting.id, usecase.stamp(START))
    assert found == Occurrence(meeting, START)
    assert await usecase.named_occurrence(svc, 999, usecase.stamp(START)) is None
    assert await usecase.still_correctable(svc, found)
    assert not await usecase.still_correctable(
        svc, Occurrence(meeting, START + timedelta(hours=1))
    )  # no such

    assert not await usecase.toggle_mark(svc, found, 77, FACILITATOR)  # not a member: a forged button
    assert await usecase.toggle_mark(svc, found, 2, FACILITATOR)
    assert (await usecase.panel_state(svc, found)).marks == {2: True}
    assert await usecase.toggle_mark(svc, found, 2, FACILITATOR)
    state = await usecase.panel_state(svc, found)
    assert state.marks == {2: False} and [m.user_id for m in state.members] == [1, 2, 3]
    assert not state.can_open  # the window has closed

    recent = await usecase.recent_occurrences(svc, -1)
    assert recent.group_title == "Group -1"
    assert [c.start for c in recent.choices] == [START]  # last week's began more than 7 days ago

    clock.set(START + timedelta(days=8))
    assert not await usecase.still_correctable(svc, found)


async def test_reports_cover_the_groups_a_person_may_see_over_the_period_asked(
    db: Database, clock: FixedClock
) -> None:
    world, meeting = await world_with_meeting(db, clock)
    svc = world.svc
    assert await usecase.allowed_groups(svc, 1, Action.VIEW_REPORTS) == []  # a member
    assert await usecase.allowed_groups(svc, FACILITATOR, Action.VIEW_REPORTS) == []  # unknown to Kindred
    await join(world, FACILITATOR)
    assert [g.chat_id for g in await usecase.allowed_groups(svc, FACILITATOR, Action.VIEW_REPORTS)] == [-1]
    occurrence = Occurrence(meeting, START)
    clock.set(START)
    for user_id in (1, 3):
        await usecase.toggle_mark(svc, occurrence, user_id, FACILITATOR)
    groups = await svc.groups.active()
    period = DateRange(START - timedelta(days=1), START + timedelta(days=1))
    made = await usecase.group_report(svc, groups, period, "a former member")
    assert (made.first, made.last) == (date(2026, 11, 22), date(2026, 11, 24))
    assert made.report.summary.meetings_held == 1 and made.report.summary.average == 2
    assert made.report.csv.decode().count("\n") == 3  # a header and two marks
    assert made.report.chart == {-1: [(START.date(), 2.0)]}
    empty = await usecase.build_report(
        svc, [-1], DateRange(START + timedelta(days=2), START + timedelta(days=3)), ""
    )
    assert (empty.summary.meetings_held, empty.csv) == (0, b"")
    assert usecase.report_period(svc, "4w") == DateRange(START - timedelta(weeks=4), START)


async def test_a_letter_lists_only_meetings_attended_and_its_code_verifies(
    db: Database, clock: FixedClock
) -> None:
    world, meeting = await world_with_meeting(db, clock)
    svc = world.svc
    days = usecase.letter_days(svc, "3m")
    assert (days.first, days.last) == (date(2026, 8, 23), date(2026, 11, 23))
    assert await usecase.issue_letter(svc, 1, "Ana", days) is NoLetter.NOTHING_ATTENDED
    clock.set(START)
    await usecase.toggle_mark(svc, Occurrence(meeting, START), 1, FACILITATOR)
    clock.set(START + timedelta(days=1))
    typed = usecase.days_typed(svc, "2026-11-01 2026-11-24", "UTC")
    assert (typed.first, typed.last) == (date(2026, 11, 1), date(2026, 11, 24))
    issued = await usecase.issue_letter(svc, 1, "Telegram name", typed)
    assert isinstance(issued, IssuedLetter)
    assert issued.letter.first_name == "Ana"  # the profile's name, not Telegram's fallback
    assert [m.meeting_title for m in issued.letter.meetings] == ["Monday"]

    assert not await usecase.may_verify(svc, 1)  # members do not check codes
    assert not await usecase.may_verify(svc, FACILITATOR)  # Kindred has not seen him in a group
    await join(world, FACILITATOR)
    assert await usecase.may_verify(svc, FACILITATOR)
    assert await usecase.verified_letter(svc, issued.code) == issued.letter
    forged = issued.code[:-1] + ("A" if issued.code[-1] != "A" else "B")
    assert await usecase.verified_letter(svc, forged) is None


async def test_without_a_secret_no_letter_is_made(db: Database, clock: FixedClock) -> None:
    await setup_group(db)
    world = offline(db, clock, secret=None)
    days = Days(date(2026, 11, 1), date(2026, 11, 30), DateRange(NOW - timedelta(days=30), NOW))
    assert await usecase.issue_letter(world.svc, 1, "Ana", days) is NoLetter.UNAVAILABLE
