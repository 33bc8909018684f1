"""The sandbox page and its JSON endpoints."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from emulator import Emulator
from emulator.web import PAGE


@pytest.fixture
async def sandbox():
    emulator = Emulator(sandbox=True)
    await emulator.start()
    async with aiohttp.ClientSession(emulator.url) as session:
        yield emulator, session
    await emulator.stop()


async def bot_call(session, emu, method, **params):
    async with session.post(f"/bot{emu.token}/{method}", json=params) as response:
        return await response.json()


async def test_page_and_state_list_people_with_their_chats(sandbox):
    emu, session = sandbox
    ana = emu.add_user("Ana", label="facilitator")
    group = emu.add_group("Tuesday Circle")
    await group.add_member(ana, owner=True)
    async with session.get("/") as response:
        assert response.status == 200
        assert "<title>Kindred sandbox</title>" in await response.text()
    async with session.get("/sandbox/api/state") as response:
        state = await response.json()
    assert state["banner"].startswith(
        "Sandbox — a local imitation of Telegram; nothing leaves this computer."
    )
    (person,) = state["people"]
    assert (person["name"], person["label"]) == ("Ana", "facilitator")
    assert [c["type"] for c in person["chats"]] == ["private", "supergroup"]


async def test_send_wait_and_press_through_the_sandbox(sandbox):
    emu, session = sandbox
    ana = emu.add_user("Ana")
    async with session.post(
        "/sandbox/api/send", json={"user": ana.id, "chat": ana.id, "text": "/start"}
    ) as r:
        assert r.status == 200
    version = emu.version
    waiting = asyncio.create_task(
        session.get(f"/sandbox/api/messages?user={ana.id}&chat={ana.id}&after={version}")
    )
    await asyncio.sleep(0.05)
    assert not waiting.done()
    markup = {"inline_keyboard": [[{"text": "Going", "callback_data": "rsvp:1"}]]}
    await bot_call(
        session,
        emu,
        "sendMessage",
        chat_id=ana.id,
        text="<b>Hi</b> &amp; welcome",
        parse_mode="HTML",
        reply_markup=markup,
    )
    async with await asyncio.wait_for(waiting, 2) as response:
        data = await response.json()
    user, bot = data["messages"]
    assert (user["from"], user["text"]) == ("user", "/start")
    assert (bot["text"], bot["entities"]) == ("Hi & welcome", [{"type": "bold", "offset": 0, "length": 2}])

    pressing = asyncio.create_task(
        session.post(
            "/sandbox/api/press",
            json={"user": ana.id, "chat": ana.id, "message_id": bot["id"], "callback_data": "rsvp:1"},
        )
    )
    updates = (await bot_call(session, emu, "getUpdates", timeout=2))["result"]
    while "callback_query" not in updates[-1]:
        updates = (
            await bot_call(session, emu, "getUpdates", offset=updates[-1]["update_id"] + 1, timeout=2)
        )["result"]
    await bot_call(
        session,
        emu,
        "answerCallbackQuery",
        callback_query_id=updates[-1]["callback_query"]["id"],
        text="Saved",
    )
    async with await pressing as response:
        assert (await response.json())["answer"] == {"text": "Saved", "show_alert": False}


async def test_people_only_see_their_own_chats(sandbox):
    emu, session = sandbox
    ana, ben = emu.add_user("Ana"), emu.add_user("Ben")
    async with session.get(f"/sandbox/api/messages?user={ana.id}&chat={ben.id}") as response:
        assert response.status == 404


async def test_bot_documents_download(sandbox):
    emu, session = sandbox
    ana = emu.add_user("Ana")
    await ana.send("hi")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ana.id))
    form.add_field("document", b"hello", filename="notes.txt")
    async with session.post(f"/bot{emu.token}/sendDocument", data=form) as response:
        file_id = (await response.json())["result"]["document"]["file_id"]
    async with session.get(f"/sandbox/api/file/{file_id}") as response:
        assert await response.read() == b"hello"
        assert "notes.txt" in response.headers["Content-Disposition"]


def test_the_page_never_injects_html():
    assert "innerHTML" not in PAGE.read_text(encoding="utf-8")
