"""The sandbox page in a real browser (headless Chromium over the DevTools protocol): a bot link
opens the private chat in the page, and the 📎 button sends a file and a photo.

Skipped, saying so, where Chromium is not installed (Debian: ``apt-get install chromium``)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.harness import ROOT, free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]
ONE_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
GROUP = "Sunrise Recovery Circle"


class Page:
    """Just enough of the DevTools protocol: evaluate JavaScript, wait for it, attach a file."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        await self._ws.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json()
            if message.get("id") == number:
                assert "error" not in message, message
                return message.get("result", {})

    async def js(self, expression: str) -> Any:
        result = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        return result.get("result", {}).get("value")

    async def until(self, expression: str, what: str, timeout: float = 20) -> Any:  # noqa: ASYNC109
        """Poll the page (not the bot's clock: this waits for the browser to render)."""
        try:
            async with asyncio.timeout(timeout):
                while not (value := await self.js(expression)):  # noqa: ASYNC110 - a browser, no event
                    await asyncio.sleep(0.1)
                return value
        except TimeoutError:
            shown = await self.js("document.getElementById('log').innerText") or ""
            raise AssertionError(f"the page never showed {what}; it shows: {shown[-800:]}") from None

    async def open_chat(self, title: str) -> None:
        find = f"[...document.querySelectorAll('.chat')].find(c => c.textContent.includes({title!r}))"
        await self.until(f"!!{find}", f"the chat {title}")  # an element comes back as {}: falsy
        await self.js(f"{find}.click()")
        await self.until(f"document.getElementById('title').textContent.includes({title!r})", title)

    async def attach(self, path: Path, caption: str) -> None:
        document = await self.call("DOM.getDocument")
        node = await self.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector="#file")
        await self.js(f"document.getElementById('text').value = {caption!r}")
        await self.call("DOM.setFileInputFiles", files=[str(path)], nodeId=node["nodeId"])
        await self.js("document.getElementById('file').dispatchEvent(new Event('change'))")

    def log_includes(self, *texts: str) -> str:
        checks = " && ".join(f"t.includes({text!r})" for text in texts)
        text = "document.getElementById('log').innerText"
        return f"(() => {{ const t = {text}; return {checks} ? t : null }})()"


async def answered(http: aiohttp.ClientSession, url: str, timeout: float = 30) -> Any:  # noqa: ASYNC109
    """The JSON at *url* once the process behind it has started listening."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                async with http.get(url) as response:
                    return await response.json()
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)  # still starting


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    port, debug = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "PSEUDONYM_SECRET")}
    env.update(SANDBOX_PORT=str(port), PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
    with (tmp_path / "sandbox.log").open("wb") as log:  # a file: a pipe nobody reads would fill up
        sandbox = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=log, stderr=log
        )
    assert CHROMIUM is not None
    browser = await asyncio.create_subprocess_exec(
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        f"--remote-debugging-port={debug}", f"--user-data-dir={tmp_path / 'chromium'}", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as http:
            await answered(http, f"http://127.0.0.1:{port}/sandbox/api/state")  # the sandbox is up
            targets = await answered(http, f"http://127.0.0.1:{debug}/json")  # and Chromium

            target = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
                await page.until("document.getElementById('who')?.options.length > 0", "the people")
                yield page
    finally:
        for process in (browser, sandbox):
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), 20)
    assert sandbox.returncode == 0


async def test_a_bot_link_opens_the_private_chat_in_the_page(page: Page) -> None:
    await page.open_chat(GROUP)  # Maya, in the demo group
    card_link = "[...document.querySelectorAll('#log a')].find(a => (a.title || '').includes('?start=m1'))"
    assert await page.until(f"{card_link}?.getAttribute('href')", "the card's link") == "#"
    await page.js(f"{card_link}.click()")
    await page.until("document.getElementById('title').textContent === 'Kindred'", "the private chat")
    await page.until(page.log_includes("/start m1", "Tuesday Circle", "Meeting #1"), "the card, privately")
    assert (await page.js("location.pathname")) == "/"  # still the sandbox, never t.me


async def test_the_paperclip_sends_a_file_and_a_photo(page: Page, tmp_path: Path) -> None:
    await page.js(
        "const who = document.getElementById('who'); who.value = who.options[1].value;"
        "who.dispatchEvent(new Event('change'))"
    )  # Sam, the facilitator
    await page.open_chat(GROUP)
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([{"name": "Friday Circle", "slug": "friday", "day": 5, "time": "18:00"}]))
    await page.attach(feed, "/import")
    await page.until(page.log_includes("feed.json", "1 meeting to add"), "the import preview")
    await page.open_chat("Kindred")
    photo = tmp_path / "picnic.png"
    photo.write_bytes(ONE_PIXEL_PNG)
    await page.attach(photo, "Picnic on Sunday")
    # One loaded photo, 1 pixel wide: wait for the browser to have decoded it (until then an
    # <img> already in the page reports a natural width of 0).
    shown = "[...document.querySelectorAll('#log img.photo')].map(i => i.naturalWidth).join() === '1'"
    assert await page.until(shown, "the photo") is True
    assert await page.until(page.log_includes("Picnic on Sunday"), "the caption")
