"""Stopping as an operator does it (SIGTERM, Ctrl+C) is quiet, prompt and complete, and a failure
Telegram's side recovers from is one warning line, not a traceback."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from emulator import Emulator
from tests.e2e.conftest import Launch, World, check_clean_run
from tests.e2e.harness import READY_LINE, BotProcess, eventually

STOPPED_LINE = "Kindred stopped; database closed"


def assert_quiet(logs: str) -> None:
    """No error, no traceback and no half-run shutdown in the bot's log."""
    for marker in (" ERROR ", " CRITICAL ", "Traceback", "was never awaited"):
        assert marker not in logs, f"{marker!r} in the bot's log:\n{logs[-3000:]}"


async def stop_with(world: World, *signals: signal.Signals) -> tuple[int, float]:
    """Send *signals* one right after the other; the exit code and how long the bot took."""
    process = world.bot.process
    assert process is not None
    started = time.monotonic()
    for signum in signals:
        process.send_signal(signum)
    code = await asyncio.wait_for(process.wait(), 15)
    return code, time.monotonic() - started


async def test_sigterm_stops_quietly_within_seconds(world: World) -> None:
    sam = world.person("Sam")
    group = await world.group_with_bot("Circle", admin=sam)  # an update handled, replies sent
    assert group.messages
    await asyncio.sleep(0.5)  # the bot is back in its long poll, as when an operator stops it
    code, took = await stop_with(world, signal.SIGTERM)
    assert code == 0
    assert took < 5, f"stopping took {took:.1f} s"
    logs = world.bot.logs()
    assert STOPPED_LINE in logs
    assert_quiet(logs)


async def test_a_second_stop_signal_does_not_cut_shutdown_short(launch: Launch) -> None:
    """A service manager signalling the whole process group, or Ctrl+C pressed twice: before, the
    second signal landed inside python-telegram-bot's shutdown, which never stopped the updater
    nor closed the database, and the process hung until killed."""
    world = await launch()
    code, took = await stop_with(world, signal.SIGTERM, signal.SIGINT)
    assert code == 0
    assert took < 5, f"stopping took {took:.1f} s"
    logs = world.bot.logs()
    assert STOPPED_LINE in logs
    assert_quiet(logs)


async def test_a_502_html_page_is_retried_with_one_warning_line(world: World) -> None:
    sam = world.person("Sam")
    world.emulator.faults.html_bad_gateways = 2  # a proxy's "502 Bad Gateway" page, twice
    group = await world.group_with_bot("Circle", admin=sam)  # the welcome gets through
    assert "Kindred" in group.messages[0].text
    assert [fault.error_code for fault in world.emulator.faults_served] == [502, 502]
    await world.bot.stop()
    logs = world.bot.logs()
    warnings = [line for line in logs.splitlines() if " WARNING " in line and "Bad Gateway (502)" in line]
    assert len(warnings) == 2, logs[-3000:]
    assert "<html>" not in logs  # the page says nothing the status does not
    assert_quiet(logs)


async def test_a_stop_during_start_up_lets_it_finish_then_stops_cleanly(
    emulator: Emulator, tmp_path: Path
) -> None:
    """SIGTERM while start-up is still planning (its command menus are slow to publish): start-up
    finishes, the bot never starts taking updates, and everything start-up began (the scheduled
    work's beat, the outbox, the feed server) is stopped before the database closes.  Before,
    python-telegram-bot then skipped the bot's stop hook: those were left running into shutdown."""
    emulator.faults.slow_methods["setMyCommands"] = 0.3
    bot = BotProcess(emulator.url, tmp_path)
    starting = asyncio.create_task(bot.start())
    await eventually(lambda: any(method == "setMyCommands" for method, _ in emulator.calls), timeout=20)
    process = bot.process
    assert process is not None
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(process.wait(), 15)
    took = time.monotonic() - started
    await starting  # start-up ran to its end ("ready") before the bot stopped
    assert code == 0
    assert took < 8, f"stopping took {took:.1f} s"
    assert not any(method in ("getUpdates", "setWebhook") for method, _ in emulator.calls)
    logs = bot.logs()
    assert READY_LINE in logs
    assert STOPPED_LINE in logs
    assert_quiet(logs)
    check_clean_run(World(emulator, bot))
