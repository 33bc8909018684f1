"""Shared fixtures: a migrated database for repository tests (SQLite, or PostgreSQL when
KINDRED_TEST_POSTGRES is set: see tests/backend.py), and a clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.domain.clock import FixedClock
from storage.db import Database
from storage.migrations import migrate
from tests.backend import POSTGRES, drop_postgres, fresh_postgres_url

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    url = fresh_postgres_url() if POSTGRES else None
    database = Database(url or tmp_path / "test.sqlite3")
    await database.open()
    await migrate(database)
    yield database
    await database.close()
    if url:
        drop_postgres(url)


# The bot's own setting never leaks into tests: each test chooses its database (tests/backend.py).
os.environ.pop("DATABASE_URL", None)
