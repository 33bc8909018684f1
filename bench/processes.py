"""The processes a benchmark runs: the emulator driver, and the bot under test (Kindred or a baseline).

Each is a separate OS process, as in production: the bot speaks HTTP to the emulator exactly as
to Telegram.  The driver is controlled through JSON lines on its stdin/stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - the emulator's fake token
PSEUDONYM_SECRET = "bench-pseudonym-secret-0123456789-abcdefghij"  # noqa: S105

# What ``python -m <module>`` runs for each bot the tables compare.
BOTS = {
    "kindred": "bot",
    "kindred-variant": "bench.bots.kindred_variant",  # tunings undone via KINDRED_BENCH_UNDO
    "ptb-echo": "bench.bots.ptb_echo",
    "aiogram-echo": "bench.bots.aiogram_echo",
}


class DriverProcess:
    """``python -m bench.emulator_driver``: the emulator and the load generator."""

    def __init__(self, *, rate_limits: bool = False) -> None:
        self.rate_limits = rate_limits
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""

    async def __aenter__(self) -> DriverProcess:
        args = [sys.executable, "-m", "bench.emulator_driver", "--token", TOKEN]
        if self.rate_limits:
            args.append("--rate-limits")
        self.process = await asyncio.create_subprocess_exec(
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            limit=2**24,
        )
        self.url = (await self._read())["url"]
        return self

    async def _read(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("the emulator driver exited")
        answer = json.loads(line)
        assert isinstance(answer, dict), answer
        return answer

    async def call(self, op: str, **params: Any) -> dict[str, Any]:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write((json.dumps({"op": op, **params}) + "\n").encode())
        await self.process.stdin.drain()
        answer = await self._read()
        if "error" in answer:
            raise RuntimeError(f"driver {op}: {answer['error']}")
        result = answer["result"]
        assert isinstance(result, dict), result
        return result

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class BotUnderTest:
    """One bot process (``kind`` is a key of :data:`BOTS`) pointed at the driver's emulator."""

    def __init__(self, kind: str, api_url: str, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.kind = kind
        self.api_url = api_url
        self.workdir = workdir
        self.database = workdir / "kindred.sqlite3"
        self.log_file = workdir / f"{kind}.log"
        self.clock_file = workdir / "clock.txt"
        self.extra_env = env or {}
        self.process: asyncio.subprocess.Process | None = None
        self.started_at = 0.0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("BOT_", "WEBHOOK_"))}
        env.update(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=self.api_url,
            DATABASE_PATH=str(self.database),
            PSEUDONYM_SECRET=PSEUDONYM_SECRET,
            DEFAULT_TIMEZONE="UTC",
            RUN_MODE="polling",
            LOG_LEVEL="WARNING",  # production would run INFO; nothing is logged per update at INFO
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.started_at = time.monotonic()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                BOTS[self.kind],
                cwd=self.workdir,
                env=self.environment(),
                stdout=log,
                stderr=log,
            )

    async def ready(self, driver: DriverProcess, timeout: float = 60.0) -> float:  # noqa: ASYNC109
        """Wait until the bot answers a /help; seconds since the process was started."""
        assert self.process is not None, "start() first"
        probe = asyncio.ensure_future(driver.call("probe", timeout=timeout))
        exited = asyncio.ensure_future(self.process.wait())
        await asyncio.wait((probe, exited), return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        if not probe.done() or probe.exception() is not None:
            probe.cancel()
            raise RuntimeError(f"{self.kind} did not answer; its log ends:\n{self.logs()[-3000:]}")
        answered_at: float = probe.result()["answered_at"]
        return answered_at - self.started_at

    def set_clock(self, instant: datetime) -> None:
        """Kindred reads "now" from its clock file (``CLOCK_FILE``); SIGUSR1 makes it look again."""
        self.clock_file.write_text(instant.isoformat())
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGUSR1)

    def logs(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    async def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.terminate()
        try:
            return await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()
