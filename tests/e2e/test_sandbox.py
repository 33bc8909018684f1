"""The README's run command with no token: the sandbox starts and a person can talk to the bot."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import aiohttp

from tests.e2e.harness import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for_output(process: asyncio.subprocess.Process, pattern: str, timeout: float = 30) -> str:  # noqa: ASYNC109
    seen = ""
    async with asyncio.timeout(timeout):
        assert process.stdout is not None
        while not re.search(pattern, seen):
            line = await process.stdout.readline()
            if not line:
                raise AssertionError(f"the sandbox exited early:\n{seen}")
            seen += line.decode()
    return seen


async def test_the_sandbox_starts_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "PSEUDONYM_SECRET")}
    env.update(SANDBOX_PORT=str(port), PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        banner = await wait_for_output(process, r"Kindred is ready")
        assert "Kindred sandbox" in banner and f"http://127.0.0.1:{port}/" in banner
        assert "BOT_TOKEN" in banner  # how to run for real
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            async with http.get("/") as page:
                assert "Kindred sandbox" in await page.text()
            state = await (await http.get("/sandbox/api/state")).json()
            maya = next(p for p in state["people"] if p["label"] == "member")
            roles = {p["label"] for p in state["people"]}
            assert roles == {"member", "facilitator", "coordinator"}
            await http.post(
                "/sandbox/api/send", json={"user": maya["id"], "chat": maya["id"], "text": "/help"}
            )
            reply = ""
            async with asyncio.timeout(15):
                while "What you can do here" not in reply:
                    query = {"user": maya["id"], "chat": maya["id"], "after": state["version"]}
                    transcript = await (await http.get("/sandbox/api/messages", params=query)).json()
                    state["version"] = transcript["version"]
                    reply = " ".join(m["text"] for m in transcript["messages"] if m["from"] == "bot")
        assert "as a member" in reply
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 15)
    assert process.returncode == 0
