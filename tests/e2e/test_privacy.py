"""/mydata and /forget through the emulator."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.e2e.conftest import World
from tests.e2e.harness import eventually
from tests.e2e.test_checkins import check_in


def person_rows(world: World, user_id: int) -> int:
    with world.bot.connect() as conn:
        people = conn.execute("SELECT COUNT(*) FROM people WHERE user_id = ?", (user_id,)).fetchone()[0]
        members = conn.execute("SELECT COUNT(*) FROM memberships WHERE user_id = ?", (user_id,)).fetchone()[0]
    return people + members


async def test_mydata_sends_everything_as_json(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya", username="maya_r")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    await maya.send("/help", chat=group)  # the bot learns who is in a group when they speak there
    await group.next_message()
    await maya.send("/mydata")
    reply = await maya.next_message()
    assert reply.document is not None and reply.document.filename == "kindred-my-data.json"
    data = json.loads(reply.document.data)
    assert data["profile"]["first_name"] == "Maya"
    assert data["profile"]["username"] == "maya_r"
    assert [g["group_title"] for g in data["groups"]] == ["Tuesday Circle"]


async def test_forget_asks_first_and_then_erases(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    await maya.send("/help", chat=group)  # the bot now knows Maya is in the group
    await group.next_message()
    await maya.send("/forget")
    question = await maya.next_message()
    assert "cannot be undone" in question.text
    await maya.press(question, "No, keep it")
    assert "Nothing was erased" in (await question.next_edit()).text
    assert person_rows(world, maya.id) == 2

    await maya.send("/forget")
    question = await maya.next_message()
    await maya.press(question, "Yes, erase everything")
    done = await question.next_edit()
    assert "I erased" in done.text and "your profile" in done.text
    assert person_rows(world, maya.id) == 0


async def test_personal_commands_in_a_group_point_to_a_private_chat(world: World) -> None:
    sam = world.person("Sam")
    group = await world.group_with_bot("Tuesday Circle", admin=sam)
    await sam.send("/mydata", chat=group)
    pointer = await group.next_message()
    assert "private chat" in pointer.text
    assert pointer.buttons[0][0].url == "https://t.me/KindredTestBot"


async def test_old_free_text_is_forgotten_after_the_retention_period(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("/start")
    await maya.next_message()
    assert "Saved" in await check_in(maya, 4, 1, note="a steady kind of day")
    with world.bot.connect() as conn:
        assert conn.execute("SELECT note FROM checkins").fetchall() == [("a steady kind of day",)]
    world.bot.advance(timedelta(days=366))  # past the 365-day default and the daily 03:00 run

    def forgotten() -> bool:
        with world.bot.connect() as conn:
            (note,) = conn.execute("SELECT note FROM checkins").fetchone()
            sent_texts = conn.execute("SELECT COUNT(*) FROM outbox WHERE text != ''").fetchone()[0]
        return not note and sent_texts == 0

    await eventually(forgotten)
    with world.bot.connect() as conn:
        assert conn.execute("SELECT mood, craving FROM checkins").fetchall() == [(4, 1)]  # numbers stay
