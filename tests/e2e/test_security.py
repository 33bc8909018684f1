"""Issue 22, as an attacker would try it: fetches on a member's behalf, a refused press answered
twice, guessing proof codes, and a demoted facilitator's lingering rights."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from bot.runtime.feed_fetch import FETCHES_PER_HOUR
from emulator import Button, CallbackAnswer, Person, SentMessage
from handlers.checkins_views import Step
from tests.e2e.conftest import Launch, World
from tests.e2e.harness import eventually

LOOPBACK_BOT = "tests.e2e.loopback_bot"  # the bot, also allowed to fetch from 127.0.0.1
UNKNOWN_CODE = "ABCD-EFGH-IJKL-MNOP"


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections made to it and hangs up on each."""

    url: str = ""
    connections: int = 0


@asynccontextmanager
async def counting_listener() -> AsyncIterator[Listener]:
    listener = Listener()

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        listener.connections += 1
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    listener.url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed.json"
    async with server:
        yield listener


async def started(person: Person) -> Person:
    """The person has opened a private chat with the bot (and its welcome is read)."""
    await person.send("/start")
    await person.next_message()
    return person


def membership_count(world: World, chat_id: int, user_id: int) -> int:
    with world.bot.connect() as conn:
        sql = "SELECT COUNT(*) FROM memberships WHERE chat_id = ? AND user_id = ? AND left_at IS NULL"
        return int(conn.execute(sql, (chat_id, user_id)).fetchone()[0])


# -- 1. /import <link> --


async def test_a_members_import_link_is_refused_before_any_connection(launch: Launch) -> None:
    world = await launch(module=LOOPBACK_BOT)
    sam, maya = await started(world.person("Sam")), await started(world.person("Maya"))
    await world.group_with_bot("Harbour Circle", admin=sam, members=(maya,))
    async with counting_listener() as listener:
        await maya.send(f"/import {listener.url}")
        assert "Only a group's facilitators can import meetings" in (await maya.next_message()).text
        assert listener.connections == 0
        await maya.send_document("feed.json", b"[]")  # nor is her file downloaded
        assert "Only a group's facilitators can import meetings" in (await maya.next_message()).text
        assert "getFile" not in [method for method, _ in world.emulator.calls]

        # The listener is reachable: the same link from a facilitator is fetched (and fails: it is
        # no https server), up to the hourly limit, after which the bot says so kindly.
        for attempt in range(1, FETCHES_PER_HOUR + 1):
            await sam.send(f"/import {listener.url}")
            assert "I couldn't reach that link" in (await sam.next_message()).text
            assert listener.connections == attempt
        await sam.send(f"/import {listener.url}")
        limited = (await sam.next_message()).text
        assert "fetched several links" in limited and "send the .json file" in limited
        assert listener.connections == FETCHES_PER_HOUR

        world.bot.advance(timedelta(hours=1))
        await sam.send(f"/import {listener.url}")
        assert "I couldn't reach that link" in (await sam.next_message()).text
        assert listener.connections == FETCHES_PER_HOUR + 1


# -- 2. a refused button press --


def answers_to(world: World, query_id: str) -> list[dict[str, object]]:
    """Every answerCallbackQuery the bot sent for one query, accepted or not."""
    return [
        params
        for method, params in world.emulator.calls
        if method == "answerCallbackQuery" and params.get("callback_query_id") == query_id
    ]


def query_id_of(world: World, data: str) -> str:
    (query,) = [
        update["callback_query"]
        for update in world.emulator.updates.delivered
        if update.get("callback_query", {}).get("data") == data
    ]
    return str(query["id"])


async def press_data(world: World, person: Person, message: SentMessage, data: str) -> CallbackAnswer:
    answer = await world.emulator.press(person, message, Button("forged", data), 5.0)
    assert answer is not None, "the press was not answered"
    return answer


async def test_a_refused_share_press_is_answered_once_with_the_refusal(world: World) -> None:
    sam, olga, maya = world.person("Sam"), world.person("Olga"), await started(world.person("Maya"))
    home = await world.group_with_bot("Tuesday Circle", admin=sam)
    other = await world.group_with_bot("Hill Circle", admin=olga)
    await home.add_member(maya)  # after the bot, so it sees her join
    await eventually(lambda: membership_count(world, home.id, maya.id) == 1)
    await maya.send("/checkin")
    question = await maya.next_message()
    await maya.press(question, "ck:mood:4")
    await question.next_edit()
    await maya.press(question, "ck:craving:1")
    await question.next_edit()
    await maya.press(question, "Skip")
    share = await maya.next_message()
    assert "Share this check-in" in share.text

    forged = Step("share", other.id).pack()  # a group Maya is not in
    answer = await press_data(world, maya, share, forged)
    assert answer.show_alert and "not in that group" in (answer.text or "")

    await home.remove_member(maya)  # she leaves after the question was shown
    await eventually(lambda: membership_count(world, home.id, maya.id) == 0)
    answer = await press_data(world, maya, share, Step("share", home.id).pack())
    assert answer.show_alert and "not in that group" in (answer.text or "")

    await maya.press(share, "No, keep it private")  # the check-in goes on, and is saved
    assert "saved" in (await share.next_edit()).text.lower()
    for data in (forged, Step("share", home.id).pack()):
        assert len(answers_to(world, query_id_of(world, data))) == 1
    assert world.emulator.rejections == []


# -- 3. /verify --


async def test_the_21st_verify_in_an_hour_is_refused_kindly(world: World) -> None:
    sam = await started(world.person("Sam"))
    await world.group_with_bot("Harbour Circle", admin=sam)
    for _ in range(20):
        await sam.send(f"/verify {UNKNOWN_CODE}")
        assert "No letter was issued with this code" in (await sam.next_message()).text
    await sam.send(f"/verify {UNKNOWN_CODE}")
    limited = (await sam.next_message()).text
    assert "many codes" in limited and "No letter" not in limited
    await world.bot.wait_for_log("Refused /verify")
    logs = world.bot.logs()
    assert UNKNOWN_CODE not in logs and UNKNOWN_CODE.replace("-", "") not in logs
    (refusal,) = [line for line in logs.splitlines() if "Refused /verify" in line]
    assert re.search(r"Refused /verify for u[0-9a-f]{10}: .*\(1 refused in a row\)", refusal)
    assert str(sam.id) not in refusal

    world.bot.advance(timedelta(minutes=61))  # the window slides: checking works again
    await sam.send(f"/verify {UNKNOWN_CODE}")
    assert "No letter was issued with this code" in (await sam.next_message()).text


# -- 4. a demoted facilitator --


async def test_a_demoted_facilitator_is_refused_on_the_next_press(world: World) -> None:
    sam, ana = world.person("Sam"), world.person("Ana")
    group = world.emulator.add_group("Harbour Circle")
    await group.add_member(sam, owner=True)
    await group.add_member(ana)
    await group.add_bot(by=sam, admin=True)  # admin bots are told of admin changes, if they ask
    assert "chat_member" in (world.emulator.updates.allowed or [])  # asked for since its first poll
    await group.next_message()
    await group.make_admin(ana, by=sam)

    await ana.send("/language", chat=group)  # a facilitator's menu: Ana's role is now cached
    menu = await group.next_message()
    assert "Choose the group's language" in menu.text

    await group.remove_admin(ana, by=sam)
    answer = await ana.press(menu, "Español")
    assert answer is not None and answer.show_alert and "facilitators" in (answer.text or "")
    await ana.send("/settz Europe/Madrid", chat=group)
    assert "Only this group's facilitators" in (await group.next_message()).text
