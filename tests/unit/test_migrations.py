"""Migrations: a fresh database reaches the latest version; old ones move forward; newer refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database
from storage.migrations import UnsupportedSchemaVersion, latest_version, migrate, schema_version
from tests.checks import found


async def open_db(path: Path) -> Database:
    db = Database(path)
    await db.open()
    return db


async def tables(db: Database) -> set[str]:
    rows = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in rows}


async def test_fresh_database_reaches_latest_version(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "fresh.sqlite3")
    assert await schema_version(db) == 0
    assert await migrate(db) == latest_version() >= 1
    assert await schema_version(db) == latest_version()
    assert {"groups", "people", "memberships"} <= await tables(db)
    assert await db.fetch_value("PRAGMA journal_mode") == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1
    assert await db.fetch_value("PRAGMA synchronous") == 1  # NORMAL: safe across a process crash
    assert await db.fetch_value("PRAGMA wal_autocheckpoint") == 10_000
    await db.close()


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "twice.sqlite3")
    await migrate(db)
    before = await tables(db)
    assert await migrate(db) == latest_version()
    assert await tables(db) == before
    await db.close()


async def test_an_old_database_moves_forward_keeping_its_data(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    steps.mkdir()
    (steps / "0001_first.sql").write_text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);")
    db = await open_db(tmp_path / "old.sqlite3")
    assert await migrate(db, steps) == 1
    await db.execute("INSERT INTO notes (body) VALUES ('kept')")
    (steps / "0002_second.sql").write_text("ALTER TABLE notes ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;")
    assert await migrate(db, steps) == 2
    row = await db.fetch_one("SELECT body, seen FROM notes")
    assert tuple(found(row)) == ("kept", 0)
    await db.close()


async def test_a_failing_step_leaves_the_previous_version(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    steps.mkdir()
    (steps / "0001_first.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY);")
    (steps / "0002_broken.sql").write_text("CREATE TABLE b (id INTEGER PRIMARY KEY);\nTHIS IS NOT SQL;")
    db = await open_db(tmp_path / "broken.sqlite3")
    with pytest.raises(Exception, match="syntax error"):
        await migrate(db, steps)
    assert await schema_version(db) == 1
    assert "b" not in await tables(db)  # the half-applied step was rolled back
    await db.close()


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "newer.sqlite3")
    await db.execute(f"PRAGMA user_version = {latest_version() + 1}")
    with pytest.raises(UnsupportedSchemaVersion, match="newer Kindred"):
        await migrate(db)
    await db.close()


def test_migration_files_are_numbered_without_gaps() -> None:
    assert latest_version() >= 1  # available_migrations() raises on gaps or bad names
