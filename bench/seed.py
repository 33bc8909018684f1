"""Filling a bot's database before it starts, through the repositories, as the bot itself would.

Meetings are seeded when the meetings feature is on this checkout (``storage/meetings.py``);
otherwise the fan-out benchmark queues its deliveries straight into the outbox, the path every
reminder takes after its job runs.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from storage.db import Database
from storage.groups import GroupRepository
from storage.migrations import migrate
from storage.outbox import Delivery, OutboxRepository
from storage.people import PeopleRepository, Sighting

SEED_NOW = datetime.fromisoformat("2026-11-23T12:00:00+00:00")


def has_meetings() -> bool:
    return importlib.util.find_spec("storage.meetings") is not None


async def _open(path: Path) -> Database:
    db = Database(path)
    await db.open()
    await migrate(db)
    return db


async def groups(path: Path, chat_ids: Sequence[int]) -> None:
    db = await _open(path)
    try:
        repo = GroupRepository(db)
        for index, chat_id in enumerate(chat_ids):
            await repo.register(chat_id, f"Circle {index}", "UTC", "en", SEED_NOW)
    finally:
        await db.close()


async def outbox(path: Path, chat_ids: Sequence[int], due: datetime) -> None:
    """One reminder-like message per group, all due at *due*."""
    db = await _open(path)
    try:
        deliveries = [
            Delivery(
                key=f"bench:{due.isoformat()}:{chat_id}",
                chat_id=chat_id,
                text="<b>Reminder</b>: Circle meets in one hour.",
                kind="meeting_reminder",
                batch=f"bench:{due.isoformat()}",
                not_before=due,
            )
            for chat_id in chat_ids
        ]
        await OutboxRepository(db).enqueue(deliveries, SEED_NOW)
    finally:
        await db.close()


async def meetings(path: Path, chat_ids: Sequence[int], count: int, first_start: datetime) -> list[int]:
    """*count* weekly meetings spread over the groups, each group's at a different time of day
    from *first_start* on (the same minute when there is one meeting per group)."""
    from bot.domain.meeting_form import parse_meeting_line  # noqa: PLC0415 - only with the feature
    from storage.meetings import MeetingRepository  # noqa: PLC0415

    db = await _open(path)
    ids = []
    try:
        repo = MeetingRepository(db)
        for index in range(count):
            chat_id = chat_ids[index % len(chat_ids)]
            start = first_start + timedelta(minutes=15 * (index // len(chat_ids)))
            line = meeting_line(f"Circle {index}", start)
            draft = parse_meeting_line(line, time_zone="UTC", now=SEED_NOW)
            ids.append((await repo.create(chat_id, draft, created_by=1, now=SEED_NOW)).id)
    finally:
        await db.close()
    return ids


def meeting_line(title: str, start: datetime) -> str:
    """The one-line form facilitators type (see bot/domain/meeting_form.py)."""
    return f"{title} | {start:%Y-%m-%d %H:%M} | 90 min | weekly"


async def community(path: Path, members_of: dict[int, list[int]], first_start: datetime) -> dict[int, int]:
    """Groups with their members (who have written to the bot before) and one weekly meeting each,
    first on *first_start*; returns each group's meeting id."""
    await groups(path, list(members_of))
    db = await _open(path)
    try:
        people, memberships = PeopleRepository(db), GroupRepository(db)
        for chat_id, members in members_of.items():
            for user_id in members:
                await people.record(Sighting(user_id, f"Member{user_id}", None, "en", True), SEED_NOW)
                await memberships.add_member(chat_id, user_id, SEED_NOW)
    finally:
        await db.close()
    ids = await meetings(path, list(members_of), len(members_of), first_start)
    return dict(zip(members_of, ids, strict=True))
