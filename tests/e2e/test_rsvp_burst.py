"""Issue 23: a busy group pressing RSVP at once.  Every press is answered at once (answers never
wait behind the group's count edits), the seats and the waitlist come out right, everyone
waitlisted is told so in the answer to their press, and the label settles on the true counts in
a handful of edits, with the emulator enforcing Telegram's rate limits."""

from __future__ import annotations

import asyncio

from emulator import CallbackAnswer, Person, SentMessage
from tests.e2e.conftest import World
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
