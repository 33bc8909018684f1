"""``python -m bench`` (``make bench``): every benchmark, one table, written to bench/results/latest.md.

Each benchmark that involves the bot runs it as its own process against the emulator, hosted with
the load generator in another process (``bench/emulator_driver.py``).  Kindred's figures are shown
beside bare echo bots measured in the same run on the same emulator.  ``--quick`` runs a smaller
load (a smoke test of the benchmarks themselves, not figures to quote).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import (
    backends,
    bench_crisis,
    broadcast,
    fanout,
    interactive,
    matchall,
    rsvp_burst,
    startup,
    storage_bench,
)
from bench.proc import load_average
from bench.report import render

RESULTS = Path(__file__).resolve().parent / "results"

# What each Kindred variant undoes (bench/bots/kindred_variant.py); each row of the tuning table
# is Kindred with that one change undone (the first row: nothing undone, under the same load), so
# the difference is what the change buys.
TUNING_VARIANTS = ("", "http", "processor", "limiter", "memo", "switch", "http,processor,limiter,memo,switch")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = {}
    for package in ("python-telegram-bot", "aiohttp", "httpx", "aiogram", "aiosqlite"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": cpu,
        "cores": len(
            [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("processor")]
        ),
        "python": platform.python_version(),
        "versions": versions,
    }


def tuning(options: interactive.Options) -> list[dict[str, Any]]:
    rows = []
    for undo in TUNING_VARIANTS:
        variant = interactive.Options(
            people=min(options.people, 100),
            flood=max(options.flood // 8, 100),
            paced=max(options.paced // 10, 100),
            rate=options.rate,
            mix=options.mix,
            bots=("kindred-variant",),
            env={"KINDRED_BENCH_UNDO": undo},
        )
        result = interactive.run(variant)["bots"]["kindred-variant"]
        rows.append({"undo": undo, **result})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small load: checks the benchmarks run")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated: interactive,tuning,fanout,storage,startup,matchall,broadcast,rsvp,crisis,"
        "backends",
    )
    parser.add_argument(
        "--mix", type=interactive.parse_mix, default=None, help="e.g. help=2,press=3,mentor=1"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    options = interactive.Options(mix=args.mix or interactive.default_mix())
    if args.quick:
        options.people, options.flood, options.paced = 50, 300, 200
    began = time.monotonic()
    results: dict[str, Any] = {"machine": machine(), "load_before": load_average(), "quick": args.quick}
    steps = {
        "interactive": lambda: interactive.run(options),
        "tuning": lambda: tuning(options),
        "fanout": lambda: fanout.run(100 if args.quick else 1_000),
        "storage": lambda: storage_bench.run(10_000 if args.quick else 100_000),
        "startup": lambda: startup.run(500 if args.quick else 10_000),
        "matchall": matchall.run,
        "broadcast": lambda: broadcast.run(100 if args.quick else broadcast.RECIPIENTS, limits_off=False),
        "rsvp": lambda: rsvp_burst.run((50,) if args.quick else rsvp_burst.SIZES),
        "crisis": bench_crisis.run,
        "backends": lambda: backends.run(args.quick),
    }
    for name, step in steps.items():
        if name in skip:
            continue
        started = time.monotonic()
        print(f"-- {name} ...", flush=True)
        results.setdefault("load", {})[name] = load_average()
        results[name] = step()
        print(f"   {name}: {time.monotonic() - started:.0f} s", flush=True)
    results["load_after"] = load_average()
    results["total_s"] = round(time.monotonic() - began)
    table = render(results)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(table)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"Written to {RESULTS / 'latest.md'} (and latest.json)")


if __name__ == "__main__":
    main()
