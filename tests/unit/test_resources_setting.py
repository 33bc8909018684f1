"""RESOURCES_FILE: the bundled list by default; a bad file stops start-up with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.resources import DEFAULT_FILE
from bot.runtime.settings import SettingsError, load_settings


def test_the_bundled_file_is_used_unless_another_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().resources_path == DEFAULT_FILE
    own = tmp_path / "mine.toml"
    own.write_text("[[resource]]\ncategory = 'crisis'\nname = 'Línea'\nphone = '024'\n")
    monkeypatch.setenv("RESOURCES_FILE", str(own))
    assert load_settings().resources_path == own


def test_a_bad_file_is_one_line_naming_the_variable_and_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[resource]]\ncategory = 'crisis'\nname = 'Línea'\n")
    monkeypatch.setenv("RESOURCES_FILE", str(bad))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("RESOURCES_FILE is not valid") and "\n" not in message
    assert "resource 1 (Línea): Give a phone number or a link" in message
