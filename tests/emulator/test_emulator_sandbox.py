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


async def updates_of(session, emu) -> list[dict]:
    return (await bot_call(session, emu, "getUpdates", timeout=0))["result"]


async def test_a_link_to_the_bot_opens_the_private_chat_and_sends_start(sandbox):
    """ "Open it privately" links (t.me/<bot>?start=...) stay in the sandbox, as a client opens them."""
    emu, session = sandbox
    ana = emu.add_user("Ana")
    link = f"https://t.me/{emu.bot_username}?start=m12"
    async with session.post("/sandbox/api/open-link", json={"user": ana.id, "url": link}) as response:
        assert response.status == 200
        assert (await response.json())["chat"] == ana.id
    async with session.post(
        "/sandbox/api/open-link", json={"user": ana.id, "url": f"https://t.me/{emu.bot_username}"}
    ) as response:
        assert response.status == 200
    sent = [(u["message"]["chat"]["id"], u["message"]["text"]) for u in await updates_of(session, emu)]
    assert sent == [(ana.id, "/start m12"), (ana.id, "/start")]
    for elsewhere in (
        "https://t.me/someone_else",  # a person's profile: only on the real Telegram
        f"https://t.me/{emu.bot_username}?start=has spaces",  # not a payload Telegram accepts
        "https://example.org/KindredTestBot?start=m1",
        "javascript:alert(1)",
    ):
        async with session.post("/sandbox/api/open-link", json={"user": ana.id, "url": elsewhere}) as r:
            assert r.status == 400, elsewhere
    assert len(await updates_of(session, emu)) == 2  # nothing sent for the refused links


async def test_the_page_sends_a_photo_and_a_file_with_captions(sandbox):
    """Photo broadcasts and /import of a Meeting Guide file can be tried from the page."""
    emu, session = sandbox
    ana = emu.add_user("Ana")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    photo = aiohttp.FormData()
    photo.add_field("user", str(ana.id))
    photo.add_field("chat", str(ana.id))
    photo.add_field("caption", "Picnic on Sunday")
    photo.add_field("file", png, filename="picnic.png", content_type="image/png")
    async with session.post("/sandbox/api/upload", data=photo) as response:
        assert response.status == 200, await response.text()
    feed = aiohttp.FormData()
    feed.add_field("user", str(ana.id))
    feed.add_field("chat", str(ana.id))
    feed.add_field("caption", "/import")
    feed.add_field("file", b"[]", filename="meetings.json", content_type="application/json")
    async with session.post("/sandbox/api/upload", data=feed) as response:
        assert response.status == 200, await response.text()
    first, second = [u["message"] for u in await updates_of(session, emu)]
    assert first["caption"] == "Picnic on Sunday" and first["photo"][-1]["file_id"]
    assert second["caption"] == "/import"
    assert (second["document"]["file_name"], second["document"]["mime_type"]) == (
        "meetings.json",
        "application/json",
    )
    async with session.get(f"/sandbox/api/messages?user={ana.id}&chat={ana.id}") as response:
        shown = (await response.json())["messages"]
    assert [m["file"].get("photo", False) for m in shown] == [True, False]
    async with session.get(shown[0]["file"]["url"]) as response:
        assert await response.read() == png
    empty = aiohttp.FormData()
    empty.add_field("user", str(ana.id))
    empty.add_field("chat", str(ana.id))
    async with session.post("/sandbox/api/upload", data=empty) as response:
        assert response.status == 400


def test_the_page_opens_telegram_links_itself_and_can_attach_files() -> None:
    """The page's side of the two endpoints above."""
    page = PAGE.read_text()
    assert "/open-link" in page and "telegramLink(url)" in page
    assert "/upload" in page and 'type="file"' in page


async def test_stopping_ends_the_pages_long_polls_at_once(sandbox):
    """The sandbox stops within moments of Ctrl+C even with the page open: before, the server
    waited for the page's long poll (up to 25 s) past its shutdown grace."""
    emu, session = sandbox
    ana = emu.add_user("Ana")
    waiting = asyncio.create_task(
        session.get(f"/sandbox/api/messages?user={ana.id}&chat={ana.id}&after={emu.version}")
    )
    await asyncio.sleep(0.05)  # the long poll has reached the server
    assert not waiting.done()
    started = asyncio.get_running_loop().time()
    await emu.stop()
    assert asyncio.get_running_loop().time() - started < 0.5
    async with await asyncio.wait_for(waiting, 1) as response:
        assert response.status == 200
