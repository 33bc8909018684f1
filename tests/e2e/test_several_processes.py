"""Issue 20: three bot processes in webhook mode behind a load balancer (the emulator), sharing one
PostgreSQL database.  A burst of RSVPs spread over all three never seats more than the meeting
has; a reminder fan-out survives one process being killed with SIGKILL halfway: every reminder
is delivered, and none twice except a send whose outcome was unknown at the kill (counted by the
survivors, reported here); a group's queued messages, claimed by all three at once, go out at the
group's 20 a minute in all, not 20 per process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bench import seed
from emulator import Emulator
from storage.db import Database
from storage.outbox import Delivery, OutboxRepository
from tests.backend import drop_postgres, fresh_postgres_url, postgres_only
from tests.e2e.conftest import World, check_clean_run
from tests.e2e.harness import BotProcess, eventually, free_port, webhook_env
from tests.e2e.test_meetings import WEEKLY, button, started

pytestmark = [postgres_only, pytest.mark.slow]

PUBLIC = "https://bot.kindred.test"
PROCESSES = 3


@pytest.fixture
async def database() -> AsyncIterator[str]:
    url = fresh_postgres_url()
    yield url
    drop_postgres(url)


async def start_processes(
    emulator: Emulator, tmp_path: Path, database: str, now: datetime | None = None
) -> list[BotProcess]:
    """Three processes on one database, each on its own port behind the one public webhook URL."""
    ports = [free_port() for _ in range(PROCESSES)]
    emulator.route_webhook(PUBLIC, [f"http://127.0.0.1:{port}" for port in ports])
    bots = []
    for index, port in enumerate(ports):
        workdir = tmp_path / f"process{index}"
        workdir.mkdir()
        env = {**webhook_env(f"{PUBLIC}/telegram", port), "LOG_LEVEL": "INFO"}
        bots.append(BotProcess(emulator.url, workdir, now=now, env=env, database=database))
    await asyncio.gather(*(bot.start() for bot in bots))
    await eventually(lambda: emulator.updates.webhook is not None)
    return bots


def leaders(bots: list[BotProcess]) -> list[BotProcess]:
    return [bot for bot in bots if "Scheduled work: this process" in bot.logs()]


async def test_a_burst_of_rsvps_over_three_processes_never_overfills_a_meeting(
    emulator: Emulator, tmp_path: Path, database: str
) -> None:
    bots = await start_processes(emulator, tmp_path, database)
    world = World(emulator, bots[0])
    try:
        assert len(leaders(bots)) == 1, "exactly one process runs the scheduled work"
        sam = await started(world.person("Sam"))
        people = [world.person(f"Member{n}") for n in range(50)]
        group = await world.group_with_bot("Circle", admin=sam, members=tuple(people))
        await sam.send(WEEKLY, chat=group)
        announcement = await group.next_message()
        await sam.send("/capacity 1 5", chat=group)
        assert "seats set to 5" in (await group.next_message()).text
        going = button(announcement, "✅ Going")

        # The load balancer hands the presses to the three processes in turn.
        answers = await asyncio.gather(*(p.press(announcement, going, timeout=20) for p in people))

        texts = [answer.text or "" for answer in answers if answer is not None]
        assert len(texts) == 50, "every press is answered"
        assert sum("You're going" in text for text in texts) == 5, texts
        assert sum("waitlist" in text for text in texts) == 45, texts
        with bots[0].connect() as conn:
            seated = conn.execute(
                "SELECT COUNT(*) FROM rsvps WHERE answer = 'going' AND waitlist_position IS NULL"
            ).fetchone()
            positions = conn.execute(
                "SELECT waitlist_position FROM rsvps WHERE waitlist_position IS NOT NULL ORDER BY 1"
            ).fetchall()
        assert seated == (5,)
        assert [row[0] for row in positions] == sorted({row[0] for row in positions}), "no shared places"
        assert len(positions) == 45
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots))
    for bot in bots:
        check_clean_run(World(emulator, bot))


async def test_a_fan_out_survives_a_process_killed_halfway(
    emulator: Emulator, tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    groups = 300
    owner = emulator.add_user("Owner")
    chat_ids = []
    for index in range(groups):
        group = emulator.add_group(f"Circle {index}")
        group.status[owner.id] = "creator"
        group.bot_status = "member"
        chat_ids.append(group.id)
    meeting_start = seed.SEED_NOW + timedelta(hours=3)
    due = meeting_start - timedelta(hours=1)  # the default reminder, an hour before
    await seed.groups(database, chat_ids)  # type: ignore[arg-type]
    await seed.meetings(database, chat_ids, groups, meeting_start)  # type: ignore[arg-type]
    bots = await start_processes(emulator, tmp_path, database, now=due - timedelta(minutes=5))
    try:
        for bot in bots:
            bot.set_clock(due + timedelta(seconds=1))

        def reminded() -> int:
            return sum(1 for chat in chat_ids if emulator.groups[chat].messages)

        await eventually(lambda: reminded() >= groups // 2, timeout=60)
        victim = leaders(bots)[0]  # the one running the scheduled work, mid-send
        await victim.kill()
        survivors = [bot for bot in bots if bot is not victim]
        await eventually(lambda: reminded() == groups, timeout=90)
        await asyncio.sleep(2)  # anything sent twice would arrive by now
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots))

    counts = [len(emulator.groups[chat].messages) for chat in chat_ids]
    twice = sum(count - 1 for count in counts if count > 1)
    resent = sum(resend_counts(bot.logs()) for bot in survivors)
    with capsys.disabled():
        print(
            f"\nfan-out to {groups} groups, one of {PROCESSES} processes killed halfway: "
            f"{groups} delivered, {twice} twice; {resent} sends were in flight at the kill"
        )
    assert all(count >= 1 for count in counts)
    assert twice <= resent, "a message went twice that was not in flight at the kill"
    assert sum("Took over the scheduled work" in bot.logs() for bot in survivors) == 1
    for bot in survivors:
        check_clean_run(World(emulator, bot))


def resend_counts(logs: str) -> int:
    """What the survivors reported: "Resending N messages whose delivery was interrupted"."""
    total = 0
    for line in logs.splitlines():
        if "whose delivery was interrupted" in line:
            total += int(line.split("Resending ", 1)[1].split(" ", 1)[0])
    return total


async def test_three_processes_send_one_group_no_more_than_its_minute_allows(
    emulator: Emulator, tmp_path: Path, database: str
) -> None:
    """100 messages for one group are due as three processes start (claims at once, each of up
    to 60 rows): the first minute carries the group's 20, from whichever process holds the group,
    and Telegram (the emulator, counting the group's window across all three) refuses none."""
    emulator.faults.rate_limits = True
    owner = emulator.add_user("Owner")
    group = emulator.add_group("Circle")
    group.status[owner.id] = "creator"
    group.bot_status = "member"
    await seed.groups(database, [group.id])  # type: ignore[arg-type]
    db = Database(database)
    await db.open()
    try:
        due = seed.SEED_NOW
        queued = [Delivery(f"news:{n}", group.id, f"News {n}", "test", not_before=due) for n in range(100)]
        await OutboxRepository(db).enqueue(queued, due)
    finally:
        await db.close()
    bots = await start_processes(emulator, tmp_path, database, now=due)
    try:
        await eventually(lambda: len(group.messages) >= 20, timeout=30)
        await asyncio.sleep(3)  # a process pacing the group alone would send its own 20 by now
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots))
    assert [f.chat_id for f in emulator.faults_served if f.error_code == 429] == []
    assert len(group.messages) == 20
    for bot in bots:
        check_clean_run(World(emulator, bot))
