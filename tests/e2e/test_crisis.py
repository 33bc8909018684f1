"""The crisis safety net through the emulator: resources first, consent both ways, /sos, check-in notes."""

from __future__ import annotations

import functools
from datetime import timedelta

from bot.domain.crisis import Urgency, detect, semantic_ready, start_semantic_layer
from emulator import Emulator, GroupChat, Person, SentMessage
from tests.e2e.conftest import Launch, World
from tests.e2e.harness import eventually

CRISIS_TEXT = "I can't do this anymore, I want to kill myself"


async def circle(world: World, admin: Person, members: tuple[Person, ...]) -> GroupChat:
    group = await world.group_with_bot("Tuesday Circle", admin=admin)
    for member in members:
        await group.add_member(member)

    def seen() -> bool:  # these members themselves (the admin's own row must not count for one)
        with world.bot.connect() as conn:
            sql = "SELECT user_id FROM memberships WHERE chat_id = ?"
            known = {row[0] for row in conn.execute(sql, (group.id,)).fetchall()}
        return {member.id for member in members} <= known

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
    with world.bot.connect() as conn:
        assert conn.execute("SELECT note FROM checkins").fetchall() == [("I relapsed and I want to die",)]
        assert conn.execute("SELECT note FROM shared_checkins").fetchall() == [(None,)]
    world.bot.advance(timedelta(hours=6))
    digest = await group.next_message()
    assert "mood 1/5" in digest.text and "want to die" not in digest.text


# -- the middle tier, escalation and groups (issue 16), with the sentence encoder on --

ENCODER = {"CRISIS_ENCODER": "true"}
ENCODER_READY = "Crisis sentence encoder ready"
# Phrases that might be a crisis but are not clear; the test picks one the shipped model reads as
# "possible", so retraining moves the choice, not the test.
AMBIGUOUS = (
    "Are you safe?",
    "no sé",
    "I don't know anymore",
    "idk what to do tonight",
    "everything feels heavy",
    "no puedo dormir y todo me da igual",
    "I keep thinking about it",
    "can't stop crying",
)


@functools.cache
def possible_phrase() -> str:
    start_semantic_layer()
    assert semantic_ready(timeout=60)
    for text in AMBIGUOUS:
        signal = detect(text)
        if signal is not None and signal.urgency is Urgency.POSSIBLE:
            return text
    raise AssertionError("no candidate phrase is read as a possible crisis: the middle tier is unreachable")


async def encoded_world(launch: Launch, *coordinators: Person) -> World:
    world = await launch(coordinators=coordinators, env=ENCODER)
    await world.bot.wait_for_log(ENCODER_READY, timeout=30)
    return world


async def test_a_possible_crisis_is_asked_if_safe_with_the_lines_in_the_same_message(launch: Launch) -> None:
    world = await encoded_world(launch)
    sam, maya = world.person("Sam"), world.person("Maya")
    await circle(world, sam, (maya,))
    await maya.send(possible_phrase())
    check = await maya.next_message()
    assert "are you safe right now?" in check.text and "988" in check.text and "911" in check.text
    assert check.button_texts() == ["I need help now", "I'm safe right now"]
    await maya.press(check, "I'm safe right now")
    thanks = await check.next_edit()
    assert "Thank you for letting me know" in thanks.text and "988" in thanks.text
    assert not thanks.button_texts()
    await maya.expect_no_message(within=0.3)

    await maya.send(possible_phrase())
    again = await maya.next_message()
    await maya.press(again, "I need help now")
    support = await maya.next_message()
    assert "I'm really glad you told me" in support.text and "988" in support.text
    consent = await maya.next_message()
    assert consent.button_texts() == ["Yes, tell a facilitator", "No thanks"]
    assert not (await again.next_edit()).button_texts()


async def test_sos_does_not_thank_anyone_for_telling(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("/sos")
    lines = await maya.next_message()
    assert "988" in lines.text and "glad you told me" not in lines.text


async def consented_alert(world: World, sam: Person, maya: Person) -> SentMessage:
    await sam.send("/start")
    await sam.next_message()
    await circle(world, sam, (maya,))
    await maya.send(CRISIS_TEXT)
    assert "988" in (await maya.next_message()).text
    question = await maya.next_message()
    assert "within 10 minutes, I will tell a coordinator too" in question.text
    await maya.press(question, "Yes, tell a facilitator")
    assert "I told 1 facilitator" in (await question.next_edit()).text
    alert = await sam.next_message()
    assert alert.button_texts() == ["💛 I'm reaching out"]
    return alert


async def test_an_unacknowledged_alert_goes_to_the_coordinators(emulator: Emulator, launch: Launch) -> None:
    coordinator = emulator.add_user("Cleo")
    world = await launch(coordinators=(coordinator,))
    sam, maya = world.person("Sam"), world.person("Maya", username="maya_r")
    await coordinator.send("/start")
    await coordinator.next_message()
    sam_alert = await consented_alert(world, sam, maya)
    world.bot.advance(timedelta(minutes=9))
    await coordinator.expect_no_message(within=0.5)
    world.bot.advance(timedelta(minutes=2))
    escalated = await coordinator.next_message()
    assert "Maya" in escalated.text and "Tuesday Circle" in escalated.text and "coordinator" in escalated.text
    assert "kill" not in escalated.text and "anymore" not in escalated.text
    assert "also told a coordinator" in (await maya.next_message()).text

    await coordinator.press(escalated, "💛 I'm reaching out")
    assert "Thank you for reaching out to Maya" in (await escalated.next_edit()).text
    assert "Cleo is reaching out to Maya" in (await sam_alert.next_edit()).text
    assert "Cleo has seen your message" in (await maya.next_message()).text
    assert not sam_alert.button_texts()  # nobody presses a stale button
    await maya.expect_no_message(within=0.3)


async def test_an_acknowledged_alert_is_not_escalated(emulator: Emulator, launch: Launch) -> None:
    coordinator = emulator.add_user("Cleo")
    world = await launch(coordinators=(coordinator,))
    sam, maya = world.person("Sam"), world.person("Maya")
    await coordinator.send("/start")
    await coordinator.next_message()
    alert = await consented_alert(world, sam, maya)
    stranger = world.person("Eve")
    await stranger.press(alert, "💛 I'm reaching out")  # a forged press from someone not alerted
    await sam.press(alert, "💛 I'm reaching out")
    assert "Thank you for reaching out to Maya" in (await alert.next_edit()).text
    assert "Sam has seen your message" in (await maya.next_message()).text
    world.bot.advance(timedelta(minutes=30))
    await coordinator.expect_no_message(within=0.8)


async def test_a_waiting_escalation_survives_a_restart_and_fires_once(
    emulator: Emulator, launch: Launch
) -> None:
    coordinator = emulator.add_user("Cleo")
    world = await launch(coordinators=(coordinator,))
    sam, maya = world.person("Sam"), world.person("Maya")
    await coordinator.send("/start")
    await coordinator.next_message()
    await consented_alert(world, sam, maya)
    await world.bot.kill()
    world.bot.advance(timedelta(minutes=25))
    await world.bot.start()
    escalated = await coordinator.next_message()
    assert "Maya" in escalated.text and escalated.button_texts() == ["💛 I'm reaching out"]
    await coordinator.expect_no_message(within=0.5)
    assert await world.bot.stop() == 0
    await world.bot.start()
    await coordinator.expect_no_message(within=0.8)


async def test_a_crisis_in_a_group_is_answered_privately_and_the_group_sees_only_a_pointer(
    world: World,
) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    await maya.send("/start")
    await maya.next_message()
    group = await circle(world, sam, (maya,))
    await sam.send("/sos", chat=group)
    bot_message = await group.next_message()
    await maya.send(CRISIS_TEXT, chat=group, reply_to=bot_message)
    private = await maya.next_message()
    assert "988" in private.text and "glad you told me" in private.text
    pointer = await group.next_message()
    assert "/sos" in pointer.text
    assert "Maya" not in pointer.text and "kill" not in pointer.text and "anymore" not in pointer.text
