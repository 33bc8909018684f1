"""Issue 21, what careful users found: a capacity below those already going is shown and explained,
quiet members are told how to connect and connect from a meeting card, and /cancelmeeting asks
before cancelling a whole series."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from emulator import Button, GroupChat, Person, SentMessage
from tests.e2e.conftest import World
from tests.e2e.test_meetings import WEEKLY, button, circle, started


def answers_given(world: World) -> int:
    return sum(1 for method, _ in world.emulator.calls if method == "answerCallbackQuery")


def start_payload(message: SentMessage, label: str) -> str:
    """What opening a URL button's deep link sends: ``/start <payload>``."""
    url = message.find_button(label).url or ""
    assert url.startswith("https://t.me/KindredTestBot?"), url
    return "/start " + parse_qs(urlparse(url).query)["start"][0]


def cancelled(world: World, meeting_id: int) -> bool:
    with world.bot.connect() as conn:
        return bool(conn.execute("SELECT cancelled FROM meetings WHERE id = ?", (meeting_id,)).fetchone()[0])


async def scheduled(world: World) -> tuple[Person, Person, GroupChat, SentMessage]:
    sam, maya, group = await circle(world)
    await sam.send(WEEKLY, chat=group)
    return sam, maya, group, await group.next_message()


# --- item 8: capacity below those already going ---------------------------------------------


async def test_a_capacity_below_those_going_is_explained_and_shown_on_the_card(world: World) -> None:
    sam, maya, group, card = await scheduled(world)
    leo, ana = await started(world.person("Leo")), await started(world.person("Ana"))
    await group.add_member(leo)
    await group.add_member(ana)
    for person in (maya, leo):
        await person.press(card, button(card, "✅ Going"))
        await card.next_edit()
    assert button(card, "✅ Going") == "✅ Going (2)"

    await sam.send("/capacity 1 1", chat=group)
    answer = (await group.next_message()).text
    assert "seats set to 1" in answer
    assert "2 people are already going on Tue 24 Nov 2026, 19:00 (UTC)" in answer
    assert "Nobody is removed" in answer and "waitlist" in answer
    await card.next_edit()  # the card itself: its seats, and more going than seats
    assert "Seats: 1" in card.text and button(card, "✅ Going") == "✅ Going (2/1)"

    told = await ana.press(card, button(card, "✅ Going"))
    assert told is not None and "waitlist" in (told.text or "")
    await card.next_edit()
    assert button(card, "✅ Going") == "✅ Going (2/1 +1 waiting)"
    await maya.press(card, button(card, "❌ Can't make it"))  # still one going for one seat
    await card.next_edit()
    assert button(card, "✅ Going") == "✅ Going (1/1 +1 waiting)"
    await ana.expect_no_message(within=0.3)
    await sam.send("/meetings", chat=group)
    assert "✅ 1 going" in (listing := (await group.next_message()).text) and "1 seat" in listing

    await sam.send("/capacity 1 3", chat=group)  # enough seats: nothing to explain, Ana moves up
    assert (await group.next_message()).text == "Meeting #1: seats set to 3."
    assert "a seat freed up" in (await ana.next_message()).text
    await card.next_edit()
    assert "Seats: 3" in card.text and button(card, "✅ Going") == "✅ Going (2/3)"
    edits = card.edit_count
    await sam.send("/capacity 1 3", chat=group)  # the same again: the card is left alone
    assert (await group.next_message()).text == "Meeting #1: seats set to 3."
    await group.expect_no_message(within=0.3)
    assert card.edit_count == edits


# --- item 9: quiet members connect from a meeting card --------------------------------------


async def test_a_quiet_member_is_told_how_to_connect_and_connects_from_the_card(world: World) -> None:
    _, maya, group, card = await scheduled(world)  # Maya joined before the bot and never spoke there
    await maya.send("/meetings")
    explained = (await maya.next_message()).text
    assert "I don't know your groups yet" in explained and "Connect privately" in explained
    await maya.send("/calendar")
    assert "I don't know your groups yet" in (await maya.next_message()).text

    link = start_payload(card, "💬 Connect privately")
    assert link == f"/start g{group.id}"
    asked = sum(1 for method, _ in world.emulator.calls if method == "getChatMember")
    await maya.send(link)
    assert "You're connected with Circle" in (await maya.next_message()).text
    assert "Tuesday Circle" in (await maya.next_message()).text  # her meetings, at once
    assert sum(1 for method, _ in world.emulator.calls if method == "getChatMember") > asked
    await maya.send("/meetings")
    assert "Tuesday Circle" in (await maya.next_message()).text
    await maya.expect_no_message(within=0.3)  # the generic welcome did not answer too

    # Someone not in the group, and payloads naming no group of ours, are refused kindly.
    olga = await started(world.person("Olga"))
    for forged in (link, "/start g-100999", "/start g-1"):
        await olga.send(forged)
        refusal = (await olga.next_message()).text
        assert "couldn't confirm that you are a member" in refusal and "Circle" not in refusal
    await olga.send("/meetings")
    assert "I don't know your groups yet" in (await olga.next_message()).text
    with world.bot.connect() as conn:
        members = {row[0] for row in conn.execute("SELECT user_id FROM memberships")}
    assert maya.id in members and olga.id not in members

    # The button stays on the card when its counts are edited.
    await maya.press(card, button(card, "✅ Going"))
    await card.next_edit()
    assert card.button_texts()[-1] == "💬 Connect privately"
    assert start_payload(card, "💬 Connect privately") == link


# --- item 11: /cancelmeeting asks first -----------------------------------------------------


async def test_cancelmeeting_asks_first_and_refuses_stale_or_forged_presses(world: World) -> None:
    sam, maya, group, card = await scheduled(world)
    await maya.press(card, button(card, "✅ Going"))
    await card.next_edit()
    before = answers_given(world)
    presses = 0

    await sam.send("/cancelmeeting 1", chat=group)
    question = await group.next_message()
    assert "Cancel the whole series Tuesday Circle?" in question.text
    assert "1 person is going to the next meeting, Tue 24 Nov 2026, 19:00 (UTC)" in question.text
    assert question.button_texts() == ["Cancel the series", "Keep it"]
    assert not cancelled(world, 1)
    await maya.expect_no_message(within=0.3)  # nobody is told before the facilitator confirms

    refused = await maya.press(question, "Cancel the series")  # a member, in the group
    presses += 1
    assert refused is not None and refused.show_alert and "facilitators" in (refused.text or "")
    assert not cancelled(world, 1)
    await sam.press(question, "Keep it")
    presses += 1
    assert "Nothing changed" in (await question.next_edit()).text and question.button_texts() == []

    await sam.send("/cancelmeeting 1", chat=group)
    old_question = await group.next_message()
    confirm = old_question.find_button("Cancel the series")
    world.bot.advance(timedelta(minutes=1))
    await sam.send("/capacity 1 5", chat=group)  # the meeting changes after the question
    await group.next_message()
    stale = await world.emulator.press(sam, old_question, confirm, 5.0)
    presses += 1
    assert stale is not None and stale.show_alert and "has changed since I asked" in (stale.text or "")
    assert not cancelled(world, 1)

    await sam.send("/cancelmeeting 1")  # privately this time: the group is told as well
    question = await sam.next_message()
    await sam.press(question, "Cancel the series")
    presses += 1
    assert "has been cancelled" in (await question.next_edit()).text
    assert cancelled(world, 1)
    assert "has been cancelled" in (await maya.next_message()).text
    assert "has been cancelled" in (await group.next_message()).text
    again = await world.emulator.press(sam, question, Button("x", confirm.callback_data), 5.0)
    presses += 1
    assert again is not None and "no longer exists" in (again.text or "")
    await maya.expect_no_message(within=0.3)  # told once
    assert answers_given(world) - before == presses  # every press answered, and only once
