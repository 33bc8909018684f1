"""Care for the carers (issue 18): self-checks, supervision, next-day follow-ups, time off, and the
counts behind a peer worker's load.  All SQL of the feature lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.domain.care import CheckRow, SelfCheck, WeeklyTime
from bot.domain.recurrence import Recurrence, Schedule
from storage.db import Database, Row
from storage.timestamps import from_db, maybe_from_db, to_db

OPEN, ACCEPTED, SCHEDULED = "open", "accepted", "scheduled"


@dataclass(frozen=True)
class Prompt:
    user_id: int
    when: WeeklyTime
    timezone: str


@dataclass(frozen=True)
class SupervisionRequest:
    id: int
    worker_id: int
    created_at: datetime
    status: str
    coordinator_id: int | None


@dataclass(frozen=True)
class RequestMessage:
    coordinator_id: int
    message_id: int


@dataclass(frozen=True)
class Session:
    id: int
    request_id: int | None
    coordinator_id: int
    schedule: Schedule
    participants: tuple[int, ...]
    cancelled: bool
    created_at: datetime


@dataclass(frozen=True)
class FollowUp:
    alert_id: int
    worker_id: int
    due_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class TimeOff:
    id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
    notified_at: datetime | None


@dataclass(frozen=True)
class Activity:
    """What one person did in a window: meetings led (occurrences of series they created),
    roll calls they marked, crisis alerts they acknowledged."""

    meeting_series: list[tuple[Schedule, datetime]]  # (schedule, created_at) of series they created
    roll_calls: int
    crises_handled: int


def _request(row: Row) -> SupervisionRequest:
    return SupervisionRequest(
        row["id"], row["worker_id"], from_db(row["created_at"]), row["status"], row["coordinator_id"]
    )


def _schedule(row: Row, skipped: frozenset[date] = frozenset()) -> Schedule:
    return Schedule(
        datetime.fromisoformat(row["first_start_local"]),
        row["time_zone"],
        timedelta(minutes=row["duration_minutes"]),
        Recurrence.from_rrule_string(row["rrule"]),
        skipped,
    )


def _time_off(row: Row) -> TimeOff:
    return TimeOff(
        row["id"],
        row["user_id"],
        from_db(row["starts_at"]),
        from_db(row["ends_at"]),
        maybe_from_db(row["notified_at"]),
    )


def _days(joined: str | None) -> frozenset[date]:
    """Skipped occurrences' local dates, as ``group_concat`` (``string_agg``) joins them."""
    return frozenset(date.fromisoformat(day) for day in joined.split(",")) if joined else frozenset()


class CareRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the weekly prompt --

    async def set_prompt(self, prompt: Prompt) -> None:
        await self._db.execute(
            "INSERT INTO care_prompts (user_id, weekday, local_time, timezone) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET weekday = excluded.weekday,"
            " local_time = excluded.local_time, timezone = excluded.timezone",
            (prompt.user_id, prompt.when.weekday, prompt.when.at.strftime("%H:%M"), prompt.timezone),
        )

    async def delete_prompt(self, user_id: int) -> bool:
        result = await self._db.execute("DELETE FROM care_prompts WHERE user_id = ?", (user_id,))
        return result.rowcount == 1

    async def prompt(self, user_id: int) -> Prompt | None:
        rows = await self._prompts("WHERE user_id = ?", (user_id,))
        return rows[0] if rows else None

    async def prompts(self) -> list[Prompt]:
        return await self._prompts("", ())

    async def _prompts(self, where: str, params: tuple[object, ...]) -> list[Prompt]:
        rows = await self._db.fetch_all(
            f"SELECT user_id, weekday, local_time, timezone FROM care_prompts {where} ORDER BY user_id",
            params,
        )
        return [
            Prompt(r["user_id"], WeeklyTime(r["weekday"], time.fromisoformat(r["local_time"])), r["timezone"])
            for r in rows
        ]

    # -- self-checks --

    async def add_check(self, user_id: int, check: SelfCheck, now: datetime) -> int:
        async with self._db.transaction() as tx:
            check_id = await tx.fetch_value(
                "INSERT INTO care_checks (user_id, created_at, energy, stress, support, hours, wants_talk)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    user_id,
                    to_db(now),
                    check.energy,
                    check.stress,
                    check.support,
                    check.hours,
                    int(check.wants_talk),
                ),
            )
        return int(check_id)

    async def checks(self, since: datetime, user_id: int | None = None) -> list[CheckRow]:
        where, params = ("AND user_id = ?", (to_db(since), user_id)) if user_id else ("", (to_db(since),))
        rows = await self._db.fetch_all(
            "SELECT user_id, created_at, energy, stress, support, hours FROM care_checks"
            f" WHERE created_at >= ? {where} ORDER BY created_at",
            params,
        )
        return [
            CheckRow(
                r["user_id"], from_db(r["created_at"]), r["energy"], r["stress"], r["support"], r["hours"]
            )
            for r in rows
        ]

    # -- supervision requests --

    async def open_request(self, worker_id: int) -> SupervisionRequest | None:
        """The worker's request still waiting for a time (open or accepted), if any."""
        row = await self._db.fetch_one(
            "SELECT * FROM supervision_requests WHERE worker_id = ? AND status IN ('open', 'accepted')"
            " ORDER BY id DESC LIMIT 1",
            (worker_id,),
        )
        return None if row is None else _request(row)

    async def create_request(self, worker_id: int, now: datetime) -> SupervisionRequest:
        async with self._db.transaction() as tx:
            request_id = await tx.fetch_value(
                "INSERT INTO supervision_requests (worker_id, created_at, updated_at) VALUES (?, ?, ?)"
                " RETURNING id",
                (worker_id, to_db(now), to_db(now)),
            )
        return SupervisionRequest(int(request_id), worker_id, now, OPEN, None)

    async def request(self, request_id: int) -> SupervisionRequest | None:
        row = await self._db.fetch_one("SELECT * FROM supervision_requests WHERE id = ?", (request_id,))
        return None if row is None else _request(row)

    async def claim(self, request_id: int, coordinator_id: int, status: str, now: datetime) -> bool:
        """Move a request on (accepted, then scheduled) for one coordinator; False if another
        coordinator holds it or it is already scheduled."""
        result = await self._db.execute(
            "UPDATE supervision_requests SET status = ?, coordinator_id = ?, updated_at = ?"
            " WHERE id = ? AND status IN ('open', 'accepted')"
            " AND (coordinator_id IS NULL OR coordinator_id = ?)",
            (status, coordinator_id, to_db(now), request_id, coordinator_id),
        )
        return result.rowcount == 1

    async def add_request_message(self, request_id: int, coordinator_id: int, message_id: int) -> None:
        await self._db.execute(
            "INSERT INTO supervision_request_messages (request_id, coordinator_id, message_id)"
            " VALUES (?, ?, ?)"
            " ON CONFLICT (request_id, coordinator_id) DO UPDATE SET message_id = excluded.message_id",
            (request_id, coordinator_id, message_id),
        )

    async def request_messages(self, request_id: int) -> list[RequestMessage]:
        rows = await self._db.fetch_all(
            "SELECT coordinator_id, message_id FROM supervision_request_messages WHERE request_id = ?"
            " ORDER BY coordinator_id",
            (request_id,),
        )
        return [RequestMessage(r["coordinator_id"], r["message_id"]) for r in rows]

    async def open_requests(self) -> dict[int, int]:
        """Per worker, requests still waiting for a time."""
        rows = await self._db.fetch_all(
            "SELECT worker_id, COUNT(*) FROM supervision_requests WHERE status IN ('open', 'accepted')"
            " GROUP BY worker_id"
        )
        return {row[0]: row[1] for row in rows}

    # -- sessions --

    async def create_session(
        self,
        request_id: int | None,
        coordinator_id: int,
        schedule: Schedule,
        participants: Sequence[int],
        now: datetime,
    ) -> int:
        async with self._db.transaction() as tx:
            session_id = await tx.fetch_value(
                "INSERT INTO supervision_sessions (request_id, coordinator_id, first_start_local, time_zone,"
                " duration_minutes, rrule, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    request_id,
                    coordinator_id,
                    schedule.first_start.isoformat(timespec="minutes"),
                    schedule.time_zone,
                    int(schedule.duration.total_seconds() // 60),
                    schedule.recurrence.to_rrule_string(),
                    to_db(now),
                ),
            )
            await tx.execute_many(
                "INSERT INTO supervision_participants (session_id, user_id) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                [(session_id, user_id) for user_id in {coordinator_id, *participants}],
            )
        return int(session_id)

    async def session(self, session_id: int) -> Session | None:
        found = await self._sessions("WHERE id = ?", (session_id,))
        return found[0] if found else None

    async def active_sessions(self) -> list[Session]:
        return await self._sessions("WHERE cancelled = 0", ())

    async def sessions_of(self, user_id: int) -> list[Session]:
        return await self._sessions(
            "WHERE cancelled = 0"
            " AND id IN (SELECT session_id FROM supervision_participants WHERE user_id = ?)",
            (user_id,),
        )

    async def cancel_session(self, session_id: int) -> None:
        await self._db.execute("UPDATE supervision_sessions SET cancelled = 1 WHERE id = ?", (session_id,))

    async def _sessions(self, where: str, params: tuple[object, ...]) -> list[Session]:
        rows = await self._db.fetch_all(f"SELECT * FROM supervision_sessions {where} ORDER BY id", params)
        found = []
        for row in rows:
            people = await self._db.fetch_all(
                "SELECT user_id FROM supervision_participants WHERE session_id = ? ORDER BY user_id",
                (row["id"],),
            )
            found.append(
                Session(
                    row["id"],
                    row["request_id"],
                    row["coordinator_id"],
                    _schedule(row),
                    tuple(p["user_id"] for p in people),
                    bool(row["cancelled"]),
                    from_db(row["created_at"]),
                )
            )
        return found

    async def handled_reminders(self, session_id: int, since: datetime) -> set[tuple[datetime, int]]:
        rows = await self._db.fetch_all(
            "SELECT occurrence_start, offset_minutes FROM supervision_reminder_ledger"
            " WHERE session_id = ? AND occurrence_start >= ?",
            (session_id, to_db(since)),
        )
        return {(from_db(r["occurrence_start"]), r["offset_minutes"]) for r in rows}

    async def record_reminder(
        self, session_id: int, start: datetime, offset_minutes: int, outcome: str, now: datetime
    ) -> None:
        await self._db.execute(
            "INSERT INTO supervision_reminder_ledger"
            " (session_id, occurrence_start, offset_minutes, outcome, handled_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (session_id, to_db(start), offset_minutes, outcome, to_db(now)),
        )

    # -- next-day follow-ups --

    async def add_follow_up(self, alert_id: int, worker_id: int, due_at: datetime) -> bool:
        """False if this alert already has one (a second acknowledgement changes nothing)."""
        result = await self._db.execute(
            "INSERT INTO care_followups (alert_id, worker_id, due_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (alert_id, worker_id, to_db(due_at)),
        )
        return result.rowcount == 1

    async def follow_up(self, alert_id: int) -> FollowUp | None:
        row = await self._db.fetch_one("SELECT * FROM care_followups WHERE alert_id = ?", (alert_id,))
        if row is None:
            return None
        return FollowUp(
            row["alert_id"], row["worker_id"], from_db(row["due_at"]), maybe_from_db(row["sent_at"])
        )

    async def pending_follow_ups(self) -> list[FollowUp]:
        rows = await self._db.fetch_all("SELECT * FROM care_followups WHERE sent_at IS NULL ORDER BY due_at")
        return [FollowUp(r["alert_id"], r["worker_id"], from_db(r["due_at"]), None) for r in rows]

    async def mark_follow_up_sent(self, alert_id: int, now: datetime) -> bool:
        result = await self._db.execute(
            "UPDATE care_followups SET sent_at = ? WHERE alert_id = ? AND sent_at IS NULL",
            (to_db(now), alert_id),
        )
        return result.rowcount == 1

    # -- time off --

    async def set_time_off(
        self, user_id: int, starts_at: datetime, ends_at: datetime, now: datetime
    ) -> TimeOff:
        """One away period per person at a time: a new one replaces any not yet over."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM care_time_off WHERE user_id = ? AND ends_at > ?", (user_id, to_db(now))
            )
            time_off_id = await tx.fetch_value(
                "INSERT INTO care_time_off (user_id, starts_at, ends_at, created_at) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (user_id, to_db(starts_at), to_db(ends_at), to_db(now)),
            )
        return TimeOff(int(time_off_id), user_id, starts_at, ends_at, None)

    async def end_time_off(self, user_id: int, now: datetime) -> bool:
        """End (or drop, if not begun) the person's away period; False if there was none."""
        async with self._db.transaction() as tx:
            dropped = await tx.execute(
                "DELETE FROM care_time_off WHERE user_id = ? AND starts_at > ?", (user_id, to_db(now))
            )
            ended = await tx.execute(
                "UPDATE care_time_off SET ends_at = ? WHERE user_id = ? AND starts_at <= ? AND ends_at > ?",
                (to_db(now), user_id, to_db(now), to_db(now)),
            )
        return dropped.rowcount + ended.rowcount > 0

    async def time_off(self, user_id: int, now: datetime) -> TimeOff | None:
        """The person's away period that is under way or still to come."""
        row = await self._db.fetch_one(
            "SELECT * FROM care_time_off WHERE user_id = ? AND ends_at > ? ORDER BY starts_at LIMIT 1",
            (user_id, to_db(now)),
        )
        return None if row is None else _time_off(row)

    async def upcoming_time_off(self, now: datetime) -> list[TimeOff]:
        rows = await self._db.fetch_all(
            "SELECT * FROM care_time_off WHERE ends_at > ? ORDER BY starts_at", (to_db(now),)
        )
        return [_time_off(r) for r in rows]

    async def away(self, user_ids: Sequence[int], now: datetime) -> set[int]:
        """Of *user_ids*, those away at *now*."""
        if not user_ids:
            return set()
        marks = ",".join("?" * len(user_ids))
        rows = await self._db.fetch_all(
            "SELECT user_id FROM care_time_off"
            f" WHERE starts_at <= ? AND ends_at > ? AND user_id IN ({marks})",
            (to_db(now), to_db(now), *user_ids),
        )
        return {row[0] for row in rows}

    async def mark_notified(self, time_off_id: int, now: datetime) -> bool:
        result = await self._db.execute(
            "UPDATE care_time_off SET notified_at = ? WHERE id = ? AND notified_at IS NULL",
            (to_db(now), time_off_id),
        )
        return result.rowcount == 1

    # -- load (read from the other features' tables) --

    async def activity(self, user_id: int, since: datetime) -> Activity:
        # SQLite's group_concat is PostgreSQL's string_agg (both join with commas here).
        joined = (
            "string_agg(s.local_date, ',')"
            if self._db.dialect == "postgres"
            else "group_concat(s.local_date)"
        )
        series = await self._db.fetch_all(
            "SELECT m.first_start_local, m.time_zone, m.duration_minutes, m.rrule, m.created_at,"
            f" (SELECT {joined} FROM meeting_skips s WHERE s.meeting_id = m.id) AS skips"
            " FROM meetings m WHERE m.created_by = ? AND m.cancelled = 0",
            (user_id,),
        )
        roll_calls = await self._db.fetch_value(
            "SELECT COUNT(DISTINCT meeting_id || '@' || occurrence_start) FROM attendance"
            " WHERE marked_by = ? AND occurrence_start >= ?",
            (user_id, to_db(since)),
        )
        crises = await self._db.fetch_value(
            "SELECT COUNT(*) FROM crisis_alerts WHERE acknowledged_by = ? AND acknowledged_at >= ?",
            (user_id, to_db(since)),
        )
        return Activity(
            [(_schedule(row, _days(row["skips"])), from_db(row["created_at"])) for row in series],
            int(roll_calls),
            int(crises),
        )

    # -- personal data --

    async def export(self, user_id: int) -> dict[str, Any]:
        checks = await self._db.fetch_all(
            "SELECT created_at, energy, stress, support, hours, wants_talk FROM care_checks"
            " WHERE user_id = ? ORDER BY created_at",
            (user_id,),
        )
        requests = await self._db.fetch_all(
            "SELECT created_at, status FROM supervision_requests WHERE worker_id = ? ORDER BY id", (user_id,)
        )
        away = await self._db.fetch_all(
            "SELECT starts_at, ends_at FROM care_time_off WHERE user_id = ? ORDER BY starts_at", (user_id,)
        )
        prompt = await self.prompt(user_id)
        return {
            "self_checks": [dict(row) for row in checks],
            "supervision_requests": [dict(row) for row in requests],
            "time_off": [dict(row) for row in away],
            "weekly_prompt": None
            if prompt is None
            else {
                "weekday": prompt.when.weekday,
                "time": prompt.when.at.strftime("%H:%M"),
                "zone": prompt.timezone,
            },
        }

    async def erase(self, user_id: int) -> int:
        async with self._db.transaction() as tx:
            total = 0
            for sql in (
                "DELETE FROM care_checks WHERE user_id = ?",
                "DELETE FROM care_prompts WHERE user_id = ?",
                "DELETE FROM supervision_requests WHERE worker_id = ?",
                "DELETE FROM supervision_participants WHERE user_id = ?",
                "DELETE FROM care_followups WHERE worker_id = ?",
                "DELETE FROM care_time_off WHERE user_id = ?",
            ):
                result = await tx.execute(sql, (user_id,))
                total += result.rowcount
            # As a coordinator: the copies of requests they were sent, the sessions they lead, and
            # their name on requests they had taken (which go back to waiting for someone else).
            await tx.execute("DELETE FROM supervision_request_messages WHERE coordinator_id = ?", (user_id,))
            await tx.execute("DELETE FROM supervision_sessions WHERE coordinator_id = ?", (user_id,))
            await tx.execute(
                "UPDATE supervision_requests SET coordinator_id = NULL, status = 'open'"
                " WHERE coordinator_id = ?",
                (user_id,),
            )
        return total
