"""Groups the bot serves, and who belongs to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row, Write
from storage.timestamps import to_db


@dataclass(frozen=True)
class Group:
    chat_id: int
    title: str
    timezone: str
    language: str
    active: bool


# Every column that holds a group's chat id, moved when the group becomes a supergroup.  A test
# reads the schema and fails on any such column in neither this list nor NOT_MOVED.
GROUP_REFERENCES = (
    ("memberships", "chat_id"),
    ("meetings", "chat_id"),
    ("meeting_announcements", "chat_id"),
    ("group_reminder_offsets", "chat_id"),
    ("roll_calls", "chat_id"),
    ("attendance", "chat_id"),
    ("resources", "chat_id"),
    ("feed_publications", "chat_id"),
    ("milestones", "celebrate_chat_id"),
    ("shared_checkins", "group_id"),
    ("outbox", "chat_id"),
)
NOT_MOVED = {
    # Each row's contributor pseudonym is an HMAC of (group id, person): under a new id /forget
    # could no longer find a person's rows.  /wellbeing shows the group from the move on.
    ("checkin_contributions", "group_id"),
}

# The columns that, with the group's, make a row unique: a row the group already has under its new
# id gives way to the one moving there (what SQLite's UPDATE OR REPLACE did, on any engine).
CONFLICT_KEYS: dict[str, tuple[str, ...]] = {
    "memberships": ("user_id",),
    "group_reminder_offsets": (),
    "feed_publications": (),
    "meeting_announcements": ("meeting_id", "occurrence_start", "message_id"),
}
# Broadcast targets are a JSON array of chat ids; JSON functions differ between the engines.
_MOVE_TARGETS_SQLITE = """
    UPDATE broadcasts SET targets = (
        SELECT json_group_array(CASE WHEN value = ?1 THEN ?2 ELSE value END)
        FROM json_each(broadcasts.targets)
    )
    WHERE EXISTS (SELECT 1 FROM json_each(broadcasts.targets) WHERE value = ?1)
"""
_MOVE_TARGETS_POSTGRES = """
    UPDATE broadcasts SET targets = (
        SELECT '[' || string_agg(CASE WHEN e.value::bigint = ?1 THEN ?2 ELSE e.value::bigint END::text, ','
                                 ORDER BY e.n) || ']'
        FROM json_array_elements_text(broadcasts.targets::json) WITH ORDINALITY AS e (value, n)
    )
    WHERE EXISTS (
        SELECT 1 FROM json_array_elements_text(broadcasts.targets::json) AS e (value)
        WHERE e.value::bigint = ?1
    )
"""


def _move_rows(table: str, column: str, old_chat_id: int, new_chat_id: int) -> list[Write]:
    """Rows of *table* from the old group id to the new one; colliding rows already there go."""
    writes = []
    if table in CONFLICT_KEYS:
        same = "".join(f" AND o.{key} = {table}.{key}" for key in CONFLICT_KEYS[table])
        writes.append(
            Write(
                f"DELETE FROM {table} WHERE {column} = ?1 AND EXISTS "
                f"(SELECT 1 FROM {table} o WHERE o.{column} = ?2{same})",
                (new_chat_id, old_chat_id),
            )
        )
    writes.append(Write(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new_chat_id, old_chat_id)))
    return writes


_COLUMNS = "chat_id, title, timezone, language, active"
_JOINED_COLUMNS = "g.chat_id, g.title, g.timezone, g.language, g.active"


def _group(row: Row) -> Group:
    return Group(row["chat_id"], row["title"], row["timezone"], row["language"], bool(row["active"]))


class GroupRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(self, chat_id: int, title: str, timezone: str, language: str, now: datetime) -> Group:
        """Record that the bot is in this group; a returning bot keeps the group's settings."""
        stamp = to_db(now)
        await self._db.execute(
            """
            INSERT INTO groups (chat_id, title, timezone, language, active, created_at, updated_at)
            VALUES (?, ?, ?, ?, 1, ?, ?)
            ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title, active = 1,
                updated_at = excluded.updated_at
            """,
            (chat_id, title, timezone, language, stamp, stamp),
        )
        group = await self.get(chat_id)
        assert group is not None  # noqa: S101 - just written
        return group

    async def get(self, chat_id: int) -> Group | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM groups WHERE chat_id = ?", (chat_id,))
        return None if row is None else _group(row)

    async def active(self) -> list[Group]:
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM groups WHERE active = 1 ORDER BY title")
        return [_group(row) for row in rows]

    async def set_timezone(self, chat_id: int, timezone: str, now: datetime) -> None:
        await self._db.execute(
            "UPDATE groups SET timezone = ?, updated_at = ? WHERE chat_id = ?",
            (timezone, to_db(now), chat_id),
        )

    async def set_language(self, chat_id: int, language: str, now: datetime) -> None:
        await self._db.execute(
            "UPDATE groups SET language = ?, updated_at = ? WHERE chat_id = ?",
            (language, to_db(now), chat_id),
        )

    async def set_title(self, chat_id: int, title: str, now: datetime) -> None:
        await self._db.execute(
            "UPDATE groups SET title = ?, updated_at = ? WHERE chat_id = ?", (title, to_db(now), chat_id)
        )

    async def deactivate(self, chat_id: int, now: datetime) -> None:
        """The bot was removed: keep the history, stop acting for the group."""
        await self._db.execute(
            "UPDATE groups SET active = 0, updated_at = ? WHERE chat_id = ?", (to_db(now), chat_id)
        )

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup and Telegram gave it a new id: everything follows, at once.

        The new id may already have a row (an update from the supergroup arrived first); the old
        group's settings win.  Check-in aggregates stay under the old id (see NOT_MOVED)."""
        await self._db.write_all(
            [
                Write(
                    """
                    INSERT INTO groups (chat_id, title, timezone, language, active, family, created_at,
                                        updated_at)
                    SELECT ?, title, timezone, language, active, family, created_at, updated_at
                    FROM groups WHERE chat_id = ?
                    ON CONFLICT (chat_id) DO UPDATE SET timezone = excluded.timezone,
                        language = excluded.language, active = excluded.active, family = excluded.family
                    """,
                    (new_chat_id, old_chat_id),
                ),
                *(
                    write
                    for table, column in GROUP_REFERENCES
                    for write in _move_rows(table, column, old_chat_id, new_chat_id)
                ),
                Write(
                    _MOVE_TARGETS_POSTGRES if self._db.dialect == "postgres" else _MOVE_TARGETS_SQLITE,
                    (old_chat_id, new_chat_id),
                ),
                Write("DELETE FROM groups WHERE chat_id = ?", (old_chat_id,)),
            ]
        )

    async def add_member(self, chat_id: int, user_id: int, now: datetime) -> None:
        await self._db.execute(
            """
            INSERT INTO memberships (chat_id, user_id, joined_at) VALUES (?, ?, ?)
            ON CONFLICT (chat_id, user_id) DO UPDATE SET left_at = NULL
            """,
            (chat_id, user_id, to_db(now)),
        )

    async def remove_member(self, chat_id: int, user_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE memberships SET left_at = ? WHERE chat_id = ? AND user_id = ?",
            (to_db(now), chat_id, user_id),
        )

    async def groups_of(self, user_id: int) -> list[Group]:
        """Active groups the person currently belongs to."""
        rows = await self._db.fetch_all(
            f"""
            SELECT {_JOINED_COLUMNS}
            FROM memberships m JOIN groups g ON g.chat_id = m.chat_id
            WHERE m.user_id = ? AND m.left_at IS NULL AND g.active = 1
            ORDER BY g.title
            """,
            (user_id,),
        )
        return [_group(row) for row in rows]

    async def member_ids(self, chat_id: int) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT user_id FROM memberships WHERE chat_id = ? AND left_at IS NULL ORDER BY user_id",
            (chat_id,),
        )
        return [row[0] for row in rows]

    async def memberships_of(self, user_id: int) -> list[dict[str, object]]:
        """Every group the person belongs or belonged to, for /mydata."""
        rows = await self._db.fetch_all(
            """
            SELECT g.title AS group_title, m.joined_at, m.left_at
            FROM memberships m JOIN groups g ON g.chat_id = m.chat_id
            WHERE m.user_id = ? ORDER BY m.joined_at
            """,
            (user_id,),
        )
        return [dict(row) for row in rows]
