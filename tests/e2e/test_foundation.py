"""The foundation through the emulator: welcome, help per role, joining groups, time zones, language."""

from __future__ import annotations

import json

import pytest
from telegram import Bot

from emulator import Emulator
from tests.e2e.conftest import Launch, World, check_clean_run
from tests.e2e.harness import TOKEN, eventually


def groups_in_database(world: World) -> dict[int, tuple[str, str, int]]:
    with world.bot.connect() as conn:
        return {
            row[0]: row[1:] for row in conn.execute("SELECT chat_id, timezone, language, active FROM groups")
        }


async def test_start_welcomes_a_member_with_privacy_and_member_commands(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("/start")
    welcome = await maya.next_message()
    assert "Hi Maya" in welcome.text
    assert "pseudonym" in welcome.text  # the privacy statement
    assert "/help" in welcome.text
    assert "/settz" not in welcome.text  # a facilitator command


async def test_a_name_with_html_is_shown_as_text(world: World) -> None:
    mallory = world.person("<b>Mal</b> & co")
    await mallory.send("/start")
    welcome = await mallory.next_message()
    assert "Hi <b>Mal</b> & co" in welcome.text  # escaped, so shown literally; the emulator parsed it


async def test_joining_a_group_registers_it_and_greets(world: World) -> None:
    sam = world.person("Sam")
    group = world.emulator.add_group("Tuesday Circle")
    await group.add_member(sam, owner=True)
    await group.add_bot(by=sam)
    welcome = await group.next_message()
    assert "Kindred" in welcome.text and "UTC" in welcome.text
    assert groups_in_database(world)[group.id] == ("UTC", "en", 1)
    await group.remove_bot(by=sam)
    await eventually(lambda: groups_in_database(world)[group.id][2] == 0)


async def test_help_depends_on_role_and_chat(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    await maya.send("/help", chat=group)
    member_help = await group.next_message()
    await sam.send("/help", chat=group)
    facilitator_help = await group.next_message()
    assert "/settz" not in member_help.text
    assert "/settz" in facilitator_help.text
    assert "facilitator" in facilitator_help.text


async def test_editmeeting_is_in_help_and_in_the_facilitators_menu(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    await sam.send("/help", chat=group)
    assert "/editmeeting" in (await group.next_message()).text
    await maya.send("/help", chat=group)
    assert "/editmeeting" not in (await group.next_message()).text
    await world.emulator.wait_for(lambda: len(world.emulator.commands) >= 6, timeout=5)
    menus = {json.loads(scope)["type"]: menu for (scope, language), menu in world.emulator.commands.items()}
    assert "editmeeting" in [c["command"] for c in menus["all_chat_administrators"]]
    assert "editmeeting" not in [c["command"] for c in menus["all_group_chats"]]


async def test_settz_is_for_facilitators_and_explains_bad_input(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    await maya.send("/settz Europe/Madrid", chat=group)
    refusal = await group.next_message()
    assert "Only this group's facilitators" in refusal.text
    await sam.send("/settz Europe/Madird", chat=group)
    typo = await group.next_message()
    assert "Did you mean" in typo.text and "Europe/Madrid" in typo.text
    await sam.send("/settz <script>alert(1)</script>", chat=group)
    assert "I don't know the time zone" in (await group.next_message()).text
    await sam.send("/settz europe/madrid", chat=group)
    assert "Time zone set to Europe/Madrid" in (await group.next_message()).text
    assert groups_in_database(world)[group.id][0] == "Europe/Madrid"


async def test_language_button_switches_to_spanish(world: World) -> None:
    ana = world.person("Ana", language_code="en")
    await ana.send("/language")
    menu = await ana.next_message()
    assert menu.button_texts() == ["English", "Español"]
    answer = await ana.press(menu, "Español")
    assert answer is not None
    edited = await menu.next_edit()
    assert "Idioma cambiado" in edited.text
    await ana.send("/help")
    assert "Lo que puedes hacer aquí" in (await ana.next_message()).text


async def test_telegram_language_is_followed_until_one_is_chosen(world: World) -> None:
    lucia = world.person("Lucía", language_code="es-MX")
    await lucia.send("/start")
    assert "te damos la bienvenida" in (await lucia.next_message()).text


async def test_forged_language_buttons_are_refused(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    await sam.send("/language", chat=group)
    menu = await group.next_message()
    answer = await maya.press(menu, "Español")  # a member presses the admin's menu
    assert answer is not None and answer.show_alert
    assert "facilitators" in (answer.text or "")
    assert groups_in_database(world)[group.id][1] == "en"


async def test_coordinators_see_their_role(emulator: Emulator, launch: Launch) -> None:
    cleo = emulator.add_user("Cleo")  # coordinators are named by id before start, as an operator would
    await launch(coordinators=(cleo,))
    await cleo.send("/help")
    assert "as a coordinator" in (await cleo.next_message()).text


async def test_a_coordinators_welcome_and_help_arrive_whole(emulator: Emulator, launch: Launch) -> None:
    """A coordinator has the most commands, in Spanish the longest descriptions: nothing is lost."""
    lucia = emulator.add_user("Lucía", language_code="es")
    await launch(coordinators=(lucia,))
    for command in ("/start", "/help"):
        await lucia.send(command)
        parts = [await lucia.next_message()]
        while "/sos" not in parts[-1].text.splitlines()[-1]:  # the footer ends the help
            parts.append(await lucia.next_message())
        assert "/supportstats" in "".join(p.text for p in parts)
    await lucia.expect_no_message()


async def test_menus_are_published_per_scope_and_language(world: World) -> None:
    await world.emulator.wait_for(lambda: len(world.emulator.commands) >= 6, timeout=5)
    menus = {
        (json.loads(scope)["type"], language): menu
        for (scope, language), menu in world.emulator.commands.items()
    }
    assert {"all_private_chats", "all_group_chats", "all_chat_administrators"} <= {
        scope for scope, _ in menus
    }
    admin_menu = [c["command"] for c in menus[("all_chat_administrators", "")]]
    group_menu = [c["command"] for c in menus[("all_group_chats", "")]]
    assert "settz" in admin_menu and "settz" not in group_menu
    spanish_private = {c["command"]: c["description"] for c in menus[("all_private_chats", "es")]}
    assert spanish_private["help"] == "Los comandos que puedes usar aquí"


async def test_an_invalid_request_fails_the_test(world: World) -> None:
    """The safety net itself: a request real Telegram would reject makes check_clean_run fail."""
    async with Bot(TOKEN, base_url=f"{world.emulator.url}/bot") as rogue:
        person = world.person("Rae")
        await person.send("/start")
        await person.next_message()
        with pytest.raises(Exception, match=r"(?i)unsupported start tag"):
            await rogue.send_message(person.id, "<blink>unclosed", parse_mode="HTML")
    with pytest.raises(AssertionError, match="Telegram would reject"):
        check_clean_run(world)
    world.emulator.rejections.clear()  # so the fixture's own check passes


async def test_data_survives_a_restart(world: World) -> None:
    sam = world.person("Sam")
    group = await world.group_with_bot("Tuesday Circle", admin=sam)
    await sam.send("/settz Asia/Kolkata", chat=group)
    await group.next_message()
    assert await world.bot.stop() == 0
    await world.bot.start()
    await sam.send("/settz", chat=group)
    assert "Asia/Kolkata" in (await group.next_message()).text


async def test_a_message_nobody_expected_still_gets_a_kind_answer(world: World) -> None:
    maya = world.person("Maya")
    await maya.send("hello there, anyone home?")
    assert "/help" in (await maya.next_message()).text
    await maya.send("/nosuchcommand")
    assert "/help" in (await maya.next_message()).text
