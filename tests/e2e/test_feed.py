"""Meeting Guide feeds end to end: export meets the spec, import into another group keeps the
schedule (the round trip), refused entries are explained, publishing is for facilitators."""

from __future__ import annotations

import json
from datetime import datetime

from emulator import GroupChat, Person
from tests.domain.meeting_guide_spec import listable_in_app, validate_feed
from tests.e2e.conftest import World

WEEKLY_ONLINE = "/schedule Tuesday Circle | 2026-11-24 19:00 | 90m | weekly | https://meet.example.org/tue"
WEEKLY_PLACE = (
    "/schedule Sunday Serenity | 2026-11-29 09:30 | 60m | weekly | 12 Main St, Springfield | Ring twice"
)
MONTHLY = "/schedule Business meeting | 2026-12-07 18:00 | 60m | monthly first monday"


def rows(world: World, sql: str, *params: object) -> list[tuple]:
    with world.bot.connect() as conn:
        return conn.execute(sql, params).fetchall()


async def two_groups(world: World) -> tuple[Person, Person, GroupChat, GroupChat]:
    sam = world.person("Sam", last_name="Rivera")
    maya = world.person("Maya", last_name="Lopez")
    await sam.send("/start")
    await sam.next_message()
    first = await world.group_with_bot("Harbour Circle", admin=sam, members=(maya,))
    second = await world.group_with_bot("Hill Circle", admin=sam)
    await sam.send("/settz America/New_York", chat=first)
    await first.next_message()
    await sam.send("/settz Europe/Madrid", chat=second)
    await second.next_message()
    return sam, maya, first, second


async def test_feed_round_trip_into_another_group(world: World) -> None:
    sam, maya, first, second = await two_groups(world)
    for line in (WEEKLY_ONLINE, WEEKLY_PLACE, MONTHLY):
        await sam.send(line, chat=first)
        await first.next_message()

    await maya.send("/feed", chat=first)
    sent = await first.next_message()
    assert sent.document is not None and sent.document.filename == "feed.json"
    assert sent.caption is not None
    assert "2 weekly meetings" in sent.caption and "Business meeting" in sent.caption
    feed = json.loads(sent.document.data)
    assert validate_feed(feed) == [] and all(listable_in_app(entry) for entry in feed)
    assert [(e["name"], e["day"], e["time"], e["timezone"]) for e in feed] == [
        ("Tuesday Circle", 2, "19:00", "America/New_York"),
        ("Sunday Serenity", 0, "09:30", "America/New_York"),
    ]
    assert "Rivera" not in sent.document.data.decode() and "Lopez" not in sent.document.data.decode()

    await sam.send_document("feed.json", sent.document.data)  # privately: Sam facilitates both groups
    which = await sam.next_message()
    await sam.press(which, "Hill Circle")
    preview = await sam.next_message()
    assert "2 meetings to add to Hill Circle" in preview.text
    await sam.press(preview, "Import selected (2)")
    done = await preview.next_edit()
    assert "Imported 2 weekly meetings into Hill Circle" in done.text
    assert "weekly meetings were added" in (await second.next_message()).text

    schedule = (
        "SELECT title, time_zone, duration_minutes, rrule, place, link, notes, first_start_local "
        "FROM meetings WHERE chat_id = ? AND rrule = 'FREQ=WEEKLY' ORDER BY title"
    )

    def weekly(chat_id: int) -> list[tuple]:  # the weekday and time of day, not the first date
        return [
            (*row[:-1], datetime.fromisoformat(row[-1]).strftime("%w %H:%M"))
            for row in rows(world, schedule, chat_id)
        ]

    assert len(weekly(first.id)) == 2
    assert weekly(second.id) == weekly(first.id)
    await sam.send("/feed", chat=second)
    export = await second.next_message()
    assert export.document is not None
    again = json.loads(export.document.data)
    assert [
        {k: v for k, v in e.items() if k not in ("slug", "updated", "group", "types")} for e in again
    ] == [{k: v for k, v in e.items() if k not in ("slug", "updated", "group", "types")} for e in feed]


async def test_refused_entries_are_listed_and_nothing_else_is_added(world: World) -> None:
    sam, maya, first, _second = await two_groups(world)
    feed = [
        {"name": "Good", "slug": "good", "day": 3, "time": "18:00"},
        {"name": "Named day", "slug": "bad", "day": "Wednesday", "time": "18:00"},
        {"name": "No time", "slug": "none", "day": 3},
    ]
    await maya.send_document("feed.json", json.dumps(feed).encode(), caption="/import", chat=first)
    assert "Only this group's facilitators" in (await first.next_message()).text
    await sam.send_document("feed.json", json.dumps(feed).encode(), caption="/import", chat=first)
    preview = await first.next_message()
    assert "1 meeting to add to Harbour Circle" in preview.text
    assert "Entry 2 “Named day”: the day must be a number" in preview.text
    assert "Entry 3 “No time”: no day and time" in preview.text
    answer = await maya.press(preview, "Import selected (1)")  # not Maya's import
    assert answer is not None and answer.show_alert
    await sam.press(preview, "⬜ Wed 18:00 Good (America/New_York)".replace("⬜", "✅"))
    await preview.next_edit()
    answer = await sam.press(preview, "Import selected (0)")
    assert answer is not None and answer.show_alert
    await sam.press(preview, "Cancel")
    assert "nothing was added" in (await preview.next_edit()).text
    assert rows(world, "SELECT COUNT(*) FROM meetings") == [(0,)]

    await sam.send_document("feed.json", b"{oops", caption="/import", chat=first)
    assert "not valid JSON" in (await first.next_message()).text


async def test_publishing_is_for_facilitators_and_keeps_one_address(world: World) -> None:
    sam, maya, first, _second = await two_groups(world)
    await maya.send("/feed publish", chat=first)
    assert "Only this group's facilitators" in (await first.next_message()).text
    await sam.send("/feed publish", chat=first)
    published = await first.next_message()
    ((token,),) = rows(world, "SELECT token FROM feed_publications")
    assert f"/feeds/{token}.json" in published.text and "never anyone's name" in published.text
    await sam.send("/feed publish", chat=first)
    assert f"/feeds/{token}.json" in (await first.next_message()).text
    await sam.send("/feed unpublish", chat=first)
    assert "no longer published" in (await first.next_message()).text
    assert rows(world, "SELECT COUNT(*) FROM feed_publications") == [(0,)]
