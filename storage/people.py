"""People the bot has met: display name, language, and whether it may write to them."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row
from storage.timestamps import to_db


@dataclass(frozen=True)
class Person:
    user_id: int
    first_name: str
    username: str | None
    language: str | None  # chosen with /language
    telegram_language: str | None
    private_chat: bool
    reachable: bool


@dataclass(frozen=True)
class Sighting:
    """What an update tells us about its sender."""

    user_id: int
    first_name: str
    username: str | None
    telegram_language: str | None
    private_chat: bool


MEMO_SIZE = 10_000  # people whose row is kept in memory (about 2 MB)
_COLUMNS = "user_id, first_name, username, language, telegram_language, private_chat, reachable"


def _person(row: Row) -> Person:
    return Person(
        row["user_id"],
        row["first_name"],
        row["username"],
        row["language"],
        row["telegram_language"],
        bool(row["private_chat"]),
        bool(row["reachable"]),
    )


class PeopleRepository:
    """The ``people`` table; every write to it goes through here.

    That is what makes the read memo safe: handlers look a person up several times per update
    (their language, on every reply), and each lookup was a round trip to the database thread.
    :meth:`get` keeps recent rows in memory; every write forgets the row it touches.  The one
    instance lives in ``Services``."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._memo: OrderedDict[int, Person | None] = OrderedDict()
        self._writes = 0  # a lookup that raced a write must not store what it read

    async def _write(self, user_id: int, sql: str, params: tuple[object, ...]) -> None:
        """Every write: then forget the row.  A lookup under way while the write commits may
        read the old row and, seeing the write count move, does not keep it."""
        try:
            await self._db.execute(sql, params)
        finally:
            self._writes += 1
            self._memo.pop(user_id, None)

    async def record(self, seen: Sighting, now: datetime) -> None:
        """Insert or refresh a person; writing to the bot privately makes them reachable again."""
        stamp = to_db(now)
        await self._write(
            seen.user_id,
            """
            INSERT INTO people (user_id, first_name, username, telegram_language, private_chat,
                                created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                first_name = excluded.first_name,
                username = excluded.username,
                telegram_language = excluded.telegram_language,
                private_chat = CASE WHEN excluded.private_chat = 1 THEN 1 ELSE people.private_chat END,
                reachable = CASE WHEN excluded.private_chat = 1 THEN 1 ELSE people.reachable END,
                updated_at = excluded.updated_at
            """,
            (
                seen.user_id,
                seen.first_name,
                seen.username,
                seen.telegram_language,
                int(seen.private_chat),
                stamp,
                stamp,
            ),
        )

    async def get(self, user_id: int) -> Person | None:
        if user_id in self._memo:
            self._memo.move_to_end(user_id)
            return self._memo[user_id]
        writes = self._writes
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM people WHERE user_id = ?", (user_id,))
        person = None if row is None else _person(row)
        if writes == self._writes:
            self._memo[user_id] = person
            if len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return person

    async def set_language(self, user_id: int, language: str, now: datetime) -> None:
        await self._write(
            user_id,
            "UPDATE people SET language = ?, updated_at = ? WHERE user_id = ?",
            (language, to_db(now), user_id),
        )

    async def mark_unreachable(self, user_id: int, now: datetime) -> None:
        """Telegram said the person blocked the bot: stop writing to them until they return."""
        await self._write(
            user_id,
            "UPDATE people SET reachable = 0, updated_at = ? WHERE user_id = ?",
            (to_db(now), user_id),
        )

    async def export(self, user_id: int) -> dict[str, object] | None:
        """Everything the ``people`` row holds, for /mydata."""
        row = await self._db.fetch_one("SELECT * FROM people WHERE user_id = ?", (user_id,))
        return None if row is None else dict(row)

    async def delete(self, user_id: int) -> None:
        """Erase the person; memberships and other rows keyed on them cascade."""
        await self._write(user_id, "DELETE FROM people WHERE user_id = ?", (user_id,))
