"""Meetings: series, skipped dates, RSVPs with a waitlist, announcements, reminder settings and the
reminder ledger.  All SQL for the meetings feature lives here.

A meeting's occurrence is identified by its start instant in UTC (``storage.timestamps`` text), so an
RSVP, an announcement and a reminder name the same occurrence the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.meeting_form import MeetingDraft
from bot.domain.meetings import (
    DEFAULT_REMINDER_OFFSETS,
    Answer,
    MeetingSeries,
    RsvpCounts,
    seats_to_fill,
    takes_waitlist,
)
from bot.domain.recurrence import Recurrence, Schedule
from storage.db import Database, Row, UnitOfWork
from storage.timestamps import from_db, to_db

_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class Meeting:
    """A stored meeting series: the domain's :class:`MeetingSeries` plus who and where."""

    series: MeetingSeries
    chat_id: int
    capacity: int | None
    created_by: int
    cancelled: bool
    created_at: datetime
    updated_at: datetime

    @property
    def id(self) -> int:
        return self.series.id

    @property
    def title(self) -> str:
        return self.series.title

    @property
    def schedule(self) -> Schedule:
        return self.series.schedule


@dataclass(frozen=True)
class RsvpChange:
    """What an RSVP did: the person's answer before and now, and who moved up from the waitlist."""

    previous: Answer | None
    answer: Answer
    waitlisted: bool
    promoted: tuple[int, ...]


@dataclass(frozen=True)
class Announcement:
    chat_id: int
    message_id: int
    rendered: str


@dataclass(frozen=True)
class Recipient:
    user_id: int
    language: str | None
    telegram_language: str | None


_MEETING_COLUMNS = (
    "id, chat_id, title, first_start_local, time_zone, duration_minutes, rrule, place, link, notes, "
    "capacity, created_by, cancelled, created_at, updated_at"
)


def _meeting(row: Row, skipped: Iterable[str]) -> Meeting:
    schedule = Schedule(
        first_start=datetime.strptime(row["first_start_local"], _LOCAL_FORMAT),
        time_zone=row["time_zone"],
        duration=timedelta(minutes=row["duration_minutes"]),
        recurrence=Recurrence.from_rrule_string(row["rrule"]),
        skipped=frozenset(date.fromisoformat(day) for day in skipped),
    )
    series = MeetingSeries(row["id"], row["title"], schedule, row["place"], row["link"], row["notes"])
    return Meeting(
        series,
        row["chat_id"],
        row["capacity"],
        row["created_by"],
        bool(row["cancelled"]),
        from_db(row["created_at"]),
        from_db(row["updated_at"]),
    )


def _draft_values(draft: MeetingDraft) -> tuple[object, ...]:
    schedule = draft.schedule
    return (
        draft.title,
        schedule.first_start.strftime(_LOCAL_FORMAT),
        schedule.time_zone,
        int(schedule.duration.total_seconds() // 60),
        schedule.recurrence.to_rrule_string(),
        draft.place,
        draft.link,
        draft.notes,
    )


class MeetingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- series ------------------------------------------------------------------------------

    async def create(
        self, chat_id: int, draft: MeetingDraft, created_by: int, now: datetime, capacity: int | None = None
    ) -> Meeting:
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            meeting_id = await tx.fetch_value(
                """
                INSERT INTO meetings (chat_id, title, first_start_local, time_zone, duration_minutes,
                                      rrule, place, link, notes, capacity, created_by, created_at,
                                      updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING id
                """,
                (chat_id, *_draft_values(draft), capacity, created_by, stamp, stamp),
            )
        meeting = await self.get(int(meeting_id))
        assert meeting is not None  # noqa: S101 - just written
        return meeting

    async def create_many(
        self, chat_id: int, drafts: Sequence[MeetingDraft], created_by: int, now: datetime
    ) -> list[Meeting]:
        """Create several series in ONE transaction (a feed import): all of them, or none."""
        stamp = to_db(now)
        ids: list[int] = []
        async with self._db.transaction() as tx:
            for draft in drafts:
                meeting_id = await tx.fetch_value(
                    """
                    INSERT INTO meetings (chat_id, title, first_start_local, time_zone, duration_minutes,
                                          rrule, place, link, notes, capacity, created_by, created_at,
                                          updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)
                    RETURNING id
                    """,
                    (chat_id, *_draft_values(draft), created_by, stamp, stamp),
                )
                ids.append(int(meeting_id))
        return [meeting for meeting in [await self.get(i) for i in ids] if meeting is not None]

    async def update(self, meeting_id: int, draft: MeetingDraft, now: datetime) -> None:
        """Replace what the one-line form says; skipped dates no longer on the schedule go."""
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                UPDATE meetings SET title = ?, first_start_local = ?, time_zone = ?, duration_minutes = ?,
                    rrule = ?, place = ?, link = ?, notes = ?, updated_at = ?
                WHERE id = ?
                """,
                (*_draft_values(draft), to_db(now), meeting_id),
            )
            await tx.execute("DELETE FROM meeting_skips WHERE meeting_id = ?", (meeting_id,))

    async def get(self, meeting_id: int) -> Meeting | None:
        row = await self._db.fetch_one(f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        if row is None:
            return None
        return _meeting(row, await self._skips(meeting_id))

    async def _skips(self, meeting_id: int) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT local_date FROM meeting_skips WHERE meeting_id = ?", (meeting_id,)
        )
        return [row[0] for row in rows]

    async def active_in(self, chat_ids: Sequence[int]) -> list[Meeting]:
        """Series not cancelled in these groups, oldest first."""
        if not chat_ids:
            return []
        marks = ",".join("?" * len(chat_ids))
        rows = await self._db.fetch_all(
            f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE cancelled = 0 AND chat_id IN ({marks}) "
            "ORDER BY id",
            tuple(chat_ids),
        )
        return [_meeting(row, await self._skips(row["id"])) for row in rows]

    async def active_everywhere(self) -> list[Meeting]:
        """Series not cancelled in groups the bot is still in: what start-up plans reminders for."""
        rows = await self._db.fetch_all(
            f"""
            SELECT {", ".join("m." + c.strip() for c in _MEETING_COLUMNS.split(","))}
            FROM meetings m JOIN groups g ON g.chat_id = m.chat_id
            WHERE m.cancelled = 0 AND g.active = 1 ORDER BY m.id
            """
        )
        return [_meeting(row, await self._skips(row["id"])) for row in rows]

    async def cancel(self, meeting_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE meetings SET cancelled = 1, updated_at = ? WHERE id = ?", (to_db(now), meeting_id)
        )

    async def skip(self, meeting_id: int, local_day: date) -> None:
        await self._db.execute(
            "INSERT INTO meeting_skips (meeting_id, local_date) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (meeting_id, local_day.isoformat()),
        )

    async def set_capacity(
        self, meeting_id: int, capacity: int | None, now: datetime, upcoming: Sequence[datetime]
    ) -> dict[datetime, tuple[int, ...]]:
        """Change the capacity; for each *upcoming* occurrence, who moved up from the waitlist."""
        promoted: dict[datetime, tuple[int, ...]] = {}
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE meetings SET capacity = ?, updated_at = ? WHERE id = ?",
                (capacity, to_db(now), meeting_id),
            )
            for start in upcoming:
                moved = await _fill_seats(tx, meeting_id, to_db(start), capacity, now)
                if moved:
                    promoted[start] = moved
        return promoted

    # -- RSVPs -------------------------------------------------------------------------------

    async def rsvp(
        self,
        meeting_id: int,
        occurrence_start: datetime,
        user_id: int,
        answer: Answer,
        *,
        capacity: int | None,
        now: datetime,
    ) -> RsvpChange:
        """Record an answer; a "going" over capacity joins the waitlist, a freed seat moves it up.

        One transaction, so two people pressing at once can never both take the last seat.
        """
        occurrence, stamp = to_db(occurrence_start), to_db(now)
        async with self._db.transaction() as tx:
            await _lock_meeting(self._db, tx, meeting_id)
            before = await tx.fetch_one(
                "SELECT answer, waitlist_position FROM rsvps "
                "WHERE meeting_id = ? AND occurrence_start = ? AND user_id = ?",
                (meeting_id, occurrence, user_id),
            )
            previous = None if before is None else Answer(before["answer"])
            if before is not None and previous is answer:
                return RsvpChange(previous, answer, before["waitlist_position"] is not None, ())
            seated = await _seated(tx, meeting_id, occurrence)
            position = None
            if takes_waitlist(answer, capacity, seated):
                position = await _next_position(tx, meeting_id, occurrence)
            await tx.execute(
                """
                INSERT INTO rsvps (meeting_id, occurrence_start, user_id, answer, waitlist_position,
                                   updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (meeting_id, occurrence_start, user_id) DO UPDATE SET
                    answer = excluded.answer, waitlist_position = excluded.waitlist_position,
                    updated_at = excluded.updated_at
                """,
                (meeting_id, occurrence, user_id, answer.value, position, stamp),
            )
            promoted = await _fill_seats(tx, meeting_id, occurrence, capacity, now)
        return RsvpChange(previous, answer, position is not None, promoted)

    async def counts(self, meeting_id: int, occurrence_start: datetime) -> RsvpCounts:
        rows = await self._db.fetch_all(
            """
            SELECT answer, waitlist_position IS NOT NULL AS waiting, COUNT(*) AS n FROM rsvps
            WHERE meeting_id = ? AND occurrence_start = ? GROUP BY answer, waiting
            """,
            (meeting_id, to_db(occurrence_start)),
        )
        found = {(row["answer"], bool(row["waiting"])): row["n"] for row in rows}
        return RsvpCounts(
            going=found.get(("going", False), 0),
            maybe=found.get(("maybe", False), 0),
            no=found.get(("no", False), 0),
            waitlist=found.get(("going", True), 0),
        )

    async def going_by_occurrence(self, meeting_id: int, since: datetime) -> dict[datetime, int]:
        """Seated "going" answers per occurrence from *since* (the waitlist not counted)."""
        rows = await self._db.fetch_all(
            """
            SELECT occurrence_start, COUNT(*) FROM rsvps
            WHERE meeting_id = ? AND occurrence_start >= ? AND answer = 'going'
              AND waitlist_position IS NULL
            GROUP BY occurrence_start
            """,
            (meeting_id, to_db(since)),
        )
        return {from_db(row[0]): row[1] for row in rows}

    async def answer_of(self, meeting_id: int, occurrence_start: datetime, user_id: int) -> Answer | None:
        value = await self._db.fetch_value(
            "SELECT answer FROM rsvps WHERE meeting_id = ? AND occurrence_start = ? AND user_id = ?",
            (meeting_id, to_db(occurrence_start), user_id),
        )
        return None if value is None else Answer(value)

    async def coming(self, meeting_id: int, since: datetime) -> dict[int, list[datetime]]:
        """People who said "going" (seated or waiting) to occurrences from *since*: user -> starts."""
        rows = await self._db.fetch_all(
            """
            SELECT user_id, occurrence_start FROM rsvps
            WHERE meeting_id = ? AND occurrence_start >= ? AND answer = 'going'
            ORDER BY occurrence_start
            """,
            (meeting_id, to_db(since)),
        )
        found: dict[int, list[datetime]] = {}
        for row in rows:
            found.setdefault(row["user_id"], []).append(from_db(row["occurrence_start"]))
        return found

    async def reminder_recipients(self, meeting_id: int, occurrence_start: datetime) -> list[Recipient]:
        """Going (with a seat) or maybe, private reminders allowed, and a private chat that works."""
        rows = await self._db.fetch_all(
            """
            SELECT p.user_id, p.language, p.telegram_language
            FROM rsvps r
            JOIN people p ON p.user_id = r.user_id
            LEFT JOIN reminder_preferences rp ON rp.user_id = r.user_id
            WHERE r.meeting_id = ? AND r.occurrence_start = ? AND r.answer IN ('going', 'maybe')
              AND r.waitlist_position IS NULL AND COALESCE(rp.private_reminders, 1) = 1
              AND p.private_chat = 1 AND p.reachable = 1
            ORDER BY p.user_id
            """,
            (meeting_id, to_db(occurrence_start)),
        )
        return [Recipient(row[0], row[1], row[2]) for row in rows]

    # -- announcements ----------------------------------------------------------------------

    async def add_announcement(
        self, meeting_id: int, occurrence_start: datetime, chat_id: int, message_id: int, rendered: str
    ) -> None:
        await self._db.execute(
            "INSERT INTO meeting_announcements (meeting_id, occurrence_start, chat_id, message_id, rendered) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (meeting_id, occurrence_start, chat_id, message_id) "
            "DO UPDATE SET rendered = excluded.rendered",
            (meeting_id, to_db(occurrence_start), chat_id, message_id, rendered),
        )

    async def announcements(self, meeting_id: int, occurrence_start: datetime) -> list[Announcement]:
        rows = await self._db.fetch_all(
            "SELECT chat_id, message_id, rendered FROM meeting_announcements "
            "WHERE meeting_id = ? AND occurrence_start = ?",
            (meeting_id, to_db(occurrence_start)),
        )
        return [Announcement(row[0], row[1], row[2]) for row in rows]

    async def announced_since(self, meeting_id: int, since: datetime) -> list[tuple[datetime, Announcement]]:
        """Every announcement of the series' occurrences from *since*: (occurrence start, message)."""
        rows = await self._db.fetch_all(
            "SELECT occurrence_start, chat_id, message_id, rendered FROM meeting_announcements "
            "WHERE meeting_id = ? AND occurrence_start >= ? ORDER BY occurrence_start, message_id",
            (meeting_id, to_db(since)),
        )
        return [(from_db(row[0]), Announcement(row[1], row[2], row[3])) for row in rows]

    async def shown(
        self, meeting_id: int, occurrence_start: datetime, announcement: Announcement
    ) -> str | None:
        """What the card's record says it shows now (None if the announcement is gone)."""
        row = await self._db.fetch_one(
            f"SELECT rendered FROM meeting_announcements WHERE {_ANNOUNCEMENT}",
            _announcement_key(meeting_id, occurrence_start, announcement),
        )
        return (row[0] or "") if row is not None else None

    async def claim_edit(
        self,
        meeting_id: int,
        occurrence_start: datetime,
        announcement: Announcement,
        editor: str,
        *,
        now_ms: int,
        ttl_ms: int,
    ) -> bool:
        """Become the card's one editor for *ttl_ms* from *now_ms* (real time), unless another editor's
        claim still holds; one statement, so no lock outlives it."""
        result = await self._db.execute(
            "UPDATE meeting_announcements SET editor = ?, editor_until = ?, stale = 0"
            f" WHERE {_ANNOUNCEMENT} AND (editor IS NULL OR editor = ? OR editor_until < ?)",
            (
                editor,
                now_ms + ttl_ms,
                *_announcement_key(meeting_id, occurrence_start, announcement),
                editor,
                now_ms,
            ),
        )
        return result.rowcount == 1

    async def mark_stale(
        self,
        meeting_id: int,
        occurrence_start: datetime,
        announcement: Announcement,
        editor: str,
        now_ms: int,
    ) -> bool:
        """Tell the card's live editor (another process) to show the newest counts before it lets
        go; False if no other editor holds the card any more (claim it then)."""
        result = await self._db.execute(
            "UPDATE meeting_announcements SET stale = 1"
            f" WHERE {_ANNOUNCEMENT} AND editor IS NOT NULL AND editor <> ? AND editor_until >= ?",
            (*_announcement_key(meeting_id, occurrence_start, announcement), editor, now_ms),
        )
        return result.rowcount == 1

    async def release_edit(
        self, meeting_id: int, occurrence_start: datetime, announcement: Announcement, editor: str
    ) -> bool | None:
        """Let go of the card if nobody marked it stale meanwhile (True).  False: it was marked,
        the mark is now cleared and the editor shows the newest counts again.  None: the claim
        had lapsed and another editor holds the card."""
        key = _announcement_key(meeting_id, occurrence_start, announcement)
        released = await self._db.execute(
            f"UPDATE meeting_announcements SET editor = NULL, editor_until = NULL"
            f" WHERE {_ANNOUNCEMENT} AND editor = ? AND stale = 0",
            (*key, editor),
        )
        if released.rowcount == 1:
            return True
        kept = await self._db.execute(
            f"UPDATE meeting_announcements SET stale = 0 WHERE {_ANNOUNCEMENT} AND editor = ?", (*key, editor)
        )
        return False if kept.rowcount == 1 else None

    async def set_rendered(
        self, meeting_id: int, occurrence_start: datetime, announcement: Announcement, rendered: str
    ) -> None:
        await self._db.execute(
            f"UPDATE meeting_announcements SET rendered = ? WHERE {_ANNOUNCEMENT}",
            (rendered, *_announcement_key(meeting_id, occurrence_start, announcement)),
        )

    # -- reminder settings and ledger --------------------------------------------------------

    async def reminder_settings(self, chat_id: int) -> tuple[tuple[timedelta, ...], datetime | None]:
        """The group's reminder offsets (largest first) and when they were last changed."""
        row = await self._db.fetch_one(
            "SELECT offsets, changed_at FROM group_reminder_offsets WHERE chat_id = ?", (chat_id,)
        )
        if row is None:
            return DEFAULT_REMINDER_OFFSETS, None
        offsets = tuple(timedelta(minutes=int(part)) for part in row[0].split(",") if part)
        return tuple(sorted(offsets, reverse=True)), from_db(row[1])

    async def set_reminder_offsets(self, chat_id: int, offsets: Sequence[timedelta], now: datetime) -> None:
        text = ",".join(str(int(offset.total_seconds() // 60)) for offset in offsets)
        await self._db.execute(
            "INSERT INTO group_reminder_offsets (chat_id, offsets, changed_at) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET offsets = excluded.offsets, "
            "changed_at = excluded.changed_at",
            (chat_id, text, to_db(now)),
        )

    async def private_reminders(self, user_id: int) -> bool:
        value = await self._db.fetch_value(
            "SELECT private_reminders FROM reminder_preferences WHERE user_id = ?", (user_id,)
        )
        return value is None or bool(value)

    async def set_private_reminders(self, user_id: int, allowed: bool) -> None:
        await self._db.execute(
            "INSERT INTO reminder_preferences (user_id, private_reminders) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET private_reminders = excluded.private_reminders",
            (user_id, int(allowed)),
        )

    async def handled_reminders(self, meeting_id: int, since: datetime) -> set[tuple[datetime, int]]:
        """``(occurrence start, offset minutes)`` of this series' reminders already handled."""
        rows = await self._db.fetch_all(
            "SELECT occurrence_start, offset_minutes FROM reminder_ledger "
            "WHERE meeting_id = ? AND occurrence_start >= ?",
            (meeting_id, to_db(since)),
        )
        return {(from_db(row[0]), row[1]) for row in rows}

    async def record_reminder(
        self, meeting_id: int, occurrence_start: datetime, offset_minutes: int, outcome: str, now: datetime
    ) -> None:
        await self._db.execute(
            "INSERT INTO reminder_ledger (meeting_id, occurrence_start, offset_minutes, outcome, handled_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (meeting_id, to_db(occurrence_start), offset_minutes, outcome, to_db(now)),
        )

    # -- personal data ----------------------------------------------------------------------

    async def personal_data(self, user_id: int) -> dict[str, object]:
        rows = await self._db.fetch_all(
            """
            SELECT r.meeting_id, m.title, r.occurrence_start, r.answer, r.waitlist_position, r.updated_at
            FROM rsvps r JOIN meetings m ON m.id = r.meeting_id
            WHERE r.user_id = ? ORDER BY r.occurrence_start
            """,
            (user_id,),
        )
        rsvps = [
            {
                "meeting_id": row[0],
                "meeting": row[1],
                "occurrence_start": row[2],
                "answer": row[3],
                "waitlist_position": row[4],
                "updated_at": row[5],
            }
            for row in rows
        ]
        created = await self._db.fetch_all(
            "SELECT id, title FROM meetings WHERE created_by = ? ORDER BY id", (user_id,)
        )
        return {
            "rsvps": rsvps,
            "private_reminders": await self.private_reminders(user_id),
            "meetings_scheduled": [{"id": row[0], "title": row[1]} for row in created],
        }

    async def erase_person(self, user_id: int, now: datetime) -> dict[tuple[int, datetime], tuple[int, ...]]:
        """Delete the person's RSVPs and preference; returns who moved up into the seats they freed."""
        promoted: dict[tuple[int, datetime], tuple[int, ...]] = {}
        async with self._db.transaction() as tx:
            seats = await tx.fetch_all(
                "SELECT r.meeting_id, r.occurrence_start, m.capacity FROM rsvps r "
                "JOIN meetings m ON m.id = r.meeting_id WHERE r.user_id = ? AND r.occurrence_start > ?",
                (user_id, to_db(now)),
            )
            await tx.execute("DELETE FROM rsvps WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM reminder_preferences WHERE user_id = ?", (user_id,))
            for row in seats:
                moved = await _fill_seats(tx, row[0], row[1], row[2], now)
                if moved:
                    promoted[(row[0], from_db(row[1]))] = moved
        return promoted


# -- helpers that run inside a transaction ------------------------------------------------------


async def _seated(tx: UnitOfWork, meeting_id: int, occurrence: str) -> int:
    seated = await tx.fetch_value(
        "SELECT COUNT(*) FROM rsvps WHERE meeting_id = ? AND occurrence_start = ? "
        "AND answer = 'going' AND waitlist_position IS NULL",
        (meeting_id, occurrence),
    )
    return int(seated or 0)


async def _next_position(tx: UnitOfWork, meeting_id: int, occurrence: str) -> int:
    position = await tx.fetch_value(
        "SELECT COALESCE(MAX(waitlist_position), 0) + 1 FROM rsvps "
        "WHERE meeting_id = ? AND occurrence_start = ?",
        (meeting_id, occurrence),
    )
    return int(position or 1)


async def _lock_meeting(db: Database, tx: UnitOfWork, meeting_id: int) -> None:
    """Seats are counted, then taken.  On PostgreSQL transactions run side by side (several
    processes, a pool), so the meeting's row is locked first and presses for it queue; SQLite
    already has one writer at a time."""
    if db.dialect == "postgres":
        await tx.fetch_value("SELECT id FROM meetings WHERE id = ? FOR UPDATE", (meeting_id,))


async def _fill_seats(
    tx: UnitOfWork, meeting_id: int, occurrence: str, capacity: int | None, now: datetime
) -> tuple[int, ...]:
    """Move people up from the waitlist into free seats, first come first served."""
    waiting = await tx.fetch_all(
        "SELECT user_id FROM rsvps WHERE meeting_id = ? AND occurrence_start = ? "
        "AND answer = 'going' AND waitlist_position IS NOT NULL ORDER BY waitlist_position",
        (meeting_id, occurrence),
    )
    count = seats_to_fill(capacity, await _seated(tx, meeting_id, occurrence), len(waiting))
    moved = tuple(row[0] for row in waiting[:count])
    if moved:
        await tx.execute_many(
            "UPDATE rsvps SET waitlist_position = NULL, updated_at = ? "
            "WHERE meeting_id = ? AND occurrence_start = ? AND user_id = ?",
            [(to_db(now), meeting_id, occurrence, user_id) for user_id in moved],
        )
    return moved


_ANNOUNCEMENT = "meeting_id = ? AND occurrence_start = ? AND chat_id = ? AND message_id = ?"


def _announcement_key(
    meeting_id: int, occurrence_start: datetime, announcement: Announcement
) -> tuple[int, str, int, int]:
    return (meeting_id, to_db(occurrence_start), announcement.chat_id, announcement.message_id)
