"""Recovery milestones end to end: the right local day, exactly once, opt-in group posts, reset, removal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from emulator import GroupChat, Person, SentMessage
from tests.e2e.conftest import World


def rows(world: World, sql: str) -> list[tuple]:
    with world.bot.connect() as conn:
        return conn.execute(sql).fetchall()


async def press(person: Person, message: SentMessage, button: str) -> None:
    answer = await person.press(message, button)
    assert answer is not None and not answer.show_alert, answer


async def circle(world: World, zone: str | None = None) -> tuple[Person, Person, GroupChat]:
    """Sam's group with Maya in it; Maya's /milestone there makes her known as a member."""
    sam, maya = world.person("Sam"), world.person("Maya", last_name="Lopez")
    group = await world.group_with_bot("Circle", admin=sam, members=(maya,))
    if zone:
        await sam.send(f"/settz {zone}", chat=group)
        assert zone in (await group.next_message()).text
    await maya.send("/milestone", chat=group)
    private_link = await group.next_message()
    assert "talk about it privately" in private_link.text
    assert [b.url for row in private_link.buttons for b in row] == [
        "https://t.me/KindredTestBot?start=milestone"
    ]
    return sam, maya, group


async def start_today(maya: Person) -> SentMessage:
    await maya.send("/milestone")
    offer = await maya.next_message()
    assert "count your days in recovery" in offer.text
    await press(maya, offer, "Today")
    assert "Today is day one" in (await maya.next_message()).text
    return await maya.next_message()


async def test_a_milestone_arrives_on_the_local_day_exactly_once(world: World) -> None:
    _sam, maya, group = await circle(world, "America/New_York")
    # 12:00 UTC is 07:00 in New York on 23 November: day 0 there.
    status = await start_today(maya)
    assert "0 days" in status.text and "America/New_York" in status.text
    assert "Next milestone: 1 day on November 24, 2026" in status.text
    assert "Group celebration: off" in status.text

    world.bot.set_clock(datetime(2026, 11, 24, 14, 59, tzinfo=UTC))  # 09:59 in New York
    await maya.expect_no_message(within=0.7)
    world.bot.set_clock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # 10:00 in New York
    congratulation = await maya.next_message()
    assert "1 day" in congratulation.text and "today" in congratulation.text

    await world.bot.stop()  # a restart later that day must not repeat it
    world.bot.set_clock(datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    await world.bot.start()
    await maya.expect_no_message(within=1.0)
    await group.expect_no_message(within=0.1)  # no opt-in, no group post

    world.bot.set_clock(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    assert "7 days" in (await maya.next_message()).text
    await maya.expect_no_message(within=0.5)
    sent = rows(world, "SELECT key, status FROM outbox WHERE key LIKE 'milestone%' ORDER BY id")
    assert [status for _key, status in sent] == ["sent", "sent"]
    assert [key.rsplit(":", 1)[1] for key, _status in sent] == ["d1", "d7"]


async def test_only_an_opt_in_posts_in_the_group_named_as_chosen(world: World) -> None:
    _sam, maya, group = await circle(world)
    status = await start_today(maya)
    await press(maya, status, "🎉 Group celebration")
    question = await maya.next_message()
    await press(maya, question, "Circle")
    how = await maya.next_message()
    assert "How should I mention you in Circle" in how.text
    await press(maya, how, "Anonymously")
    assert "Group celebration: on, in Circle, anonymously" in (await maya.next_message()).text

    world.bot.set_clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert "1 day" in (await maya.next_message()).text
    post = await group.next_message()
    assert "A member of this group reaches 1 day" in post.text and "Maya" not in post.text

    await maya.send("/milestone")
    status = await maya.next_message()
    await press(maya, status, "🎉 Group celebration")
    await press(maya, await maya.next_message(), "Circle")
    await press(maya, await maya.next_message(), "With my first name")
    assert "with your first name" in (await maya.next_message()).text
    world.bot.set_clock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    assert "7 days" in (await maya.next_message()).text
    post = await group.next_message()
    assert "Maya reaches 7 days" in post.text and "Lopez" not in post.text  # never a last name

    await press(maya, status, "🎉 Group celebration")
    await press(maya, await maya.next_message(), "No group posts")
    assert "Group celebration: off" in (await maya.next_message()).text
    world.bot.set_clock(datetime(2026, 12, 23, 10, 0, tzinfo=UTC))
    assert "30 days" in (await maya.next_message()).text
    await group.expect_no_message(within=0.5)


async def test_typed_dates_reset_and_removal(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("/milestone")
    offer = await maya.next_message()
    await maya.send("2026-12-25")
    assert "still ahead of us" in (await maya.next_message()).text
    await maya.send("1800-01-01")
    assert "more than 100 years ago" in (await maya.next_message()).text
    await maya.send("2026-11-01")
    assert "That's 22 days already" in (await maya.next_message()).text
    status = await maya.next_message()
    assert "22 days" in status.text and "Next milestone: 30 days on December 1, 2026" in status.text
    stale = await maya.press(offer, "Today")  # the first offer cannot silently replace the date
    assert stale is not None and stale.show_alert
    assert rows(world, "SELECT start_date FROM milestones") == [("2026-11-01",)]

    await press(maya, status, "🌅 Start again from a new date")
    reset = await maya.next_message()
    assert "Relapse can be part of recovery" in reset.text
    await press(maya, reset, "Yesterday")
    assert "That's 1 day already" in (await maya.next_message()).text
    assert rows(world, "SELECT start_date FROM milestones") == [("2026-11-22",)]
    status = await maya.next_message()
    assert "Next milestone: 7 days on November 29, 2026" in status.text

    await press(maya, status, "Remove my date")
    confirm = await maya.next_message()
    await press(maya, confirm, "Yes, remove it")
    assert "Removed" in (await maya.next_message()).text
    assert rows(world, "SELECT COUNT(*) FROM milestones") == [(0,)]
    world.bot.advance(timedelta(days=7))
    await maya.expect_no_message(within=0.7)
    answer = await maya.press(status, "🕒 Time zone")  # an old button after removal
    assert answer is not None and answer.show_alert and "no longer works" in (answer.text or "")
    await maya.send("/milestone")
    assert "count your days in recovery" in (await maya.next_message()).text


async def test_mydata_holds_the_date_and_forget_erases_it(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("/milestone 2026-10-01")
    assert "That's 53 days already" in (await maya.next_message()).text
    await maya.next_message()
    await maya.send("/mydata")
    export = await maya.next_message()
    assert export.document is not None
    data = json.loads(export.document.data)
    assert data["milestones"]["recovery_start_date"] == "2026-10-01"

    await maya.send("/forget")
    question = await maya.next_message()
    await maya.press(question, "Yes, erase everything")
    assert "your recovery start date" in (await question.next_edit()).text
    assert rows(world, "SELECT COUNT(*) FROM milestones") == [(0,)]
    world.bot.set_clock(datetime(2026, 10, 31, 10, 0, tzinfo=UTC) + timedelta(days=30))  # day 60
    await maya.expect_no_message(within=0.7)
