"""The README's run command with no token: the sandbox starts and a person can talk to the bot."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import aiohttp

from tests.e2e.harness import ROOT, free_port


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


async def transcript_until(
    http: aiohttp.ClientSession,
    user: int,
    chat: int,
    text: str,
    timeout: float = 15,  # noqa: ASYNC109
) -> str:
    """The bot's messages in the chat, once one of them contains *text*."""
    seen, version = "", -1
    try:
        async with asyncio.timeout(timeout):
            while text not in seen:
                query = {"user": user, "chat": chat, "after": version}
                transcript = await (await http.get("/sandbox/api/messages", params=query)).json()
                version = transcript["version"]
                seen = " ".join(m["text"] for m in transcript["messages"] if m["from"] == "bot")
    except TimeoutError:
        said = [(m["from"], m["text"][:60]) for m in transcript["messages"]]
        raise AssertionError(f"the bot never said {text!r}; the chat: {said}") from None
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

            # "Open it privately" (t.me/<bot>?start=m1) opens Maya's chat with the bot, not the real t.me.
            await transcript_until(http, maya["id"], maya["id"], "welcome to Kindred")  # the group is there
            people = (await (await http.get("/sandbox/api/state")).json())["people"]
            sam = next(p for p in people if p["label"] == "facilitator")
            group = next(c for c in sam["chats"] if c["type"] != "private")
            await transcript_until(http, sam["id"], group["id"], "Monthly Check-in")  # its meetings too
            async with http.post(
                "/sandbox/api/open-link",
                json={"user": maya["id"], "url": f"https://t.me/{state['bot']['username']}?start=m1"},
            ) as opened:
                assert (await opened.json())["chat"] == maya["id"]
            await transcript_until(http, maya["id"], maya["id"], "Tuesday Circle")

            # A file from the page: a facilitator imports meetings from a Meeting Guide file.
            feed = [{"name": "Friday Circle", "slug": "friday", "day": 5, "time": "18:00"}]
            form = aiohttp.FormData()
            for key, value in (("user", sam["id"]), ("chat", group["id"]), ("caption", "/import")):
                form.add_field(key, str(value))
            data = json.dumps(feed).encode()
            form.add_field("file", data, filename="feed.json", content_type="application/json")
            async with http.post("/sandbox/api/upload", data=form) as uploaded:
                assert uploaded.status == 200
            await transcript_until(http, sam["id"], group["id"], "1 meeting to add")
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 15)
    assert process.returncode == 0
