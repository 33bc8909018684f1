"""Benchmark ``/report``: one year of weekly meetings in 50 groups of 20 members.

The headline figure (``seconds``, median of 5) is the report's summary over all 50 groups at
once, as a coordinator's "All of them" report: the SQL aggregates and the summary rules
(:func:`bot.usecases.attendance.report_summary`).  Target: under 300 ms on the 2-core
development machine.  Also recorded: the CSV of every mark (``csv_seconds``; it grows with the
rows, ~32,000 here, and is written in a worker thread), a whole one-group report, and the chart.
Data is generated with a fixed seed into a temporary database file (not timed).  Run with
``python -m bench.attendance_report``.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

from bot.domain.attendance import DateRange, roll_call_window
from bot.domain.charts import Series, line_chart_png
from bot.domain.clock import FixedClock
from bot.runtime.services import Services
from bot.runtime.settings import load_settings
from bot.usecases.attendance import build_report, report_summary, report_table
from storage.db import Database
from storage.migrations import migrate
from storage.timestamps import to_db

SEED = 20261123
GROUPS = 50
MEMBERS = 20
WEEKS = 52
FIRST = datetime(2025, 11, 24, 18, 0, tzinfo=UTC)
PERIOD = DateRange(FIRST - timedelta(days=1), FIRST + timedelta(weeks=WEEKS))
TARGET_SECONDS = 0.3


async def populate(db: Database, rng: random.Random) -> int:
    """Groups, people, memberships, meetings, roll calls and marks; returns the number of marks."""
    stamp = to_db(FIRST)
    groups = [(-(1000 + g), f"Group {g}", "UTC", "en", 1, stamp, stamp) for g in range(GROUPS)]
    people = [(u, f"Member {u}", stamp, stamp) for u in range(1, GROUPS * MEMBERS + 1)]
    memberships = [(-(1000 + (u - 1) // MEMBERS), u, stamp) for u in range(1, GROUPS * MEMBERS + 1)]
    meetings = [(g + 1, -(1000 + g), f"Meeting {g}", stamp, stamp) for g in range(GROUPS)]
    roll_calls, marks = [], []
    for g in range(GROUPS):
        chat_id, loyalty = -(1000 + g), [rng.uniform(0.2, 0.95) for _ in range(MEMBERS)]
        for week in range(WEEKS):
            start = FIRST + timedelta(weeks=week)
            window = roll_call_window(start, start + timedelta(hours=1))
            roll_calls.append((g + 1, to_db(start), chat_id, to_db(window.opens), to_db(window.closes)))
            for m in range(MEMBERS):
                if rng.random() < loyalty[m]:
                    marks.append((g + 1, to_db(start), chat_id, g * MEMBERS + m + 1, 1, to_db(start)))
                elif rng.random() < 0.1:
                    marks.append((g + 1, to_db(start), chat_id, g * MEMBERS + m + 1, 0, to_db(start)))
    async with db.transaction() as tx:
        await tx.execute_many(
            "INSERT INTO groups (chat_id, title, timezone, language, active, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            groups,
        )
        await tx.execute_many(
            "INSERT INTO people (user_id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)", people
        )
        await tx.execute_many(
            "INSERT INTO memberships (chat_id, user_id, joined_at) VALUES (?, ?, ?)", memberships
        )
        await tx.execute_many(
            "INSERT INTO meetings (id, chat_id, title, first_start_local, time_zone, duration_minutes, "
            "rrule, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, '2025-11-24T18:00', 'UTC', 60, 'FREQ=WEEKLY', 1, ?, ?)",
            meetings,
        )
        await tx.execute_many(
            "INSERT INTO roll_calls (meeting_id, occurrence_start, chat_id, opens_at, closes_at) "
            "VALUES (?, ?, ?, ?, ?)",
            roll_calls,
        )
        await tx.execute_many(
            "INSERT INTO attendance (meeting_id, occurrence_start, chat_id, user_id, present, source, "
            "updated_at) VALUES (?, ?, ?, ?, ?, 'button', ?)",
            marks,
        )
    await db.execute("ANALYZE")
    return len(marks)


async def _timed(work: Awaitable[object]) -> float:
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


async def _run(path: Path) -> dict:
    db = Database(path)
    await db.open()
    try:
        await migrate(db)
        marks = await populate(db, random.Random(SEED))
        svc = Services.offline(db, load_settings(_env_file=None), FixedClock(PERIOD.end))
        everyone = [-(1000 + g) for g in range(GROUPS)]
        await report_summary(svc, everyone, PERIOD, "former")  # warm the page cache once
        summary_seconds = median(
            [await _timed(report_summary(svc, everyone, PERIOD, "former")) for _ in range(5)]
        )
        csv_seconds = median([await _timed(report_table(svc, everyone, PERIOD, "former")) for _ in range(3)])
        one_seconds = median(
            [await _timed(build_report(svc, everyone[:1], PERIOD, "former")) for _ in range(3)]
        )
        report = await build_report(svc, everyone, PERIOD, "former")
        started = time.perf_counter()
        points: list[tuple[date, float]] = report.chart[everyone[0]]
        png = line_chart_png([Series(points)], "Attendance per meeting", "People present", (800, 400))
        chart_seconds = time.perf_counter() - started
    finally:
        await db.close()
    return {
        "name": "attendance_report",
        "groups": GROUPS,
        "members_per_group": MEMBERS,
        "weeks": WEEKS,
        "marks": marks,
        "meetings_held": report.summary.meetings_held,
        "average": round(report.summary.average or 0.0, 2),
        "csv_bytes": len(report.csv),
        "seconds": round(summary_seconds, 3),
        "csv_seconds": round(csv_seconds, 3),
        "one_group_seconds": round(one_seconds, 3),
        "chart_seconds": round(chart_seconds, 3),
        "chart_bytes": len(png),
        "target_seconds": TARGET_SECONDS,
    }


def run() -> dict:
    """Build the data in a temporary file and time the reports (generation not timed)."""
    with tempfile.TemporaryDirectory() as directory:
        return asyncio.run(_run(Path(directory) / "bench.sqlite3"))


if __name__ == "__main__":
    result = run()
    print(
        f"report summary over {result['groups']} groups: {result['seconds']:.3f} s "
        f"(CSV {result['csv_seconds']:.3f} s, one group in full {result['one_group_seconds']:.3f} s, "
        f"chart {result['chart_seconds']:.3f} s)"
    )
    print(result)
