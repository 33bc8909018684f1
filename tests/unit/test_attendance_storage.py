"""Attendance repository: roll calls, presses, marks, reports in SQL, letters, personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.attendance import DateRange, Window, roll_call_window
from storage.attendance import AttendanceRepository, CheckIn
from storage.db import Database
from storage.groups import GroupRepository
from storage.people import PeopleRepository, Sighting
from tests.backend import sqlite_only
from tests.checks import found
from tests.conftest import NOW

START = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
WINDOW = roll_call_window(START, START + timedelta(hours=1))


async def setup_group(db: Database, chat_id: int = -1, names: tuple[str, ...] = ("Ana", "Bea", "Cai")) -> int:
    """A group with members 1..n and a weekly meeting; returns the meeting id."""
    groups, people = GroupRepository(db), PeopleRepository(db)
    await groups.register(chat_id, f"Group {chat_id}", "UTC", "en", NOW)
    for user_id, name in enumerate(names, start=1):
        await people.record(Sighting(user_id, name, None, None, False), NOW)
        await groups.add_member(chat_id, user_id, NOW)
    stamp = "2026-11-01T00:00:00.000000Z"
    async with db.transaction() as tx:
        meeting_id = await tx.fetch_value(
            """
            INSERT INTO meetings (chat_id, title, first_start_local, time_zone, duration_minutes, rrule,
                                  created_by, created_at, updated_at)
            VALUES (?, 'Monday', '2026-11-02T18:00', 'UTC', 60, 'FREQ=WEEKLY', 1, ?, ?)
            RETURNING id
            """,
            (chat_id, stamp, stamp),
        )
    return int(meeting_id)


async def test_a_press_counts_once_inside_the_window_only(db: Database) -> None:
    repo = AttendanceRepository(db)
    meeting_id = await setup_group(db)
    assert await repo.check_in(meeting_id, START, 1, START) is CheckIn.UNKNOWN
    roll_call = await repo.start_roll_call(meeting_id, START, -1, WINDOW)
    again = await repo.start_roll_call(meeting_id, START, -1, Window(START, START))
    assert again.window == WINDOW  # never replaced
    assert await repo.check_in(meeting_id, START, 1, WINDOW.opens - timedelta(seconds=1)) is CheckIn.EARLY
    assert await repo.check_in(meeting_id, START, 1, START) is CheckIn.RECORDED
    assert await repo.check_in(meeting_id, START, 1, START) is CheckIn.ALREADY
    assert await repo.check_in(meeting_id, START, 2, WINDOW.closes) is CheckIn.CLOSED
    await repo.mark(roll_call, 1, False, 9, START)
    assert await repo.check_in(meeting_id, START, 1, START) is CheckIn.RECORDED  # pressing undoes "absent"
    await repo.mark(roll_call, 2, True, 9, START)
    assert await repo.marks(meeting_id, START) == {1: True, 2: True}
    assert await repo.present_count(meeting_id, START) == 2


async def test_posting_is_claimed_once_and_closing_happens_once(db: Database) -> None:
    repo = AttendanceRepository(db)
    meeting_id = await setup_group(db)
    await repo.start_roll_call(meeting_id, START, -1, WINDOW)
    later = WINDOW.closes + timedelta(minutes=5)
    assert await repo.claim_posting(meeting_id, START, later)
    assert not await repo.claim_posting(meeting_id, START, later)
    await repo.release_unfinished_posts()  # a crash before the message id was recorded
    assert await repo.claim_posting(meeting_id, START, later)
    await repo.set_message(meeting_id, START, 77)
    [unclosed] = await repo.unclosed()
    assert (unclosed.message_id, unclosed.window.closes) == (77, later)
    assert await repo.mark_closed(meeting_id, START)
    assert not await repo.mark_closed(meeting_id, START)
    assert await repo.unclosed() == []


async def test_report_queries_count_in_sql(db: Database) -> None:
    repo = AttendanceRepository(db)
    meeting_id = await setup_group(db, names=("Ana", "Bea", "Cai", "Dee"))
    other = await setup_group(db, chat_id=-2, names=("Ana", "Bea", "Cai", "Dee"))
    first = datetime(2026, 11, 2, 18, tzinfo=UTC)
    # Ana comes to all four Mondays; Bea to the first two only; Cai from the third; Dee never.
    present = {0: (1, 2), 1: (1, 2), 2: (1, 3), 3: (1, 3)}
    for week, people in present.items():
        start = first + timedelta(weeks=week)
        roll_call = await repo.start_roll_call(meeting_id, start, -1, roll_call_window(start, start))
        for user_id in people:
            await repo.mark(roll_call, user_id, True, 9, start)
        await repo.mark(roll_call, 4, False, 9, start)
    other_call = await repo.start_roll_call(other, first, -2, roll_call_window(first, first))
    await repo.mark(other_call, 4, True, 9, first)  # another group: not in the report
    before = datetime(2026, 10, 1, tzinfo=UTC)
    roll_call = await repo.start_roll_call(meeting_id, before, -1, roll_call_window(before, before))
    await repo.mark(roll_call, 1, True, 9, before)  # Ana came before the range: not a newcomer

    period = DateRange(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    counts = await repo.occurrence_counts([-1], period)
    assert [c.present for c in counts] == [2, 2, 2, 2]
    assert {c.meeting_title for c in counts} == {"Monday"}
    dropped = await repo.dropped_candidates([-1], period)
    assert [(d.name, d.early, d.late) for d in dropped] == [("Bea", 2, 0)]
    newcomers = await repo.newcomers([-1], period)
    assert sorted(found(n.name) for n in newcomers) == ["Bea", "Cai"]
    rows = await repo.rows([-1], period)
    assert len(rows) == 12 and sum(r.present for r in rows) == 8  # Dee marked absent each week
    assert len(await repo.occurrence_counts([-1, -2], period)) == 5
    assert await repo.occurrence_counts([], period) == []


@sqlite_only
async def test_report_queries_use_the_indexes(db: Database) -> None:
    plans = []
    for sql in (
        "SELECT COUNT(*) FROM attendance WHERE chat_id = -1 AND occurrence_start >= '2026' AND present = 1",
        "SELECT * FROM attendance WHERE user_id = 1 AND occurrence_start >= '2026'",
        "SELECT * FROM roll_calls WHERE chat_id = -1 AND occurrence_start >= '2026'",
    ):
        rows = await db.fetch_all(f"EXPLAIN QUERY PLAN {sql}")
        plans.append(" ".join(str(row[3]) for row in rows))
    assert "attendance_by_group" in plans[0]
    assert "attendance_by_user" in plans[1]
    assert "roll_calls_by_group" in plans[2]


async def test_history_letters_export_and_erasure(db: Database) -> None:
    repo = AttendanceRepository(db)
    meeting_id = await setup_group(db)
    roll_call = await repo.start_roll_call(meeting_id, START, -1, WINDOW)
    await repo.check_in(meeting_id, START, 1, START)
    await repo.mark(roll_call, 2, True, 1, START)  # Ana, a facilitator, marked Bea
    [item] = await repo.history(1, present_only=True)
    assert (item.group_title, item.meeting_title, item.start, item.minutes) == (
        "Group -1",
        "Monday",
        START,
        60,
    )
    await repo.save_letter("AAAA-BBBB-CCCC-DDDD", 1, b'{"v":1}', NOW)
    assert await repo.letter("AAAA-BBBB-CCCC-DDDD") == {"v": 1}
    exported = await repo.export(1)
    attendance, letters = exported["attendance"], exported["proof_letters"]
    assert isinstance(attendance, list) and isinstance(letters, list)
    assert len(attendance) == 1 and len(letters) == 1

    assert await repo.erase(1) == {"attendance": 1, "letters": 1}
    assert await repo.history(1) == []
    assert await repo.letter("AAAA-BBBB-CCCC-DDDD") is None
    assert await repo.present_count(meeting_id, START) == 2  # the count published stays true
    marked_by = await db.fetch_value("SELECT marked_by FROM attendance WHERE user_id = 2")
    assert marked_by is None
    period = DateRange(START - timedelta(days=1), START + timedelta(days=1))
    assert sorted(r.name or "-" for r in await repo.rows([-1], period)) == ["-", "Bea"]
