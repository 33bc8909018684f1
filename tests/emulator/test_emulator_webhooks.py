"""Webhook delivery: Telegram's rules for the URL, the secret header, several deliveries at once
but one chat at a time, and the load balancer that spreads updates over bot processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from tests.e2e.harness import eventually

PUBLIC = "https://bot.kindred.test"

Hook = Callable[[web.Request], Awaitable[web.Response]]


@asynccontextmanager
async def backend(hook: Hook) -> AsyncIterator[str]:
    """A plain-HTTP server on loopback, as a bot process behind the load balancer is."""
    app = web.Application()
    app.router.add_post("/telegram", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def recorder(into: list[dict], delay: float = 0.0, everything: list[dict] | None = None) -> Hook:
    """Records each update it answers (in ``everything`` too: arrival order across backends)."""

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        update["secret"] = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await asyncio.sleep(delay)
        into.append(update)
        if everything is not None:
            everything.append(update)
        return web.Response()

    return hook


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"url": "http://bot.kindred.test/telegram"}, "An HTTPS URL must be provided"),
        ({"url": "https://bot.kindred.test:8080/telegram"}, "only on ports 80, 88, 443 or 8443"),
        ({"url": f"{PUBLIC}/telegram", "secret_token": "not allowed!"}, "unallowed characters"),
        ({"url": f"{PUBLIC}/telegram", "max_connections": 101}, "between 1 and 100"),
    ],
)
async def test_a_webhook_telegram_would_refuse_is_refused(emu, api, params, error):
    status, body = await api("setWebhook", **params)
    assert status == 400
    assert error in body["description"]
    assert emu.updates.webhook is None
    assert [r.error_code for r in emu.rejections] == [400]


async def test_updates_reach_the_backend_with_the_secret_and_getupdates_is_refused(emu, api):
    received: list[dict] = []
    async with backend(recorder(received)) as local:
        emu.route_webhook(PUBLIC, [local])
        status, _ = await api("setWebhook", url=f"{PUBLIC}/telegram", secret_token="s3cret")
        assert status == 200
        status, body = await api("getUpdates")
        assert status == 409
        assert "webhook is active" in body["description"]
        await emu.add_user("Alice").send("hello")
        await eventually(lambda: len(received) == 1)
        _, info = await api("getWebhookInfo")
        assert info["result"]["url"] == f"{PUBLIC}/telegram"
        assert info["result"]["pending_update_count"] == 0
        assert (await api("deleteWebhook"))[0] == 200
        assert (await api("getUpdates"))[0] == 200
    assert received[0]["secret"] == "s3cret"
    assert received[0]["message"]["text"] == "hello"
    assert json.dumps(received[0])  # a plain JSON Update
    assert [r.error_code for r in emu.rejections] == [409]  # getUpdates during the webhook


async def test_updates_are_spread_over_backends_and_each_chat_stays_in_order(emu, api):
    first: list[dict] = []
    second: list[dict] = []
    arrived: list[dict] = []
    one_hook, two_hook = recorder(first, 0.02, arrived), recorder(second, 0.02, arrived)
    async with backend(one_hook) as one, backend(two_hook) as two:
        emu.route_webhook(PUBLIC, [one, two])
        await api("setWebhook", url=f"{PUBLIC}/telegram", max_connections=10)
        people = [emu.add_user(f"P{i}") for i in range(6)]
        for round_ in range(5):
            for person in people:
                await person.send(f"{person.first_name}-{round_}")
        await eventually(lambda: len(arrived) == 30)
    assert first and second, "both processes got a share"
    assert len({u["update_id"] for u in arrived}) == 30, "no update twice"
    for person in people:
        mine = [u["message"]["text"] for u in arrived if u["message"]["from"]["id"] == person.id]
        assert mine == [f"{person.first_name}-{r}" for r in range(5)]


async def test_one_chat_is_never_delivered_twice_at_once(emu, api):
    in_flight: dict[int, int] = {}
    overlaps: list[int] = []
    done: list[dict] = []

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        chat = update["message"]["chat"]["id"]
        in_flight[chat] = in_flight.get(chat, 0) + 1
        if in_flight[chat] > 1:
            overlaps.append(chat)
        await asyncio.sleep(0.02)
        in_flight[chat] -= 1
        done.append(update)
        return web.Response()

    async with backend(hook) as local:
        emu.route_webhook(PUBLIC, [local, local])
        await api("setWebhook", url=f"{PUBLIC}/telegram", max_connections=40)
        alice, bea = emu.add_user("Alice"), emu.add_user("Bea")
        for i in range(8):
            await alice.send(f"a{i}")
            await bea.send(f"b{i}")
        await eventually(lambda: len(done) == 16)
    assert overlaps == []
    assert [u["message"]["text"] for u in done if u["message"]["from"]["id"] == alice.id] == [
        f"a{i}" for i in range(8)
    ]


async def test_a_dead_backend_is_skipped_and_nothing_is_lost(emu, api):
    received: list[dict] = []
    async with backend(recorder(received)) as dead:
        pass  # its port now refuses connections, as a killed process's does
    async with backend(recorder(received)) as live:
        emu.route_webhook(PUBLIC, [dead, live])
        await api("setWebhook", url=f"{PUBLIC}/telegram")
        people = [emu.add_user(f"P{i}") for i in range(10)]
        for person in people:
            await person.send("hi")
        await eventually(lambda: len(received) == 10)
    assert sorted(u["message"]["from"]["id"] for u in received) == sorted(p.id for p in people)


async def test_an_update_a_backend_refuses_is_sent_again_later(emu, api):
    answers = [500, 200]
    received: list[dict] = []

    async def flaky(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=answers.pop(0) if answers else 200)

    async with backend(flaky) as local:
        emu.route_webhook(PUBLIC, [local])
        await api("setWebhook", url=f"{PUBLIC}/telegram")
        await emu.add_user("Alice").send("hello")
        await eventually(lambda: len(received) == 2 and not emu.updates.pending)
        _, info = await api("getWebhookInfo")
    assert received[0]["update_id"] == received[1]["update_id"]
    assert "500" in info["result"]["last_error_message"]
