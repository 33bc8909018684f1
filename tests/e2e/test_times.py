"""Times people can trust (issue 21): resolved dates in confirmations, clock changes said aloud,
one late reminder after downtime, roll calls on time, and every button answered."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from emulator import Button, GroupChat, Person, SentMessage
from tests.e2e.conftest import Launch, World
from tests.e2e.harness import answer_text, eventually
from tests.e2e.test_checkins import check_in, circle


async def started(person: Person) -> Person:
    """The person opened a private chat with the bot (so it may write to them)."""
    await person.send("/start")
    await person.next_message()
    return person


async def madrid_circle(world: World) -> tuple[Person, GroupChat]:
    sam = await started(world.person("Sam"))
    group = await world.group_with_bot("Circle", admin=sam)
    await sam.send("/settz Europe/Madrid", chat=group)
    assert "Time zone set to Europe/Madrid" in (await group.next_message()).text
    return sam, group


async def guided(sam: Person, title: str, start: str) -> tuple[str, str]:
    """The guided /schedule up to its confirmation: (the answer to the start, the summary)."""
    await sam.send("/schedule")
    assert "What is the meeting called" in (await sam.next_message()).text
    await sam.send(title)
    await sam.next_message()
    await sam.send(start)
    durations = await sam.next_message()
    await sam.press(durations, "60m")
    repeats = await sam.next_message()
    await sam.press(repeats, "Just once")
    place = await sam.next_message()
    await sam.press(place, "Skip")
    notes = await sam.next_message()
    await sam.press(notes, "Skip")
    summary = await sam.next_message()
    return durations.text, summary.text


async def test_confirmations_show_the_resolved_date_and_time(world: World) -> None:
    # The clock reads Monday 23 Nov 2026, 12:00 UTC: "tue 19:00" is Tuesday the 24th.
    sam, group = await madrid_circle(world)
    answer, summary = await guided(sam, "Tuesday Circle", "tue 19:00")
    assert "First meeting: Tue 24 Nov 2026, 19:00 (Europe/Madrid)" in answer
    assert "First meeting: Tue 24 Nov 2026, 19:00 (Europe/Madrid)" in summary
    assert "tue 19:00" not in summary
    await sam.send("/cancel")
    assert "Nothing was scheduled" in (await sam.next_message()).text

    await sam.send("/schedule Wednesday Circle | wed 18:30")
    done = (await sam.next_message()).text
    assert "Scheduled <b>Wednesday Circle</b>" in done or "Scheduled Wednesday Circle" in done
    assert "First meeting: Wed 25 Nov 2026, 18:30 (Europe/Madrid)" in done
    assert "Wed 25 Nov 2026, 18:30 (Europe/Madrid)" in (await group.next_message()).text


async def test_times_skipped_or_repeated_by_the_clock_change_are_explained(world: World) -> None:
    sam, group = await madrid_circle(world)

    # One-line form in the group: the announcement shows the real time and a note says why.
    await sam.send("/schedule Night owls | 2027-03-28 02:30", chat=group)
    announcement = await group.next_message()
    assert "Sun 28 Mar 2027, 03:30 (Europe/Madrid)" in announcement.text
    note = (await group.next_message()).text
    assert "02:30 does not exist on 28 Mar 2027 in Europe/Madrid" in note
    assert "03:30 (Europe/Madrid)" in note and "/editmeeting" in note

    await sam.send("/schedule Night owls | 2027-10-31 02:30", chat=group)
    await group.next_message()  # the announcement
    note = (await group.next_message()).text
    assert "02:30 happens twice on 31 Oct 2027 in Europe/Madrid" in note
    assert "the first 02:30, before the change (UTC+02:00)" in note

    # /editmeeting says it too.
    command = re.search(r"/editmeeting ([0-9]+)", note)
    assert command is not None
    meeting_id = command[1]
    await sam.send(f"/editmeeting {meeting_id} Night owls | 2027-03-28 02:30", chat=group)
    edited = (await group.next_message()).text
    assert "has changed" in edited and "02:30 does not exist on 28 Mar 2027" in edited
    await group.next_message()  # announced again

    # An ordinary time gets no note.
    await sam.send("/schedule Day owls | 2027-10-31 12:30", chat=group)
    await group.next_message()
    await group.expect_no_message(within=0.3)

    # The guided form says it as soon as the start is given, and again in the summary.
    answer, summary = await guided(sam, "Night owls", "2027-03-28 02:30")
    for text in (answer, summary):
        assert "02:30 does not exist on 28 Mar 2027" in text
        assert "First meeting: Sun 28 Mar 2027, 03:30 (Europe/Madrid)" in text
    await sam.send("/cancel")
    await sam.next_message()
    answer, summary = await guided(sam, "Night owls", "2027-10-31 02:30")
    assert "happens twice" in answer and "happens twice" in summary


async def test_after_downtime_only_the_latest_reminder_is_sent(world: World) -> None:
    sam = await started(world.person("Sam"))
    group = await world.group_with_bot("Circle", admin=sam)
    await sam.send("/schedule Tuesday Circle | 2026-11-24 19:00", chat=group)  # reminders 24 h and 1 h
    assert "Tuesday Circle" in (await group.next_message()).text

    # Down from before the 24 h reminder (23 Nov 19:00) until after the 1 h one (24 Nov 18:00).
    await world.bot.kill()
    world.bot.set_clock(datetime(2026, 11, 24, 18, 30, tzinfo=UTC))
    await world.bot.start()
    reminder = await group.next_message()
    assert "Reminder" in reminder.text and "Tue 24 Nov 2026, 19:00 (UTC)" in reminder.text
    await group.expect_no_message(within=0.8)
    assert ledger(world) == [(1440, "skipped"), (60, "enqueued")]
    assert "a later reminder of the same occurrence is sent instead" in world.bot.logs(since_start=True)

    assert await world.bot.stop() == 0
    await world.bot.start()  # and a restart does not send the skipped one after all
    await group.expect_no_message(within=0.5)


def ledger(world: World) -> list[tuple[int, str]]:
    with world.bot.connect() as conn:
        return conn.execute("SELECT offset_minutes, outcome FROM reminder_ledger ORDER BY 1 DESC").fetchall()


async def test_the_roll_call_opens_when_its_window_does(world: World) -> None:
    sam = await started(world.person("Sam"))
    group = await world.group_with_bot("Circle", admin=sam)
    # 12:00 now; the meeting starts at 12:17, so its roll call opens at 12:02 (15 minutes before).
    await sam.send("/schedule Quick circle | 2026-11-23 12:17", chat=group)
    assert "Quick circle" in (await group.next_message()).text
    world.bot.set_clock(datetime(2026, 11, 23, 12, 1, 59, tzinfo=UTC))
    await group.expect_no_message(within=0.5)
    world.bot.set_clock(datetime(2026, 11, 23, 12, 2, tzinfo=UTC))  # not at the next 5-minute sweep
    roll_call = await group.next_message(timeout=5)
    assert "Roll call: Quick circle" in roll_call.text
    assert "Mon 23 Nov 2026, 12:17 (UTC)" in roll_call.text


def keyboard_removed(message: SentMessage) -> Callable[[], bool]:
    """For eventually(): the bot has taken the buttons off *message*."""
    return lambda: message.buttons == []


async def test_every_button_press_is_answered_and_finished_steps_lose_their_buttons(world: World) -> None:
    sam, group = await madrid_circle(world)
    await sam.send("/schedule")
    await sam.next_message()
    await sam.send("Tuesday Circle")
    await sam.next_message()
    await sam.send("tue 19:00")
    durations = await sam.next_message()
    sixty = durations.find_button("60m")
    await sam.press(durations, "60m")
    repeats = await sam.next_message()
    await sam.press(repeats, "Just once")
    place = await sam.next_message()
    await sam.send("Community Centre")  # typed, not skipped: the Skip button goes all the same
    notes = await sam.next_message()
    await sam.press(notes, "Skip")
    summary = await sam.next_message()
    save = summary.find_button("Save and announce")
    await sam.press(summary, "Save and announce")
    assert "Scheduled" in (await sam.next_message()).text
    assert "Tuesday Circle" in (await group.next_message()).text
    for question in (durations, repeats, place, notes, summary):
        await eventually(keyboard_removed(question))

    # Buttons of the finished wizard, pressed on a phone still showing them, are answered kindly.
    for message, button in ((durations, sixty), (summary, save)):
        answer = await world.emulator.press(sam, message, button, 5.0)
        assert "already finished" in answer_text(answer)
    unknown = await world.emulator.press(sam, summary, Button("old", "gone:1"), 5.0)
    assert "already finished" in answer_text(unknown)
    await sam.expect_no_message(within=0.3)  # nothing was scheduled twice


async def test_a_morning_checkin_shows_in_mystats_at_once(launch: Launch) -> None:
    world = await launch(now=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # before local noon (UTC)
    maya = await started(world.person("Maya"))
    await circle(world, "Circle", await started(world.person("Sam")), (maya,))
    assert "Saved" in await check_in(maya, mood=4, craving=1)
    await maya.send("/mystats")
    stats = await maya.next_message()
    assert stats.photo is not None, stats.text
    assert "checked in on 1 day" in (stats.caption or "")
