"""Announcements: what was sent, by whom, to which groups, and whether the sender has been told.

The deliveries themselves are outbox rows (batch ``broadcast:{id}``); this table keeps what the
report and /mydata need, and ``reported_at`` makes the report itself survive a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row
from storage.timestamps import from_db, maybe_from_db, to_db


@dataclass(frozen=True)
class Broadcast:
    id: int
    sender_id: int
    text: str  # HTML, already escaped
    photo: str | None
    document: str | None
    targets: tuple[int, ...]
    private_copies: bool
    recipients: int
    created_at: datetime
    reported_at: datetime | None


@dataclass(frozen=True)
class PrivateRecipient:
    user_id: int
    language: str | None  # chosen with /language
    telegram_language: str | None


_COLUMNS = (
    "id, sender_id, text, photo, document, targets, private_copies, recipients, created_at, reported_at"
)


def _broadcast(row: Row) -> Broadcast:
    return Broadcast(
        row["id"],
        row["sender_id"],
        row["text"],
        row["photo"],
        row["document"],
        tuple(json.loads(row["targets"])),
        bool(row["private_copies"]),
        row["recipients"],
        from_db(row["created_at"]),
        maybe_from_db(row["reported_at"]),
    )


class BroadcastRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        sender_id: int,
        text: str,
        *,
        photo: str | None,
        document: str | None,
        targets: tuple[int, ...],
        private_copies: bool,
        now: datetime,
    ) -> Broadcast:
        async with self._db.transaction() as tx:
            broadcast_id = await tx.fetch_value(
                """
                INSERT INTO broadcasts (sender_id, text, photo, document, targets, private_copies,
                                        created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                RETURNING id
                """,
                (
                    sender_id,
                    text,
                    photo,
                    document,
                    json.dumps(list(targets)),
                    int(private_copies),
                    to_db(now),
                ),
            )
        created = await self.get(int(broadcast_id))
        assert created is not None  # noqa: S101 - just written
        return created

    async def set_recipients(self, broadcast_id: int, count: int) -> None:
        await self._db.execute("UPDATE broadcasts SET recipients = ? WHERE id = ?", (count, broadcast_id))

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
        return None if row is None else _broadcast(row)

    async def latest_by(self, sender_id: int, limit: int = 3) -> list[Broadcast]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE sender_id = ? ORDER BY id DESC LIMIT ?",
            (sender_id, limit),
        )
        return [_broadcast(row) for row in rows]

    async def unreported(self) -> list[Broadcast]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE reported_at IS NULL ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    async def mark_reported(self, broadcast_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
            (to_db(now), broadcast_id),
        )

    async def all_by(self, sender_id: int) -> list[Broadcast]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE sender_id = ? ORDER BY id", (sender_id,)
        )
        return [_broadcast(row) for row in rows]

    async def erase_sender(self, sender_id: int) -> int:
        """Forget the announcements a person sent (what reached others stays in their chats)."""
        count = int(
            await self._db.fetch_value("SELECT COUNT(*) FROM broadcasts WHERE sender_id = ?", (sender_id,))
        )
        await self._db.execute("DELETE FROM broadcasts WHERE sender_id = ?", (sender_id,))
        return count

    async def group_languages(self, chat_ids: tuple[int, ...]) -> dict[int, str]:
        """The language of each still-active target group."""
        marks = ",".join("?" * len(chat_ids))
        rows = await self._db.fetch_all(
            f"SELECT chat_id, language FROM groups WHERE active = 1 AND chat_id IN ({marks})", chat_ids
        )
        return {row[0]: row[1] for row in rows}

    async def private_recipients(self, chat_ids: tuple[int, ...], preference: str) -> list[PrivateRecipient]:
        """Current members of the groups who switched *preference* on and whom the bot may write to."""
        marks = ",".join("?" * len(chat_ids))
        rows = await self._db.fetch_all(
            f"""
            SELECT DISTINCT p.user_id, p.language, p.telegram_language
            FROM memberships m
            JOIN people p ON p.user_id = m.user_id
            JOIN preferences f ON f.user_id = m.user_id AND f.key = ? AND f.value = '1'
            WHERE m.chat_id IN ({marks}) AND m.left_at IS NULL AND p.private_chat = 1 AND p.reachable = 1
            ORDER BY p.user_id
            """,
            (preference, *chat_ids),
        )
        return [PrivateRecipient(row[0], row[1], row[2]) for row in rows]

    async def blank_texts_before(self, cutoff: datetime) -> int:
        """Retention: forget the wording of announcements reported before *cutoff*."""
        result = await self._db.execute(
            "UPDATE broadcasts SET text = '' WHERE reported_at IS NOT NULL AND created_at < ? AND text != ''",
            (to_db(cutoff),),
        )
        return result.rowcount
