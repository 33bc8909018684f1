"""Benchmark: SQLite and PostgreSQL side by side (issue 20).

The same work on both backends: check-ins written one per call through the repository, the
attendance report (bench/attendance_report.py's year of 50 groups), start-up with 10,000 meetings
(first answer, and until the reminder jobs are rebuilt), and the reminder fan-out to 1,000 groups
with the emulator's rate limits on: one process on SQLite, three processes in webhook mode on
PostgreSQL (every process sends; Telegram's 30 messages a second are shared between them).

PostgreSQL is a throwaway server started with ``.ci/postgres`` (durability off, as for the tests:
the figures compare the engines' work, not disks), or ``KINDRED_BENCH_POSTGRES`` (a server URL
whose user may create databases).  Run alone: ``python -m bench.backends [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import attendance_report, seed, startup
from bench.processes import BotUnderTest, DriverProcess
from bench.storage_bench import _rows, _through_repository
from bot.runtime.rate_limits import minimum_seconds
from storage.db import Database
from storage.migrations import migrate

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "https://bench.kindred.test"
SECRET = "bench-webhook-secret_0123456789"  # noqa: S105 - the emulator's, not a real one


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Postgres:
    """A server for the run, and a fresh database on it per measurement."""

    def __init__(self) -> None:
        self.url = os.environ.get("KINDRED_BENCH_POSTGRES", "")
        self._work: tempfile.TemporaryDirectory[str] | None = None
        self._env: dict[str, str] = {}

    def __enter__(self) -> Postgres:
        if not self.url:
            self._work = tempfile.TemporaryDirectory(prefix="kindred-bench-pg-")
            os.chmod(self._work.name, 0o755)  # noqa: S103 - the server runs as the postgres user under root
            self._env = {
                **os.environ,
                "KINDRED_PGDATA": f"{self._work.name}/data",
                "KINDRED_PGPORT": str(free_port()),
            }
            out = subprocess.run(
                [str(ROOT / ".ci/postgres"), "start"],
                env=self._env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            self.url = out.strip().split("DATABASE_URL=", 1)[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._work is not None:
            subprocess.run(
                [str(ROOT / ".ci/postgres"), "stop"], env=self._env, check=False, capture_output=True
            )
            self._work.cleanup()

    async def database(self) -> str:
        name = f"kindred_bench_{secrets.token_hex(4)}"
        server = Database(self.url)  # only storage/postgres.py imports the driver
        await server.open()
        try:
            await server.execute(f'CREATE DATABASE "{name}"')
        finally:
            await server.close()
        return self.url.rsplit("/", 1)[0] + "/" + name


async def checkins(target: str, count: int) -> dict[str, Any]:
    db = Database(target)
    await db.open()
    try:
        await migrate(db)
        started = time.perf_counter()
        await _through_repository(db, _rows(count))
        seconds = time.perf_counter() - started
    finally:
        await db.close()
    return {"checkins": count, "per_s": round(count / seconds)}


async def report(target: str) -> dict[str, Any]:
    result = await attendance_report._run(target)  # type: ignore[arg-type]  # a URL works as a path
    return {"summary_ms": round(result["seconds"] * 1000), "csv_ms": round(result["csv_seconds"] * 1000)}


async def start_up(target: str, meetings: int, workdir: Path) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before anything runs
    async with DriverProcess() as driver:
        chat_ids = (await driver.call("groups", count=startup.GROUPS))["group_ids"]
        env = {"CLOCK_FILE": str(workdir / "clock.txt")}
        if target.startswith("postgresql://"):
            env["DATABASE_URL"] = target
        bot = BotUnderTest("kindred", driver.url, workdir, env=env)
        bot.set_clock(seed.SEED_NOW)
        await seed.groups(target, chat_ids)  # type: ignore[arg-type]
        await seed.meetings(target, chat_ids, meetings, seed.SEED_NOW + timedelta(days=3))  # type: ignore[arg-type]
        await bot.start()
        try:
            ready = await bot.ready(driver)
            settled = await startup.settle(bot.pid) - bot.started_at
        finally:
            await bot.stop()
    return {"meetings": meetings, "first_answer_s": round(ready, 2), "idle_after_s": round(settled, 1)}


async def fan_out(target: str, groups: int, processes: int, workdir: Path) -> dict[str, Any]:
    async with DriverProcess(rate_limits=True) as driver:
        chat_ids = (await driver.call("groups", count=groups))["group_ids"]
        meeting_start = seed.SEED_NOW + timedelta(hours=3)
        due = meeting_start - timedelta(hours=1)
        await seed.groups(target, chat_ids)  # type: ignore[arg-type]
        await seed.meetings(target, chat_ids, groups, meeting_start)  # type: ignore[arg-type]
        ports = [free_port() for _ in range(processes)]
        if processes > 1:
            await driver.call("webhook", public=PUBLIC, backends=[f"http://127.0.0.1:{p}" for p in ports])
        bots = []
        for index, port in enumerate(ports):
            home = workdir / f"process{index}"
            home.mkdir(parents=True, exist_ok=True)
            env = {"CLOCK_FILE": str(home / "clock.txt"), "LOG_LEVEL": "INFO"}
            if target.startswith("postgresql://"):
                env["DATABASE_URL"] = target
            else:
                env["DATABASE_PATH"] = target
            if processes > 1:
                env.update(
                    RUN_MODE="webhook",
                    WEBHOOK_URL=f"{PUBLIC}/telegram",
                    WEBHOOK_SECRET=SECRET,
                    WEBHOOK_LISTEN="127.0.0.1",
                    WEBHOOK_PORT=str(port),
                    FEED_LISTEN="127.0.0.1",
                    FEED_PORT=str(free_port()),
                )
            bot = BotUnderTest("kindred", driver.url, home, env=env)
            bot.set_clock(due - timedelta(minutes=5))
            bots.append(bot)
        for bot in bots:
            await bot.start()
        try:
            while not all("Kindred is ready" in bot.logs() for bot in bots):  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.1)
            await asyncio.sleep(2)  # a beat: the processes have counted each other
            started = time.monotonic()
            for bot in bots:
                bot.set_clock(due + timedelta(seconds=1))
            sent = await driver.call("wait_sends", chat_ids=chat_ids, timeout=300)
        finally:
            for bot in bots:
                await bot.stop()
    seconds = sent["last_at"] - started
    floor = minimum_seconds(chat_ids)
    return {
        "groups": groups,
        "processes": processes,
        "delivered": sent["delivered"],
        "seconds": round(seconds, 2),
        "per_s": round(groups / seconds, 1),
        "floor_s": round(floor, 2),
        "vs_floor": round(seconds / floor, 3),
        "too_many_requests": sent["too_many_requests"],
    }


async def run_async(quick: bool = False) -> dict[str, Any]:
    count, meetings, groups = (2_000, 1_000, 200) if quick else (20_000, 10_000, 1_000)
    rows: dict[str, dict[str, Any]] = {}
    with Postgres() as server, tempfile.TemporaryDirectory(prefix="kindred-backends-") as tmp:
        work = Path(tmp)
        for backend, processes in (("sqlite", 1), ("postgres", 3)):

            async def fresh(name: str, backend: str = backend) -> str:
                return str(work / f"{name}.sqlite3") if backend == "sqlite" else await server.database()

            rows[backend] = {
                "checkins": await checkins(await fresh("checkins"), count),
                "attendance_report": await report(await fresh("report")),
                "startup": await start_up(await fresh("startup"), meetings, work / f"{backend}-startup"),
                "fan_out": await fan_out(
                    await fresh("fanout"), groups, processes, work / f"{backend}-fanout"
                ),
            }
    return {"name": "backends", "quick": quick, "backends": rows}


def run(quick: bool = False) -> dict[str, Any]:
    return asyncio.run(run_async(quick))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(parser.parse_args().quick), indent=2))
