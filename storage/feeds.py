"""Published Meeting Guide feeds: which groups serve their meetings over HTTP, under which token."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.timestamps import to_db


class FeedRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def publish(self, chat_id: int, token: str, now: datetime) -> str:
        """Publish the group's feed; an already published group keeps its token (a stable URL)."""
        await self._db.execute(
            "INSERT INTO feed_publications (chat_id, token, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id) DO NOTHING",
            (chat_id, token, to_db(now)),
        )
        current = await self.token_of(chat_id)
        assert current is not None  # noqa: S101 - just written
        return current

    async def unpublish(self, chat_id: int) -> bool:
        result = await self._db.execute("DELETE FROM feed_publications WHERE chat_id = ?", (chat_id,))
        return result.rowcount > 0

    async def token_of(self, chat_id: int) -> str | None:
        value = await self._db.fetch_value(
            "SELECT token FROM feed_publications WHERE chat_id = ?", (chat_id,)
        )
        return None if value is None else str(value)

    async def chat_for(self, token: str) -> int | None:
        """The published group behind a token, if the bot is still in it."""
        value = await self._db.fetch_value(
            "SELECT f.chat_id FROM feed_publications f JOIN groups g ON g.chat_id = f.chat_id "
            "WHERE f.token = ? AND g.active = 1",
            (token,),
        )
        return None if value is None else int(value)
