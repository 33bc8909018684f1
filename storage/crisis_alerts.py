"""Crisis alerts a member asked for (issue 16): their recipients, acknowledgement and escalation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, Row
from storage.timestamps import from_db, maybe_from_db, to_db


@dataclass(frozen=True)
class CrisisAlert:
    id: int
    member_id: int
    created_at: datetime
    escalate_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    escalated_at: datetime | None

    @property
    def open(self) -> bool:
        """Nobody has said they are reaching out, and it has not gone up to the coordinators."""
        return self.acknowledged_at is None and self.escalated_at is None


@dataclass(frozen=True)
class AlertMessage:
    chat_id: int
    message_id: int


_COLUMNS = "id, member_id, created_at, escalate_at, acknowledged_at, acknowledged_by, escalated_at"


def _alert(row: Row) -> CrisisAlert:
    return CrisisAlert(
        row["id"],
        row["member_id"],
        from_db(row["created_at"]),
        from_db(row["escalate_at"]),
        maybe_from_db(row["acknowledged_at"]),
        row["acknowledged_by"],
        maybe_from_db(row["escalated_at"]),
    )


class CrisisAlertRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, member_id: int, now: datetime, escalate_at: datetime) -> int:
        async with self._db.transaction() as tx:
            alert_id = await tx.fetch_value(
                "INSERT INTO crisis_alerts (member_id, created_at, escalate_at) VALUES (?, ?, ?)"
                " RETURNING id",
                (member_id, to_db(now), to_db(escalate_at)),
            )
        return int(alert_id)

    async def get(self, alert_id: int) -> CrisisAlert | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM crisis_alerts WHERE id = ?", (alert_id,))
        return None if row is None else _alert(row)

    async def open_alerts(self) -> list[CrisisAlert]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM crisis_alerts"
            " WHERE acknowledged_at IS NULL AND escalated_at IS NULL ORDER BY escalate_at"
        )
        return [_alert(row) for row in rows]

    async def add_message(self, alert_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "INSERT INTO crisis_alert_messages (alert_id, recipient_id, message_id) VALUES (?, ?, ?)"
            " ON CONFLICT (alert_id, recipient_id) DO UPDATE SET message_id = excluded.message_id",
            (alert_id, chat_id, message_id),
        )

    async def messages(self, alert_id: int) -> list[AlertMessage]:
        rows = await self._db.fetch_all(
            "SELECT recipient_id, message_id FROM crisis_alert_messages"
            " WHERE alert_id = ? ORDER BY recipient_id",
            (alert_id,),
        )
        return [AlertMessage(row["recipient_id"], row["message_id"]) for row in rows]

    async def acknowledge(self, alert_id: int, by: int, now: datetime) -> bool:
        """Record who is reaching out; False if someone already had (the first one counts)."""
        result = await self._db.execute(
            "UPDATE crisis_alerts SET acknowledged_at = ?, acknowledged_by = ?"
            " WHERE id = ? AND acknowledged_at IS NULL",
            (to_db(now), by, alert_id),
        )
        return result.rowcount == 1

    async def mark_escalated(self, alert_id: int, now: datetime) -> bool:
        """Claim the escalation; False if it was acknowledged or escalated meanwhile."""
        result = await self._db.execute(
            "UPDATE crisis_alerts SET escalated_at = ?"
            " WHERE id = ? AND acknowledged_at IS NULL AND escalated_at IS NULL",
            (to_db(now), alert_id),
        )
        return result.rowcount == 1

    async def export(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM crisis_alerts WHERE member_id = ? ORDER BY id", (member_id,)
        )
        return [
            {
                "asked_at": row["created_at"],
                "acknowledged": row["acknowledged_at"] is not None,
                "escalated_to_coordinators": row["escalated_at"] is not None,
            }
            for row in rows
        ]

    async def erase(self, user_id: int) -> int:
        """The person's own alerts (their copies' records go with them), and every trace of them
        as someone alerted: the copies they were sent and their name as the one reaching out."""
        async with self._db.transaction() as tx:
            alerts = await tx.execute("DELETE FROM crisis_alerts WHERE member_id = ?", (user_id,))
            await tx.execute("DELETE FROM crisis_alert_messages WHERE recipient_id = ?", (user_id,))
            await tx.execute(
                "UPDATE crisis_alerts SET acknowledged_by = NULL WHERE acknowledged_by = ?", (user_id,)
            )
        return alerts.rowcount
