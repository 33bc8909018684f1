"""Kindred with one or more of its request-layer tunings undone, to measure what each buys.

``KINDRED_BENCH_UNDO`` lists what to undo, comma-separated:

* ``http``: PTB's default httpx request layer instead of ``bot/app/http.py``;
* ``processor``: one update at a time (PTB's default) instead of ``bot/app/update_processor.py``;
* ``limiter``: AIORateLimiter's overall 30 messages/s cap on every send, as before;
* ``memo``: no memo of people's rows (``storage/people.py``): every lookup asks the database;
* ``switch``: Python's default GIL switch interval (5 ms) instead of ``bot/app/main.py``'s 0.5 ms.

``KINDRED_BENCH_PROFILE=<file>`` writes a cProfile of the whole run there on exit.  Benchmarks
only: production always runs ``python -m bot``.
"""

from __future__ import annotations

import cProfile
import os
import sys

from telegram.ext import SimpleUpdateProcessor
from telegram.request import HTTPXRequest

import bot.app.application
import bot.app.main
import storage.people
from bot.app.main import main
from bot.runtime.rate_limiter import PatientRateLimiter

UNDO = {
    "http": (
        bot.app.application,
        "request_layer",
        lambda get_updates=False: HTTPXRequest(connection_pool_size=1 if get_updates else 256),
    ),
    "processor": (bot.app.application, "update_processor", lambda: SimpleUpdateProcessor(1)),
    "limiter": (
        bot.app.application,
        "rate_limiter",
        lambda settings, pacer: PatientRateLimiter(max_retries=5),
    ),
    "memo": (storage.people, "MEMO_SIZE", 0),
    "switch": (bot.app.main, "SWITCH_INTERVAL", 0.005),
}


def apply(undo: str) -> None:
    for name in filter(None, (part.strip() for part in undo.split(","))):
        module, attribute, replacement = UNDO[name]
        setattr(module, attribute, replacement)


if __name__ == "__main__":
    apply(os.environ.get("KINDRED_BENCH_UNDO", ""))
    profile_path = os.environ.get("KINDRED_BENCH_PROFILE")
    if not profile_path:
        sys.exit(main())
    profiler = cProfile.Profile()
    code = profiler.runcall(main)
    profiler.dump_stats(profile_path)
    sys.exit(code)
