"""The recovery plan and the safety plan end to end (issue 17): goals measured and self-reported,
weekly reviews across a restart, the chart, sharing with a mentor and revoking it, the safety plan
first in /sos and in a crisis reply, encryption at rest, /mydata and /forget, and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from emulator import Button, Person, SentMessage
from tests.backend import stored_bytes
from tests.checks import found
from tests.e2e.conftest import World
from tests.e2e.test_attendance import MONDAY_6PM, add_meeting, say_hello
from tests.e2e.test_mentors import register_mentor, request_mentor

GOAL_1 = "<b>Feel steadier</b> & calmer in the mornings"
GOAL_2 = "Mend things with my sister Rosalind"
STEP_2 = "call Rosalind on Sundays"
WARNING = "I stop answering my phone and sleep all day"
COPING = "walk round the quarry pond with Biscuit"
PEOPLE = "my cousin Evander 555-0142"
CRISIS_TEXT = "I can't do this anymore, I want to kill myself"


def rows(world: World, sql: str) -> list[tuple]:
    with world.bot.connect() as conn:
        return conn.execute(sql).fetchall()


async def ok(person: Person, message: SentMessage, button: str) -> None:
    answer = await person.press(message, button)
    assert answer is not None and not answer.show_alert, answer


async def open_plan(person: Person) -> SentMessage:
    await person.send("/plan")
    view = await person.next_message()
    assert "Your recovery plan" in view.text
    return view


async def add_goal(
    person: Person, area: str, goal: str, measure: str, *, target: str | None = None, step: str | None = None
) -> None:
    view = await open_plan(person)
    await ok(person, view, "➕ Add a goal")
    await ok(person, await person.next_message(), area)
    assert "what would you like to work towards" in (await person.next_message()).text
    await person.send(goal)
    await ok(person, await person.next_message(), measure)
    if target is not None:
        await ok(person, await person.next_message(), target)
    ask_step = await person.next_message()
    assert "A small step for each week" in ask_step.text
    if step is None:
        await ok(person, ask_step, "Skip")
    else:
        await person.send(step)
    assert "Your goal is in your plan" in (await person.next_message()).text
    assert "Your recovery plan" in (await person.next_message()).text


def review_button(message: SentMessage, number: int, label: str) -> str:
    return next(t for t in message.button_texts() if t.startswith(f"{number} ") and t.endswith(label))


async def test_a_plan_two_reviews_across_a_restart_and_the_chart(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    circle = await world.group_with_bot("Circle", admin=sam, members=(maya,))
    await say_hello(circle, sam, maya)
    add_meeting(world, circle, sam)

    await add_goal(
        maya, "Emotional stability", GOAL_1, "Meetings I attend", target="2", step="go to 2 meetings"
    )
    await add_goal(maya, "Relationships", GOAL_2, "I'll say how it went", target=None, step=STEP_2)
    view = await open_plan(maya)
    assert "&lt;b&gt;" not in view.text and "<b>Feel steadier</b> &amp; calmer" not in view.text
    assert GOAL_1 in view.text and GOAL_2 in view.text and STEP_2 in view.text
    assert "Meetings attended this week: 0 of 2" in view.text
    assert "Weekly review: Sunday at 18:00 (UTC)" in view.text

    await ok(maya, view, "🗓 Review time")
    assert "Send a day and a time" in (await maya.next_message()).text
    await maya.send("someday soon")
    assert "like: Sunday 18:00" in (await maya.next_message()).text
    await maya.send("Sunday 19:00")
    assert "every Sunday at 19:00 (UTC)" in (await maya.next_message()).text
    await maya.next_message()

    # Monday's meeting: Maya is counted; the plan counts it for her first goal.
    world.bot.set_clock(MONDAY_6PM - timedelta(minutes=10))
    roll_call = await circle.next_message(timeout=10)
    answer = found(await maya.press(roll_call, "🙋 I'm here"))
    assert "counted as present" in (answer.text or "")

    world.bot.set_clock(datetime(2026, 11, 29, 18, 59, tzinfo=UTC))
    await maya.expect_no_message(within=0.7)
    world.bot.set_clock(datetime(2026, 11, 29, 19, 0, tzinfo=UTC))
    first = await maya.next_message(timeout=10)
    assert "Your weekly review" in first.text and "Meetings attended this week: 1 of 2" in first.text
    assert STEP_2 in first.text and len(first.buttons) == 2
    done_2 = first.find_button(review_button(first, 2, "Done"))
    await ok(maya, first, review_button(first, 2, "Done"))
    assert "→ ✅ Done" in (await first.next_edit()).text and len(first.buttons) == 1
    again = await world.emulator.press(maya, first, done_2, 5.0)  # pressed twice: kind, nothing changes
    assert again is not None and again.show_alert and "already" in (again.text or "")
    await ok(maya, first, review_button(first, 1, "Partly"))
    assert "Thank you for taking this look back" in (await first.next_edit()).text
    assert first.buttons == []
    assert rows(world, "SELECT outcome FROM plan_review_answers ORDER BY goal_id") == [("partly",), ("done",)]

    # A restart in between: the review's job is rebuilt from the database.
    await world.bot.stop()
    world.bot.set_clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await world.bot.start()
    await maya.expect_no_message(within=0.5)
    world.bot.set_clock(datetime(2026, 12, 6, 19, 0, tzinfo=UTC))
    second = await maya.next_message(timeout=10)
    assert "Your weekly review" in second.text and "Meetings attended this week: 0 of 2" in second.text
    stale = await world.emulator.press(maya, first, done_2, 5.0)  # last week's button
    assert stale is not None and stale.show_alert and "closed" in (stale.text or "")
    await ok(maya, second, review_button(second, 2, "Not this week"))
    await second.next_edit()
    await ok(maya, second, review_button(second, 1, "Done"))
    await second.next_edit()
    await maya.expect_no_message(within=0.5)
    assert len(rows(world, "SELECT * FROM plan_review_answers")) == 4

    # Down over the next one: it comes when the bot starts, once.
    await world.bot.stop()
    world.bot.set_clock(datetime(2026, 12, 13, 21, 0, tzinfo=UTC))
    await world.bot.start()
    third = await maya.next_message(timeout=10)
    assert "Your weekly review" in third.text and "13 Dec" in third.text
    await world.bot.stop()
    await world.bot.start()
    await maya.expect_no_message(within=1.0)

    view = await open_plan(maya)
    assert "✅ ▫️" in view.text  # the self-reported goal: done, then not this week
    assert "1/2 0/2" in view.text  # the measured one, counted by Kindred
    await ok(maya, view, "📈 Progress chart")
    chart = await maya.next_message()
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG")
    assert "Each line is one goal" in (chart.caption or "")


async def matched(world: World) -> tuple[Person, Person]:
    """Ana is Maya's peer mentor (both accepted)."""
    ana, maya = world.person("Ana"), world.person("Maya")
    await register_mentor(ana)
    await request_mentor(maya)
    offer = await ana.next_message()
    await ok(ana, offer, "Accept")
    await offer.next_edit()
    summary = await maya.next_message()
    await ok(maya, summary, "Accept this mentor")
    await summary.next_edit()
    for person in (ana, maya):  # the introductions
        while True:
            try:
                await person.next_message(timeout=1.0)
            except (AssertionError, TimeoutError):
                break
    return ana, maya


async def test_a_shared_goal_is_seen_by_the_mentor_until_revoked(world: World) -> None:
    ana, maya = await matched(world)
    await add_goal(
        maya,
        "Work and learning",
        "Finish my welding course",
        "I'll say how it went",
        target=None,
        step="one lesson",
    )
    await add_goal(maya, "Health", "Sleep before midnight", "I'll say how it went", target=None, step=None)
    await ana.send("/plan")
    assert "shares with you" not in " ".join((await ana.next_message()).button_texts())

    view = await open_plan(maya)
    await ok(maya, view, next(t for t in view.button_texts() if "welding" in t))
    menu = await maya.next_message()
    await ok(maya, menu, "🤝 Share with my mentor")
    assert "Shared" in (await maya.next_message()).text

    await ana.send("/plan")
    own = await ana.next_message()
    await ok(ana, own, "🤝 What Maya shares with you")
    shared = await ana.next_message()
    assert "Finish my welding course" in shared.text and "one lesson" in shared.text
    assert "Sleep before midnight" not in shared.text  # not shared

    menu = await maya.next_message()
    await ok(maya, menu, "🙈 Stop sharing with my mentor")
    assert "no longer see" in (await maya.next_message()).text
    await ok(ana, own, "🤝 What Maya shares with you")  # the old button: nothing to see any more
    gone = await ana.next_message()
    assert "isn't sharing any goals" in gone.text and "welding" not in gone.text
    await ana.send("/plan")
    assert "shares with you" not in " ".join((await ana.next_message()).button_texts())


async def write_safety_plan(maya: Person) -> None:
    await maya.send("/safetyplan")
    intro = await maya.next_message()
    assert "A safety plan" in intro.text
    await ok(maya, intro, "Start")
    question = await maya.next_message()
    assert "1 of 7. My warning signs" in question.text and "For example" in question.text
    await maya.send(WARNING)
    assert "2 of 7" in (await maya.next_message()).text
    await maya.send(COPING)
    await ok(maya, await maya.next_message(), "Skip")
    assert "4 of 7. People I can ask for help" in (await maya.next_message()).text
    await maya.send(PEOPLE)
    await ok(maya, await maya.next_message(), "Stop for now")
    shown = await maya.next_message()
    assert "Your safety plan" in shown.text and WARNING in shown.text and PEOPLE in shown.text


def database_bytes(world: World) -> bytes:
    """SQLite's file and WAL; on PostgreSQL every stored value (tests.backend.stored_bytes)."""
    return stored_bytes(world.bot.database)


async def test_the_safety_plan_comes_first_in_a_crisis_and_nothing_is_readable_at_rest(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("/start")
    await maya.next_message()
    await add_goal(
        maya,
        "Housing",
        "Find a room of my own near Fenwick Park",
        "I'll say how it went",
        target=None,
        step="two viewings",
    )
    await write_safety_plan(maya)

    await maya.send("/sos")
    sos = await maya.next_message()
    assert sos.text.index(WARNING) < sos.text.index(COPING) < sos.text.index(PEOPLE) < sos.text.index("988")
    assert "Your own plan" in sos.text

    await maya.send(CRISIS_TEXT)
    crisis = await maya.next_message()
    assert crisis.text.index(WARNING) < crisis.text.index("988")

    stored = database_bytes(world)
    for words in (WARNING, COPING, PEOPLE, "Fenwick Park", "two viewings", "Evander", "quarry"):
        assert words.encode() not in stored, words
    assert rows(world, "SELECT COUNT(*) FROM safety_plan_sections") == [(3,)]

    await maya.send("/mydata")
    data = json.loads(found((await maya.next_message()).document).data)
    assert data["plan"]["safety_plan"]["warning_signs"] == WARNING
    assert data["plan"]["goals"][0]["goal"] == "Find a room of my own near Fenwick Park"

    await maya.send("/forget")
    question = await maya.next_message()
    await ok(maya, question, "Yes, erase everything")
    assert "your recovery plan, its weekly reviews and your safety plan" in (await question.next_edit()).text
    for table in ("plan_goals", "plan_review_answers", "plan_reviews_schedule", "safety_plan_sections"):
        assert rows(world, f"SELECT COUNT(*) FROM {table}") == [(0,)], table


async def test_without_a_plan_a_crisis_reply_offers_nothing_to_write(world: World) -> None:
    maya = world.person("Maya")
    await maya.send(CRISIS_TEXT)
    crisis = await maya.next_message()
    assert crisis.text.lstrip().startswith("💛") and "safety plan" not in crisis.text.lower()
    await maya.send("/plan")
    assert "/safetyplan" in (await maya.next_message()).text  # offered later, in a calm place


async def test_bad_input_gets_a_kind_word_and_loses_nothing(world: World) -> None:
    maya = world.person("Maya")
    view = await open_plan(maya)
    await ok(maya, view, "➕ Add a goal")
    await ok(maya, await maya.next_message(), "Health")
    await maya.next_message()
    await maya.send("x" * 5000)
    assert "a little long" in (await maya.next_message()).text
    await maya.send("Walk every day")  # the area chosen before is still there
    await ok(maya, await maya.next_message(), "I'll say how it went")
    await maya.next_message()
    await maya.send("   ")
    assert "empty" in (await maya.next_message()).text
    await maya.send("<i>ten minutes</i> after lunch")
    assert "Your goal is in your plan" in (await maya.next_message()).text
    view = await maya.next_message()
    assert "&lt;i&gt;" not in view.text and "<i>ten minutes</i> after lunch" in view.text

    await write_safety_plan(maya)
    await maya.send("/safetyplan")
    shown = await maya.next_message()
    await ok(maya, shown, next(t for t in shown.button_texts() if t.startswith("✏️ 1.")))
    assert WARNING in (await maya.next_message()).text
    await maya.send("y" * 5000)
    assert "a little long" in (await maya.next_message()).text
    await maya.send("/safetyplan")
    assert WARNING in (await maya.next_message()).text  # unchanged

    forged = await world.emulator.press(maya, view, Button("x", callback_data="pl:goal:999:-"), 5.0)
    assert forged is not None
    assert "no longer in your plan" in (await maya.next_message()).text
    odd = await world.emulator.press(maya, view, Button("x", callback_data="plr:1:notadate:done"), 5.0)
    assert odd is not None and odd.show_alert and "closed" in (odd.text or "")
    assert len(rows(world, "SELECT * FROM plan_goals")) == 1


async def test_a_row_moved_to_someone_else_or_damaged_never_holds_the_crisis_lines_back(world: World) -> None:
    maya, lee = world.person("Maya"), world.person("Lee")
    await lee.send("/start")
    await lee.next_message()
    await write_safety_plan(maya)
    with world.bot.connect() as conn:  # someone with the database swaps rows
        conn.execute(
            "INSERT INTO safety_plan_sections (user_id, section, sealed, updated_at) "
            "SELECT ?, section, sealed, updated_at FROM safety_plan_sections WHERE user_id = ?",
            (lee.id, maya.id),
        )
        conn.execute("UPDATE safety_plan_sections SET sealed = ? WHERE user_id = ?", (b"\x00", maya.id))
    for person in (lee, maya):
        await person.send("/sos")
        sos = await person.next_message()
        assert "988" in sos.text and "Your own plan" not in sos.text
        assert WARNING not in sos.text and PEOPLE not in sos.text
    assert "does not open with this key" in world.bot.logs()


async def goal_menu(maya: Person, words: str) -> SentMessage:
    view = await open_plan(maya)
    await ok(maya, view, next(t for t in view.button_texts() if words in t))
    return await maya.next_message()


async def test_goals_are_edited_paused_completed_and_dropped_kindly(world: World) -> None:
    maya = world.person("Maya")
    await add_goal(maya, "Housing", "Find a flat", "I'll say how it went", step="one viewing")
    await add_goal(maya, "Health", "Cook at home", "I'll say how it went")
    await add_goal(maya, "Work and learning", "Finish the course", "Check-ins I make", target="3")

    menu = await goal_menu(maya, "Find a flat")
    await ok(maya, menu, "✏️ Edit the words")
    assert "Now it reads: Find a flat" in (await maya.next_message()).text
    await maya.send("Find a flat near the river")
    menu = await maya.next_message()
    await ok(maya, menu, "👣 Change the step")
    await maya.next_message()
    await maya.send("two viewings")
    menu = await maya.next_message()
    assert "Find a flat near the river" in menu.text and "two viewings" in menu.text
    await ok(maya, menu, "⏸ Pause")
    assert "Paused" in (await maya.next_message()).text

    await ok(maya, await goal_menu(maya, "Cook at home"), "🎉 Completed")
    assert "You reached it: Cook at home" in (await maya.next_message()).text
    view = await maya.next_message()
    assert "1 goal completed: Cook at home" in view.text and "(paused)" in view.text
    assert "Check-ins this week: 0 of 3" in view.text

    menu = await goal_menu(maya, "Finish the course")
    await ok(maya, menu, "🗑 Drop this goal")
    question = await maya.next_message()
    assert "Plans change" in question.text
    await ok(maya, question, "Drop it")
    assert "no longer in your plan" in (await maya.next_message()).text
    await maya.next_message()
    again = await world.emulator.press(maya, question, question.find_button("Drop it"), 5.0)  # twice
    assert again is not None
    assert "no longer in your plan" in (await maya.next_message()).text

    world.bot.set_clock(datetime(2026, 11, 29, 18, 0, tzinfo=UTC))  # the paused goal is left out
    await maya.expect_no_message(within=1.0)  # nothing active: no review at all
    assert rows(world, "SELECT status FROM plan_goals ORDER BY goal_id") == [("paused",), ("completed",)]


async def test_a_goals_area_and_measure_change_and_a_completed_goal_reopens(world: World) -> None:
    maya = world.person("Maya")
    await add_goal(maya, "Housing", "Find a flat", "I'll say how it went", step="one viewing")
    menu = await goal_menu(maya, "Find a flat")
    old_area = await maya.press(menu, "🧭 Life area")
    assert old_area is not None
    question = await maya.next_message()
    assert "Now: Housing" in question.text
    assert question.button_texts() == [  # the same choices as when a goal is added
        "Emotional stability",
        "Health",
        "Relationships",
        "Housing",
        "Work and learning",
        "Independent living",
    ]
    await ok(maya, question, "Independent living")
    menu = await maya.next_message()
    assert "Independent living" in menu.text and "Find a flat" in menu.text and "one viewing" in menu.text

    await ok(maya, menu, "📏 How it is measured")
    question = await maya.next_message()
    assert "Now: I'll say how it went" in question.text
    await ok(maya, question, "Meetings I attend")
    ask = await maya.next_message()
    assert "How many meetings a week" in ask.text
    await maya.send("forty")  # bad input: a kind word, the same question, the goal as it was
    assert "whole number from 1 to 14" in (await maya.next_message()).text
    assert rows(world, "SELECT measure, target FROM plan_goals") == [("self", None)]
    await maya.send("3")
    menu = await maya.next_message()
    assert "Progress: Meetings I attend" in menu.text
    assert rows(world, "SELECT area, measure, target FROM plan_goals") == [("independence", "meetings", 3)]
    await ok(maya, ask, "2")  # the number buttons work too
    await maya.next_message()
    assert rows(world, "SELECT measure, target FROM plan_goals") == [("meetings", 2)]
    stored = database_bytes(world)
    assert b"Find a flat" not in stored and b"one viewing" not in stored  # still sealed

    # A week answered, then completed: it leaves the plan and comes back with its history.
    world.bot.set_clock(datetime(2026, 11, 29, 18, 0, tzinfo=UTC))
    review = await maya.next_message(timeout=10)
    await ok(maya, review, review_button(review, 1, "Done"))
    await review.next_edit()
    menu = await goal_menu(maya, "Find a flat")
    await ok(maya, menu, "🎉 Completed")
    assert "You reached it" in (await maya.next_message()).text
    view = await maya.next_message()
    assert "⚙️" not in " ".join(view.button_texts())
    await ok(maya, view, "🎉 Completed goals")
    listed = await maya.next_message()
    await ok(maya, listed, next(t for t in listed.button_texts() if "Find a flat" in t))
    done_menu = await maya.next_message()
    assert "Completed" in done_menu.text and "⏸ Pause" not in done_menu.button_texts()
    await ok(maya, done_menu, "↩️ Reopen this goal")
    assert "is back in your plan" in (await maya.next_message()).text
    await maya.next_message()
    assert rows(world, "SELECT status FROM plan_goals") == [("active",)]
    assert rows(world, "SELECT outcome FROM plan_review_answers") == [("done",)]
    view = await open_plan(maya)
    assert "Find a flat" in view.text and "(paused)" not in view.text

    # Old buttons: pressed again, answered kindly, nothing changes.
    await ok(maya, done_menu, "↩️ Reopen this goal")
    assert "is back in your plan" not in (await maya.next_message()).text
    assert rows(world, "SELECT status FROM plan_goals") == [("active",)]
    await ok(maya, menu, "🗑 Drop this goal")
    await ok(maya, await maya.next_message(), "Drop it")
    assert "no longer in your plan" in (await maya.next_message()).text
    await maya.next_message()
    await ok(maya, question, "Check-ins I make")  # the measure keyboard of a dropped goal
    assert "no longer in your plan" in (await maya.next_message()).text
    forged = await world.emulator.press(maya, view, Button("x", callback_data="pl:setarea:1:moon"), 5.0)
    assert forged is not None
    assert "nothing was lost" in (await maya.next_message()).text
    unknown = await world.emulator.press(maya, view, Button("x", callback_data="pl:nosuch:1:-"), 5.0)
    assert (
        unknown is not None
        and unknown.show_alert
        and "send /plan again; nothing was lost" in (unknown.text or "")
    )
