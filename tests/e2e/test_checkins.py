"""Check-ins through the emulator: anonymity in the database, digests, /mystats, /wellbeing, /prompt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.pseudonym import pseudonym
from emulator import Emulator, GroupChat, Person
from tests.e2e.conftest import Launch, World
from tests.e2e.harness import PSEUDONYM_SECRET, eventually

CHECKIN_TABLES = ("checkins", "checkin_contributions", "shared_checkins")


def rows(world: World, sql: str) -> list[tuple]:
    with world.bot.connect() as conn:
        return conn.execute(sql).fetchall()


async def check_in(
    person: Person,
    mood: int,
    craving: int,
    *,
    note: str | None = None,
    share: GroupChat | None = None,
    share_note: bool = False,
) -> str:
    """Answer every step of /checkin; returns the closing message's text."""
    await person.send("/checkin")
    question = await person.next_message()
    await person.press(question, f"ck:mood:{mood}")
    await question.next_edit()
    await person.press(question, f"ck:craving:{craving}")
    await question.next_edit()
    if note is None:
        await person.press(question, "Skip")
    else:
        await person.send(note)
    share_question = await person.next_message()
    if "Share this check-in" not in share_question.text:
        return share_question.text  # no groups: saved at once
    await person.press(share_question, share.title if share else "No, keep it private")
    closing = await share_question.next_edit()
    if share is not None and note is not None and "Share your note too" in closing.text:
        await person.press(share_question, "Share my note too" if share_note else "Numbers only")
        closing = await share_question.next_edit()
    return closing.text


async def circle(world: World, title: str, admin: Person, members: tuple[Person, ...]) -> GroupChat:
    """A group the bot is in before the members join, so it sees them join."""
    group = await world.group_with_bot(title, admin=admin)
    for member in members:
        await group.add_member(member)
    expected = len(members)
    await eventually(
        lambda: rows(world, f"SELECT COUNT(*) FROM memberships WHERE chat_id = {group.id}")[0][0] >= expected
    )
    return group


def assert_no_identity(world: World, people: list[Person]) -> None:
    """No table holding check-in data contains a user id, username or name."""
    for table in CHECKIN_TABLES:
        for row in rows(world, f"SELECT * FROM {table}"):
            values = {str(value) for value in row}
            for person in people:
                assert str(person.id) not in values, (table, row)
                for value in values:
                    assert person.first_name not in value, (table, row)
                    if person.username:
                        assert person.username not in value, (table, row)


async def test_a_shared_checkin_reaches_the_group_later_without_identity(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya", username="maya_r")
    group = await circle(world, "Tuesday Circle", sam, (maya,))
    closing = await check_in(maya, 4, 2, note="Rough morning, better now", share=group, share_note=True)
    assert "digest at 18:00" in closing and "without your name" in closing
    await group.expect_no_message(within=0.5)  # not at the moment it was sent
    assert_no_identity(world, [sam, maya])
    assert rows(world, "SELECT COUNT(*) FROM shared_checkins") == [(1,)]
    world.bot.advance(timedelta(minutes=59))  # 12:59: still nothing
    await group.expect_no_message(within=0.5)
    world.bot.advance(timedelta(hours=5, minutes=1))  # 18:00 group time (UTC)
    digest = await group.next_message()
    assert "1 anonymous check-in" in digest.text
    assert "mood 4/5" in digest.text and "Rough morning, better now" in digest.text
    assert "Maya" not in digest.text and "maya_r" not in digest.text
    sent = rows(world, "SELECT created_at FROM outbox WHERE kind = 'digest'")
    assert sent and sent[0][0] >= "2026-11-23T18:00"  # hours after the check-in, never the same minute
    assert rows(world, "SELECT COUNT(*) FROM shared_checkins") == [(0,)]  # nothing shared lingers


async def test_checkins_share_a_pseudonym_and_mystats_is_only_the_owners(world: World) -> None:
    sam, maya, ana = world.person("Sam"), world.person("Maya"), world.person("Ana")
    group = await circle(world, "Tuesday Circle", sam, (maya, ana))
    await check_in(maya, 3, 5)
    world.bot.advance(timedelta(days=1))
    await check_in(maya, 4, 3, note="Went to a meeting")
    await check_in(ana, 2, 7)
    by_pseudonym = rows(world, "SELECT pseudonym, local_day FROM checkins ORDER BY id")
    assert [p for p, _ in by_pseudonym] == [pseudonym(maya.id, PSEUDONYM_SECRET)] * 2 + [
        pseudonym(ana.id, PSEUDONYM_SECRET)
    ]
    assert pseudonym(maya.id, "another-secret-entirely-0123456789abcdef") != by_pseudonym[0][0]
    assert [day for _, day in by_pseudonym] == ["2026-11-23", "2026-11-24", "2026-11-24"]  # days only
    assert_no_identity(world, [sam, maya, ana])

    await maya.send("/mystats")
    chart = await maya.next_message()
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG")
    assert "checked in on 2 days" in (chart.caption or "")
    await ana.send("/mystats")
    own = await ana.next_message()
    assert "checked in on 1 day" in (own.caption or "")
    bob = world.person("Bob")
    await bob.send("/mystats")
    nothing = await bob.next_message()
    assert nothing.photo is None and "No check-ins" in nothing.text
    await maya.send("/mystats", chat=group)
    in_group = await group.next_message()
    assert in_group.photo is None and "private" in in_group.text


async def test_wellbeing_hides_cells_with_fewer_than_five_people(emulator: Emulator, launch: Launch) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,))
    sam, tess = world.person("Sam"), world.person("Tess")
    big_members = tuple(world.person(f"Member{i}") for i in range(5))
    small_members = (world.person("Ola"), world.person("Pia"))
    big = await circle(world, "Big Circle", tess, big_members)
    small = await circle(world, "Small Circle", sam, small_members)
    for i, member in enumerate(big_members):
        await check_in(member, 1 + i % 5 if i else 3, i)
    for member in small_members:
        await check_in(member, 2, 8)
    await cleo.send("/wellbeing")
    report = (await cleo.next_message()).text
    big_part, small_part = report.split("Big Circle")[1].split("Small Circle")
    assert "5 check-ins by 5 people" in big_part
    assert "too few to show" in small_part and "by 2 people" not in small_part
    await sam.send("/start")
    await sam.next_message()
    await sam.send("/wellbeing")
    facilitator = (await sam.next_message()).text
    assert "Small Circle" in facilitator and "Big Circle" not in facilitator
    await small_members[0].send("/wellbeing")
    assert "Only facilitators" in (await small_members[0].next_message()).text
    assert big.id and small.id


async def test_wellbeing_honours_a_configured_small_cell_threshold(
    emulator: Emulator, launch: Launch
) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,), env={"SMALL_CELL_THRESHOLD": "3"})
    three = tuple(world.person(f"Member{i}") for i in range(3))
    two = (world.person("Ola"), world.person("Pia"))
    await circle(world, "Three Circle", world.person("Tess"), three)
    await circle(world, "Two Circle", world.person("Sam"), two)
    for member in (*three, *two):
        await check_in(member, 3, 2)
    await cleo.send("/wellbeing")
    report = (await cleo.next_message()).text
    assert "at least 3 people contributed" in report
    three_part, two_part = report.split("Three Circle")[1].split("Two Circle")
    assert "3 check-ins by 3 people" in three_part  # shown: the default of 5 would hide it
    assert "too few to show" in two_part and "by 2 people" not in two_part


async def test_daily_prompt_survives_a_restart_and_starts_a_checkin(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("/prompt 20:00 Europe/Madrid")
    assert "every day at 20:00 (Europe/Madrid)" in (await maya.next_message()).text
    assert rows(world, "SELECT local_time, timezone FROM checkin_prompts") == [("20:00", "Europe/Madrid")]
    await world.bot.stop()
    await world.bot.start()
    world.bot.advance(timedelta(hours=7))  # 19:00 UTC = 20:00 in Madrid
    prompt = await maya.next_message()
    assert "daily check-in" in prompt.text
    await maya.press(prompt, "Check in now")
    assert "How is your mood" in (await maya.next_message()).text
    await maya.send("/prompt off")
    assert "off" in (await maya.next_message()).text
    world.bot.advance(timedelta(days=1))
    await maya.expect_no_message(within=0.5)


async def test_the_daily_prompt_is_a_row_on_the_settings_screen(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("/start")
    await maya.next_message()
    await maya.send("/settings")
    screen = await maya.next_message()
    label = "Daily check-in prompt (20:00; choose another time with /prompt)"
    await maya.press(screen, f"⬜ {label}")
    assert f"✅ {label}" in (await screen.next_edit()).button_texts()
    assert rows(world, "SELECT local_time FROM checkin_prompts") == [("20:00",)]
    world.bot.set_clock(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # the bot's zone is UTC
    assert "daily check-in" in (await maya.next_message()).text
    await maya.press(screen, f"✅ {label}")
    assert f"⬜ {label}" in (await screen.next_edit()).button_texts()
    assert rows(world, "SELECT COUNT(*) FROM checkin_prompts") == [(0,)]
