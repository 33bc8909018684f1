"""Every string the meetings domain marks for translation has a Spanish translation.

The project-wide i18n test covers all catalogs; this one keeps the meetings catalog honest on its
own branch and also checks that translations keep the ``{placeholders}`` they are formatted with.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    "bot/domain/recurrence.py",
    "bot/domain/meetings.py",
    "bot/domain/meeting_form.py",
    "bot/domain/calendar_export.py",
]
CATALOG = ROOT / "bot/domain/locales/es/LC_MESSAGES/meetings.po"
KEYWORDS = {"N_": None, "_": None, "n_": (1, 2)}


def marked_strings() -> list[str]:
    found: list[str] = []
    for module in MODULES:
        for _, message, _, _ in extract_from_file("python", str(ROOT / module), keywords=KEYWORDS):
            found.extend([message] if isinstance(message, str) else message)
    return found


def spanish() -> dict[str, str]:
    with CATALOG.open("rb") as handle:
        messages = read_po(handle, locale="es")
        return {
            m.id: m.string for m in messages if isinstance(m.id, str) and isinstance(m.string, str) and m.id
        }


def test_the_modules_mark_strings() -> None:
    assert len(marked_strings()) > 20


@pytest.mark.parametrize("message", marked_strings())
def test_marked_string_has_a_spanish_translation_with_the_same_placeholders(message: str) -> None:
    translation = spanish().get(message)
    assert translation, f"missing Spanish translation for {message!r}"
    assert set(re.findall(r"\{\w+\}", translation)) == set(re.findall(r"\{\w+\}", message))
