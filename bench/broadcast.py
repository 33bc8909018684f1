"""Benchmark ``/broadcast``: one announcement to 1,000 recipients (2 groups and 998 members who
asked for announcements in private), through the real bot process and the Bot API emulator.

With the emulator's rate limits on (Telegram's: 30 messages a second overall), the target is to
finish within 10% of the least time those limits allow; with them off, the time is recorded.
The clock runs from the press of "Send" to the last recipient's message, and to the sender's
delivery report.  People and memberships are written into the database before the bot starts
(their setup is not what is measured).  Run with ``python -m bench.broadcast``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.runtime.rate_limits import minimum_seconds
from emulator import Emulator, GroupChat, Person
from storage.db import Database
from storage.migrations import migrate
from storage.timestamps import to_db
from tests.e2e.harness import TOKEN, BotProcess

RECIPIENTS = 1_000
GROUPS = 2
MARKER = "Potluck"
PRIVATELY = "⬜ Also in private, to members who opted in"


async def seed(database: Path, groups: list[GroupChat], sender: Person, members: list[Person]) -> None:
    """Migrate, then write the groups, the members (reachable, opted in) and their memberships."""
    db = Database(database)
    await db.open()
    await migrate(db)
    await db.close()
    stamp = to_db(datetime.now(UTC))
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO groups (chat_id, title, timezone, created_at, updated_at) "
            "VALUES (?, ?, 'UTC', ?, ?)",
            [(g.id, g.title, stamp, stamp) for g in groups],
        )
        conn.executemany(
            "INSERT INTO people (user_id, first_name, private_chat, created_at, updated_at) "
            "VALUES (?, ?, 1, ?, ?)",
            [(p.id, p.first_name, stamp, stamp) for p in [sender, *members]],
        )
        conn.executemany(
            "INSERT INTO memberships (chat_id, user_id, joined_at) VALUES (?, ?, ?)",
            [(groups[n % len(groups)].id, p.id, stamp) for n, p in enumerate(members)]
            + [(g.id, sender.id, stamp) for g in groups],
        )
        conn.executemany(
            "INSERT INTO preferences (user_id, key, value, updated_at) "
            "VALUES (?, 'private_announcements', '1', ?)",
            [(p.id, stamp) for p in members],
        )


async def scenario(rate_limits: bool, recipients: int = RECIPIENTS) -> dict[str, float | int | bool]:
    async with Emulator(token=TOKEN, bot_username="KindredBenchBot") as emu:
        sender = emu.add_user("Sam")
        members = [emu.add_user(f"Member{n}") for n in range(recipients - GROUPS)]
        for member in members:
            member.started = True  # each has written to the bot before
        groups = [emu.add_group(f"Circle {n}") for n in range(GROUPS)]
        for group in groups:
            await group.add_member(sender, owner=True)
            await group.add_bot(by=sender)
        with tempfile.TemporaryDirectory() as workdir:
            bot = BotProcess(emu.url, Path(workdir), env={"LOG_LEVEL": "INFO"})
            await seed(Path(bot.database), groups, sender, members)  # SQLite: the bench sets no server
            await bot.start()
            try:
                for group in groups:
                    await group.next_message(timeout=10)  # the welcome: the bot has caught up
                return await measure(emu, sender, groups, members, rate_limits)
            finally:
                await bot.stop(timeout=60)


async def measure(
    emu: Emulator, sender: Person, groups: list[GroupChat], members: list[Person], rate_limits: bool
) -> dict[str, float | int | bool]:
    await sender.send("/broadcast")
    await sender.next_message()
    await sender.send(f"{MARKER} on Saturday: bring a dish to share")
    choices = await sender.next_message()
    for title in choices.button_texts()[:GROUPS]:
        await sender.press(choices, title)
        await choices.next_edit()
    await sender.press(choices, PRIVATELY)
    await choices.next_edit()
    await sender.press(choices, "Preview")
    await sender.next_message()
    summary = await sender.next_message()
    recipients: list[GroupChat | Person] = [*groups, *members]
    emu.faults.rate_limits = rate_limits
    started = time.perf_counter()
    await sender.press(summary, "📣 Send")
    await emu.wait_for(
        lambda: all(chat.messages for chat in members) and all(len(g.messages) > 1 for g in groups), 600
    )
    delivered = time.perf_counter() - started
    report = await sender.next_message(timeout=60)
    while "delivery report" not in report.text:
        report = await sender.next_message(timeout=60)
    reported = time.perf_counter() - started
    copies = [sum(MARKER in (m.text or "") for m in chat.messages) for chat in recipients]
    minimum = minimum_seconds([chat.id for chat in recipients])  # Telegram's nominal limits
    return {
        "rate_limits": rate_limits,
        "recipients": len(recipients),
        "seconds_to_last_delivery": round(delivered, 2),
        "seconds_to_report": round(reported, 2),
        "theoretical_minimum_seconds": minimum if rate_limits else 0.0,
        "ratio_to_minimum": round(delivered / minimum, 3) if rate_limits and minimum else 0.0,
        "exactly_once": all(n == 1 for n in copies),
        "responses_429": sum(1 for f in emu.faults_served if f.error_code == 429),
        "report_ok": f"Delivered: {len(recipients)} of {len(recipients)}" in report.text,
    }


def run(recipients: int = RECIPIENTS, limits_off: bool = True) -> dict[str, Any]:
    """Telegram's limits on (the target), then off (for the record; ``make bench`` leaves it out
    to stay within ten minutes: the reminder fan-out already records the limits-off case)."""
    limited = asyncio.run(scenario(rate_limits=True, recipients=recipients))
    unlimited = asyncio.run(scenario(rate_limits=False, recipients=recipients)) if limits_off else None
    return {
        "name": "broadcast",
        "limits_on": limited,
        "limits_off": unlimited,
        "within_10_percent": bool(limited["ratio_to_minimum"]) and float(limited["ratio_to_minimum"]) <= 1.10,
    }


if __name__ == "__main__":
    result = run()
    on, off = result["limits_on"], result["limits_off"]
    print(
        f"broadcast to {on['recipients']}: {on['seconds_to_last_delivery']} s with limits "
        f"(minimum {on['theoretical_minimum_seconds']} s, ratio {on['ratio_to_minimum']}); "
        f"{off['seconds_to_last_delivery']} s without"
    )
    print(result)
