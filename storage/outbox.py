"""The outbox table: one row per message to deliver, claimed and settled by the outbox worker.

Several processes may share the table (PostgreSQL): a process *claims* due rows under its name
until a lease runs out (``FOR UPDATE SKIP LOCKED``: processes claiming at once take different
rows), renews its claims while it lives, and settles each row it sent.  The claims of a process
that died lapse; its rows then go to the others, and a row it left ``sending`` (the call may have
reached Telegram) goes again: the one case where a message may repeat.

A chat's queued messages go through one process at a time (*chat affinity*): a process claims no
row of a chat for which another live process holds unexpired claims.  Telegram's per-chat
windows (a group's 20 a minute) are then kept by one pacer, not by several each pacing alone;
when a chat changes hands, the new holder counts the chat's recent sends (:meth:`recent_sends`,
``sent`` rows keep who sent them and when).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.db import Database, Row
from storage.timestamps import from_db, to_db


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # the HTTP call may be under way; outcome unknown after a crash
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


OPEN = (Status.PENDING, Status.SENDING)


@dataclass(frozen=True)
class Delivery:
    """A message for one chat. ``key`` makes enqueueing idempotent: the same key is queued once, ever."""

    key: str
    chat_id: int
    text: str
    kind: str
    reply_markup: dict[str, Any] | None = None
    batch: str | None = None
    not_before: datetime | None = None
    photo: str | None = None  # Telegram file_id; text becomes the caption
    document: str | None = None


@dataclass(frozen=True)
class QueuedDelivery:
    id: int
    delivery: Delivery
    status: Status
    attempts: int
    not_before: datetime


# Any 64-bit number: serialises claims between processes (PostgreSQL's transaction advisory lock,
# single-key form, so it never looks like a live process's lock: storage/postgres.py).
CLAIM_LOCK = 0x4B696E6472656401  # "Kindred\1"


@dataclass(frozen=True)
class Sent:
    """A message that went out: which row, to which chat, and when it was answered."""

    id: int
    chat_id: int
    at: datetime


_COLUMNS = "id, key, kind, batch, chat_id, text, reply_markup, photo, document, status, not_before, attempts"


# No other process holds claims on the row's chat (parameters: our name, now in milliseconds).
_FREE_CHAT = """NOT EXISTS (
    SELECT 1 FROM outbox AS held
    WHERE held.chat_id = o.chat_id AND held.status IN ('pending', 'sending')
      AND held.claimed_by <> ? AND held.lease_until >= ?
)"""


def _queued(row: Row) -> QueuedDelivery:
    not_before = from_db(row["not_before"])
    delivery = Delivery(
        key=row["key"],
        chat_id=row["chat_id"],
        text=row["text"],
        kind=row["kind"],
        reply_markup=json.loads(row["reply_markup"]) if row["reply_markup"] else None,
        batch=row["batch"],
        not_before=not_before,
        photo=row["photo"],
        document=row["document"],
    )
    return QueuedDelivery(row["id"], delivery, Status(row["status"]), row["attempts"], not_before)


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, deliveries: Iterable[Delivery], now: datetime) -> int:
        """Queue deliveries whose keys are new; returns how many were queued."""
        stamp = to_db(now)
        rows = [
            (
                d.key,
                d.kind,
                d.batch,
                d.chat_id,
                d.text,
                json.dumps(d.reply_markup) if d.reply_markup else None,
                d.photo,
                d.document,
                to_db(d.not_before or now),
                stamp,
                stamp,
            )
            for d in deliveries
        ]
        result = await self._db.execute_many(
            """
            INSERT INTO outbox (key, kind, batch, chat_id, text, reply_markup, photo, document,
                                not_before, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key) DO NOTHING
            """,
            rows,
        )
        return result.rowcount  # keys already queued insert nothing and count nothing

    async def claim_due(
        self, now: datetime, limit: int, owner: str, now_ms: int, lease_ms: int
    ) -> list[QueuedDelivery]:
        """Claim up to *limit* pending rows whose time has come and that no live process holds,
        oldest first, for *owner* until ``now_ms + lease_ms`` (real time, renewed by :meth:`renew`).

        Rows of a chat another process holds (open rows it claimed, lease unexpired) are left to
        it, so each chat's window is paced in one place.  Two processes claiming at once could
        each see the chat free and split it, so on PostgreSQL claims take turns (a transaction
        advisory lock: the second claim runs after the first commits, and sees its rows taken);
        SQLite has one writer, and one process."""
        postgres = self._db.dialect == "postgres"
        skip_locked = " FOR UPDATE SKIP LOCKED" if postgres else ""
        async with self._db.transaction() as tx:
            if postgres:
                await tx.fetch_value("SELECT pg_advisory_xact_lock(?)", (CLAIM_LOCK,))
            rows = await tx.fetch_all(
                f"""
                UPDATE outbox SET claimed_by = ?, lease_until = ?
                WHERE id IN (
                    SELECT id FROM outbox AS o
                    WHERE status IN ('pending', 'sending') AND status = 'pending' AND not_before <= ?
                      AND (claimed_by IS NULL OR claimed_by = ? OR lease_until < ?)
                      AND {_FREE_CHAT}
                    ORDER BY not_before, id LIMIT ?{skip_locked}
                )
                RETURNING {_COLUMNS}
                """,
                (owner, now_ms + lease_ms, to_db(now), owner, now_ms, owner, now_ms, limit),
            )
        return sorted((_queued(row) for row in rows), key=lambda row: (row.not_before, row.id))

    async def renew(self, owner: str, lease_until_ms: int) -> None:
        """Keep this process's claims alive (every few seconds, while it runs)."""
        await self._db.execute(
            "UPDATE outbox SET lease_until = ? WHERE claimed_by = ? AND status IN ('pending', 'sending')",
            (lease_until_ms, owner),
        )

    async def due(self, now: datetime, limit: int) -> list[QueuedDelivery]:
        """Pending rows whose time has come, oldest first."""
        # The repeated status term matches the partial index's WHERE clause, so SQLite uses it.
        rows = await self._db.fetch_all(
            f"""
            SELECT {_COLUMNS} FROM outbox
            WHERE status IN ('pending', 'sending') AND status = 'pending' AND not_before <= ?
            ORDER BY not_before, id LIMIT ?
            """,
            (to_db(now), limit),
        )
        return [_queued(row) for row in rows]

    async def next_due_time(self, owner: str = "", now_ms: int = 0) -> datetime | None:
        """When the next row no other live process holds, of a chat none holds, comes due (claims
        of processes that die are freed by the heartbeat, which wakes the worker).  A row of a
        chat another process holds is not ours to wait for: counting it would wake us at once,
        again and again, for a row we may not claim."""
        value = await self._db.fetch_value(
            "SELECT MIN(not_before) FROM outbox AS o WHERE status IN ('pending', 'sending')"
            " AND status = 'pending' AND (claimed_by IS NULL OR claimed_by = ? OR lease_until < ?)"
            f" AND {_FREE_CHAT}",
            (owner, now_ms, owner, now_ms),
        )
        return None if value is None else from_db(value)

    async def recent_sends(
        self, since: datetime, chats: Collection[int] | None = None, not_by: str | None = None
    ) -> list[Sent]:
        """Messages sent since *since*, oldest first (to *chats* only, and sent by processes other
        than *not_by*, when given): a process counts them against Telegram's windows, which are
        the bot's, not a process's: at start-up all of them (the windows did not restart with
        it), and when it takes a chat over from another process, that chat's."""
        conditions = ["status = 'sent'", "updated_at >= ?"]
        params: list[object] = [to_db(since)]
        if chats is not None:
            if not chats:
                return []
            conditions.append(f"chat_id IN ({', '.join('?' * len(chats))})")
            params.extend(chats)
        if not_by is not None:
            conditions.append("(claimed_by IS NULL OR claimed_by <> ?)")
            params.append(not_by)
        where = " AND ".join(conditions)
        rows = await self._db.fetch_all(
            f"SELECT id, chat_id, updated_at FROM outbox WHERE {where} ORDER BY updated_at", tuple(params)
        )
        return [Sent(row["id"], row["chat_id"], from_db(row["updated_at"])) for row in rows]

    async def recover_interrupted(
        self, now: datetime, lapsed_before_ms: int | None = None, live: Collection[str] = ()
    ) -> int:
        """Rows left 'sending' by a crash: their outcome is unknown, so they go again (the one
        case where a message may repeat; Telegram offers bots no idempotency key).

        *lapsed_before_ms* None: this is the only process (SQLite), so every claim is a dead
        one.  Otherwise (PostgreSQL) only the claims of dead processes: not among the *live*
        ones, or whose lease lapsed before it (a process that hangs).  Every process runs this
        at every beat: it takes turns with the others and with :meth:`claim_due` (the same
        advisory lock), or two updating the same rows in different orders deadlock."""
        params: tuple[object, ...]
        if lapsed_before_ms is None:
            condition, params = "claimed_by IS NOT NULL OR status = 'sending'", (to_db(now),)
        else:
            condition = (
                "(claimed_by IS NOT NULL OR status = 'sending') AND (claimed_by IS NULL"
                " OR lease_until IS NULL OR lease_until < ? OR NOT (claimed_by = ANY(?)))"
            )
            params = (to_db(now), lapsed_before_ms, sorted(live))
        async with self._db.transaction() as tx:
            if self._db.dialect == "postgres":
                await tx.fetch_value("SELECT pg_advisory_xact_lock(?)", (CLAIM_LOCK,))
            interrupted = await tx.fetch_value(
                f"SELECT COUNT(*) FROM outbox WHERE status = 'sending' AND ({condition})", params[1:]
            )
            await tx.execute(
                "UPDATE outbox SET status = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = ? "
                f"WHERE status IN ('pending', 'sending') AND ({condition})",
                params,
            )
        return int(interrupted)

    async def mark_sending(self, row_id: int, owner: str, now: datetime, lease_until_ms: int) -> bool:
        """Mark a row *owner* claimed as going out now; False when the claim is no longer ours.

        A compare-and-set: a process whose lease lapsed (it hung) may find its row taken back and
        sent by another, and must not send it again, so only a row still pending and still
        claimed by *owner* is marked.  The lease is renewed with it: a row just marked 'sending'
        must not be taken back as lapsed while its call is under way."""
        result = await self._db.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?, updated_at = ? "
            "WHERE id = ? AND claimed_by = ? AND status = 'pending'",
            (lease_until_ms, to_db(now), row_id, owner),
        )
        return result.rowcount == 1

    async def mark_sent(self, row_id: int, message_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = 'sent', message_id = ?, last_error = NULL, lease_until = NULL, "
            "updated_at = ? WHERE id = ?",
            (message_id, to_db(now), row_id),
        )

    async def mark_final(self, row_id: int, status: Status, error: str, now: datetime) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = ?, last_error = ?, lease_until = NULL, updated_at = ? WHERE id = ?",
            (status.value, error[:300], to_db(now), row_id),
        )

    async def retry_later(self, row_id: int, not_before: datetime, error: str, now: datetime) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, last_error = ?, claimed_by = NULL, "
            "lease_until = NULL, updated_at = ? WHERE id = ?",
            (to_db(not_before), error[:300], to_db(now), row_id),
        )

    async def cancel_pending(self, key_prefix: str, now: datetime) -> int:
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        result = await self._db.execute(
            """
            UPDATE outbox SET status = 'cancelled', updated_at = ?
            WHERE status = 'pending' AND key LIKE ? ESCAPE '\\'
            """,
            (to_db(now), escaped + "%"),
        )
        return result.rowcount

    async def cancel_for_chat(self, chat_id: int, now: datetime) -> int:
        """Drop everything still queued for one chat (a person who asked to be forgotten)."""
        result = await self._db.execute(
            "UPDATE outbox SET status = 'cancelled', text = '', updated_at = ? "
            "WHERE chat_id = ? AND status = 'pending'",
            (to_db(now), chat_id),
        )
        return result.rowcount

    async def counts(self, batch: str) -> dict[str, int]:
        rows = await self._db.fetch_all(
            "SELECT status, COUNT(*) FROM outbox WHERE batch = ? GROUP BY status", (batch,)
        )
        return {row[0]: row[1] for row in rows}

    async def exists(self, key: str) -> bool:
        return await self._db.fetch_value("SELECT 1 FROM outbox WHERE key = ?", (key,)) is not None

    async def get(self, key: str) -> QueuedDelivery | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", (key,))
        return None if row is None else _queued(row)

    async def blank_settled_before(self, cutoff: datetime) -> int:
        """Retention: forget the text of messages settled before *cutoff* (their status stays)."""
        result = await self._db.execute(
            "UPDATE outbox SET text = '' WHERE status NOT IN ('pending', 'sending') "
            "AND updated_at < ? AND text != ''",
            (to_db(cutoff),),
        )
        return result.rowcount
