"""Benchmark 3: storage. 100,000 check-ins written one per call, and the attendance report.

Check-ins go through the repository one call each, as handlers write them (each its own
transaction), on a file database with Kindred's pragmas (WAL, ``synchronous=NORMAL``: durable
across a crash of the process; a power cut may lose the last transactions, never corrupt).  A
shorter run with ``synchronous=FULL`` (an fsync per commit) shows what that durability costs.
Without the check-ins repository on this checkout, the same single-row insert goes through
``Database.execute``.  The attendance report is the attendance feature's ``bench/attendance_report.py``
(50 groups x 20 members over a year) when it is on this checkout.

Run alone: ``python -m bench.storage_bench [--checkins 100000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.seed import SEED_NOW
from storage.db import Database
from storage.migrations import migrate
from storage.timestamps import to_db

FALLBACK_TABLE = """
CREATE TABLE IF NOT EXISTS bench_checkins (
    id         INTEGER PRIMARY KEY,
    pseudonym  TEXT    NOT NULL,
    chat_id    INTEGER,
    mood       INTEGER NOT NULL,
    craving    INTEGER,
    note       TEXT,
    created_at TEXT    NOT NULL
)
"""
FALLBACK_INDEX = (
    "CREATE INDEX IF NOT EXISTS bench_checkins_by_person ON bench_checkins (pseudonym, created_at)"
)
FALLBACK_INSERT = (
    "INSERT INTO bench_checkins (pseudonym, chat_id, mood, craving, note, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
# One check-in to write: pseudonym, day (from SEED_NOW), mood, craving, note, group chat id.
Row = tuple[str, int, int, int, str | None, int]


def has_checkins_repository() -> bool:
    return importlib.util.find_spec("storage.checkins") is not None


def _rows(count: int) -> list[Row]:
    """(pseudonym, day offset, mood, craving, note, group) for *count* check-ins of 1,000 people."""
    rng = random.Random(7)
    return [
        (
            f"p{rng.randrange(1000):04d}",
            index // 1000,
            rng.randint(1, 5),
            rng.randint(0, 10),
            None if rng.random() < 0.7 else "a short note",
            -1001000000001 - rng.randrange(50),
        )
        for index in range(count)
    ]


async def _through_repository(db: Database, rows: list[Row]) -> str:
    """As handlers/checkins.py writes one: the personal row and the group contribution, one unit."""
    from storage.checkins import CheckInRepository, Contribution, StoredCheckIn  # noqa: PLC0415

    repo = CheckInRepository(db)
    day0 = SEED_NOW.date()
    for pseudonym, day, mood, craving, note, group in rows:
        local_day = day0 + timedelta(days=day)
        week = f"{local_day.isocalendar().year}-W{local_day.isocalendar().week:02d}"
        checkin = StoredCheckIn(local_day, mood, craving, note)
        await repo.record(pseudonym, checkin, [Contribution(group, week, f"g{pseudonym}")], None)
    return "CheckInRepository.record: the check-in and its group contribution, one transaction per call"


async def _through_execute(db: Database, rows: list[Row]) -> str:
    await db.execute(FALLBACK_TABLE)
    await db.execute(FALLBACK_INDEX)
    for pseudonym, day, mood, craving, note, group in rows:
        await db.execute(
            FALLBACK_INSERT, (pseudonym, group, mood, craving, note, to_db(SEED_NOW + timedelta(days=day)))
        )
    return "Database.execute, one row per call (check-ins repository not on this checkout)"


async def write_checkins(path: Path, count: int, synchronous: str) -> dict[str, Any]:
    db = Database(path)
    await db.open()
    await migrate(db)
    await db.execute(f"PRAGMA synchronous = {synchronous}")  # the writer's; readers never commit
    rows = _rows(count)
    write = _through_repository if has_checkins_repository() else _through_execute
    try:
        started = time.perf_counter()
        how = await write(db, rows)
        seconds = time.perf_counter() - started
        mode = await db.fetch_value("PRAGMA journal_mode")
    finally:
        await db.close()
    return {
        "path": how,
        "checkins": count,
        "journal_mode": mode,
        "synchronous": synchronous,
        "seconds": round(seconds, 2),
        "per_s": round(count / seconds),
    }


def attendance_report() -> dict[str, Any] | None:
    """The attendance colleague's benchmark, when it is on this checkout."""
    if importlib.util.find_spec("bench.attendance_report") is None:
        return None
    report = importlib.import_module("bench.attendance_report").run()
    assert isinstance(report, dict), report
    return report


async def run_async(checkins: int = 100_000, full_checkins: int = 5_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kindred-storage-") as tmp:
        normal = await write_checkins(Path(tmp) / "normal.sqlite3", checkins, "NORMAL")
        full = await write_checkins(Path(tmp) / "full.sqlite3", full_checkins, "FULL")
    return {
        "name": "storage",
        "checkins": normal,
        "checkins_full_sync": full,
        "target_per_s": 5_000,
        "attendance": await asyncio.to_thread(attendance_report),
        "attendance_target_ms": 300,
    }


def run(checkins: int = 100_000) -> dict[str, Any]:
    return asyncio.run(run_async(checkins))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkins", type=int, default=100_000)
    print(json.dumps(run(parser.parse_args().checkins), indent=2))
