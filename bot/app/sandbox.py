"""The sandbox: Kindred without a bot token, on a local imitation of Telegram.

``python -m bot`` with no ``BOT_TOKEN`` lands here.  The emulator runs in a background thread
with its own event loop and serves a small chat page; the bot runs in the main thread exactly as
in production (long polling), pointed at the emulator.  A demo group with three people (a member,
a facilitator and a coordinator) is seeded through the same updates Telegram would send.
Each run starts from a fresh database, so the sandbox never mixes with real data.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr

from bot.runtime.logs import configure_logging
from bot.runtime.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

SANDBOX_TOKEN = "100001:SANDBOX-not-a-real-token-000000000"  # noqa: S105 - the emulator's own
SANDBOX_SECRET = "sandbox-only-pseudonym-secret-never-use-for-real"  # noqa: S105
GROUP_TITLE = "Sunrise Recovery Circle"

BANNER = """
Kindred sandbox: a local imitation of Telegram; nothing leaves this computer.
Open {url}/ in your browser and chat as Maya (member), Sam (facilitator) or Cleo (coordinator).
To run on Telegram for real, set BOT_TOKEN (see README.md). Press Ctrl+C to stop.
"""


@dataclass
class Demo:
    """The seeded people and group, by role."""

    member_id: int
    facilitator_id: int
    coordinator_id: int
    group_id: int


class EmulatorThread:
    """The emulator on its own event loop in a daemon thread."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        token: str = SANDBOX_TOKEN,
        bot_username: str = "KindredSandboxBot",
        sandbox: bool = True,
    ) -> None:
        from emulator import Emulator  # noqa: PLC0415 - only the sandbox needs the emulator

        self.loop = asyncio.new_event_loop()
        self.emulator = Emulator(
            token=token, bot_username=bot_username, sandbox=sandbox, host=host, port=port
        )
        self._thread = threading.Thread(target=self.loop.run_forever, name="emulator", daemon=True)

    def start(self) -> str:
        self._thread.start()
        self.call(self.emulator.start())
        return self.emulator.url

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run *coroutine* on the emulator's loop and wait for its result (from another thread)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def submit(self, coroutine: Coroutine[Any, Any, object]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the emulator within *timeout*: its own HTTP shutdown gives open requests (the page's
        long polls) one second; if it still hangs, the daemon thread is simply left behind."""
        try:
            self.call(self.emulator.stop(), timeout)
        except TimeoutError:
            log.warning("The sandbox's emulator did not stop within %.0f s", timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=timeout)
        if not self._thread.is_alive():
            self.loop.close()


def create_people(thread: EmulatorThread) -> Demo:
    emu = thread.emulator
    maya = emu.add_user("Maya", username="maya_recovers", language_code="en", label="member")
    sam = emu.add_user("Sam", username="sam_facilitates", language_code="en", label="facilitator")
    cleo = emu.add_user("Cleo", username="cleo_coordinates", language_code="en", label="coordinator")
    group = emu.add_group(GROUP_TITLE)
    return Demo(maya.id, sam.id, cleo.id, group.id)


async def seed(thread: EmulatorThread, demo: Demo) -> None:
    """Once the bot polls, build the demo group through ordinary Telegram updates."""
    emu = thread.emulator
    while not any(method == "getUpdates" for method, _ in emu.calls):  # noqa: ASYNC110 - a one-off wait
        await asyncio.sleep(0.1)
    group = emu.groups[demo.group_id]
    sam, maya, cleo = (
        emu.users[demo.facilitator_id],
        emu.users[demo.member_id],
        emu.users[demo.coordinator_id],
    )
    await group.add_member(sam, owner=True)
    await group.add_member(maya)
    await group.add_member(cleo)
    await group.add_bot(by=sam, admin=True)
    for line in SEED_COMMANDS:
        await sam.send(line, chat=group)
    await maya.send("/start")  # so Maya's private chat is open and the bot may write to her


# Demo meetings, scheduled the way a facilitator would (the one-line form of /schedule).
SEED_COMMANDS = (
    "/schedule Tuesday Circle | tue 19:00 | 90m | weekly | Community Centre, Room 2 | Tea from 18:45",
    "/schedule Monthly Check-in | mon 18:00 | 60m | monthly first monday | https://meet.example.org/checkin",
)


def sandbox_settings(settings: Settings, api_url: str, demo: Demo, workdir: Path) -> Settings:
    return settings.model_copy(
        update={
            "bot_token": SecretStr(SANDBOX_TOKEN),
            "telegram_api_url": api_url,
            "pseudonym_secret": SecretStr(SANDBOX_SECRET),
            "coordinator_ids": frozenset({demo.coordinator_id}),
            "database_path": workdir / "sandbox.sqlite3",
            "database_url": None,  # the sandbox keeps its demo in its own throwaway file
            "run_mode": "polling",
        }
    )


def run_sandbox(settings: Settings) -> int:
    from bot.app.main import serve  # noqa: PLC0415 - avoids an import cycle with bot.app.main

    configure_logging(settings.log_level, [SANDBOX_TOKEN, SANDBOX_SECRET], id_salt=SANDBOX_SECRET)
    thread = EmulatorThread(settings.sandbox_host, settings.sandbox_port)
    try:
        url = thread.start()
    except OSError as error:
        print(f"The sandbox could not listen on {settings.sandbox_host}:{settings.sandbox_port}: {error}.")
        print("Set SANDBOX_PORT to a free port and try again.")
        return 1
    demo = create_people(thread)
    print(BANNER.format(url=url), flush=True)
    thread.submit(seed(thread, demo))
    with tempfile.TemporaryDirectory(prefix="kindred-sandbox-") as workdir:
        try:
            serve(sandbox_settings(settings, url, demo, Path(workdir)))
        finally:
            thread.stop()
    return 0
