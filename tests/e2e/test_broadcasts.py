"""/broadcast and /settings through the emulator: drafting, preview, authorisation, delivery."""

from __future__ import annotations

import asyncio

from emulator import Button, GroupChat, Person, SentMessage
from tests.e2e.conftest import World
from tests.e2e.harness import eventually

PRIVATELY = "Also in private, to members who opted in"


async def opt_in(person: Person, label: str = "Announcements in private") -> None:
    await person.send("/settings")
    screen = await person.next_message()
    await person.press(screen, f"⬜ {label}")
    assert f"✅ {label}" in (await screen.next_edit()).button_texts()


async def write_draft(sender: Person, text: str) -> SentMessage:
    """/broadcast, the announcement; returns the choices message."""
    await sender.send("/broadcast")
    assert "Write the announcement" in (await sender.next_message()).text
    await sender.send(text)
    choices = await sender.next_message()
    assert "Who should receive it?" in choices.text
    return choices


async def test_a_member_cannot_broadcast_and_html_arrives_as_text(world: World) -> None:
    sam, maya, noor = world.person("Sam"), world.person("Maya"), world.person("Noor")
    lucia = world.person("Lucía", language_code="es")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya, noor, lucia))
    for member in (maya, noor, lucia):
        await member.send("/help", chat=group)  # the bot meets them in the group
        await group.next_message()
    await maya.send("/broadcast")
    assert "Only facilitators" in (await maya.next_message()).text
    await opt_in(maya)
    await opt_in(lucia, "Anuncios en privado")
    await noor.send("/start")  # reachable, but did not opt in
    await noor.next_message()

    choices = await write_draft(sam, '<b>Meeting</b> "moved" & <script>x</script> to 7pm')
    assert choices.button_texts()[0] == "✅ Tuesday Circle"  # the only group is chosen already
    await sam.press(choices, f"⬜ {PRIVATELY}")
    assert f"✅ {PRIVATELY}" in (await choices.next_edit()).button_texts()
    await sam.press(choices, "Preview")
    preview = await sam.next_message()
    expected = '📣 Announcement from Sam\n\n<b>Meeting</b> "moved" & <script>x</script> to 7pm'
    assert preview.text == expected
    summary = await sam.next_message()
    assert "Groups: Tuesday Circle" in summary.text and "In private: 2 members who opted in" in summary.text
    await sam.press(summary, "📣 Send")
    assert "Sending now" in (await summary.next_edit()).text

    posted = await group.next_message()
    assert posted.text == expected
    assert [e["type"] for e in posted.entities] == ["bold"]  # only our heading is bold
    assert (await maya.next_message()).text == expected
    assert (await lucia.next_message()).text == expected.replace("Announcement from", "Anuncio de")
    report = await sam.next_message(timeout=10)
    assert (
        "Delivered: 3 of 3" in report.text
        and "Unreachable (blocked me or never wrote to me): 0" in report.text
    )
    await noor.expect_no_message(within=0.3)
    stale = await sam.press(choices, "Preview")  # the draft is gone once sent
    assert stale is not None and "no longer works" in (stale.text or "")
    await group.expect_no_message(within=0.3)


async def test_targets_are_checked_on_every_toggle_and_again_on_send(world: World) -> None:
    sam, rae, maya = world.person("Sam"), world.person("Rae"), world.person("Maya")
    circle = world.emulator.add_group("Tuesday Circle")
    await circle.add_member(sam, owner=True)
    await circle.add_member(rae)
    await circle.add_bot(by=sam, admin=True)  # an admin bot hears promotions and demotions
    await circle.next_message()
    await circle.make_admin(rae)
    other = await world.group_with_bot("Other Circle", admin=maya)

    choices = await write_draft(rae, "Bring a friend")
    forged = await world.emulator.press(rae, choices, Button("x", f"bcast:group:{other.id}"), 5.0)
    assert forged is not None and forged.show_alert and "facilitators" in (forged.text or "")
    await rae.press(choices, "Preview")
    summary = await rae.next_message(), await rae.next_message()
    await circle.remove_admin(rae)  # demoted between preview and send
    refused = await rae.press(summary[1], "📣 Send")
    assert refused is not None and refused.show_alert
    await circle.expect_no_message(within=0.5)
    await other.expect_no_message(within=0.1)


async def test_a_photo_announcement_keeps_its_photo_and_caption(world: World) -> None:
    sam = world.person("Sam")
    one = await world.group_with_bot("Monday", admin=sam)
    two = await world.group_with_bot("Friday", admin=sam)
    await sam.send("/broadcast")
    await sam.next_message()
    await sam.send_photo(b"\x89PNG-flyer", caption="Picnic on Sunday")
    choices = await sam.next_message()
    assert choices.button_texts()[:2] == ["⬜ Friday", "⬜ Monday"]
    await sam.press(choices, "Preview")
    await sam.expect_no_message(within=0.3)  # nothing chosen yet: no preview
    for title in ("⬜ Friday", "⬜ Monday"):
        await sam.press(choices, title)
        await choices.next_edit()
    await sam.press(choices, "Preview")
    preview = await sam.next_message()
    assert (
        preview.photo == b"\x89PNG-flyer"
        and preview.caption == "📣 Announcement from Sam\n\nPicnic on Sunday"
    )
    summary = await sam.next_message()
    await sam.press(summary, "📣 Send")
    sending = await summary.next_edit()
    assert "Still to send: 2" in sending.text
    for group in (one, two):
        posted = await group.next_message()
        assert posted.photo == b"\x89PNG-flyer" and posted.caption == preview.caption
    assert "Delivered: 2 of 2" in (await sam.next_message(timeout=10)).text
    await sam.press(sending, "Progress")
    progress = await sending.next_edit()
    assert "Delivered: 2 of 2" in progress.text and "Finished." in progress.text
    assert progress.button_texts() == []
    await sam.send("/broadcast status")
    status = await sam.next_message()
    assert "Announcement #1" in status.text and "to Friday, Monday" in status.text


def outbox_rows(world: World) -> list[tuple[str, str]]:
    with world.bot.connect() as conn:
        return list(conn.execute("SELECT key, status FROM outbox WHERE kind = 'broadcast' ORDER BY id"))


def announcements(chat: GroupChat | Person, marker: str) -> int:
    return sum(1 for m in chat.messages if marker in (m.text or m.caption or ""))


async def circle_of(world: World, title: str, admin: Person, members: list[Person]) -> GroupChat:
    """A group whose bot is an admin, so it records members as they join (no one has to speak)."""
    group = world.emulator.add_group(title)
    await group.add_member(admin, owner=True)
    await group.add_bot(by=admin, admin=True)
    await group.next_message()
    for member in members:
        await group.add_member(member)
    return group


def member_count(world: World) -> int:
    with world.bot.connect() as conn:
        return conn.execute("SELECT COUNT(*) FROM memberships WHERE left_at IS NULL").fetchone()[0]


async def send_to_everyone(sender: Person, marker: str, groups: int) -> None:
    choices = await write_draft(sender, f"{marker}: bring a dish to share")
    for title in choices.button_texts()[:groups]:
        await sender.press(choices, title)
        await choices.next_edit()
    await sender.press(choices, f"⬜ {PRIVATELY}")
    await choices.next_edit()
    await sender.press(choices, "Preview")
    await sender.next_message()
    summary = await sender.next_message()
    await sender.press(summary, "📣 Send")
    await summary.next_edit()


async def opted_in_circles(world: World) -> tuple[Person, list[GroupChat], list[Person]]:
    """Sam facilitates Monday and Friday; 30 members (six in both) asked for private copies."""
    sam = world.person("Sam")
    members = [world.person(f"Member{n:02d}") for n in range(30)]
    monday = await circle_of(world, "Monday", sam, members[:18])
    friday = await circle_of(world, "Friday", sam, members[12:])
    await eventually(lambda: member_count(world) == 2 + 18 + 18, timeout=10)
    await asyncio.gather(*(opt_in(member) for member in members))
    return sam, [monday, friday], members


async def test_a_rate_limited_broadcast_survives_a_restart_and_reports(world: World) -> None:
    """Two groups and 30 opted-in members, Telegram's limits on, a restart mid-way: every
    recipient gets it exactly once, the blocked member is unreachable, no 429 reaches the sender."""
    sam, groups, members = await opted_in_circles(world)
    blocked = members[-1]
    await blocked.block()
    world.emulator.faults.rate_limits = True

    await send_to_everyone(sam, "Potluck", groups=2)
    everyone: list[GroupChat | Person] = [*groups, *members[:-1]]
    await world.emulator.wait_for(lambda: any(announcements(c, "Potluck") for c in everyone), timeout=10)
    await world.bot.stop()
    at_restart = outbox_rows(world)
    assert len(at_restart) == 32
    assert 0 < sum(status == "sent" for _, status in at_restart) < 32  # stopped in the middle
    await world.bot.start()

    report = await sam.next_message(timeout=30)
    assert "Delivered: 31 of 32" in report.text
    assert "Unreachable (blocked me or never wrote to me): 1" in report.text and "Failed: 0" in report.text
    assert {chat.id: announcements(chat, "Potluck") for chat in everyone} == {chat.id: 1 for chat in everyone}
    assert announcements(blocked, "Potluck") == 0
    # The outbox paces itself: no delivery provoked a 429 (the sender's own quick replies may
    # have, and PTB's rate limiter retried those without the sender noticing).
    recipients = {chat.id for chat in [*everyone, blocked]}
    assert [f for f in world.emulator.faults_served if f.error_code == 429 and f.chat_id in recipients] == []
    assert not any("went wrong" in m.text for m in sam.messages)
    await sam.expect_no_message(within=0.5)  # one report


async def test_a_crash_mid_broadcast_loses_nothing(world: World) -> None:
    """SIGKILL while sending: after the restart everyone has it; only a message that was in
    flight at the crash (its row still "sending") may arrive twice."""
    sam, groups, members = await opted_in_circles(world)
    world.emulator.faults.rate_limits = True
    await send_to_everyone(sam, "Picnic", groups=2)
    everyone: list[GroupChat | Person] = [*groups, *members]
    await world.emulator.wait_for(lambda: any(announcements(c, "Picnic") for c in everyone), timeout=10)
    await world.bot.kill()
    at_crash = outbox_rows(world)
    in_flight = sum(status == "sending" for _, status in at_crash)
    assert sum(status == "pending" for _, status in at_crash) > 0  # killed in the middle
    await world.bot.start()

    report = await sam.next_message(timeout=30)
    assert "Delivered: 32 of 32" in report.text
    copies = [announcements(chat, "Picnic") for chat in everyone]
    assert min(copies) == 1
    assert sum(copies) - len(copies) <= in_flight


def forget_report(world: World, *, drop_queued: bool) -> None:
    """As if the bot stopped after the batch finished but before the report was recorded."""
    with world.bot.connect() as conn:
        conn.execute("UPDATE broadcasts SET reported_at = NULL")
        if drop_queued:
            conn.execute("DELETE FROM outbox WHERE kind = 'broadcast_report'")


async def test_the_report_is_sent_once_even_across_restarts(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    choices = await write_draft(sam, "Reading list for next week")
    await sam.press(choices, "Preview")
    await sam.next_message()
    await sam.press(await sam.next_message(), "📣 Send")
    await group.next_message()
    assert "Delivered: 1 of 1" in (await sam.next_message(timeout=10)).text

    await world.bot.stop()
    forget_report(world, drop_queued=False)  # queued but not marked: queueing again is a no-op
    await world.bot.start()
    await sam.expect_no_message(within=1.0)
    await world.bot.stop()
    forget_report(world, drop_queued=True)  # never queued: start-up sends it
    await world.bot.start()
    assert "Delivered: 1 of 1" in (await sam.next_message(timeout=10)).text
    await sam.expect_no_message(within=0.5)
    await group.expect_no_message(within=0.1)
