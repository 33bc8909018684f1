"""Attendance end to end: a meeting's roll call, a facilitator's correction, reports, letters."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from emulator import Button, Emulator, GroupChat, Person
from tests.e2e.conftest import Launch, World
from tests.e2e.harness import answer_text

MONDAY_6PM = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def add_meeting(world: World, group: GroupChat, by: Person, title: str = "Monday circle") -> int:
    """A weekly one-hour meeting, Mondays 18:00 UTC from 23 Nov 2026, written as the meetings feature does."""
    stamp = "2026-11-23T12:00:00.000000Z"
    with world.bot.connect() as conn:
        cursor = conn.execute(
            """
            INSERT INTO meetings (chat_id, title, first_start_local, time_zone, duration_minutes, rrule,
                                  created_by, created_at, updated_at)
            VALUES (?, ?, '2026-11-23T18:00', 'UTC', 60, 'FREQ=WEEKLY', ?, ?, ?) RETURNING id
            """,
            (group.id, title, by.id, stamp, stamp),
        )
        return int(cursor.fetchall()[0][0])


def attendance_rows(world: World) -> dict[int, tuple[int, str]]:
    with world.bot.connect() as conn:
        return {
            row[0]: (row[1], row[2])
            for row in conn.execute("SELECT user_id, present, source FROM attendance")
        }


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


async def say_hello(group: GroupChat, *people: Person) -> None:
    """Members the bot has seen in the group are the ones a facilitator can mark."""
    for person in people:
        await person.send("/help", chat=group)
        await group.next_message()


async def test_roll_call_correction_and_report(launch: Launch, emulator: Emulator) -> None:
    cora = emulator.add_user("Cora")
    world = await launch(coordinators=(cora,))
    sam, maya, lee, ana, bo = (world.person(n) for n in ("Sam", "Maya", "Lee", "Ana", "Bo"))
    circle = await world.group_with_bot("Circle", admin=sam, members=(maya, lee, ana))
    other = await world.group_with_bot("Other", admin=bo)
    await say_hello(circle, sam, maya, lee, ana)
    await say_hello(other, bo)
    add_meeting(world, circle, sam)

    # The roll call opens 15 minutes before the start.
    world.bot.set_clock(MONDAY_6PM - timedelta(minutes=14))
    roll_call = await circle.next_message(timeout=10)
    assert "Roll call: Monday circle" in roll_call.text
    assert answer_text(await maya.press(roll_call, "🙋 I'm here")) == "Thank you! You are counted as present."
    assert "already counted" in answer_text(await maya.press(roll_call, "🙋 I'm here"))
    assert "counted as present" in answer_text(await lee.press(roll_call, "🙋 I'm here"))
    here = roll_call.find_button("🙋 I'm here")

    # It closes 15 minutes after the end; a late press is told so.
    world.bot.set_clock(MONDAY_6PM + timedelta(minutes=76))
    await roll_call.next_edit(timeout=10)
    assert "Closed: 2 people were counted" in roll_call.text
    assert roll_call.buttons == []
    late = await world.emulator.press(ana, roll_call, here, 5.0)  # a phone showing the old message
    assert "closed" in answer_text(late)
    assert set(attendance_rows(world)) == {maya.id, lee.id}

    # The facilitator corrects: Ana was there, Lee was not.
    await sam.send("/attendance", chat=circle)
    choices = await circle.next_message()
    await sam.press(choices, choices.button_texts()[0])
    await choices.next_edit()
    assert "2 present" in choices.text
    assert "Post the" not in " ".join(choices.button_texts())  # it was posted already
    await sam.press(choices, "▫️ Ana")
    await choices.next_edit()
    await sam.press(choices, "✅ Lee")
    await choices.next_edit()
    assert "2 present" in choices.text and "✅ Ana" in choices.button_texts()
    refused = await maya.press(choices, "✅ Maya")  # members cannot mark
    assert "Only this group's facilitators" in answer_text(refused)
    assert attendance_rows(world) == {
        maya.id: (1, "button"),
        lee.id: (0, "facilitator"),
        ana.id: (1, "facilitator"),
    }

    # The coordinator's report: one meeting, two present, the table and the chart.
    await cora.send("/report")
    pick = await cora.next_message()
    assert set(pick.button_texts()) == {"Circle", "Other", "All of them"}
    await cora.press(pick, "Circle")
    await pick.next_edit()
    await cora.press(pick, "Last 4 weeks")
    summary = await cora.next_message()
    assert "Meetings held: 1" in summary.text
    assert "Average attendance: 2.0 per meeting" in summary.text
    assert "Newcomers: Ana, Maya" in summary.text
    table = await cora.next_message()
    assert table.document is not None and table.document.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(table.document.data.decode())))
    assert sorted((r["member"], r["present"]) for r in rows) == [("Ana", "1"), ("Lee", "0"), ("Maya", "1")]
    assert {(r["group"], r["meeting"], r["date"], r["time"]) for r in rows} == {
        ("Circle", "Monday circle", "2026-11-23", "18:00")
    }
    chart = await cora.next_message()
    assert chart.photo is not None and png_size(chart.photo) == (800, 400)

    # A member is refused; another group's facilitator sees only their own group.
    await maya.send("/report")
    assert "Reports are for coordinators" in (await maya.next_message()).text
    await bo.send("/report")
    bo_pick = await bo.next_message()
    assert "Other" in bo_pick.text and "Circle" not in bo_pick.text
    forged = pick.find_button("Last 4 weeks").callback_data
    assert forged is not None
    answer = await world.emulator.press(bo, bo_pick, Button("forged", forged), 5.0)
    assert "Only this group's facilitators" in answer_text(answer)
    await bo.expect_no_message(within=0.5)


async def test_history_proof_letter_and_verify(launch: Launch, emulator: Emulator) -> None:
    world = await launch()
    sam, maya, bo = world.person("Sam"), world.person("Maya"), world.person("Bo")
    circle = await world.group_with_bot("Circle <b>", admin=sam, members=(maya,))
    other = await world.group_with_bot("Other", admin=bo)
    await say_hello(circle, sam, maya)
    await say_hello(other, bo)
    add_meeting(world, circle, sam)
    world.bot.set_clock(MONDAY_6PM)
    roll_call = await circle.next_message(timeout=10)
    assert "counted as present" in answer_text(await maya.press(roll_call, "🙋 I'm here"))

    await maya.send("/myattendance")
    history = await maya.next_message()
    assert "present at 1 meeting" in history.text and "Monday circle (Circle <b>)" in history.text

    await maya.send("/proof")
    ask = await maya.next_message()
    await maya.press(ask, "Custom dates")
    assert "Which dates?" in (await maya.next_message()).text
    await maya.send("2026-11-31 2026-12-01")
    assert "does not exist" in (await maya.next_message()).text
    await maya.send("2026-11-01 2026-11-30")
    letter = await maya.next_message()
    assert letter.document is not None and letter.document.mime_type == "application/pdf"
    assert letter.caption is not None
    code = letter.caption.rsplit(" ", 1)[1].rstrip(".")
    text = PdfReader(io.BytesIO(letter.document.data)).pages[0].extract_text()
    assert "Maya" in text and "Monday circle" in text and "Circle <b>" in text and code in text

    # Another group's facilitator can check it; its contents and nothing else.
    await bo.send(f"/verify {code.lower()}")
    verified = await bo.next_message()
    assert "This code matches a letter" in verified.text and "Maya" in verified.text
    assert "Monday circle (Circle <b>)" in verified.text
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    await bo.send(f"/verify {altered}")
    assert "No letter was issued with this code" in (await bo.next_message()).text
    await maya.send(f"/verify {code}")  # members do not verify
    assert "Only this group's facilitators" in (await maya.next_message()).text

    # /mydata shows it all; /forget removes the name and the letters, and the count stays.
    await maya.send("/mydata")
    export = await maya.next_message()
    assert export.document is not None
    data = json.loads(export.document.data)
    assert [a["meeting"] for a in data["attendance"]["attendance"]] == ["Monday circle"]
    assert [p["code"] for p in data["attendance"]["proof_letters"]] == [code]
    await maya.send("/forget")
    question = await maya.next_message()
    await maya.press(question, "Yes, erase everything")
    done = await question.next_edit()
    assert "your proof-of-attendance letters" in done.text
    rows = attendance_rows(world)
    assert maya.id not in rows and len(rows) == 1 and next(iter(rows)) < 0
    await bo.send(f"/verify {code}")
    assert "No letter was issued with this code" in (await bo.next_message()).text


async def test_roll_calls_survive_a_restart(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    circle = await world.group_with_bot("Circle", admin=sam, members=(maya,))
    add_meeting(world, circle, sam)
    world.bot.set_clock(MONDAY_6PM - timedelta(minutes=10))
    roll_call = await circle.next_message(timeout=10)
    await world.bot.stop()
    world.bot.set_clock(MONDAY_6PM + timedelta(hours=2))
    await world.bot.start()
    await roll_call.next_edit(timeout=10)
    assert "Closed: 0 people were counted" in roll_call.text
    await circle.expect_no_message(within=0.5)  # no second roll call for the same meeting


async def test_a_facilitator_marks_privately_and_reports_on_custom_dates(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    circle = await world.group_with_bot("Circle", admin=sam, members=(maya,))
    await say_hello(circle, sam, maya)
    await sam.send("/attendance", chat=circle)
    assert "no meetings in the last 7 days" in (await circle.next_message()).text
    add_meeting(world, circle, sam)
    world.bot.set_clock(MONDAY_6PM)
    roll_call = await circle.next_message(timeout=10)
    world.bot.set_clock(MONDAY_6PM + timedelta(hours=3))  # nobody pressed; the roll call closed
    await roll_call.next_edit(timeout=10)
    assert "Closed: 0 people" in roll_call.text

    await sam.send("/attendance")
    pick = await sam.next_message()
    await sam.press(pick, "Circle")
    await pick.next_edit()
    await sam.press(pick, pick.button_texts()[0])
    await pick.next_edit()
    await sam.press(pick, "▫️ Maya")
    await pick.next_edit()
    assert "1 present" in pick.text and attendance_rows(world) == {maya.id: (1, "facilitator")}

    await sam.send("/report")
    ranges = await sam.next_message()
    assert "Circle" in ranges.text  # one group: straight to the period
    await sam.press(ranges, "Custom dates")
    assert "Which dates?" in (await sam.next_message()).text
    await sam.send("2026-11-30 2026-11-01")
    assert "before the first day" in (await sam.next_message()).text
    await sam.send("2026-11-01 2026-11-30")
    summary = await sam.next_message()
    assert "Meetings held: 1" in summary.text and "Average attendance: 1.0" in summary.text
    assert (await sam.next_message()).document is not None
    assert (await sam.next_message()).photo is not None


async def test_a_facilitator_posts_the_roll_call_by_hand_when_telegram_refused_it(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    circle = await world.group_with_bot("Circle", admin=sam, members=(maya,))
    await say_hello(circle, sam, maya)
    add_meeting(world, circle, sam)
    world.emulator.faults.server_error_rate = 1.0  # Telegram is down when the roll call opens
    world.bot.set_clock(MONDAY_6PM - timedelta(minutes=5))
    await world.bot.wait_for_log("Could not post the roll call", timeout=20)
    world.emulator.faults.server_error_rate = 0.0
    await circle.expect_no_message(within=1.0)  # no retry loop of its own

    await sam.send("/attendance", chat=circle)
    choices = await circle.next_message()
    await sam.press(choices, choices.button_texts()[0])
    await choices.next_edit()
    answer = await sam.press(choices, "📣 Post the “I'm here” button")
    assert "in the group" in answer_text(answer)
    roll_call = await circle.next_message()
    assert "Roll call: Monday circle" in roll_call.text
    assert "counted as present" in answer_text(await maya.press(roll_call, "🙋 I'm here"))
    await choices.next_edit()
    assert "Post the" not in " ".join(choices.button_texts())
