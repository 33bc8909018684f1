"""Each group's directory of resources, managed by its facilitators.

Deployment-wide defaults come from a file (:mod:`bot.domain.resources`), not from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.resources import Resource
from storage.db import Database, Row
from storage.timestamps import to_db


@dataclass(frozen=True)
class StoredResource:
    id: int
    chat_id: int
    resource: Resource


_COLUMNS = "id, chat_id, category, name, description, phone, link, hours"


def _stored(row: Row) -> StoredResource:
    resource = Resource(
        row["category"], row["name"], row["description"], row["phone"], row["link"], row["hours"]
    )
    return StoredResource(row["id"], row["chat_id"], resource)


def _values(resource: Resource) -> tuple[str, ...]:
    r = resource
    return (r.category, r.name, r.description, r.phone, r.link, r.hours)


class ResourceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, chat_id: int, resource: Resource, now: datetime) -> StoredResource:
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            resource_id = await tx.fetch_value(
                """
                INSERT INTO resources (chat_id, category, name, description, phone, link, hours,
                                       created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING id
                """,
                (chat_id, *_values(resource), stamp, stamp),
            )
        return StoredResource(int(resource_id), chat_id, resource)

    async def update(self, resource_id: int, resource: Resource, now: datetime) -> None:
        await self._db.execute(
            """
            UPDATE resources SET category = ?, name = ?, description = ?, phone = ?, link = ?, hours = ?,
                updated_at = ?
            WHERE id = ?
            """,
            (*_values(resource), to_db(now), resource_id),
        )

    async def remove(self, resource_id: int) -> None:
        await self._db.execute("DELETE FROM resources WHERE id = ?", (resource_id,))

    async def get(self, resource_id: int) -> StoredResource | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM resources WHERE id = ?", (resource_id,))
        return None if row is None else _stored(row)

    async def of_group(self, chat_id: int) -> list[StoredResource]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM resources WHERE chat_id = ? ORDER BY category, name, id", (chat_id,)
        )
        return [_stored(row) for row in rows]
