"""/resources through the emulator: crisis lines first, categories, and facilitators' own entries."""

from __future__ import annotations

from pathlib import Path

from emulator import Button
from tests.e2e.conftest import Launch, World


async def test_the_directory_puts_crisis_lines_first_and_lists_categories(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    await maya.send("/resources", chat=group)
    home = await group.next_message()
    assert home.text.index("988 Suicide & Crisis Lifeline") < home.text.index("More, by category")
    assert "Crisis Text Line" in home.text and "741741" in home.text
    assert home.text.count("988 Suicide & Crisis Lifeline") == 1
    assert home.text.count("1-800-662-4357") == 1  # in /sos's lines and in the file: shown once
    assert home.button_texts() == ["Mutual-help fellowships (4)"]  # no Manage in a group
    await maya.press(home, "Mutual-help fellowships (4)")
    fellowships = await home.next_edit()
    for name in ("Alcoholics Anonymous (AA)", "Narcotics Anonymous (NA)", "SMART Recovery", "Al-Anon"):
        assert name in fellowships.text
    assert "988" not in fellowships.text
    await maya.press(fellowships, "« Back")
    assert "988 Suicide" in (await home.next_edit()).text
    lucia = world.person("Lucía", language_code="es")
    await lucia.send("/resources")
    alone = await lucia.next_message()  # in no group: only the national lines, in Spanish
    assert "Si estás en peligro" in alone.text
    assert "Línea 988, opción 2 para español" in alone.text  # /sos's Spanish lines lead
    assert "Grupos de ayuda mutua (4)" in alone.button_texts()


async def test_a_facilitator_adds_edits_and_removes_the_groups_entries(world: World) -> None:
    sam, maya = world.person("Sam"), world.person("Maya")
    group = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    await sam.send("/resources")
    home = await sam.next_message()
    await sam.press(home, "✏️ Manage this group's entries")
    manage = await home.next_edit()
    assert "There are none yet" in manage.text
    await sam.press(manage, "➕ Add")
    prompt = await sam.next_message()
    assert "category: \nname: " in prompt.text
    await sam.send("category: local\nname: Warmline\nlink: javascript:alert(1)")
    refusal = await sam.next_message()
    assert "The link must be a web address" in refusal.text
    await sam.send(
        "category: local\nname: <b>Warm</b> line & friends\ndescription: Someone to talk to\n"
        "phone: 555-0100\nhours: 18:00-22:00"
    )
    assert "Saved “<b>Warm</b> line & friends”" in (await sam.next_message()).text
    listing = await sam.next_message()
    assert "1. <b>Warm</b> line & friends — Local services" in listing.text

    await maya.send("/resources", chat=group)  # the bot meets Maya in the group
    await group.next_message()
    await maya.send("/resources")
    mine = await maya.next_message()
    assert "✏️ Manage this group's entries" not in mine.button_texts()
    await maya.press(mine, "Local services (1)")
    local = await mine.next_edit()
    assert "<b>Warm</b> line & friends" in local.text and "📞 555-0100 · 🕒 18:00-22:00" in local.text

    await sam.press(listing, "✏️ 1. <b>Warm</b> line & friends")
    prefilled = await sam.next_message()
    assert "phone: 555-0100" in prefilled.text
    await sam.send(prefilled.text.split("\n\n")[1].replace("555-0100", "555-0199"))
    assert "Saved" in (await sam.next_message()).text
    listing = await sam.next_message()
    await sam.press(listing, "🗑 Remove")
    confirm = await listing.next_edit()
    assert "Remove “<b>Warm</b> line & friends”" in confirm.text
    await sam.press(confirm, "Yes, remove it")
    assert "There are none yet" in (await confirm.next_edit()).text


async def test_members_cannot_manage_and_forged_buttons_are_refused(world: World) -> None:
    sam, maya, rae = world.person("Sam"), world.person("Maya"), world.person("Rae")
    circle = await world.group_with_bot("Tuesday Circle", admin=sam, members=(maya,))
    other = await world.group_with_bot("Other Circle", admin=rae)
    await maya.send("/resources", chat=circle)
    await circle.next_message()
    await maya.send("/resources")
    mine = await maya.next_message()
    answer = await world.emulator.press(maya, mine, Button("x", f"resm:add:{circle.id}"), 5.0)
    assert answer is not None and answer.show_alert and "facilitators" in (answer.text or "")
    answer = await world.emulator.press(maya, mine, Button("x", f"res:{other.id}:home:0"), 5.0)
    assert answer is not None and "no longer works" in (answer.text or "")
    # A facilitator of one group cannot manage another group's entries either.
    await sam.send("/resources")
    sams = await sam.next_message()
    answer = await world.emulator.press(sam, sams, Button("x", f"resm:list:{other.id}"), 5.0)
    assert answer is not None and answer.show_alert
    await maya.expect_no_message(within=0.3)


async def test_a_long_directory_is_shown_a_page_at_a_time(launch: Launch, tmp_path: Path) -> None:
    lines = tmp_path / "lines.toml"
    lines.write_text(
        "".join(
            f"[[resource]]\ncategory = 'crisis'\nname = 'Line {n:02d}'\nphone = '0800 {n:03d}'\n"
            f"description = '{'Always there for you. ' * 13}'\n\n"
            for n in range(14)
        )
    )
    world = await launch(env={"RESOURCES_FILE": str(lines)})
    ana = world.person("Ana")
    await ana.send("/resources")
    home = await ana.next_message()
    assert "Line 00" in home.text and "Line 13" not in home.text
    assert home.button_texts() == ["Crisis lines (16)"]  # /sos's two lines and these; the rest, first
    await ana.press(home, "Crisis lines (16)")
    first = await home.next_edit()
    assert first.button_texts() == ["›", "« Back"]
    seen = first.text
    while "›" in first.button_texts():
        await ana.press(first, "›")
        first = await home.next_edit()
        seen += first.text
    assert first.button_texts() == ["‹", "« Back"]
    assert all(f"Line {n:02d}" in seen for n in range(14))
