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


# Tests that cannot reach a database run once, on the SQLite pass: the domain imports no storage
# (import-linter holds it to that), the emulator and the catalog and README checks have none.
NO_DATABASE = ("tests/domain/", "tests/emulator/", "tests/test_i18n.py", "tests/test_readme.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, leave out the tests no backend can change (see NO_DATABASE)."""
    if not POSTGRES:
        return
    root = config.rootpath
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        where = item.path.relative_to(root).as_posix()
        (left_out if where.startswith(NO_DATABASE) else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


# The bot's own setting never leaks into tests: each test chooses its database (tests/backend.py).
os.environ.pop("DATABASE_URL", None)
