"""A meeting card edited by several processes (PostgreSQL) holds no lock or connection across the
Telegram edit, edits one at a time, and always ends showing the final counts (both backends).

The edit is a fake that waits until the test lets it land, so "a press while another press's edit
waits on Telegram" is made to happen every time rather than hoped for."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.domain.clock import FixedClock
from bot.domain.meeting_form import parse_meeting_line
from bot.domain.meetings import Answer, RsvpCounts
from bot.runtime.leadership import Leadership
from bot.runtime.services import Services
from bot.usecases import meetings as uc
from storage.db import Database
from storage.groups import GroupRepository
from storage.meetings import Announcement
from storage.people import PeopleRepository, Sighting
from tests.conftest import NOW
from tests.unit.offline_services import offline

GROUP = -100
LINE = "/schedule Circle | 2026-11-24 19:00 | 90m | weekly"
START = NOW + timedelta(days=1)
PATIENCE = 5.0  # seconds: far more than a write takes, far less than a blocked one waits


@dataclass
class Card:
    """One announcement, two processes sharing its database, and what the fake Telegram edits
    showed, in the order they landed."""

    processes: tuple[Services, Services]
    meeting_id: int
    announcement: Announcement
    landed: list[RsvpCounts] = field(default_factory=list)

    async def render(self) -> RsvpCounts:
        return await self.processes[0].repos.meetings.counts(self.meeting_id, START)

    async def show(self, counts: RsvpCounts) -> bool:
        self.landed.append(counts)
        return True

    async def press(self, user_id: int, answer: Answer = Answer.GOING) -> None:
        await self.processes[0].repos.meetings.rsvp(
            self.meeting_id, START, user_id, answer, capacity=None, now=NOW
        )

    async def show_latest(
        self, process: int = 0, show: Callable[[RsvpCounts], Awaitable[bool]] | None = None
    ) -> bool:
        return await uc.show_latest(
            self.processes[process],
            self.meeting_id,
            START,
            self.announcement,
            render=self.render,
            show=show or self.show,
        )


@pytest.fixture
async def card(db: Database, clock: FixedClock) -> Card:
    await GroupRepository(db).register(GROUP, "Circle", "Europe/Madrid", "en", NOW)
    for user_id in (1, 2):
        await PeopleRepository(db).record(Sighting(user_id, f"P{user_id}", None, "en", True), NOW)
    processes = (offline(db, clock).svc, offline(db, clock).svc)
    for svc in processes:
        svc.leadership = Leadership(None)  # only its name matters here: one per process
    repo = processes[0].repos.meetings
    draft = parse_meeting_line(LINE, time_zone="Europe/Madrid", now=NOW)
    meeting = await repo.create(GROUP, draft, created_by=1, now=NOW)
    await repo.add_announcement(meeting.id, START, GROUP, 7, "")
    [announcement] = await repo.announcements(meeting.id, START)
    return Card(processes, meeting.id, announcement)


async def test_a_press_is_not_blocked_while_another_process_s_edit_waits_on_telegram(card: Card) -> None:
    """The old row lock (PostgreSQL) or open transaction (SQLite) made the second press wait for
    the first press's edit; now it writes and returns at once, leaving the card to the process
    editing it, which shows the newer counts after its own edit lands (never out of order)."""
    editing, land = asyncio.Event(), asyncio.Event()

    async def slow_show(counts: RsvpCounts) -> bool:
        editing.set()
        await land.wait()
        return await card.show(counts)

    await card.press(1)
    first = asyncio.create_task(card.show_latest(0, slow_show))
    try:
        async with asyncio.timeout(PATIENCE):
            await editing.wait()
            await card.press(2)  # another process's press, while the first edit waits on Telegram
            assert not await card.show_latest(1)  # nothing shown by it: the editor will
        assert card.landed == []
    finally:
        land.set()
    async with asyncio.timeout(PATIENCE):
        assert await first
    assert card.landed == [RsvpCounts(going=1), RsvpCounts(going=2)]
    assert await card.show_latest(1)  # the card is free again, and already shows the final counts
    assert card.landed == [RsvpCounts(going=1), RsvpCounts(going=2)]


async def test_an_edit_of_a_card_changes_something_or_is_not_sent(card: Card) -> None:
    await card.press(1)
    async with asyncio.timeout(PATIENCE):
        assert await card.show_latest(0)
        assert await card.show_latest(1)
    assert card.landed == [RsvpCounts(going=1)]


async def test_a_claim_of_a_process_that_died_lapses(card: Card) -> None:
    repo = card.processes[0].repos.meetings
    assert await repo.claim_edit(card.meeting_id, START, card.announcement, "dead", now_ms=0, ttl_ms=1000)
    assert not await repo.claim_edit(
        card.meeting_id, START, card.announcement, "other", now_ms=500, ttl_ms=1000
    )
    assert await repo.mark_stale(card.meeting_id, START, card.announcement, "other", 500)
    assert await repo.release_edit(card.meeting_id, START, card.announcement, "dead") is False  # stale: again
    assert await repo.claim_edit(card.meeting_id, START, card.announcement, "other", now_ms=1001, ttl_ms=1000)
    assert not await repo.mark_stale(card.meeting_id, START, card.announcement, "other", 1001)
    assert await repo.release_edit(card.meeting_id, START, card.announcement, "dead") is None  # taken over
    assert await repo.release_edit(card.meeting_id, START, card.announcement, "other") is True
    gone = Announcement(GROUP, 8, "")
    assert await repo.shown(card.meeting_id, START, gone) is None
