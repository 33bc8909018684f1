"""Versioned schema migrations.

Each step is a file ``storage/migrations/NNNN_name.sql``; its number is the schema version it
produces.  The version lives in the database (the backend keeps it; SQLite: ``PRAGMA user_version``).
Start-up applies every
step above the current version, each together with its version bump in one transaction, and
refuses to touch a database written by newer code (like mautrix's ``UnsupportedDatabaseVersion``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from storage.db import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

log = logging.getLogger(__name__)


class UnsupportedSchemaVersion(RuntimeError):
    """The database is newer than this code; running would risk corrupting it."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All steps in order; gaps or duplicate numbers are programming errors and fail loudly."""
    steps = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name {path.name!r} is not NNNN_name.sql")
        steps.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    versions = [step.version for step in steps]
    if versions != list(range(1, len(steps) + 1)):
        raise ValueError(f"migration versions must run 1..N without gaps, found {versions}")
    return steps


def latest_version(directory: Path = MIGRATIONS_DIR) -> int:
    return len(available_migrations(directory))


async def schema_version(db: Database) -> int:
    return await db.schema_version()


async def migrate(db: Database, directory: Path = MIGRATIONS_DIR) -> int:
    """Bring the schema up to date; returns the version now in force."""
    steps = available_migrations(directory)
    current = await schema_version(db)
    if current > len(steps):
        raise UnsupportedSchemaVersion(
            f"The database {db.path} has schema version {current}, but this Kindred only knows "
            f"up to version {len(steps)}. Run a newer Kindred, or restore a backup made for this one."
        )
    for step in steps[current:]:
        log.info("Applying migration %s", step.name)
        await db.apply_migration(step.version, step.sql)
    return max(current, len(steps))


async def prepare(path: Path | str) -> int:
    """Migrate the database at *path* before anything else starts; raises UnsupportedSchemaVersion."""
    db = Database(path)
    await db.open()
    try:
        return await migrate(db)
    finally:
        await db.close()
