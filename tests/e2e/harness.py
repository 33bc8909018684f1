"""Run the real bot as a separate process against the emulator, as in production.

The bot is started with ``python -m bot`` and the environment an operator would set, pointing
``TELEGRAM_API_URL`` at the emulator.  Its clock is a file (``CLOCK_FILE``): tests move time by
rewriting it and sending ``SIGUSR1``.  Benchmarks reuse this class.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emulator import Button, CallbackAnswer, Emulator, Person, SentMessage
from tests.backend import Connection, connect, database_target, is_url

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
PSEUDONYM_SECRET = "test-pseudonym-secret-0123456789-abcdefghij"
READY_LINE = "Kindred is ready"
WEBHOOK_SECRET = "test-webhook-secret_0123456789"


class BotProcess:
    def __init__(
        self,
        api_url: str,
        workdir: Path,
        *,
        now: datetime | None = None,
        coordinators: tuple[int, ...] = (),
        env: dict[str, str] | None = None,
        polling: Callable[[], Callable[[], bool]] | None = None,
        module: str = "bot",
        database: str | None = None,
    ) -> None:
        self.api_url = api_url
        self.module = module  # what ``python -m`` runs: the bot, or a test's variant of it
        self.workdir = workdir
        # A SQLite file in workdir, or (KINDRED_TEST_POSTGRES) a PostgreSQL database of this
        # workdir's own; *database* shares another process's (several processes, one database).
        self.database = database or database_for(workdir)
        self.clock_file = workdir / "clock.txt"
        self.log_file = workdir / "bot.log"
        self.coordinators = coordinators
        self.extra_env = env or {}
        self._polling = polling  # makes, at each start, a check that the bot has begun polling
        self._now = (now or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)).astimezone(UTC)
        self.clock_file.write_text(self._now.isoformat())
        self.process: asyncio.subprocess.Process | None = None
        self._log_offset = 0

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("BOT_", "WEBHOOK_", "DATABASE_"))
        }
        env.update(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=self.api_url,
            **database_env(self.database),
            PSEUDONYM_SECRET=PSEUDONYM_SECRET,
            COORDINATOR_IDS=",".join(str(i) for i in self.coordinators),
            DEFAULT_TIMEZONE="UTC",
            RUN_MODE="polling",
            LOG_LEVEL="DEBUG",
            CLOCK_FILE=str(self.clock_file),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            # The sentence encoder costs each bot start a second of CPU; crisis tests turn it on.
            CRISIS_ENCODER="false",
        )
        env.update(self.extra_env)
        return env

    async def start(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Start the bot and wait until it is ready and polling, so tests never race its start-up."""
        polling = self._polling() if self._polling else None
        self._log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        log = self.log_file.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            cwd=self.workdir,
            env=self.environment(),
            stdout=log,
            stderr=log,
        )
        log.close()
        await self.wait_for_log(READY_LINE, timeout)
        if polling is not None:
            await eventually(polling, timeout)

    async def wait_for_log(self, text: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.logs(since_start=True):
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.logs()[-3000:]}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"the bot did not log {text!r} within {timeout} s:\n{self.logs()[-3000:]}"
                )
            await asyncio.sleep(0.05)

    def connect(self) -> Connection:
        """The bot's database as the test sees it (tests/backend.py): ``?`` SQL, tuples back."""
        return connect(self.database)

    def logs(self, since_start: bool = False) -> str:
        if not self.log_file.exists():
            return ""
        data = self.log_file.read_bytes()
        return data[self._log_offset if since_start else 0 :].decode(errors="replace")

    @property
    def now(self) -> datetime:
        return self._now

    def set_clock(self, instant: datetime) -> None:
        """Move the bot's clock; due jobs run at once."""
        self._now = instant.astimezone(UTC)
        self.clock_file.write_text(self._now.isoformat())
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGUSR1)

    def advance(self, delta: timedelta) -> None:
        self.set_clock(self._now + delta)

    async def stop(self, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process is None:
            return 0
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.terminate()
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError("the bot did not stop within its grace period") from None

    async def kill(self) -> None:
        """SIGKILL: the process dies mid-flight, as in a crash or power cut."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


def database_for(workdir: Path) -> str:
    """The database of the bot kept in *workdir*: the same one each time a test restarts it."""
    remembered = workdir / "database.txt"
    if remembered.exists():
        return remembered.read_text()
    target = database_target(workdir)
    remembered.write_text(target)
    return target


def database_env(database: str) -> dict[str, str]:
    """The setting that points a bot process at *database*."""
    return {"DATABASE_URL": database} if is_url(database) else {"DATABASE_PATH": database}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_env(public_url: str, port: int) -> dict[str, str]:
    """Settings for a bot process in webhook mode behind the emulator's load balancer: Telegram is
    told ``public_url``; the process listens on loopback ``port`` (its feed server on another)."""
    return {
        "RUN_MODE": "webhook",
        "WEBHOOK_URL": public_url,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "FEED_LISTEN": "127.0.0.1",
        "FEED_PORT": str(free_port()),
    }


async def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait for state outside the emulator (the bot's database) to become true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the expected state was not reached in time")
        await asyncio.sleep(0.02)


def answer_text(answer: CallbackAnswer | None) -> str:
    """The text of the bot's answer to a button press (``Person.press``); fails the test if the bot
    did not answer in time or answered without text."""
    assert answer is not None, "the bot did not answer the button press"
    assert answer.text is not None, "the bot answered the button press without text"
    return answer.text


# A button no feature knows: the bot answers it as gone (handlers/start.py button_gone).
PROBE = Button("probe", callback_data="test-probe")


async def handled(emulator: Emulator, person: Person, message: SentMessage) -> None:
    """Wait until the bot has finished with everything *person* sent to *message*'s chat so far.

    The bot handles each chat's and each person's updates in order (bot/app/update_processor.py),
    so once it has answered a press by *person* on *message*, what came before is done: no need
    to wait for a stretch of silence.  (What the outbox holds back, like group posts paced at 20 a
    minute, can still come later.)"""
    assert await emulator.press(person, message, PROBE, 30.0) is not None, "the bot did not answer"
