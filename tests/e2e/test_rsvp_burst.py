"""Issue 23: a busy group pressing RSVP at once.  Every press is answered at once (answers never
wait behind the group's count edits), the seats and the waitlist come out right, everyone
waitlisted is told so in the answer to their press, and the label settles on the true counts in
a handful of edits, with the emulator enforcing Telegram's rate limits.  The same holds for the
other messages whose counts are edited in place: a facilitator's attendance panel and a
broadcast's progress."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from emulator import CallbackAnswer, Person, SentMessage
from tests.e2e.conftest import World
from tests.e2e.test_attendance import MONDAY_6PM, add_meeting
from tests.e2e.test_broadcasts import write_draft
from tests.e2e.test_meetings import WEEKLY, button, started

PEOPLE = 50
SEATS = 5
# Generous where load on a shared machine can interfere; the benchmark holds the real targets
# (p95 within 1 s, every answer within 2 s, final label within 5 s of the last press).
ANSWER_WITHIN = 10.0
SETTLED_WITHIN = 15.0
MOST_EDITS = 6


async def timed_press(
    person: Person, message: SentMessage, label: str
) -> tuple[CallbackAnswer | None, float]:
    loop = asyncio.get_running_loop()
    began = loop.time()
    answer = await person.press(message, label, timeout=ANSWER_WITHIN)
    return answer, loop.time() - began


async def test_fifty_presses_at_once_are_answered_at_once_and_the_label_settles(world: World) -> None:
    sam = await started(world.person("Sam"))
    people = [world.person(f"Member{n}") for n in range(PEOPLE)]
    group = await world.group_with_bot("Circle", admin=sam, members=tuple(people))
    await sam.send(WEEKLY, chat=group)
    announcement = await group.next_message()
    await sam.send(f"/capacity 1 {SEATS}", chat=group)
    assert f"seats set to {SEATS}" in (await group.next_message()).text
    world.emulator.faults.rate_limits = True
    going = button(announcement, "✅ Going")
    edits_before = announcement.edit_count

    results = await asyncio.gather(*(timed_press(p, announcement, going) for p in people))

    answers = [answer for answer, _ in results]
    assert all(answer is not None for answer in answers), (
        f"{sum(a is None for a in answers)} of {PEOPLE} presses were not answered within {ANSWER_WITHIN} s"
    )
    texts = [answer.text or "" for answer in answers if answer is not None]
    seated = [text for text in texts if "You're going" in text]
    waitlisted = [text for text in texts if "waitlist" in text]
    assert len(seated) == SEATS and len(waitlisted) == PEOPLE - SEATS, texts
    final = f"✅ Going ({SEATS}/{SEATS} +{PEOPLE - SEATS} waiting)"
    await world.emulator.wait_for(lambda: button(announcement, "✅ Going") == final, SETTLED_WITHIN)
    edits = announcement.edit_count - edits_before
    assert 1 <= edits <= MOST_EDITS, f"{edits} edits for one burst"
    assert [f for f in world.emulator.faults_served if f.error_code == 429] == []


async def test_a_facilitator_tapping_names_fast_in_the_group_is_answered_at_once(world: World) -> None:
    """The attendance panel's count is edited in place too: thirty taps spend no more of the
    group's budget than a handful of edits, and none waits for another's edit."""
    sam = world.person("Sam")
    members = [world.person(f"Member{n:02}") for n in range(30)]
    circle = await world.group_with_bot("Circle", admin=sam)
    add_meeting(world, circle, sam)
    world.bot.set_clock(MONDAY_6PM + timedelta(hours=3))  # the meeting is over; its roll call closed
    stamp = "2026-11-23T12:00:00.000000Z"
    with world.bot.connect() as conn:  # members the bot has seen in the group
        conn.executemany(
            "INSERT INTO people (user_id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(p.id, p.first_name, stamp, stamp) for p in members],
        )
        conn.executemany(
            "INSERT INTO memberships (chat_id, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(circle.id, p.id, stamp) for p in members],
        )
    world.emulator.faults.rate_limits = True
    await sam.send("/attendance", chat=circle)
    panel = await circle.next_message()
    await sam.press(panel, panel.button_texts()[0])
    await panel.next_edit()
    edits_before = panel.edit_count

    labels = [f"▫️ {p.first_name}" for p in members]
    answers = await asyncio.gather(*(sam.press(panel, label, timeout=ANSWER_WITHIN) for label in labels))

    assert all(answer is not None for answer in answers), f"{answers.count(None)} taps not answered"
    await world.emulator.wait_for(lambda: "30 present" in panel.text, SETTLED_WITHIN)
    assert all(f"✅ {p.first_name}" in panel.button_texts() for p in members)
    assert 1 <= panel.edit_count - edits_before <= MOST_EDITS
    assert [f for f in world.emulator.faults_served if f.error_code == 429] == []


async def test_presses_of_a_broadcasts_progress_make_one_edit_of_the_newest_counts(world: World) -> None:
    """A broadcast's progress is edited in place too: several presses of a button that shows older
    counts make one edit, never one that changes nothing (which Telegram refuses)."""
    sam = world.person("Sam")
    await world.group_with_bot("Circle", admin=sam)
    choices = await write_draft(sam, "Potluck on Saturday")
    await sam.press(choices, "Preview")
    await sam.next_message()
    summary = await sam.next_message()
    await sam.press(summary, "📣 Send")
    sending = await summary.next_edit()
    assert "Still to send: 1" in sending.text
    assert "Delivered: 1 of 1" in (await sam.next_message(timeout=10)).text
    edits_before = sending.edit_count

    answers = await asyncio.gather(*(sam.press(sending, "Progress") for _ in range(5)))

    assert all(answer is not None for answer in answers)
    await world.emulator.wait_for(lambda: "Finished." in sending.text, SETTLED_WITHIN)
    await sam.expect_no_message(within=0.5)
    assert sending.edit_count - edits_before == 1
    assert world.emulator.rejections == []
