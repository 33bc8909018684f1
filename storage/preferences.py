"""People's preferences: a small key/value store per person, read through typed accessors.

Features declare their toggles (see :mod:`bot.domain.preferences`); a missing row means the feature's
default, so adding a preference never needs a migration.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from storage.db import Database
from storage.timestamps import to_db

TRUE, FALSE = "1", "0"


class PreferenceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_bool(self, user_id: int, key: str, default: bool) -> bool:
        value = await self._db.fetch_value(
            "SELECT value FROM preferences WHERE user_id = ? AND key = ?", (user_id, key)
        )
        return default if value is None else value == TRUE

    async def set_bool(self, user_id: int, key: str, value: bool, now: datetime) -> None:
        await self._db.execute(
            """
            INSERT INTO preferences (user_id, key, value, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """,
            (user_id, key, TRUE if value else FALSE, to_db(now)),
        )

    async def all_of(self, user_id: int) -> dict[str, str]:
        """Everything stored for the person (for /mydata); defaults are not stored, so not listed."""
        rows = await self._db.fetch_all(
            "SELECT key, value FROM preferences WHERE user_id = ? ORDER BY key", (user_id,)
        )
        return {row["key"]: row["value"] for row in rows}

    async def users_with(self, key: str, value: bool, user_ids: Iterable[int]) -> set[int]:
        """Of *user_ids*, those who explicitly set *key* to *value*."""
        wanted = set(user_ids)
        rows = await self._db.fetch_all(
            "SELECT user_id FROM preferences WHERE key = ? AND value = ?", (key, TRUE if value else FALSE)
        )
        return {row[0] for row in rows} & wanted

    async def erase(self, user_id: int) -> int:
        """Forget every preference of the person; returns how many there were."""
        count = int(
            await self._db.fetch_value("SELECT COUNT(*) FROM preferences WHERE user_id = ?", (user_id,))
        )
        await self._db.execute("DELETE FROM preferences WHERE user_id = ?", (user_id,))
        return count
