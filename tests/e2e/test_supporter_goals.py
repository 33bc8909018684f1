"""Recovery-plan goals shared with a supporter (issues 17 and 24): per supporter and per goal, off
until the member turns one on; the weekly update shows the shared goal in the member's words with
its week, and not the others; revoking takes it out of the next update; dropping a goal ends its
sharing and refuses its old button; and no goal word ever rests in the database file or its WAL
(the update carrying goals is sent directly, never queued in the outbox)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from emulator import Person, SentMessage
from tests.e2e.conftest import World
from tests.e2e.test_plan import add_goal, database_bytes, goal_menu, review_button
from tests.e2e.test_supporters import linked, next_document, next_with, panel, press, rows, switch

SHARED = "Walk Biscuit at the pond"  # 24 characters: whole on its button
PRIVATE = "Phone my sister Rosalind"


async def update_at_eight_on_sundays(maya: Person) -> None:
    """The supporters' update two hours after the plan's review (Sunday 18:00), so the member's
    answer is in it."""
    await maya.send("/supporters")
    overview = await maya.next_message()
    await press(maya, overview, "🗓 Day and time of the update")
    await press(maya, await maya.next_message(), "Sunday")
    await press(maya, await maya.next_message(), "20:00")
    assert "Sunday at 20:00" in (await maya.next_message()).text


async def answer_review(maya: Person) -> None:
    review = await next_with(maya, "Your weekly review")
    await press(maya, review, review_button(review, 1, "Done"))
    await review.next_edit()
    await press(maya, review, review_button(review, 2, "Not this week"))
    await review.next_edit()


def goal_shares(world: World) -> list[tuple]:
    return rows(world, "SELECT item FROM supporter_shares WHERE item LIKE 'goal:%'")


async def test_a_shared_goal_reaches_the_supporter_with_its_week_until_revoked(world: World) -> None:
    maya, ana = world.person("Maya"), world.person("Ana")
    await maya.send("/start")
    await maya.next_message()
    await linked(world, maya, ana)
    await add_goal(maya, "Health", SHARED, "I'll say how it went")
    await add_goal(maya, "Relationships", PRIVATE, "I'll say how it went")
    await update_at_eight_on_sundays(maya)

    screen: SentMessage = await panel(maya)
    assert f"⬜ 🎯 {SHARED}" in screen.text and f"⬜ 🎯 {PRIVATE}" in screen.text  # off at first
    private_on = screen.find_button(f"⬜ 🎯 {PRIVATE}")
    await switch(maya, screen, f"⬜ 🎯 {SHARED}")
    assert f"✅ 🎯 {SHARED}" in screen.text and f"⬜ 🎯 {PRIVATE}" in screen.text
    assert goal_shares(world) == [(f"goal:{rows(world, 'SELECT MIN(goal_id) FROM plan_goals')[0][0]}",)]
    assert "1 of your supporters sees this goal" in (await goal_menu(maya, SHARED)).text  # /plan says so
    assert "Only you can see this goal" in (await goal_menu(maya, PRIVATE)).text
    await maya.send("/mydata")
    (mine,) = json.loads(await next_document(maya))["supporters"]["my_supporters"]
    assert mine["shared_goals"] == [SHARED]

    world.bot.set_clock(datetime(2026, 11, 29, 18, 0, tzinfo=UTC))
    await answer_review(maya)
    await ana.expect_no_message(within=0.5)
    world.bot.set_clock(datetime(2026, 11, 29, 20, 0, tzinfo=UTC))
    update = await ana.next_message(timeout=10)
    assert "This week with Maya" in update.text
    assert f"🎯 {SHARED}: done this week" in update.text
    assert PRIVATE not in update.text and "Rosalind" not in update.text and "not this week" not in update.text

    stored = database_bytes(world)  # the file and its WAL, after the update went out
    for words in (SHARED, PRIVATE, "Biscuit", "Rosalind"):
        assert words.encode() not in stored, words
    assert rows(world, "SELECT COUNT(*) FROM outbox WHERE key LIKE 'supporters-weekly:%'") == [(0,)]

    await switch(maya, screen, f"✅ 🎯 {SHARED}")  # revoked; attendance on, so an update still goes
    await switch(maya, screen, "⬜ meetings attended")
    assert f"⬜ 🎯 {SHARED}" in screen.text and goal_shares(world) == []
    world.bot.set_clock(datetime(2026, 12, 6, 18, 0, tzinfo=UTC))
    await answer_review(maya)
    world.bot.set_clock(datetime(2026, 12, 6, 20, 0, tzinfo=UTC))
    update = await ana.next_message(timeout=10)
    assert "0 meetings attended" in update.text
    assert SHARED not in update.text and "🎯" not in update.text and PRIVATE not in update.text

    await switch(maya, screen, f"⬜ 🎯 {PRIVATE}")  # shared, then the goal is dropped: sharing ends
    assert len(goal_shares(world)) == 1
    menu = await goal_menu(maya, PRIVATE)
    assert "1 of your supporters sees this goal" in menu.text
    await press(maya, menu, "🗑 Drop this goal")
    await press(maya, await maya.next_message(), "Drop it")
    assert "no longer in your plan" in (await maya.next_message()).text
    assert goal_shares(world) == []
    stale = await world.emulator.press(maya, screen, private_on, 5.0)  # its old button
    assert stale is not None and stale.show_alert and "no longer works" in (stale.text or "")
    assert goal_shares(world) == []
    for words in (SHARED, PRIVATE):
        assert words.encode() not in database_bytes(world), words
