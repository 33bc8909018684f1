"""Attendance: roll calls, marks, reports in SQL, and issued proof letters.

An occurrence is ``(meeting_id, occurrence_start)`` with the start as ``storage.timestamps`` text,
exactly as the meetings feature names it.  Reports are aggregated here, in SQL, over the indexes
the migration declares; Python only ever sees one row per meeting held or per member.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.attendance import (
    DROPPED_MIN_EARLY,
    AttendanceRow,
    DateRange,
    MemberCount,
    OccurrenceCount,
    RollCallState,
    Window,
    roll_call_state,
)
from storage.db import Database, Row
from storage.timestamps import from_db, to_db

# roll_calls.message_id: NULL never posted, 0 being posted, POST_FAILED Telegram refused the post
# (a facilitator may post it by hand), anything else the message in the group.
POSTING = 0
POST_FAILED = -1


@dataclass(frozen=True)
class RollCall:
    meeting_id: int
    start: datetime
    chat_id: int
    window: Window
    message_id: int | None
    closed: bool

    @property
    def posted(self) -> bool:
        """The group has its message (or it is being sent)."""
        return self.message_id is not None and self.message_id >= POSTING

    @property
    def attempted(self) -> bool:
        """The bot tried to post it, successfully or not: it will not try again by itself."""
        return self.message_id is not None


@dataclass(frozen=True)
class Member:
    user_id: int
    first_name: str


@dataclass(frozen=True)
class HistoryItem:
    group_title: str
    meeting_title: str
    start: datetime
    minutes: int
    time_zone: str
    present: bool


class CheckIn(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    EARLY = "early"
    CLOSED = "closed"
    UNKNOWN = "unknown"


def _roll_call(row: Row) -> RollCall:
    return RollCall(
        row["meeting_id"],
        from_db(row["occurrence_start"]),
        row["chat_id"],
        Window(from_db(row["opens_at"]), from_db(row["closes_at"])),
        row["message_id"],
        bool(row["closed"]),
    )


def _in(values: Sequence[int]) -> str:
    return ",".join("?" * len(values))


_ROLL_CALL = "meeting_id, occurrence_start, chat_id, opens_at, closes_at, message_id, closed"


class AttendanceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def members(self, chat_id: int) -> list[Member]:
        rows = await self._db.fetch_all(
            """
            SELECT p.user_id, p.first_name FROM memberships m JOIN people p ON p.user_id = m.user_id
            WHERE m.chat_id = ? AND m.left_at IS NULL ORDER BY p.first_name, p.user_id
            """,
            (chat_id,),
        )
        return [Member(row[0], row[1]) for row in rows]

    # -- roll calls -----------------------------------------------------------------------------

    async def start_roll_call(
        self, meeting_id: int, start: datetime, chat_id: int, window: Window
    ) -> RollCall:
        """The occurrence's roll call, created if it does not exist yet (never replaced)."""
        await self._db.execute(
            f"""
            INSERT INTO roll_calls ({_ROLL_CALL}) VALUES (?, ?, ?, ?, ?, NULL, 0)
            ON CONFLICT (meeting_id, occurrence_start) DO NOTHING
            """,
            (meeting_id, to_db(start), chat_id, to_db(window.opens), to_db(window.closes)),
        )
        roll_call = await self.roll_call(meeting_id, start)
        assert roll_call is not None  # noqa: S101 - just written
        return roll_call

    async def roll_call(self, meeting_id: int, start: datetime) -> RollCall | None:
        row = await self._db.fetch_one(
            f"SELECT {_ROLL_CALL} FROM roll_calls WHERE meeting_id = ? AND occurrence_start = ?",
            (meeting_id, to_db(start)),
        )
        return None if row is None else _roll_call(row)

    async def claim_posting(self, meeting_id: int, start: datetime, closes_at: datetime) -> bool:
        """Reserve the right to post the message (message_id 0 = being posted); False if taken."""
        result = await self._db.execute(
            """
            UPDATE roll_calls SET message_id = 0,
                closes_at = CASE WHEN closes_at < ?1 THEN ?1 ELSE closes_at END
            WHERE meeting_id = ?2 AND occurrence_start = ?3 AND closed = 0
              AND (message_id IS NULL OR message_id < 0)
            """,
            (to_db(closes_at), meeting_id, to_db(start)),
        )
        return result.rowcount == 1

    async def set_message(self, meeting_id: int, start: datetime, message_id: int | None) -> None:
        await self._db.execute(
            "UPDATE roll_calls SET message_id = ? WHERE meeting_id = ? AND occurrence_start = ?",
            (message_id, meeting_id, to_db(start)),
        )

    async def release_unfinished_posts(self) -> None:
        """Claims (message_id 0) left by a crash between claiming and posting become unposted."""
        await self._db.execute("UPDATE roll_calls SET message_id = NULL WHERE message_id = 0")

    async def unclosed(self) -> list[RollCall]:
        """Posted roll calls whose message does not say "closed" yet; their closing jobs."""
        rows = await self._db.fetch_all(
            f"SELECT {_ROLL_CALL} FROM roll_calls WHERE closed = 0 AND message_id > 0 ORDER BY closes_at"
        )
        return [_roll_call(row) for row in rows]

    async def mark_closed(self, meeting_id: int, start: datetime) -> bool:
        """True for the one caller that closes it (a restart may race the job)."""
        result = await self._db.execute(
            "UPDATE roll_calls SET closed = 1 WHERE meeting_id = ? AND occurrence_start = ? AND closed = 0",
            (meeting_id, to_db(start)),
        )
        return result.rowcount == 1

    async def recent_roll_calls(self, chat_id: int, since: datetime) -> list[RollCall]:
        rows = await self._db.fetch_all(
            f"SELECT {_ROLL_CALL} FROM roll_calls WHERE chat_id = ? AND occurrence_start >= ? "
            "ORDER BY occurrence_start",
            (chat_id, to_db(since)),
        )
        return [_roll_call(row) for row in rows]

    # -- marks ----------------------------------------------------------------------------------

    async def check_in(self, meeting_id: int, start: datetime, user_id: int, now: datetime) -> CheckIn:
        """A press of "I'm here": counted once, inside the roll call's window only."""
        occurrence, stamp = to_db(start), to_db(now)
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                f"SELECT {_ROLL_CALL} FROM roll_calls WHERE meeting_id = ? AND occurrence_start = ?",
                (meeting_id, occurrence),
            )
            if row is None:
                return CheckIn.UNKNOWN
            roll_call = _roll_call(row)
            state = roll_call_state(roll_call.window, now)
            if roll_call.closed or state is RollCallState.CLOSED:
                return CheckIn.CLOSED
            if state is RollCallState.EARLY:
                return CheckIn.EARLY
            result = await tx.execute(
                """
                INSERT INTO attendance (meeting_id, occurrence_start, chat_id, user_id, present, source,
                                        marked_by, updated_at)
                VALUES (?, ?, ?, ?, 1, 'button', NULL, ?)
                ON CONFLICT (meeting_id, occurrence_start, user_id) DO UPDATE SET
                    present = 1, source = 'button', marked_by = NULL, updated_at = excluded.updated_at
                WHERE attendance.present = 0
                """,
                (meeting_id, occurrence, roll_call.chat_id, user_id, stamp),
            )
            return CheckIn.RECORDED if result.rowcount == 1 else CheckIn.ALREADY

    async def mark(self, roll_call: RollCall, user_id: int, present: bool, by: int, now: datetime) -> None:
        """A facilitator's mark or correction; it replaces whatever was recorded."""
        await self._db.execute(
            """
            INSERT INTO attendance (meeting_id, occurrence_start, chat_id, user_id, present, source,
                                    marked_by, updated_at)
            VALUES (?, ?, ?, ?, ?, 'facilitator', ?, ?)
            ON CONFLICT (meeting_id, occurrence_start, user_id) DO UPDATE SET
                present = excluded.present, source = 'facilitator', marked_by = excluded.marked_by,
                updated_at = excluded.updated_at
            """,
            (
                roll_call.meeting_id,
                to_db(roll_call.start),
                roll_call.chat_id,
                user_id,
                int(present),
                by,
                to_db(now),
            ),
        )

    async def marks(self, meeting_id: int, start: datetime) -> dict[int, bool]:
        rows = await self._db.fetch_all(
            "SELECT user_id, present FROM attendance WHERE meeting_id = ? AND occurrence_start = ?",
            (meeting_id, to_db(start)),
        )
        return {row[0]: bool(row[1]) for row in rows}

    async def present_count(self, meeting_id: int, start: datetime) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM attendance "
                "WHERE meeting_id = ? AND occurrence_start = ? AND present = 1",
                (meeting_id, to_db(start)),
            )
        )

    # -- reports --------------------------------------------------------------------------------

    async def occurrence_counts(self, chat_ids: Sequence[int], period: DateRange) -> list[OccurrenceCount]:
        """Every meeting held in these groups in the range, with the number present, oldest first."""
        if not chat_ids:
            return []
        rows = await self._db.fetch_all(
            f"""
            SELECT r.chat_id, g.title AS group_title, r.meeting_id, m.title, r.occurrence_start,
                   m.time_zone,
                   (SELECT COUNT(*) FROM attendance a
                    WHERE a.meeting_id = r.meeting_id AND a.occurrence_start = r.occurrence_start
                      AND a.present = 1) AS present
            FROM roll_calls r
            JOIN meetings m ON m.id = r.meeting_id
            JOIN groups g ON g.chat_id = r.chat_id
            WHERE r.chat_id IN ({_in(chat_ids)}) AND r.occurrence_start >= ? AND r.occurrence_start < ?
            ORDER BY r.occurrence_start, r.meeting_id
            """,
            (*chat_ids, to_db(period.start), to_db(period.end)),
        )
        return [
            OccurrenceCount(
                row["chat_id"],
                row["group_title"],
                row["meeting_id"],
                row["title"],
                from_db(row["occurrence_start"]),
                row["time_zone"],
                row["present"],
            )
            for row in rows
        ]

    async def dropped_candidates(self, chat_ids: Sequence[int], period: DateRange) -> list[MemberCount]:
        """Members present often in the first half of the range and never in the second.

        Counted over the covering index first; names are looked up for the few that remain.
        """
        if not chat_ids:
            return []
        rows = await self._db.fetch_all(
            f"""
            SELECT d.chat_id, d.user_id, p.first_name, d.early, d.late
            FROM (SELECT a.chat_id, a.user_id,
                         SUM(CASE WHEN a.occurrence_start < ? THEN 1 ELSE 0 END) AS early,
                         SUM(CASE WHEN a.occurrence_start >= ? THEN 1 ELSE 0 END) AS late
                  FROM attendance a
                  WHERE a.chat_id IN ({_in(chat_ids)}) AND a.occurrence_start >= ?
                    AND a.occurrence_start < ? AND a.present = 1
                  GROUP BY a.chat_id, a.user_id) d
            LEFT JOIN people p ON p.user_id = d.user_id
            WHERE d.early >= ? AND d.late = 0
            """,
            (
                to_db(period.mid),
                to_db(period.mid),
                *chat_ids,
                to_db(period.start),
                to_db(period.end),
                DROPPED_MIN_EARLY,
            ),
        )
        return [MemberCount(row[0], row[1], row[2], row[3], row[4]) for row in rows]

    async def newcomers(self, chat_ids: Sequence[int], period: DateRange) -> list[MemberCount]:
        """Members present at a group's meeting in the range and never at one before it."""
        if not chat_ids:
            return []
        rows = await self._db.fetch_all(
            f"""
            SELECT n.chat_id, n.user_id, p.first_name
            FROM (SELECT DISTINCT a.chat_id, a.user_id FROM attendance a
                  WHERE a.chat_id IN ({_in(chat_ids)}) AND a.occurrence_start >= ?
                    AND a.occurrence_start < ? AND a.present = 1) n
            LEFT JOIN people p ON p.user_id = n.user_id
            WHERE NOT EXISTS (SELECT 1 FROM attendance b
                              WHERE b.user_id = n.user_id AND b.occurrence_start < ?
                                AND b.chat_id = n.chat_id AND b.present = 1)
            """,
            (*chat_ids, to_db(period.start), to_db(period.end), to_db(period.start)),
        )
        return [MemberCount(row[0], row[1], row[2]) for row in rows]

    async def rows(self, chat_ids: Sequence[int], period: DateRange) -> list[AttendanceRow]:
        """The report's underlying table: every recorded mark in the range (the CSV file).

        In the index's order (group, then time), so SQLite never sorts; each start instant is
        parsed once, however many people share it.
        """
        if not chat_ids:
            return []
        rows = await self._db.fetch_all(
            f"""
            SELECT g.title AS group_title, m.title, a.occurrence_start, m.time_zone, p.first_name,
                   a.present
            FROM attendance a
            JOIN meetings m ON m.id = a.meeting_id
            JOIN groups g ON g.chat_id = a.chat_id
            LEFT JOIN people p ON p.user_id = a.user_id
            WHERE a.chat_id IN ({_in(chat_ids)}) AND a.occurrence_start >= ? AND a.occurrence_start < ?
            ORDER BY a.chat_id, a.occurrence_start, a.present, a.user_id
            """,
            (*chat_ids, to_db(period.start), to_db(period.end)),
        )
        starts: dict[str, datetime] = {}
        return [
            AttendanceRow(
                row[0],
                row[1],
                starts.get(row[2]) or starts.setdefault(row[2], from_db(row[2])),
                row[3],
                row[4],
                bool(row[5]),
            )
            for row in rows
        ]

    # -- a member's own history -----------------------------------------------------------------

    async def history(
        self,
        user_id: int,
        since: datetime | None = None,
        until: datetime | None = None,
        present_only: bool = False,
    ) -> list[HistoryItem]:
        """The person's marks, newest first."""
        rows = await self._db.fetch_all(
            """
            SELECT g.title AS group_title, m.title, a.occurrence_start, m.duration_minutes, m.time_zone,
                   a.present
            FROM attendance a
            JOIN meetings m ON m.id = a.meeting_id
            JOIN groups g ON g.chat_id = a.chat_id
            WHERE a.user_id = ? AND a.occurrence_start >= ? AND a.occurrence_start < ?
              AND (a.present = 1 OR ? = 0)
            ORDER BY a.occurrence_start DESC
            """,
            (
                user_id,
                to_db(since) if since else "",
                to_db(until) if until else "9999",
                int(present_only),
            ),
        )
        return [HistoryItem(row[0], row[1], from_db(row[2]), row[3], row[4], bool(row[5])) for row in rows]

    # -- proof letters --------------------------------------------------------------------------

    async def save_letter(self, code: str, user_id: int, contents: bytes, issued_at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO proof_letters (code, user_id, contents, issued_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (code, user_id, contents.decode(), to_db(issued_at)),
        )

    async def letter(self, code: str) -> dict[str, object] | None:
        """The contents of the letter issued under *code*, or None."""
        contents = await self._db.fetch_value("SELECT contents FROM proof_letters WHERE code = ?", (code,))
        return None if contents is None else json.loads(contents)

    # -- personal data --------------------------------------------------------------------------

    async def export(self, user_id: int) -> dict[str, object]:
        history = await self.history(user_id)
        letters = await self._db.fetch_all(
            "SELECT code, contents, issued_at FROM proof_letters WHERE user_id = ? ORDER BY issued_at",
            (user_id,),
        )
        return {
            "attendance": [
                {
                    "group": item.group_title,
                    "meeting": item.meeting_title,
                    "start": item.start.isoformat(),
                    "present": item.present,
                }
                for item in history
            ],
            "proof_letters": [
                {"code": row[0], "contents": json.loads(row[1]), "issued_at": row[2]} for row in letters
            ],
        }

    async def erase(self, user_id: int) -> dict[str, int]:
        """Proof letters go; attendance moves to a random stand-in so group counts stay true."""
        stand_in = -secrets.randbelow(2**62) - 1
        async with self._db.transaction() as tx:
            moved = await tx.execute(
                "UPDATE attendance SET user_id = ? WHERE user_id = ?", (stand_in, user_id)
            )
            await tx.execute("UPDATE attendance SET marked_by = NULL WHERE marked_by = ?", (user_id,))
            letters = await tx.execute("DELETE FROM proof_letters WHERE user_id = ?", (user_id,))
        return {"attendance": moved.rowcount, "letters": letters.rowcount}
