"""Benchmark 4: start-up with 10,000 scheduled meetings in the database.

The bot's process is started on a database already holding the meetings (seeded through the
repository before the start); a person's /help is waiting in the emulator from the first moment.
We time from the process start until that answer arrives (imports, migrations, every feature's
start-up, the first poll), and read the process's resident memory then and once it is idle
(reminder jobs are rebuilt right after polling starts, one per series).  Without the
meetings feature on this checkout the database is empty.

Run alone: ``python -m bench.startup [--meetings 10000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import seed
from bench.proc import cpu_seconds, memory_mb
from bench.processes import BotUnderTest, DriverProcess

GROUPS = 1_000


async def settle(pid: int, timeout: float = 90.0) -> float:  # noqa: ASYNC109
    """Wait until the process is idle (under 5% of a CPU over half a second): start-up work that
    runs after the first answer, like rebuilding reminder jobs, is done.  Returns when."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = cpu_seconds(pid)
        if now - before < 0.025:
            return time.monotonic()
        before = now
    return time.monotonic()


async def run_async(meetings: int = 10_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kindred-startup-") as tmp:
        workdir = Path(tmp)
        async with DriverProcess() as driver:
            chat_ids = (await driver.call("groups", count=GROUPS))["group_ids"]
            bot = BotUnderTest("kindred", driver.url, workdir, env={"CLOCK_FILE": str(workdir / "clock.txt")})
            bot.set_clock(seed.SEED_NOW)
            seeded = 0
            began = time.monotonic()
            await seed.groups(bot.database, chat_ids)
            if seed.has_meetings():
                seeded = len(
                    await seed.meetings(bot.database, chat_ids, meetings, seed.SEED_NOW + timedelta(days=3))
                )
            seeding = time.monotonic() - began
            await bot.start()
            try:
                ready = await bot.ready(driver)
                memory = memory_mb(bot.pid)
                settled = await settle(bot.pid) - bot.started_at
                after = memory_mb(bot.pid)
            finally:
                await bot.stop()
    return {
        "name": "startup",
        "meetings": seeded,
        "groups": GROUPS,
        "seeding_s": round(seeding, 2),
        "first_answer_s": round(ready, 3),
        **memory,
        "idle_after_s": round(settled, 1),
        "rss_idle_mb": after["rss_mb"],
        "peak_rss_idle_mb": after["peak_rss_mb"],
        "target_s": 2.0,
        "target_rss_mb": 200,
    }


def run(meetings: int = 10_000) -> dict[str, Any]:
    return asyncio.run(run_async(meetings))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meetings", type=int, default=10_000)
    print(json.dumps(run(parser.parse_args().meetings), indent=2))
