"""Recovery start dates (issue 11): one row per member who chose to count their days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from storage.db import Database, Row
from storage.timestamps import to_db

CelebrateAs = Literal["first_name", "anonymous"]


@dataclass(frozen=True)
class MilestoneRecord:
    user_id: int
    start_date: date  # local date, day 0
    set_on: date  # local date it was (re)set; milestones up to then are not congratulated
    timezone: str
    celebrate_chat_id: int | None  # None: no group post (the default)
    celebrate_as: CelebrateAs


_COLUMNS = "user_id, start_date, set_on, timezone, celebrate_chat_id, celebrate_as"


def _record(row: Row) -> MilestoneRecord:
    return MilestoneRecord(
        row["user_id"],
        date.fromisoformat(row["start_date"]),
        date.fromisoformat(row["set_on"]),
        row["timezone"],
        row["celebrate_chat_id"],
        row["celebrate_as"],
    )


class MilestoneRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> MilestoneRecord | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM milestones WHERE user_id = ?", (user_id,))
        return None if row is None else _record(row)

    async def all(self) -> list[MilestoneRecord]:
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM milestones ORDER BY user_id")
        return [_record(row) for row in rows]

    async def set_start(
        self, user_id: int, start: date, set_on: date, timezone: str, now: datetime
    ) -> MilestoneRecord:
        """Record or reset the start date; the time zone and group choice are kept on a reset."""
        stamp = to_db(now)
        await self._db.execute(
            """
            INSERT INTO milestones (user_id, start_date, set_on, timezone, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET start_date = excluded.start_date,
                set_on = excluded.set_on, updated_at = excluded.updated_at
            """,
            (user_id, start.isoformat(), set_on.isoformat(), timezone, stamp, stamp),
        )
        return await self._require(user_id)

    async def set_timezone(self, user_id: int, timezone: str, now: datetime) -> None:
        await self._db.execute(
            "UPDATE milestones SET timezone = ?, updated_at = ? WHERE user_id = ?",
            (timezone, to_db(now), user_id),
        )

    async def set_celebration(
        self, user_id: int, chat_id: int | None, celebrate_as: CelebrateAs, now: datetime
    ) -> None:
        await self._db.execute(
            "UPDATE milestones SET celebrate_chat_id = ?, celebrate_as = ?, updated_at = ? WHERE user_id = ?",
            (chat_id, celebrate_as, to_db(now), user_id),
        )

    async def remove(self, user_id: int) -> bool:
        result = await self._db.execute("DELETE FROM milestones WHERE user_id = ?", (user_id,))
        return result.rowcount > 0

    async def export(self, user_id: int) -> dict[str, Any]:
        record = await self.get(user_id)
        if record is None:
            return {}
        return {
            "recovery_start_date": record.start_date.isoformat(),
            "date_set_on": record.set_on.isoformat(),
            "timezone": record.timezone,
            "celebrate_in_group_chat_id": record.celebrate_chat_id,
            "celebrate_as": record.celebrate_as if record.celebrate_chat_id is not None else None,
        }

    async def _require(self, user_id: int) -> MilestoneRecord:
        record = await self.get(user_id)
        if record is None:  # pragma: no cover - just written
            raise RuntimeError("milestone row vanished")
        return record
