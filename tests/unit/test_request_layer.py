"""The tuned request path: bot/app/http.py (PTB's BaseRequest on aiohttp), bot/app/update_processor.py
(per-chat order, cross-chat concurrency), the people memo, and Database.write_all."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from telegram import Chat, Message, Update, User
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.app.http import AiohttpRequest
from bot.app.update_processor import PerChatUpdateProcessor, keys_of
from storage.db import Database, Write
from storage.migrations import migrate
from storage.people import PeopleRepository, Sighting
from tests.checks import found

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
INSERT = "INSERT INTO people (user_id, first_name, created_at, updated_at) VALUES (?, ?, 'x', 'x')"


@pytest.fixture
async def server() -> object:
    """A tiny HTTP server: echoes what it received, answers 400, or never answers."""
    seen: list[tuple[str, bytes]] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append((request.content_type, await request.read()))
        return web.json_response({"ok": True, "result": True})

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "description": "Bad Request: no"}, status=400)

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/refuse", refuse)
    app.router.add_post("/hang", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_parameters_go_as_json_and_errors_map_to_ptbs(server: tuple[str, list]) -> None:
    url, seen = server
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        data = RequestData(
            [RequestParameter.from_input(k, v) for k, v in (("chat_id", 5), ("text", "a & <b>"))]
        )
        assert await request.post(f"{url}/echo", data) is True
        assert seen[-1][0] == "application/json"
        assert json.loads(seen[-1][1]) == {"chat_id": "5", "text": "a & <b>"}
        with pytest.raises(BadRequest, match=r"^No$"):
            await request.post(f"{url}/refuse", data)
        with pytest.raises(TimedOut):
            await request.post(f"{url}/hang", data)
        with pytest.raises(NetworkError):
            await request.post("http://127.0.0.1:9/refused", data)  # nothing listens on port 9
    finally:
        await request.shutdown()


def _update(update_id: int, chat_id: int, user_id: int) -> Update:
    user = User(user_id, "P", is_bot=False)
    chat = Chat(chat_id, "private" if chat_id == user_id else "supergroup")
    return Update(update_id, message=Message(update_id, NOW, chat, from_user=user, text="hi"))


def test_keys_are_the_chat_and_in_groups_the_person() -> None:
    assert keys_of(_update(1, 7, 7)) == [("chat", 7)]
    assert sorted(keys_of(_update(2, -100, 7))) == [("chat", -100), ("user", 7)]
    assert keys_of(object()) == []


async def test_one_chat_in_order_different_chats_at_once() -> None:
    processor = PerChatUpdateProcessor(running=8)
    log: list[tuple[str, int]] = []
    both_running = asyncio.Event()
    running: set[int] = set()

    async def handle(update_id: int, chat_id: int) -> None:
        running.add(chat_id)
        if len(running) == 2:
            both_running.set()
        log.append(("start", update_id))
        await asyncio.sleep(0.01 * (4 - update_id % 4))  # earlier updates take longer
        log.append(("end", update_id))
        running.discard(chat_id)

    tasks = [
        asyncio.create_task(processor.process_update(_update(i, chat, chat), handle(i, chat)))
        for i, chat in [(1, 7), (2, 7), (3, 7), (4, 8)]
    ]
    await asyncio.gather(*tasks)
    chat7 = [entry for entry in log if entry[1] in (1, 2, 3)]
    assert chat7 == [("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 3), ("end", 3)]
    assert both_running.is_set()  # chat 8 did not wait for chat 7
    assert processor.keys_in_use == 0  # locks are dropped when nobody needs them


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "kindred.sqlite3")
    await database.open()
    await migrate(database)
    yield database
    await database.close()


async def test_people_memo_forgets_on_every_write(db: Database) -> None:
    people = PeopleRepository(db)
    assert await people.get(1) is None
    await people.record(Sighting(1, "Ana", None, "en", True), NOW)
    assert found(await people.get(1)).language is None  # the memoised "nobody" was forgotten
    await people.set_language(1, "es", NOW)
    assert found(await people.get(1)).language == "es"
    await people.mark_unreachable(1, NOW)
    assert found(await people.get(1)).reachable is False
    await people.delete(1)
    assert await people.get(1) is None


async def test_a_lookup_racing_a_write_does_not_keep_the_old_row(db: Database) -> None:
    people = PeopleRepository(db)
    await people.record(Sighting(1, "Ana", None, "en", True), NOW)
    lookup = asyncio.create_task(people.get(1))  # queued on the database thread before the write
    await asyncio.sleep(0)
    await people.set_language(1, "es", NOW)
    await lookup
    assert found(await people.get(1)).language == "es"


async def test_write_all_is_one_transaction(db: Database) -> None:
    await db.write_all(
        [Write("INSERT INTO people (user_id, first_name, created_at, updated_at) VALUES (1, 'A', 'x', 'x')")]
    )
    with pytest.raises(Exception, match="UNIQUE"):
        await db.write_all(
            [
                Write(INSERT, [(2, "B"), (3, "C")], many=True),
                Write(INSERT, (1, "A")),
            ]
        )
    assert await db.fetch_value("SELECT count(*) FROM people") == 1  # 2 and 3 were rolled back
    await db.execute("UPDATE people SET first_name = 'Z' WHERE user_id = 1")  # no transaction left open
