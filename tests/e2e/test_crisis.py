"""The crisis safety net through the emulator: resources first, consent both ways, /sos, check-in notes."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from emulator import GroupChat, Person
from tests.e2e.conftest import World
from tests.e2e.harness import eventually

CRISIS_TEXT = "I can't do this anymore, I want to kill myself"


async def circle(world: World, admin: Person, members: tuple[Person, ...]) -> GroupChat:
    group = await world.group_with_bot("Tuesday Circle", admin=admin)
    for member in members:
        await group.add_member(member)

    def seen() -> bool:
        with sqlite3.connect(world.bot.database) as conn:
            sql = "SELECT COUNT(*) FROM memberships WHERE chat_id = ?"
            return conn.execute(sql, (group.id,)).fetchone()[0] >= len(members)

    await eventually(seen)
    return group


async def test_a_crisis_is_answered_first_and_declining_tells_nobody(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    await sam.send("/start")
    await sam.next_message()
    await circle(world, sam, (maya,))
    await maya.send(CRISIS_TEXT)
    resources = await maya.next_message()  # the very next message, one round trip
    assert "988" in resources.text and "911" in resources.text
    question = await maya.next_message()
    assert question.button_texts() == ["Yes, tell a facilitator", "No thanks"]
    await maya.press(question, "No thanks")
    assert "won't tell anyone" in (await question.next_edit()).text
    await sam.expect_no_message(within=0.5)
    await maya.expect_no_message(within=0.3)


async def test_consent_alerts_reachable_facilitators_by_name_without_the_message(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya", username="maya_r")
    await sam.send("/start")
    await sam.next_message()
    await circle(world, sam, (maya,))
    await maya.send("quiero morirme")
    assert "988" in (await maya.next_message()).text
    question = await maya.next_message()
    await maya.press(question, "Yes, tell a facilitator")
    assert "I told 1 facilitator" in (await question.next_edit()).text
    alert = await sam.next_message()
    assert "Maya" in alert.text and "@maya_r" in alert.text and "Tuesday Circle" in alert.text
    assert "morirme" not in alert.text


async def test_with_no_reachable_facilitator_the_bot_says_so_and_repeats_the_lines(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")  # Sam never wrote to the bot privately
    await circle(world, sam, (maya,))
    await maya.send(CRISIS_TEXT)
    await maya.next_message()
    question = await maya.next_message()
    await maya.press(question, "Yes, tell a facilitator")
    honest = await question.next_edit()
    assert "could not reach any facilitator" in honest.text and "988" in honest.text
    await sam.expect_no_message(within=0.3)


async def test_sos_works_in_groups_and_in_private(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await circle(world, sam, (maya,))
    await maya.send("/sos", chat=group)
    in_group = await group.next_message()
    assert "988" in in_group.text and "1-800-662-4357" in in_group.text
    assert not in_group.button_texts()  # consent is a private matter
    await maya.send("/sos")
    assert "988" in (await maya.next_message()).text
    assert "Yes, tell a facilitator" in (await maya.next_message()).button_texts()


async def test_a_crisis_note_is_answered_first_saved_and_never_shared(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await circle(world, sam, (maya,))
    await maya.send("/checkin")
    question = await maya.next_message()
    await maya.press(question, "ck:mood:1")  # a very low mood offers help too
    await question.next_edit()
    low = await maya.next_message()
    assert "988" in low.text
    await maya.next_message()  # the consent question
    await maya.press(question, "ck:craving:9")
    await question.next_edit()
    await maya.send("I relapsed and I want to die")
    first = await maya.next_message()
    assert "988" in first.text  # before the check-in's own next question
    await maya.next_message()  # consent question
    share = await maya.next_message()
    assert "Share this check-in" in share.text
    await maya.press(share, "Tuesday Circle")
    closing = await share.next_edit()
    assert "Your note stays private" in closing.text
    with sqlite3.connect(world.bot.database) as conn:
        assert conn.execute("SELECT note FROM checkins").fetchall() == [("I relapsed and I want to die",)]
        assert conn.execute("SELECT note FROM shared_checkins").fetchall() == [(None,)]
    world.bot.advance(timedelta(hours=6))
    digest = await group.next_message()
    assert "mood 1/5" in digest.text and "want to die" not in digest.text
