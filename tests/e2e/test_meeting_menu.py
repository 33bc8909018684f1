"""A meeting's own menu end to end: announce it again (RSVPs counted in place on the new card),
the prefilled edit line, skip and cancel with a confirmation, and refusals of forged buttons."""

from __future__ import annotations

from emulator import Button, GroupChat, Person, SentMessage
from tests.e2e.conftest import World
from tests.e2e.test_meetings import WEEKLY, button, circle, started


async def open_menu(sam: Person) -> SentMessage:
    """Sam lists meetings privately and opens meeting #1's menu (a new message)."""
    await sam.send("/meetings")
    listing = await sam.next_message()
    await sam.press(listing, button(listing, "⚙️ Manage"))
    return await sam.next_message()


async def scheduled(world: World) -> tuple[Person, Person, GroupChat, SentMessage]:
    sam, maya, group = await circle(world)
    await sam.send(WEEKLY, chat=group)
    return sam, maya, group, await group.next_message()


async def test_announce_from_the_menu_and_rsvp_counts_update_in_place(world: World) -> None:
    sam, maya, group, first = await scheduled(world)
    menu = await open_menu(sam)
    assert "Tuesday Circle" in menu.text and "24 Nov 2026, 19:00" in menu.text
    assert menu.button_texts() == ["📣 Announce this meeting", "⏭ Skip next", "✏️ Edit", "🗑 Cancel series"]

    answer = await sam.press(menu, "📣 Announce this meeting")
    assert answer is not None and "Announced in Circle" in (answer.text or "")
    card = await group.next_message()
    assert card.message_id != first.message_id
    assert "Tuesday Circle" in card.text and "24 Nov 2026, 19:00" in card.text
    assert button(card, "✅ Going") == "✅ Going (0)"
    await maya.press(card, button(card, "✅ Going"))
    await card.next_edit()
    assert button(card, "✅ Going") == "✅ Going (1)"
    await first.next_edit()  # the first announcement of the same occurrence follows too
    assert button(first, "✅ Going") == "✅ Going (1)"

    await sam.press(menu, "✏️ Edit")
    line = await sam.next_message()
    expected = "/editmeeting 1 Tuesday Circle | 2026-11-24 19:00 | 90m | weekly | Community Centre"
    assert expected in line.text
    assert any(entity["type"] == "code" for entity in line.entities)
    await sam.send(expected.replace("19:00", "19:30"))
    assert "has changed" in (await sam.next_message()).text
    assert "19:30" in (await group.next_message()).text  # the edit re-announces, as /editmeeting does


async def test_members_see_no_manage_button_and_forged_buttons_are_refused(world: World) -> None:
    sam, maya, group, _ = await scheduled(world)
    await maya.send("/meetings", chat=group)  # the bot learns Maya is a member
    assert (await group.next_message()).button_texts() == []
    await sam.send("/meetings", chat=group)  # the group's list is seen by everyone: no buttons
    assert (await group.next_message()).button_texts() == []
    await maya.send("/meetings")
    listing = await maya.next_message()
    assert "Tuesday Circle" in listing.text and listing.button_texts() == []

    for data in ("mmenu:1:open:0", "mmenu:1:ann:0", "mmenu:1:cancelok:0"):
        refused = await world.emulator.press(maya, listing, Button("x", data), 5.0)
        assert refused is not None and refused.show_alert, data
        assert "facilitators" in (refused.text or ""), data
    # A facilitator of another group forging this group's meeting id is refused too.
    olga = await started(world.person("Olga"))
    other = await world.group_with_bot("Other", admin=olga)
    await olga.send("/schedule Other circle | 2026-11-25 18:00", chat=other)
    await other.next_message()
    await olga.send("/meetings")
    own = await olga.next_message()
    assert button(own, "⚙️ Manage").endswith("(#2)") and len(own.button_texts()) == 1
    forged = await world.emulator.press(olga, own, Button("x", "mmenu:1:ann:0"), 5.0)
    assert forged is not None and "facilitators" in (forged.text or "")
    for data, reason in (
        ("mmenu:999:ann:0", "no longer exists"),
        ("mmenu:1:explode:0", "no longer works"),
        ("mmenu:x:ann:0", "no longer works"),
    ):
        answer = await world.emulator.press(sam, listing, Button("x", data), 5.0)
        assert answer is not None and reason in (answer.text or ""), data
    await group.expect_no_message(within=0.3)  # nothing was announced
    with world.bot.connect() as conn:
        assert conn.execute("SELECT COUNT(*) FROM meeting_announcements").fetchone() == (2,)
        assert conn.execute("SELECT cancelled FROM meetings WHERE id = 1").fetchone() == (0,)


async def test_skip_and_cancel_from_the_menu_ask_first_and_tell_those_going(world: World) -> None:
    sam, maya, group, announcement = await scheduled(world)
    await maya.press(announcement, button(announcement, "✅ Going"))
    await announcement.next_edit()
    menu = await open_menu(sam)

    await sam.press(menu, "⏭ Skip next")
    await menu.next_edit()
    assert "Skip" in menu.text and "24 Nov 2026" in menu.text
    await sam.press(menu, "No, go back")  # changing one's mind skips nothing
    await menu.next_edit()
    assert "📣 Announce this meeting" in menu.button_texts()
    await maya.expect_no_message(within=0.3)
    await sam.press(menu, "⏭ Skip next")
    await menu.next_edit()
    await sam.press(menu, "Yes, skip it")
    await menu.next_edit()
    assert "will not take place" in menu.text and menu.button_texts() == []
    notice = await maya.next_message()
    assert "will not take place" in notice.text and "24 Nov 2026" in notice.text

    menu = await open_menu(sam)
    assert "1 Dec 2026" in menu.text  # the next one now
    await sam.press(menu, "📣 Announce this meeting")
    card = await group.next_message()
    assert "1 Dec 2026" in card.text
    await maya.press(card, button(card, "✅ Going"))
    await card.next_edit()
    await sam.press(menu, "🗑 Cancel series")
    await menu.next_edit()
    assert "Cancel the whole series" in menu.text and "1 person is going to the next meeting" in menu.text
    await sam.press(menu, "Keep it")  # the same question as /cancelmeeting; here it goes back
    await menu.next_edit()
    assert "📣 Announce this meeting" in menu.button_texts()
    await sam.press(menu, "🗑 Cancel series")
    await menu.next_edit()
    await sam.press(menu, "Cancel the series")
    await menu.next_edit()
    assert "has been cancelled" in menu.text
    assert "has been cancelled" in (await group.next_message()).text
    assert "has been cancelled" in (await maya.next_message()).text
    gone = await world.emulator.press(sam, menu, Button("x", "mmenu:1:cancelok:0"), 5.0)
    assert gone is not None and "no longer exists" in (gone.text or "")
    await maya.expect_no_message(within=0.3)  # told once
