"""Benchmark 1: interactive throughput, CPU and latency, Kindred beside bare echo bots.

For each bot, in the same run and on the same emulator build: 500 people make first contact (not
timed; it also warms the bot up), then 5,000 updates are queued at once (throughput and CPU per
update), then 2,000 more arrive at a steady 100 per second (latency).  The echo bots answer every
text with its echo and every button press with an empty answer, so they see the very same updates.

Run alone: ``python -m bench.interactive [--flood 5000 --paced 3000 --bots kindred,ptb-echo]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import seed
from bench.processes import BOTS, ROOT, BotUnderTest, DriverProcess

GROUP_SIZE = 10  # with the meetings feature, people are in groups of ten, each with a meeting
MEETING_START = seed.SEED_NOW + timedelta(days=2, hours=7)  # the first occurrence: open for RSVPs


def default_mix() -> dict[str, float]:
    """What people do, by weight: the features on this checkout decide what is in the mix."""
    mix = {"help": 2.0, "start": 1.0, "language": 1.0, "press": 3.0, "mentor": 1.0}
    if seed.has_meetings():
        mix["meetings"] = 2.0
        mix["rsvp"] = 3.0
    if (ROOT / "handlers" / "checkins.py").exists():
        mix["checkin"] = 2.0
    return mix


@dataclass
class Options:
    people: int = 500
    flood: int = 5_000
    paced: int = 2_000
    rate: float = 100.0
    mix: dict[str, float] = field(default_factory=default_mix)
    bots: tuple[str, ...] = ("ptb-echo", "aiogram-echo", "kindred")
    env: dict[str, str] = field(default_factory=dict)  # extra environment for Kindred (tuning A/B)


async def rsvp_prefixes(
    kind: str, bot: BotUnderTest, groups: dict[str, list[int]]
) -> dict[str, dict[str, str]]:
    """Each person's RSVP button data (less the answer): their group's real meeting for Kindred,
    made-up ids for the echo bots (they only answer the press)."""
    minutes = int(MEETING_START.timestamp() // 60)
    if kind.startswith("kindred") and seed.has_meetings():
        meeting_of = await seed.community(bot.database, {int(g): m for g, m in groups.items()}, MEETING_START)
    else:
        meeting_of = {int(g): index + 1 for index, g in enumerate(groups)}
    return {
        str(person): {"rsvp": f"rsvp:{meeting_of[int(group)]}:{minutes}"}
        for group, members in groups.items()
        for person in members
    }


async def measure_bot(kind: str, options: Options, workdir: Path) -> dict[str, Any]:
    async with DriverProcess() as driver:
        env = (
            {**options.env, "CLOCK_FILE": str(workdir / kind / "clock.txt")}
            if kind.startswith("kindred")
            else None
        )
        bot = BotUnderTest(kind, driver.url, workdir / kind, env=env)
        bot.workdir.mkdir(parents=True, exist_ok=True)
        bot.set_clock(seed.SEED_NOW)
        grouped = "rsvp" in options.mix or "meetings" in options.mix
        people = await driver.call("people", count=options.people, group_size=GROUP_SIZE if grouped else 0)
        if grouped:
            await driver.call("press_data", data=await rsvp_prefixes(kind, bot, people["groups"]))
        await bot.start()
        try:
            ready = await bot.ready(driver)
            await driver.call("contact")
            calibration = await driver.call("calibrate", actions=list(options.mix))
            flood = await driver.call("flood", pid=bot.pid, count=options.flood, mix=options.mix)
            paced = await driver.call(
                "paced", pid=bot.pid, count=options.paced, rate=options.rate, mix=options.mix
            )
        finally:
            await bot.stop()
        if "Traceback" in bot.logs():
            raise RuntimeError(f"{kind} logged an exception:\n{bot.logs()[-3000:]}")
    return {
        "bot": kind,
        "ready_s": round(ready, 3),
        "replies_per_action": calibration["replies"],
        "flood": flood,
        "paced": paced,
    }


async def run_async(options: Options) -> dict[str, Any]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
        for kind in options.bots:
            results[kind] = await measure_bot(kind, options, Path(tmp))
    return {
        "name": "interactive",
        "mix": options.mix,
        "people": options.people,
        "rate": options.rate,
        "bots": results,
    }


def run(options: Options | None = None) -> dict[str, Any]:
    return asyncio.run(run_async(options or Options()))


def parse_mix(text: str) -> dict[str, float]:
    """``help=2,press=3`` -> {"help": 2.0, "press": 3.0}."""
    mix = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        mix[name.strip()] = float(weight or 1)
    return mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=Options.people)
    parser.add_argument("--flood", type=int, default=Options.flood)
    parser.add_argument("--paced", type=int, default=Options.paced)
    parser.add_argument("--rate", type=float, default=Options.rate)
    parser.add_argument("--mix", type=parse_mix, default=None, help="e.g. help=2,press=3,mentor=1")
    parser.add_argument("--bots", default=",".join(Options.bots), help=f"any of {', '.join(BOTS)}")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for Kindred (A/B runs)")
    args = parser.parse_args()
    options = Options(
        people=args.people,
        flood=args.flood,
        paced=args.paced,
        rate=args.rate,
        mix=args.mix or default_mix(),
        bots=tuple(args.bots.split(",")),
        env=dict(item.split("=", 1) for item in args.env),
    )
    print(json.dumps(run(options), indent=2))


if __name__ == "__main__":
    main()
