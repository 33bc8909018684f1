"""Published feeds: the token repository and the HTTP server (on loopback)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.domain.clock import FixedClock
from bot.runtime.feed_server import FeedServer
from storage.db import Database
from storage.feeds import FeedRepository
from storage.groups import GroupRepository

TOKEN = "abcdefghijklmnopqrstuvwx"


async def test_publishing_keeps_one_stable_token(db: Database, clock: FixedClock) -> None:
    await GroupRepository(db).register(-100, "Circle", "UTC", "en", clock.now())
    repo = FeedRepository(db)
    assert await repo.publish(-100, TOKEN, clock.now()) == TOKEN
    assert await repo.publish(-100, "another-token-0123456789", clock.now()) == TOKEN
    assert await repo.chat_for(TOKEN) == -100 and await repo.chat_for("nope") is None
    await GroupRepository(db).deactivate(-100, clock.now())
    assert await repo.chat_for(TOKEN) is None  # the bot left: the feed goes dark
    assert await repo.unpublish(-100) is True and await repo.token_of(-100) is None
    assert await repo.unpublish(-100) is False


@pytest.fixture
async def server(unused_tcp_port: int) -> AsyncIterator[str]:
    feeds = {TOKEN: json.dumps([{"name": "Circle", "slug": "circle-1"}]).encode()}

    async def lookup(token: str) -> bytes | None:
        return feeds.get(token)

    feed_server = FeedServer(lookup)
    await feed_server.start("127.0.0.1", unused_tcp_port)
    yield f"http://127.0.0.1:{unused_tcp_port}"
    await feed_server.stop()


async def test_the_server_serves_known_tokens_only(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server}/feeds/{TOKEN}.json") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json; charset=utf-8"
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert await response.json() == [{"name": "Circle", "slug": "circle-1"}]
        for path in (f"/feeds/{TOKEN[:-1]}y.json", "/feeds/short.json", f"/feeds/{TOKEN}", "/"):
            async with session.get(server + path) as response:
                assert response.status == 404, path
