"""Shared fixtures: a migrated database for repository tests, and a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.domain.clock import FixedClock
from storage.db import Database
from storage.migrations import migrate

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "test.sqlite3")
    await database.open()
    await migrate(database)
    yield database
    await database.close()
