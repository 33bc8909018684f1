"""The README stays true: every command and every setting is documented there."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app.features import FEATURES
from bot.runtime.settings import Settings
from handlers.start import all_commands

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def section(title: str) -> str:
    match = re.search(rf"^## {title}\n(.*?)(?=^## )", README, flags=re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_every_command_is_in_the_commands_table() -> None:
    table = section("Commands")
    missing = sorted({c.name for c in all_commands(FEATURES)} - set(re.findall(r"`/([a-z_]+)", table)))
    assert missing == [], f"commands missing from the README: {missing}"


def test_every_setting_is_in_the_configuration_table() -> None:
    table = section("Configuration")
    missing = sorted(name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in table)
    assert missing == [], f"settings missing from the README: {missing}"


def test_clock_file_is_documented_as_test_only_with_its_format_and_signal() -> None:
    """CLOCK_FILE changes how the bot tells time: where it is configured, say so in full."""
    row = next(line for line in section("Configuration").splitlines() if "`CLOCK_FILE`" in line)
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    comment = example.split("CLOCK_FILE=")[0].rsplit("\n\n", 1)[1]
    for text in (row, comment):
        assert "test-only" in text.lower() and "never set in production" in text.lower()
        assert "ISO-8601" in text and "SIGUSR1" in text
