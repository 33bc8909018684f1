"""Peer-mentor matching end to end: registering, asking, consent, declines, timeouts, coordinators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from emulator import Button, Emulator, Person, SentMessage
from tests.e2e.conftest import Launch, World
from tests.e2e.harness import eventually


@dataclass(frozen=True)
class MentorAnswers:
    months: str = "30"
    language: str = "Spanish"
    zone: str = "Europe/Madrid"
    capacity: str = "2"
    intro: str = "Seven years without a drink; I like long walks and honest talk."


def rows(world: World, sql: str) -> list[tuple]:
    with world.bot.connect() as conn:
        return conn.execute(sql).fetchall()


async def press_and_wait(person: Person, message: SentMessage, button: str) -> SentMessage:
    """Press a button on a guided step and wait for the message to change."""
    answer = await person.press(message, button)
    assert answer is not None and not answer.show_alert, answer
    return await message.next_edit()


async def register_mentor(person: Person, answers: MentorAnswers = MentorAnswers()) -> None:
    await person.send("/mentor")
    assert "Thank you for offering" in (await person.next_message()).text
    step = await person.next_message()
    await press_and_wait(person, step, "Alcohol")
    assert "✅ Alcohol" in step.button_texts()
    await press_and_wait(person, step, "Done ➡️")
    assert "How long have you been in recovery" in step.text
    await person.send(answers.months)
    step = await person.next_message()
    await press_and_wait(person, step, answers.language)
    await press_and_wait(person, step, "Done ➡️")
    assert "time zone" in step.text
    await person.send(answers.zone)
    step = await person.next_message()
    await press_and_wait(person, step, "🌆 Evening")
    await press_and_wait(person, step, "✅ Sun 🌆")  # one cell off again: Monday to Saturday evenings
    assert "✅ Mon 🌆" in step.button_texts() and "Sun 🌆" in step.button_texts()
    await press_and_wait(person, step, "Done ➡️")
    await press_and_wait(person, step, answers.capacity)
    await press_and_wait(person, step, "Prefer not to say")
    await press_and_wait(person, step, "Skip")
    assert "short introduction" in step.text
    await person.send(answers.intro)
    confirm = await person.next_message()
    assert "Your mentor profile" in confirm.text and "Europe/Madrid" in confirm.text
    await press_and_wait(person, confirm, "Save my profile")
    assert "Your mentor profile is saved" in confirm.text


async def request_mentor(person: Person, zone_button: str | None = None) -> SentMessage:
    """Ask for a mentor; returns the final message ("I have asked…" or "waiting list").

    With *zone_button*, the time zone is chosen from the offered buttons (the person's groups').
    """
    await person.send("/findmentor")
    assert "Let's find you a peer mentor" in (await person.next_message()).text
    step = await person.next_message()
    await press_and_wait(person, step, "Alcohol")
    await press_and_wait(person, step, "Done ➡️")
    await press_and_wait(person, step, "Spanish")
    await press_and_wait(person, step, "Done ➡️")
    await press_and_wait(person, step, "Yes, that is a must")
    if zone_button:
        await press_and_wait(person, step, zone_button)
    else:
        await person.send("Europe/Madrid")
        step = await person.next_message()
    await press_and_wait(person, step, "🌆 Evening")
    await press_and_wait(person, step, "Done ➡️")
    await press_and_wait(person, step, "No preference")
    assert "Your request" in step.text and "(a must)" in step.text
    await press_and_wait(person, step, "Send my request")
    return step


async def test_mentor_accepts_and_both_get_contact_only_then(emulator: Emulator, launch: Launch) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,))
    ana = world.person("Ana", username="ana_r")
    maya = world.person("Maya")  # no username: contact goes through the bot
    await register_mentor(ana)
    final = await request_mentor(maya)
    assert "I have asked a peer mentor" in final.text
    assert "Ana" not in final.text

    proposal = await ana.next_message()
    assert "A member is looking for a peer mentor" in proposal.text
    assert "Alcohol" in proposal.text and "Evening" in proposal.text
    assert "Maya" not in proposal.text and str(maya.id) not in str(proposal.to_json())
    await ana.press(proposal, "Accept")
    assert "You accepted" in (await proposal.next_edit()).text

    # Two-sided consent: Maya first sees an anonymous summary of the mentor who said yes.
    summary = await maya.next_message()
    assert "A peer mentor has said yes to your request" in summary.text
    assert "Alcohol" in summary.text and "Spanish" in summary.text and "2 years in recovery" in summary.text
    for hidden in ("Ana", "ana_r", "t.me", "Seven years", str(ana.id)):
        assert hidden not in str(summary.to_json()), hidden
    await ana.expect_no_message(within=0.3)  # and Ana learns nothing until Maya accepts too
    assert rows(world, "SELECT COUNT(*) FROM mentor_matches") == [(0,)]
    accept = summary.find_button("Accept this mentor")
    await maya.press(summary, "Accept this mentor")
    assert "You accepted" in (await summary.next_edit()).text

    to_mentor = await ana.next_message()
    assert "You are now <b>Maya</b>" in to_mentor.html or "You are now Maya" in to_mentor.text
    to_member = await maya.next_message()
    assert "Ana has agreed to be your peer mentor" in to_member.text
    assert "https://t.me/ana_r" in to_member.text
    assert "Seven years without a drink" in to_member.text
    assert [b.url for row in to_member.buttons for b in row] == ["https://t.me/ana_r"]

    # Maya has no username: Ana's first message goes through the bot.
    await ana.press(to_mentor, "Send Maya a message")
    assert "Type your message for Maya" in (await ana.next_message()).text
    await ana.send("Hello Maya, glad to meet you here")
    assert "Sent" in (await ana.next_message()).text
    relayed = await maya.next_message()
    assert "A message from Ana" in relayed.text and "glad to meet you here" in relayed.text
    assert "https://t.me/ana_r" in relayed.text

    matches = rows(world, "SELECT mentor_id, member_id, ended_at FROM mentor_matches")
    assert matches == [(ana.id, maya.id, None)]
    twice = await emulator.press(maya, summary, accept, 5.0)  # a second press: kindly finished
    assert twice is not None and twice.show_alert and "This is finished" in (twice.text or "")
    assert rows(world, "SELECT COUNT(*) FROM mentor_matches") == [(1,)]

    # Maya ends the match with a private reason; Ana is told kindly, without it.
    await maya.send("/endmatch")
    pick = await maya.next_message()
    await maya.press(pick, "End my match with Ana")
    ask = await maya.next_message()
    assert "only coordinators will read it" in ask.text
    await maya.send("We did not click, nothing wrong")
    assert "Your match has ended" in (await maya.next_message()).text
    told = await ana.next_message()
    assert "Maya has ended your mentoring match" in told.text
    assert "did not click" not in told.text

    await cleo.send("/matches")
    overview = await cleo.next_message()
    assert "Ana ↔ Maya, ended" in overview.text and "We did not click" in overview.text
    assert "Median" in overview.text


async def test_a_decline_and_a_timeout_move_on_even_across_a_restart(world: World) -> None:
    ana, bea, cruz = world.person("Ana"), world.person("Bea"), world.person("Cruz")
    maya = world.person("Maya")
    await register_mentor(ana, MentorAnswers(months="40"))  # the best fit: longest in recovery
    await register_mentor(bea, MentorAnswers(months="14"))
    await register_mentor(cruz, MentorAnswers(months="3"))
    await request_mentor(maya)

    first = await ana.next_message()
    await ana.press(first, "Decline")
    assert "the member will not know who declined" in (await first.next_edit()).text
    second = await bea.next_message()
    assert "A member is looking for a peer mentor" in second.text
    await cruz.expect_no_message(within=0.3)

    # The expiry lives in the database: a restart re-plans it.
    await world.bot.stop()
    await world.bot.start()
    world.bot.advance(timedelta(hours=47))
    await cruz.expect_no_message(within=0.5)
    world.bot.advance(timedelta(hours=2))
    third = await cruz.next_message()
    assert "A member is looking for a peer mentor" in third.text
    assert "passed it on" in (await second.next_edit()).text
    late = await bea.press(second, "Accept") if second.buttons else None
    assert late is None or late.show_alert

    await cruz.press(third, "Decline")
    still = await maya.next_message()
    assert "still looking" in still.text
    for mentor in (ana, bea, cruz):  # nobody learnt who the member was
        assert all("Maya" not in m.text for m in mentor.messages)
    assert all(name not in m.text for m in maya.messages for name in ("Ana", "Bea", "Cruz"))
    assert sorted(rows(world, "SELECT reason FROM mentor_declined_pairs")) == [
        ("declined",),
        ("declined",),
        ("expired",),
    ]


async def test_a_member_may_ask_for_someone_else_and_nobody_learns_who(
    emulator: Emulator, launch: Launch
) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,))
    ana, bea, maya = world.person("Ana"), world.person("Bea"), world.person("Maya")
    await register_mentor(ana, MentorAnswers(months="40"))  # the best fit: longest in recovery
    await register_mentor(bea, MentorAnswers(months="14"))
    await request_mentor(maya)
    first = await ana.next_message()
    await ana.press(first, "Accept")
    await first.next_edit()
    summary = await maya.next_message()
    assert "3 years in recovery" in summary.text and "Ana" not in summary.text

    await cleo.send("/matches")  # coordinators see whose answer the request waits for
    overview = await cleo.next_message()
    assert "Maya" in overview.text and "a mentor accepted; waiting for the member" in overview.text
    assert "Ana: 1 of 2 (active)" in overview.text  # the place stays held while Maya decides

    await maya.send("/findmentor")  # the member's request knows it waits for them now
    assert "A mentor has said yes to your request" in (await maya.next_message()).text

    await maya.press(summary, "Ask for someone else")
    assert "look for someone else" in (await summary.next_edit()).text
    second = await bea.next_message()
    assert "A member is looking for a peer mentor" in second.text
    told = await ana.next_message()
    assert "did not go ahead" in told.text
    for mentor in (ana, bea):  # no mentor learnt who the member was
        assert all("Maya" not in m.text for m in mentor.messages)

    await bea.press(second, "Accept")
    again = await maya.next_message()
    assert "1 year in recovery" in again.text
    assert all(name not in m.text for m in maya.messages for name in ("Ana", "Bea"))
    assert rows(world, "SELECT mentor_id, member_id, reason FROM mentor_declined_pairs") == [
        (ana.id, maya.id, "declined")
    ]
    assert rows(world, "SELECT COUNT(*) FROM mentor_matches") == [(0,)]


async def test_the_members_own_timeout_moves_on_even_across_a_restart(launch: Launch) -> None:
    world = await launch(env={"MEMBER_CONSENT_HOURS": "24"})
    ana, bea, maya = world.person("Ana"), world.person("Bea"), world.person("Maya")
    await register_mentor(ana, MentorAnswers(months="40"))
    await register_mentor(bea, MentorAnswers(months="14"))
    await request_mentor(maya)
    first = await ana.next_message()
    await ana.press(first, "Accept")
    await first.next_edit()
    summary = await maya.next_message()
    assert "within 24 hours" in summary.text

    # The member's deadline lives in the database (it replaced the mentor's): a restart re-plans it.
    await world.bot.stop()
    await world.bot.start()
    world.bot.advance(timedelta(hours=23))
    await bea.expect_no_message(within=0.5)
    world.bot.advance(timedelta(hours=2))
    second = await bea.next_message()
    assert "A member is looking for a peer mentor" in second.text and "Maya" not in second.text
    assert "did not go ahead" in (await ana.next_message()).text
    assert "did not hear from you in time" in (await maya.next_message()).text
    late = await maya.press(summary, "Accept this mentor")
    assert late is not None and late.show_alert and "This is finished" in (late.text or "")
    assert rows(world, "SELECT COUNT(*) FROM mentor_matches") == [(0,)]
    assert rows(world, "SELECT reason FROM mentor_declined_pairs") == [("expired",)]
    assert all(name not in m.text for m in maya.messages for name in ("Ana", "Bea"))


async def test_matchall_previews_then_sends_and_refuses_members(emulator: Emulator, launch: Launch) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,))
    maya, noa, ana = world.person("Maya"), world.person("Noa"), world.person("Ana")
    await maya.send("/matchall")
    assert "Only coordinators" in (await maya.next_message()).text
    assert "waiting list" in (await request_mentor(maya)).text
    assert "waiting list" in (await request_mentor(noa)).text
    await register_mentor(ana, MentorAnswers(capacity="2"))
    await ana.expect_no_message(within=0.3)  # a new mentor waits for a coordinator's /matchall

    await cleo.send("/matchall")
    preview = await cleo.next_message()
    assert "nothing has been sent yet" in preview.text
    assert "Maya" in preview.text and "Noa" in preview.text and "Ana" in preview.text
    await ana.expect_no_message(within=0.3)

    refused = await maya.press(preview, "Send 2 proposals")  # not hers to press
    assert refused is not None and refused.show_alert and "Only coordinators" in (refused.text or "")
    await cleo.press(preview, "Send 2 proposals")
    assert "Sent 2 proposals" in (await preview.next_edit()).text
    first, second = await ana.next_message(), await ana.next_message()
    assert "A member is looking" in first.text and "A member is looking" in second.text

    await cleo.send("/matches")
    overview = await cleo.next_message()
    assert "Waiting requests (2)" in overview.text and "a mentor is considering it" in overview.text
    assert "Ana: 2 of 2 (active)" in overview.text

    # Forged and foreign buttons: nothing changes.
    stranger = world.person("Eve")
    foreign = await stranger.press(first, "Accept")
    assert foreign is not None and foreign.show_alert and "no longer works" in (foreign.text or "")
    forged = await emulator.press(ana, first, Button("x", callback_data="mprop:99999:yes"), 5.0)
    assert forged is not None and forged.show_alert
    garbage = await emulator.press(ana, first, Button("x", callback_data="mprop:1:maybe:x"), 5.0)
    assert garbage is not None and garbage.show_alert
    await eventually(lambda: rows(world, "SELECT COUNT(*) FROM mentor_matches") == [(0,)])


async def test_groups_point_to_a_private_chat_and_cancel_keeps_nothing(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Circle", admin=sam, members=(maya,))
    await maya.send("/findmentor", chat=group)
    nudge = await group.next_message()
    assert "let's talk privately" in nudge.text
    assert nudge.buttons[0][0].url == "https://t.me/KindredTestBot?start=findmentor"

    await maya.send("/start mentor")  # the deep link opens the mentor questions, not the welcome
    assert "Thank you for offering" in (await maya.next_message()).text
    step = await maya.next_message()
    refused = await maya.press(step, "Done ➡️")
    assert refused is not None and refused.show_alert and "at least one area" in (refused.text or "")
    await press_and_wait(maya, step, "Gambling")
    await press_and_wait(maya, step, "Done ➡️")
    await maya.send("since forever ago")
    assert "I could not read that" in (await maya.next_message()).text
    await maya.send("2999-01-01")
    assert "not in the future" in (await maya.next_message()).text
    await maya.send("12")
    languages = await maya.next_message()
    assert "Which languages" in languages.text
    await maya.send("/cancel")
    assert "nothing was saved" in (await maya.next_message()).text
    assert rows(world, "SELECT COUNT(*) FROM mentor_profiles") == [(0,)]
    stale = await maya.press(languages, "Spanish")
    assert stale is not None and stale.show_alert


async def test_a_paused_mentor_is_skipped_and_the_group_time_zone_is_offered(world: World) -> None:
    sam, ana, bea, maya = world.person("Sam"), world.person("Ana"), world.person("Bea"), world.person("Maya")
    group = await world.group_with_bot("Circle", admin=sam, members=(maya,))
    await sam.send("/settz America/Bogota", chat=group)
    await maya.send("/help", chat=group)  # the bot learns who is in a group from what it sees
    await group.next_message()
    await group.next_message()
    await register_mentor(ana, MentorAnswers(months="40"))
    await register_mentor(bea, MentorAnswers(months="20"))
    await bea.send("/language")
    await bea.press(await bea.next_message(), "Español")

    await ana.send("/mentor")
    profile = await ana.next_message()
    assert "Your mentor profile" in profile.text and "0 of 2 places taken" in profile.text
    await press_and_wait(ana, profile, "Pause")
    assert "Paused" in profile.text

    final = await request_mentor(maya, zone_button="America/Bogota")
    assert "I have asked a peer mentor" in final.text
    proposal = await bea.next_message()  # Ana is paused; Bea reads Spanish
    assert "Un miembro busca una persona mentora" in proposal.text and "Noche" in proposal.text
    await ana.expect_no_message(within=0.3)
    assert rows(world, "SELECT timezone FROM mentor_requests") == [("America/Bogota",)]

    await ana.send("/mentor")
    profile = await ana.next_message()
    assert "paused" in profile.text
    await press_and_wait(ana, profile, "Resume")
    await ana.send("/mentor")
    await ana.press(await ana.next_message(), "Edit")
    assert "Let's update your profile" in (await ana.next_message()).text
    step = await ana.next_message()
    assert "✅ Alcohol" in step.button_texts()  # editing starts from what is stored
    await ana.send("/cancel")
    assert "nothing was saved" in (await ana.next_message()).text
    assert rows(world, f"SELECT status FROM mentor_profiles WHERE user_id = {ana.id}") == [("active",)]
