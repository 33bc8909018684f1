"""Families and supporters end to end (issue 24): an invitation accepted once, shares the member
turns on and off, the weekly update (once, across a restart, only what is shared), "please reach
out" and its acknowledgement, removal, refused links, what the database ties to a supporter, and
/forget on both sides."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from emulator import Button, Emulator, GroupChat, Person, SentMessage
from tests.backend import foreign_key_targets, table_contents
from tests.e2e.conftest import Launch, World
from tests.e2e.test_attendance import add_meeting, say_hello
from tests.e2e.test_checkins import check_in

INVITE = re.compile(r"https://t\.me/KindredTestBot\?start=(s[A-Za-z0-9_-]+)")


def rows(world: World, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:
    with world.bot.connect() as conn:
        return conn.execute(sql, params).fetchall()


async def press(person: Person, message: SentMessage, button: str) -> None:
    answer = await person.press(message, button)
    assert answer is not None and not answer.show_alert, answer


async def next_with(person: Person, text: str) -> SentMessage:
    """The next message containing *text*, passing over others (milestone congratulations...)."""
    for _ in range(10):
        message = await person.next_message(timeout=10)
        if text in message.text:
            return message
    raise AssertionError(f"no message with {text!r}")


async def next_document(person: Person) -> bytes:
    """The next file the bot sends (/mydata), passing over other messages."""
    for _ in range(10):
        message = await person.next_message(timeout=10)
        if message.document is not None:
            return message.document.data
    raise AssertionError("no document")


async def invitation(maya: Person) -> str:
    """Maya asks for an invitation; the /start payload of its link."""
    await maya.send("/supporters")
    overview = await maya.next_message()
    await press(maya, overview, "➕ Invite a supporter")
    invite = await maya.next_message()
    assert "works once" in invite.text
    found = INVITE.search(invite.text)
    assert found is not None, invite.text
    return found.group(1)


async def accept(ana: Person, payload: str, member: str = "Maya") -> SentMessage:
    await ana.send(f"/start {payload}")
    card = await ana.next_message()
    assert f"{member} invites you to be one of their supporters" in card.text
    assert card.button_texts() == ["Accept", "Decline"]
    await press(ana, card, "Accept")
    assert f"one of {member}'s supporters" in (await card.next_edit()).text
    return card


async def linked(world: World, maya: Person, ana: Person) -> SentMessage:
    """Ana is Maya's supporter; returns the card Ana accepted on."""
    await ana.send("/start")
    await ana.next_message()
    card = await accept(ana, await invitation(maya))
    assert "accepted your invitation" in (await maya.next_message()).text
    return card


async def panel(maya: Person, name: str = "Ana") -> SentMessage:
    """Maya's screen for one supporter, with its switches."""
    await maya.send("/supporters")
    overview = await maya.next_message()
    await press(maya, overview, f"👤 {name}")
    return await maya.next_message()


async def switch(maya: Person, screen: SentMessage, label: str) -> None:
    await press(maya, screen, label)
    await screen.next_edit()


async def circle(world: World) -> tuple[Person, Person, GroupChat]:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Circle", admin=sam, members=(maya,))
    await say_hello(group, sam, maya)
    return sam, maya, group


def add_tuesday_meeting(world: World, group: GroupChat, by: Person) -> None:
    stamp = "2026-11-23T12:00:00.000000Z"
    with world.bot.connect() as conn:
        conn.execute(
            """
            INSERT INTO meetings (chat_id, title, first_start_local, time_zone, duration_minutes, rrule,
                                  created_by, created_at, updated_at)
            VALUES (?, 'Tuesday circle', '2026-11-24T18:00', 'UTC', 60, 'FREQ=WEEKLY', ?, ?, ?)
            """,
            (group.id, by.id, stamp, stamp),
        )


async def attend(world: World, group: GroupChat, maya: Person, start: datetime) -> None:
    world.bot.set_clock(start - timedelta(minutes=10))
    roll_call = await group.next_message(timeout=10)
    while "Roll call" not in roll_call.text:
        roll_call = await group.next_message(timeout=10)
    here = await maya.press(roll_call, "🙋 I'm here")
    assert here is not None and "counted as present" in (here.text or "")


def weekly_rows(world: World) -> list[tuple]:
    return rows(world, "SELECT status FROM outbox WHERE key LIKE 'supporters-weekly:%'")


async def test_a_supporter_gets_only_what_is_shared_once_a_week_until_removed(world: World) -> None:
    sam, maya, group = await circle(world)
    ana = world.person("Ana")
    add_meeting(world, group, sam)  # Mondays 18:00 UTC
    add_tuesday_meeting(world, group, sam)
    await maya.send("/milestone 2026-11-22")  # 7 days on Sunday 29 November
    await maya.next_message()
    await maya.next_message()
    await linked(world, maya, ana)

    screen = await panel(maya)
    assert "⬜ Meetings attended this week" in screen.text and "⬜ Recovery milestones" in screen.text
    assert "never see your check-ins" in screen.text
    await switch(maya, screen, "⬜ meetings attended")
    await switch(maya, screen, "⬜ milestones")
    assert "✅ Meetings attended" in screen.text and "✅ Recovery milestones" in screen.text

    await attend(world, group, maya, datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    await attend(world, group, maya, datetime(2026, 11, 24, 18, 0, tzinfo=UTC))

    await world.bot.stop()  # a restart before the update is due
    world.bot.set_clock(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    await world.bot.start()
    await ana.expect_no_message(within=0.5)
    world.bot.set_clock(datetime(2026, 11, 29, 18, 0, tzinfo=UTC))
    update = await ana.next_message(timeout=10)
    assert "This week with Maya" in update.text
    assert "2 meetings attended" in update.text and "7 days in recovery" in update.text
    for never in ("Circle", "Monday", "Tuesday", "Sam", "mood", "check-in"):
        assert never not in update.text
    await world.bot.stop()  # and after it: never again for that week
    world.bot.set_clock(datetime(2026, 11, 29, 19, 0, tzinfo=UTC))
    await world.bot.start()
    await ana.expect_no_message(within=1.0)
    assert weekly_rows(world) == [("sent",)]

    await switch(maya, screen, "✅ meetings attended")  # attendance off
    await maya.send("/milestone 2026-11-05")  # 30 days on Saturday 5 December
    await maya.next_message()
    await maya.next_message()
    await attend(world, group, maya, datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    world.bot.set_clock(datetime(2026, 12, 6, 18, 0, tzinfo=UTC))
    update = await ana.next_message(timeout=10)
    assert "30 days in recovery" in update.text and "meeting" not in update.text

    world.bot.set_clock(datetime(2026, 12, 13, 18, 0, tzinfo=UTC))  # nothing reached, nothing sent
    await ana.expect_no_message(within=1.0)
    assert len(weekly_rows(world)) == 2

    await press(maya, screen, "🙋 Ask Ana to reach out")
    await next_with(maya, "I asked Ana to call or write")
    request = await ana.next_message()
    assert "Maya" in request.text and "would like you to reach out" in request.text
    on_it = request.find_button("I'm on it")
    answer = await ana.press(request, "I'm on it")
    assert answer is not None and "I told Maya" in (answer.text or "")
    assert "Ana is on it" in (await maya.next_message()).text
    again = await world.emulator.press(ana, request, on_it, 5.0)  # pressed twice: told once
    assert again is not None and not again.show_alert
    await maya.expect_no_message(within=0.5)

    share_button = screen.find_button("⬜ meetings attended")
    await press(maya, screen, "Remove Ana")
    question = await maya.next_message()
    await press(maya, question, "Yes, remove")
    assert "no longer your supporter" in (await question.next_edit()).text
    assert "ended your link" in (await ana.next_message()).text
    assert rows(world, "SELECT COUNT(*) FROM supporter_links") == [(0,)]

    stale = await world.emulator.press(ana, request, on_it, 5.0)
    assert stale is not None and stale.show_alert and "no longer works" in (stale.text or "")
    stale = await world.emulator.press(maya, screen, share_button, 5.0)
    assert stale is not None and stale.show_alert and "no longer works" in (stale.text or "")
    await maya.send("/milestone 2026-11-13")  # 30 days on Sunday 13 December... next: 60 days
    await maya.next_message()
    await maya.next_message()
    world.bot.set_clock(datetime(2026, 12, 20, 18, 0, tzinfo=UTC))
    await ana.expect_no_message(within=1.0)
    assert len(weekly_rows(world)) == 2


async def test_the_crisis_reply_offers_supporters_after_the_crisis_lines(world: World) -> None:
    maya, ana, bo = world.person("Maya"), world.person("Ana"), world.person("Bo")
    await maya.send("/start")
    await maya.next_message()
    await maya.send("I can't do this anymore, I want to kill myself")
    assert "988" in (await maya.next_message()).text  # no supporter: no offer
    await maya.expect_no_message(within=0.5)

    await linked(world, maya, ana)
    await maya.send("I can't do this anymore, I want to kill myself")
    lines = await maya.next_message()
    assert "988" in lines.text
    offer = await maya.next_message()
    assert "ask the people who support you" in offer.text
    await press(maya, offer, "🙋 Ask my supporters to reach out")
    assert "I asked Ana" in (await maya.next_message()).text
    request = await ana.next_message()
    await press(ana, request, "I'm on it")
    assert "Ana is on it" in (await maya.next_message()).text
    await bo.expect_no_message(within=0.2)


async def test_invitation_links_are_one_time_and_refused_kindly(launch: Launch) -> None:
    world = await launch(env={"MAX_SUPPORTERS": "2"})
    maya, ana, bo = world.person("Maya"), world.person("Ana"), world.person("Bo")
    await maya.send("/start")
    await maya.next_message()
    payload = await invitation(maya)

    await maya.send(f"/start {payload}")  # her own link
    assert "your own invitation link" in (await maya.next_message()).text
    await ana.send(f"/start {payload}")
    card = await ana.next_message()
    accept_button = card.find_button("Accept")
    await bo.send(f"/start {payload}")  # a second person opens it before Ana accepts
    bo_card = await bo.next_message()
    await press(ana, card, "Accept")
    await card.next_edit()
    assert "accepted your invitation" in (await maya.next_message()).text

    again = await world.emulator.press(ana, card, accept_button, 5.0)  # pressed twice
    assert (
        again is not None
        and again.show_alert
        and "already one of this person's supporters" in (again.text or "")
    )
    late = await bo.press(bo_card, "Accept")  # the third person
    assert late is not None and late.show_alert and "already been used" in (late.text or "")
    for person in (ana, bo):  # the link used a second time
        await person.send(f"/start {payload}")
        assert "already been used" in (await person.next_message()).text
    await bo.send("/start sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert "already been used" in (await bo.next_message()).text

    expiring = await invitation(maya)
    await maya.send("/supporters")
    full = await maya.next_message()
    assert "(2 of 2)" in full.text and "➕ Invite a supporter" not in full.button_texts()
    world.bot.advance(timedelta(days=7, minutes=1))
    await bo.send(f"/start {expiring}")
    assert "expired" in (await bo.next_message()).text
    assert rows(world, "SELECT supporter_id FROM supporter_links WHERE supporter_id IS NOT NULL") == [
        (ana.id,)
    ]

    declined = await invitation(maya)
    await bo.send(f"/start {declined}")
    await press(bo, await bo.next_message(), "Decline")
    assert "declined" in (await maya.next_message()).text
    assert rows(world, "SELECT COUNT(*) FROM supporter_links") == [(1,)]
    for token in (payload, expiring, declined):  # never logged, never stored as such
        assert token[1:] not in world.bot.logs()
        assert rows(world, "SELECT COUNT(*) FROM supporter_links WHERE token_hash = ?", (token[1:],)) == [
            (0,)
        ]


def cells(world: World) -> dict[str, list[tuple]]:
    """Every row of every table in the database."""
    return table_contents(world.bot.database)


async def test_nothing_in_the_database_shows_a_supporter_a_checkin_note_group_or_other_member(
    world: World,
) -> None:
    _sam, maya, group = await circle(world)
    lee = world.person("Lee")
    await group.add_member(lee)
    await say_hello(group, lee)
    ana = world.person("Ana")
    await check_in(maya, 2, 3, note="A private note about my week", share=group, share_note=True)
    await linked(world, maya, ana)
    screen = await panel(maya)
    await switch(maya, screen, "⬜ meetings attended")
    await switch(maya, screen, "⬜ milestones")

    tables = cells(world)
    holding = {name for name, table in tables.items() for row in table if ana.id in row}
    assert holding <= {"people", "supporter_links", "supporter_profiles", "outbox"}, holding
    assert "memberships" not in holding
    (link,) = tables["supporter_links"]
    assert maya.id in link and ana.id in link and lee.id not in link and group.id not in link
    for table in (
        "supporter_links",
        "supporter_shares",
        "supporter_schedules",
        "supporter_profiles",
        "reach_out_requests",
    ):
        targets = foreign_key_targets(world.bot.database, table)
        assert targets <= {"people", "supporter_links"}, (table, targets)
    to_ana = " ".join(r[0] for r in rows(world, "SELECT text FROM outbox WHERE chat_id = ?", (ana.id,)))
    for never in ("Circle", "Lee", "Sam", "private note"):
        assert never not in to_ana and never not in " ".join(m.text for m in ana.messages)

    await maya.send("/mydata")
    mine = json.loads(await next_document(maya))["supporters"]["my_supporters"]
    assert mine == [{"first_name": "Ana", "since": mine[0]["since"], "shared": ["attendance", "milestones"]}]
    await ana.send("/mydata")
    data = json.loads(await next_document(ana))
    assert data["supporters"]["i_support"][0]["first_name"] == "Maya"
    assert "groups" in data and data["groups"] == []
    await maya.send("/forget")
    await press(maya, await maya.next_message(), "Yes, erase everything")
    assert "ended your link" in (await ana.next_message()).text
    assert rows(world, "SELECT COUNT(*) FROM supporter_links") == [(0,)]
    assert rows(world, "SELECT COUNT(*) FROM supporter_shares") == [(0,)]

    maya = world.person("Maya")  # she comes back, and invites Ana again; now Ana forgets
    await linked(world, maya, ana)
    await ana.send("/forget")
    question = await ana.next_message()
    await press(ana, question, "Yes, erase everything")
    assert "supporter links" in (await question.next_edit()).text
    assert "no longer one of your supporters" in (await maya.next_message()).text
    assert rows(world, "SELECT COUNT(*) FROM supporter_links") == [(0,)]
    assert rows(world, "SELECT COUNT(*) FROM supporter_profiles") == [(0,)]
    assert rows(world, "SELECT COUNT(*) FROM people WHERE user_id = ?", (ana.id,)) == [(0,)]


async def test_bad_input_gets_a_kind_answer_and_loses_nothing(world: World) -> None:
    maya, ana = world.person("<b>Maya</b> & co"), world.person("Ana <i>")
    await maya.send("/start")
    await maya.next_message()
    await ana.send("/start")
    await ana.next_message()
    card = await accept(ana, await invitation(maya), member="<b>Maya</b> & co")
    assert "Ana <i> accepted" in (await maya.next_message()).text
    screen = await panel(maya, "Ana <i>")
    assert "Ana <i>" in screen.text

    await ana.send("x" * 5000)
    answer = await ana.next_message()
    assert "I'm not sure what you mean" in answer.text
    await ana.send("I can't do this anymore, I want to kill myself")  # screened like anyone's
    assert "988" in (await ana.next_message()).text
    await ana.send("/family zone " + "Europe/" * 700)
    assert "I don't know that time zone" in (await ana.next_message()).text
    await ana.send("/family zone Europe/Madrid")
    assert "Europe/Madrid" in (await ana.next_message()).text
    forged = await world.emulator.press(ana, card, Button("x", callback_data="fam:acc:999:nothing"), 5.0)
    assert forged is not None and forged.show_alert
    forged = await world.emulator.press(
        maya, screen, Button("x", callback_data="sup:share:999:attendance.1"), 5.0
    )
    assert forged is not None and forged.show_alert and "no longer works" in (forged.text or "")
    forged = await world.emulator.press(ana, card, Button("x", callback_data="fam:check:2:9"), 5.0)
    assert forged is not None and forged.show_alert
    assert rows(world, "SELECT supporter_id FROM supporter_links") == [(ana.id,)]
    assert rows(world, "SELECT timezone FROM supporter_profiles") == [("Europe/Madrid",)]


async def test_family_resources_meetings_and_a_private_self_check(launch: Launch) -> None:
    world = await launch()
    sam, ana = world.person("Sam"), world.person("Ana", language_code="es")
    families = await world.group_with_bot("Families together", admin=sam)
    await sam.send("/familygroup on", chat=families)
    assert "family group" in (await families.next_message()).text
    add_meeting(world, families, sam, "Family circle")

    await ana.send("/family")
    home = await ana.next_message()
    assert "familias" in home.text
    await press(ana, home, home.button_texts()[0])  # resources
    texts = []
    for _ in range(5):
        texts.append((await ana.next_message()).text)
    joined = "\n".join(texts)
    assert "Al-Anon" in joined and "naloxona" in joined and "911" in joined
    await press(ana, home, home.button_texts()[1])  # family meetings
    meetings = await ana.next_message()
    assert "Family circle" in meetings.text and "Families together" in meetings.text

    await press(ana, home, home.button_texts()[2])  # a minute for yourself
    check = await ana.next_message()
    assert "1 de 3" in check.text or "(1" in check.text
    for _ in range(2):
        await press(ana, check, check.button_texts()[0])
        await check.next_edit()
    await press(ana, check, check.button_texts()[2])  # hopeless "often": the crisis lines first
    lines = await ana.next_message()
    assert "988" in lines.text
    await check.next_edit()
    assert rows(world, "SELECT COUNT(*) FROM supporter_links") == [(0,)]
    await ana.send("/supportstats")
    assert "coordinador" in (await ana.next_message()).text.lower()


async def test_the_member_picks_the_day_a_supporter_leaves_and_coordinators_see_only_counts(
    emulator: Emulator, launch: Launch
) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,), env={"SMALL_CELL_THRESHOLD": "3"})
    maya, ana = world.person("Maya"), world.person("Ana")
    await maya.send("/start")
    await maya.next_message()
    await linked(world, maya, ana)
    await switch(maya, await panel(maya), "⬜ meetings attended")

    await maya.send("/supporters")
    await press(maya, await maya.next_message(), "🗓 Day and time of the update")
    await press(maya, await maya.next_message(), "Wednesday")
    await press(maya, await maya.next_message(), "09:00")
    assert "Wednesday at 09:00" in (await maya.next_message()).text
    assert rows(world, "SELECT next_update_at FROM supporter_links") == [("2026-11-25T09:00:00.000000Z",)]
    world.bot.set_clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert "0 meetings attended" in (await ana.next_message(timeout=10)).text  # shared, even at zero

    await cleo.send("/supportstats")
    stats = await cleo.next_message()
    assert (
        "Supporter links: fewer than 3" in stats.text and "Maya" not in stats.text and "Ana" not in stats.text
    )

    await ana.send("/family")
    home = await ana.next_message()
    assert "You support: Maya" in home.text
    await press(ana, home, "Stop supporting Maya")
    question = await ana.next_message()
    await press(ana, question, "Yes, leave")
    assert "no longer Maya's supporter" in (await question.next_edit()).text
    assert "Ana is no longer one of your supporters" in (await maya.next_message()).text
    assert rows(world, "SELECT COUNT(*) FROM supporter_links") == [(0,)]
    world.bot.set_clock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    await ana.expect_no_message(within=1.0)
