"""Check-ins, group contributions, items waiting for a digest, and daily prompt schedules.

Anonymity is a property of the schema (``migrations/0004_checkins.sql``): check-in rows carry a
pseudonym and a local day, never a user id or a time of day; group contributions carry a
per-group pseudonym and an ISO week; shared items carry no pseudonym at all.  This module never
receives a user id together with check-in data, except for the prompt schedule, which holds no
check-in data.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.domain.checkins import CellKey, RawCell
from storage.db import Database, Row, Write
from storage.timestamps import from_db, to_db


@dataclass(frozen=True)
class StoredCheckIn:
    """One of the member's own check-ins, as stored: a day, not an instant."""

    local_day: date
    mood: int
    craving: int
    note: str | None


@dataclass(frozen=True)
class Contribution:
    """What one check-in adds to one group's weekly aggregate."""

    group_id: int
    iso_week: str
    contributor: str


@dataclass(frozen=True)
class SharedItem:
    """A check-in waiting for its group's digest: no pseudonym, by design."""

    group_id: int
    digest_at: datetime
    mood: int
    craving: int
    note: str | None


@dataclass(frozen=True)
class Prompt:
    user_id: int
    local_time: time
    timezone: str


class CheckInRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writing a check-in --

    async def record(
        self,
        pseudonym: str,
        checkin: StoredCheckIn,
        contributions: Sequence[Contribution],
        shared: SharedItem | None,
    ) -> None:
        """Save the personal row, the group contributions and the shared item as one unit (one
        trip to the database thread: this is the hottest write there is)."""
        writes = [
            Write(
                "INSERT INTO checkins (pseudonym, local_day, mood, craving, note) VALUES (?, ?, ?, ?, ?)",
                (pseudonym, checkin.local_day.isoformat(), checkin.mood, checkin.craving, checkin.note),
            ),
            Write(
                """
                INSERT INTO checkin_contributions
                    (group_id, iso_week, contributor, checkins, mood_sum, craving_sum)
                VALUES (?, ?, ?, 1, ?, ?)
                ON CONFLICT (group_id, iso_week, contributor) DO UPDATE SET
                    checkins = checkin_contributions.checkins + 1,
                    mood_sum = checkin_contributions.mood_sum + excluded.mood_sum,
                    craving_sum = checkin_contributions.craving_sum + excluded.craving_sum
                """,
                [
                    (c.group_id, c.iso_week, c.contributor, checkin.mood, checkin.craving)
                    for c in contributions
                ],
                many=True,
            ),
        ]
        if shared is not None:
            writes.append(
                Write(
                    """
                    INSERT INTO shared_checkins (item_key, group_id, digest_at, mood, craving, note)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    (
                        secrets.token_hex(16),
                        shared.group_id,
                        to_db(shared.digest_at),
                        shared.mood,
                        shared.craving,
                        shared.note,
                    ),
                )
            )
        await self._db.write_all(writes)

    # -- the member's own history --

    async def history(self, pseudonym: str, since: date | None = None) -> list[StoredCheckIn]:
        rows = await self._db.fetch_all(
            """
            SELECT local_day, mood, craving, note FROM checkins
            WHERE pseudonym = ? AND local_day >= ? ORDER BY local_day, id
            """,
            (pseudonym, (since or date.min).isoformat()),
        )
        return [
            StoredCheckIn(date.fromisoformat(r["local_day"]), r["mood"], r["craving"], r["note"])
            for r in rows
        ]

    async def erase(self, pseudonym: str, contributors: Iterable[str]) -> dict[str, int]:
        """Delete a member's check-ins and group contributions; shared items cannot be found."""
        names = list(contributors)
        async with self._db.transaction() as tx:
            checkins = (await tx.execute("DELETE FROM checkins WHERE pseudonym = ?", (pseudonym,))).rowcount
            contributions = 0
            if names:
                marks = ",".join("?" * len(names))
                result = await tx.execute(
                    f"DELETE FROM checkin_contributions WHERE contributor IN ({marks})",
                    names,
                )
                contributions = result.rowcount
        return {"checkins": checkins, "contributions": contributions}

    async def known_group_ids(self) -> list[int]:
        """Every group the bot has served, left ones included (to find per-group pseudonyms)."""
        rows = await self._db.fetch_all("SELECT chat_id FROM groups ORDER BY chat_id")
        return [row[0] for row in rows]

    async def blank_notes_before(self, cutoff: date) -> int:
        """Retention: forget notes written on days before *cutoff*; the numbers stay."""
        result = await self._db.execute(
            "UPDATE checkins SET note = NULL WHERE note IS NOT NULL AND local_day < ?",
            (cutoff.isoformat(),),
        )
        return result.rowcount

    # -- group aggregates --

    async def weekly_cells(self, group_ids: Sequence[int], since_week: str) -> list[RawCell]:
        """Per (group, ISO week) from *since_week* on: counts, distinct people and averages.

        Raw: every row must go through :func:`bot.domain.checkins.suppress` before it is shown.
        """
        if not group_ids:
            return []
        marks = ",".join("?" * len(group_ids))
        rows = await self._db.fetch_all(
            f"""
            SELECT group_id, iso_week,
                   SUM(checkins) AS checkins,
                   COUNT(DISTINCT contributor) AS contributors,
                   CAST(SUM(mood_sum) AS REAL) / SUM(checkins) AS average_mood,
                   CAST(SUM(craving_sum) AS REAL) / SUM(checkins) AS average_craving
            FROM checkin_contributions
            WHERE group_id IN ({marks}) AND iso_week >= ?
            GROUP BY group_id, iso_week
            ORDER BY group_id, iso_week
            """,
            (*group_ids, since_week),
        )
        cells = []
        for row in rows:
            year, _, week = str(row["iso_week"]).partition("-W")
            cells.append(
                RawCell(
                    key=CellKey(row["group_id"], int(year), int(week)),
                    checkins=row["checkins"],
                    contributors=row["contributors"],
                    average_mood=row["average_mood"],
                    average_craving=row["average_craving"],
                )
            )
        return cells

    # -- digests --

    async def pending_slots(self) -> list[tuple[int, datetime]]:
        """Every (group, digest instant) with items waiting; to re-plan digest jobs at start-up."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT group_id, digest_at FROM shared_checkins ORDER BY digest_at, group_id"
        )
        return [(row["group_id"], from_db(row["digest_at"])) for row in rows]

    async def shared_items(self, group_id: int, digest_at: datetime) -> list[SharedItem]:
        """Items for one digest (and any older ones a long outage left behind)."""
        rows = await self._db.fetch_all(
            """
            SELECT group_id, digest_at, mood, craving, note FROM shared_checkins
            WHERE group_id = ? AND digest_at <= ? ORDER BY item_key
            """,
            (group_id, to_db(digest_at)),
        )
        return [
            SharedItem(r["group_id"], from_db(r["digest_at"]), r["mood"], r["craving"], r["note"])
            for r in rows
        ]

    async def drop_shared(self, group_id: int, digest_at: datetime) -> int:
        """Delete items once their digest is queued: nothing shared lingers in the database."""
        result = await self._db.execute(
            "DELETE FROM shared_checkins WHERE group_id = ? AND digest_at <= ?",
            (group_id, to_db(digest_at)),
        )
        return result.rowcount

    # -- daily prompts (tied to the user id; never to check-ins) --

    async def set_prompt(self, prompt: Prompt) -> None:
        await self._db.execute(
            """
            INSERT INTO checkin_prompts (user_id, local_time, timezone) VALUES (?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET local_time = excluded.local_time,
                timezone = excluded.timezone
            """,
            (prompt.user_id, prompt.local_time.strftime("%H:%M"), prompt.timezone),
        )

    async def prompt(self, user_id: int) -> Prompt | None:
        row = await self._db.fetch_one(
            "SELECT user_id, local_time, timezone FROM checkin_prompts WHERE user_id = ?", (user_id,)
        )
        return None if row is None else _prompt(row)

    async def prompts(self) -> list[Prompt]:
        rows = await self._db.fetch_all(
            "SELECT user_id, local_time, timezone FROM checkin_prompts ORDER BY user_id"
        )
        return [_prompt(row) for row in rows]

    async def delete_prompt(self, user_id: int) -> bool:
        result = await self._db.execute("DELETE FROM checkin_prompts WHERE user_id = ?", (user_id,))
        return result.rowcount > 0


def _prompt(row: Row) -> Prompt:
    return Prompt(row["user_id"], time.fromisoformat(row["local_time"]), row["timezone"])
