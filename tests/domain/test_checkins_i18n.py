"""Every string this feature marks has a Spanish translation that keeps its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from bot.domain.i18n import translator

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    "bot/domain/checkins.py",
    "bot/domain/crisis_resources.py",
    "bot/domain/crisis.py",
    "bot/domain/charts.py",
]
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def marked(path: str) -> list[str]:
    return [
        message
        for _line, message, _comments, _context in extract_from_file(
            "python", ROOT / path, keywords={"_": None, "N_": None}
        )
        if isinstance(message, str)  # always, with these singular keywords
    ]


STRINGS = [text for path in FILES for text in marked(path)]


def test_strings_were_found() -> None:
    assert len(STRINGS) >= 10


@pytest.mark.parametrize("text", STRINGS)
def test_spanish_translation_exists_and_keeps_placeholders(text: str) -> None:
    spanish = translator("es")._(text)
    assert spanish != text
    assert set(PLACEHOLDER.findall(spanish)) == set(PLACEHOLDER.findall(text))
