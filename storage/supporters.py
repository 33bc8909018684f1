"""Families and supporters (issue 24): invitations, links, what is shared, reach-out requests.

A link ties one supporter to the one member who invited them, and to nothing else: no group,
meeting, check-in or other member.  Removing a link removes what hangs from it (shares, requests)
in the same statement, through the schema's cascades.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.domain.supporters import (
    DEFAULT_SCHEDULE,
    ShareItem,
    SupportCounts,
    UpdateSchedule,
    goal_id_of,
    goal_item,
)
from storage.db import Database, Row
from storage.timestamps import from_db, maybe_from_db, to_db


@dataclass(frozen=True)
class Invitation:
    id: int
    member_id: int
    expires_at: datetime


@dataclass(frozen=True)
class Link:
    """An accepted link: *supporter_id* supports *member_id*, seeing only *shares* and the
    recovery-plan goals in *goals* (their ids; the words stay sealed in the plan)."""

    id: int
    member_id: int
    supporter_id: int
    shares: frozenset[ShareItem]
    accepted_at: datetime
    next_update_at: datetime | None
    goals: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ReachOut:
    id: int
    link_id: int
    acknowledged: bool


_LINK = "id, member_id, supporter_id, accepted_at, next_update_at"


class SupporterRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- invitations --

    async def invite(self, member_id: int, token_hash: str, expires_at: datetime, now: datetime) -> int:
        async with self._db.transaction() as tx:
            link_id = await tx.fetch_value(
                "INSERT INTO supporter_links (member_id, token_hash, expires_at, created_at)"
                " VALUES (?, ?, ?, ?) RETURNING id",
                (member_id, token_hash, to_db(expires_at), to_db(now)),
            )
        return int(link_id)

    async def invitation(self, token_hash: str) -> Invitation | None:
        row = await self._db.fetch_one(
            "SELECT id, member_id, expires_at FROM supporter_links "
            "WHERE token_hash = ? AND supporter_id IS NULL",
            (token_hash,),
        )
        return None if row is None else Invitation(row[0], row[1], from_db(row[2]))

    async def open_invitations(self, member_id: int, now: datetime) -> list[Invitation]:
        rows = await self._db.fetch_all(
            "SELECT id, member_id, expires_at FROM supporter_links "
            "WHERE member_id = ? AND supporter_id IS NULL AND expires_at > ? ORDER BY id",
            (member_id, to_db(now)),
        )
        return [Invitation(row[0], row[1], from_db(row[2])) for row in rows]

    async def drop_expired(self, now: datetime) -> int:
        """Invitations nobody used in time are forgotten, not kept."""
        result = await self._db.execute(
            "DELETE FROM supporter_links WHERE supporter_id IS NULL AND expires_at <= ?", (to_db(now),)
        )
        return result.rowcount

    async def withdraw(self, member_id: int, invitation_id: int) -> bool:
        result = await self._db.execute(
            "DELETE FROM supporter_links WHERE id = ? AND member_id = ? AND supporter_id IS NULL",
            (invitation_id, member_id),
        )
        return result.rowcount > 0

    async def accept(self, token_hash: str, supporter_id: int, now: datetime) -> Link | None:
        """Use the invitation once: the token is cleared in the same transaction that names the
        supporter, so two presses (or two people) can never both get a link.  None: it was gone
        (used, withdrawn or expired) by the time of the press."""
        async with self._db.transaction() as tx:
            link_id = await tx.fetch_value(
                "SELECT id FROM supporter_links "
                "WHERE token_hash = ? AND supporter_id IS NULL AND expires_at > ?",
                (token_hash, to_db(now)),
            )
            if link_id is None:
                return None
            await tx.execute(
                "UPDATE supporter_links SET supporter_id = ?, token_hash = NULL, expires_at = NULL, "
                "accepted_at = ? WHERE id = ?",
                (supporter_id, to_db(now), link_id),
            )
        return await self.link(int(link_id))  # committed: the read connection sees it

    async def decline(self, token_hash: str) -> int | None:
        """Drop an invitation its recipient declined; the member it came from, or None."""
        async with self._db.transaction() as tx:
            member_id = await tx.fetch_value(
                "SELECT member_id FROM supporter_links WHERE token_hash = ? AND supporter_id IS NULL",
                (token_hash,),
            )
            if member_id is None:
                return None
            await tx.execute("DELETE FROM supporter_links WHERE token_hash = ?", (token_hash,))
        return int(member_id)

    # -- links --

    async def _shares(self, link_id: int) -> tuple[frozenset[ShareItem], frozenset[int]]:
        """The items shared on a link, and the goals shared on it (one row per goal)."""
        rows = await self._db.fetch_all("SELECT item FROM supporter_shares WHERE link_id = ?", (link_id,))
        items = [row[0] for row in rows]
        goals = (goal_id_of(item) for item in items)
        return (
            frozenset(ShareItem(item) for item in items if item in ShareItem.__members__.values()),
            frozenset(goal for goal in goals if goal is not None),
        )

    async def _link(self, row: Row) -> Link:
        shares, goals = await self._shares(row["id"])
        return Link(
            row["id"],
            row["member_id"],
            row["supporter_id"],
            shares,
            from_db(row["accepted_at"]),
            maybe_from_db(row["next_update_at"]),
            goals,
        )

    async def link(self, link_id: int) -> Link | None:
        row = await self._db.fetch_one(
            f"SELECT {_LINK} FROM supporter_links WHERE id = ? AND supporter_id IS NOT NULL", (link_id,)
        )
        return None if row is None else await self._link(row)

    async def between(self, member_id: int, supporter_id: int) -> Link | None:
        row = await self._db.fetch_one(
            f"SELECT {_LINK} FROM supporter_links WHERE member_id = ? AND supporter_id = ?",
            (member_id, supporter_id),
        )
        return None if row is None else await self._link(row)

    async def supporters_of(self, member_id: int) -> list[Link]:
        rows = await self._db.fetch_all(
            f"SELECT {_LINK} FROM supporter_links "
            "WHERE member_id = ? AND supporter_id IS NOT NULL ORDER BY id",
            (member_id,),
        )
        return [await self._link(row) for row in rows]

    async def supported_by(self, supporter_id: int) -> list[Link]:
        rows = await self._db.fetch_all(
            f"SELECT {_LINK} FROM supporter_links WHERE supporter_id = ? ORDER BY id", (supporter_id,)
        )
        return [await self._link(row) for row in rows]

    async def all_links(self) -> list[Link]:
        rows = await self._db.fetch_all(
            f"SELECT {_LINK} FROM supporter_links WHERE supporter_id IS NOT NULL ORDER BY id"
        )
        return [await self._link(row) for row in rows]

    async def count_for(self, member_id: int, now: datetime) -> int:
        """Supporters plus invitations still open: what counts against the maximum."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM supporter_links WHERE member_id = ? "
                "AND (supporter_id IS NOT NULL OR expires_at > ?)",
                (member_id, to_db(now)),
            )
        )

    async def set_share(self, link_id: int, item: ShareItem, on: bool) -> None:
        await self.set_item(link_id, item.value, on)

    async def set_goal_share(self, link_id: int, goal_id: int, on: bool) -> None:
        """Share one recovery-plan goal on a link, or stop.  Dropping, completing or erasing the
        goal removes its rows too (``storage/plans.py``), so a goal id used again later never
        inherits a share."""
        await self.set_item(link_id, goal_item(goal_id), on)

    async def set_item(self, link_id: int, item: str, on: bool) -> None:
        if on:
            await self._db.execute(
                "INSERT INTO supporter_shares (link_id, item) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (link_id, item),
            )
        else:
            await self._db.execute(
                "DELETE FROM supporter_shares WHERE link_id = ? AND item = ?", (link_id, item)
            )

    async def set_next_update(self, link_id: int, when: datetime) -> None:
        await self._db.execute(
            "UPDATE supporter_links SET next_update_at = ? WHERE id = ?", (to_db(when), link_id)
        )

    async def remove(self, link_id: int) -> bool:
        result = await self._db.execute("DELETE FROM supporter_links WHERE id = ?", (link_id,))
        return result.rowcount > 0

    # -- the member's schedule, the supporter's zone --

    async def schedule(self, member_id: int) -> UpdateSchedule:
        row = await self._db.fetch_one(
            "SELECT weekday, at FROM supporter_schedules WHERE member_id = ?", (member_id,)
        )
        return DEFAULT_SCHEDULE if row is None else UpdateSchedule(row[0], time.fromisoformat(row[1]))

    async def set_schedule(self, member_id: int, schedule: UpdateSchedule) -> None:
        await self._db.execute(
            "INSERT INTO supporter_schedules (member_id, weekday, at) VALUES (?, ?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET weekday = excluded.weekday, at = excluded.at",
            (member_id, schedule.weekday, schedule.at.strftime("%H:%M")),
        )

    async def timezone(self, user_id: int) -> str | None:
        value = await self._db.fetch_value(
            "SELECT timezone FROM supporter_profiles WHERE user_id = ?", (user_id,)
        )
        return None if value is None else str(value)

    async def set_timezone(self, user_id: int, zone: str) -> None:
        await self._db.execute(
            "INSERT INTO supporter_profiles (user_id, timezone) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET timezone = excluded.timezone",
            (user_id, zone),
        )

    # -- "please reach out" --

    async def ask_reach_out(self, link_id: int, now: datetime) -> int:
        async with self._db.transaction() as tx:
            request_id = await tx.fetch_value(
                "INSERT INTO reach_out_requests (link_id, asked_at) VALUES (?, ?) RETURNING id",
                (link_id, to_db(now)),
            )
        return int(request_id)

    async def reach_out(self, request_id: int) -> ReachOut | None:
        row = await self._db.fetch_one(
            "SELECT id, link_id, acknowledged_at FROM reach_out_requests WHERE id = ?", (request_id,)
        )
        return None if row is None else ReachOut(row[0], row[1], row[2] is not None)

    async def acknowledge(self, request_id: int, now: datetime) -> bool:
        """True for the first acknowledgement only."""
        result = await self._db.execute(
            "UPDATE reach_out_requests SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL",
            (to_db(now), request_id),
        )
        return result.rowcount > 0

    # -- family groups --

    async def family_group_ids(self) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT chat_id FROM groups WHERE family = 1 AND active = 1 ORDER BY chat_id"
        )
        return [row[0] for row in rows]

    async def set_family_group(self, chat_id: int, family: bool) -> None:
        await self._db.execute("UPDATE groups SET family = ? WHERE chat_id = ?", (int(family), chat_id))

    # -- aggregates and personal data --

    async def counts(self, now: datetime) -> SupportCounts:
        row = await self._db.fetch_one(
            """
            SELECT COUNT(DISTINCT CASE WHEN supporter_id IS NOT NULL THEN member_id END),
                   COUNT(supporter_id),
                   SUM(CASE WHEN supporter_id IS NULL AND expires_at > ? THEN 1 ELSE 0 END)
            FROM supporter_links
            """,
            (to_db(now),),
        )
        values = tuple(row) if row is not None else (0, 0, 0)
        return SupportCounts(int(values[0] or 0), int(values[1] or 0), int(values[2] or 0))

    async def erase(self, user_id: int) -> int:
        """Every link on either side, their shares and requests, the schedule and the zone."""
        async with self._db.transaction() as tx:
            links = await tx.execute(
                "DELETE FROM supporter_links WHERE member_id = ? OR supporter_id = ?", (user_id, user_id)
            )
            await tx.execute("DELETE FROM supporter_schedules WHERE member_id = ?", (user_id,))
            await tx.execute("DELETE FROM supporter_profiles WHERE user_id = ?", (user_id,))
        return links.rowcount
