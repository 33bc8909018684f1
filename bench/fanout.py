"""Benchmark 2: reminder fan-out: 1,000 groups with a meeting at the same minute.

The bot starts with the meetings in its database and its clock (``CLOCK_FILE``) just before the
reminders are due; the clock then moves to the due minute and we time how long until every
group has its reminder, once with the emulator's rate limits on (the figure that matters: it
should be within 10% of the least Telegram's 30 messages/s allows, with no 429) and once with
them off.  Without the meetings feature on this checkout, the same 1,000 deliveries are queued
straight into the outbox, due at that minute: the path every reminder takes after its job runs.

Run alone: ``python -m bench.fanout [--groups 1000]``.
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
from bench.processes import BotUnderTest, DriverProcess
from bot.runtime.rate_limits import minimum_seconds

REMINDER_LEAD = timedelta(hours=1)  # the meetings feature's default reminder, an hour before


async def measure(groups: int, rate_limits: bool, workdir: Path) -> dict[str, Any]:
    async with DriverProcess(rate_limits=rate_limits) as driver:
        chat_ids = (await driver.call("groups", count=groups))["group_ids"]
        bot = BotUnderTest("kindred", driver.url, workdir, env={"CLOCK_FILE": str(workdir / "clock.txt")})
        meeting_start = seed.SEED_NOW + timedelta(hours=3)
        due = meeting_start - REMINDER_LEAD
        await seed.groups(bot.database, chat_ids)
        if seed.has_meetings():
            path = "meeting reminders"
            await seed.meetings(bot.database, chat_ids, groups, meeting_start)
        else:
            path = "outbox (meetings not on this checkout)"
            await seed.outbox(bot.database, chat_ids, due)
        bot.set_clock(due - timedelta(minutes=5))
        await bot.start()
        try:
            await bot.ready(driver)
            started = time.monotonic()
            bot.set_clock(due + timedelta(seconds=1))
            sent = await driver.call("wait_sends", chat_ids=chat_ids, timeout=300)
        finally:
            await bot.stop()
    seconds = sent["last_at"] - started
    floor = minimum_seconds(chat_ids)
    return {
        "path": path,
        "rate_limits": rate_limits,
        "groups": groups,
        "delivered": sent["delivered"],
        "seconds": round(seconds, 2),
        "first_delivery_s": round(sent["first_at"] - started, 2) if sent["first_at"] else None,
        "minimum_seconds": floor,
        "over_minimum_pct": round(100 * (seconds / floor - 1), 1) if floor else None,
        "too_many_requests": sent["too_many_requests"],
        "rejections": sent["rejections"],
    }


async def run_async(groups: int = 1_000) -> dict[str, Any]:
    runs = []
    with tempfile.TemporaryDirectory(prefix="kindred-fanout-") as tmp:
        for rate_limits in (True, False):
            workdir = Path(tmp) / f"limits-{rate_limits}"
            workdir.mkdir()
            runs.append(await measure(groups, rate_limits, workdir))
    return {"name": "fanout", "runs": runs, "target_over_minimum_pct": 10.0}


def run(groups: int = 1_000) -> dict[str, Any]:
    return asyncio.run(run_async(groups))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=1_000)
    print(json.dumps(run(parser.parse_args().groups), indent=2))
