"""Every marked string has a Spanish translation, and translations keep their placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir

from bot.domain.i18n import N_, load_catalog, resolve_language, supported_languages, translator

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def marked_strings() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers", "storage"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            # A plural message is keyed by its singular msgid; its forms are checked together.
            text = message[0] if isinstance(message, tuple) else message
            if text:
                found.add(text)
    return found


def test_the_extractor_finds_strings() -> None:
    strings = marked_strings()
    assert "The commands you can use here" in strings
    assert len(strings) > 20


def _translated(message: Message | None) -> bool:
    """Present, and every form filled in (a plural has one per form)."""
    if message is None or not message.string:
        return False
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms)


@pytest.mark.parametrize("language", [code for code in supported_languages() if code != "en"])
def test_every_marked_string_is_translated(language: str) -> None:
    catalog = load_catalog(language)
    missing = sorted(text for text in marked_strings() if not _translated(catalog.get(text)))
    assert missing == [], f"{len(missing)} strings lack a {language} translation: {missing[:10]}"


@pytest.mark.parametrize("language", [code for code in supported_languages() if code != "en"])
def test_translations_keep_their_placeholders(language: str) -> None:
    for message in load_catalog(language):
        if not message.id or not message.string:
            continue
        # Babel keeps a plural's forms in a tuple or a list (as Message.pluralizable checks).
        source = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        targets = tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)
        for target in targets:
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), source


def test_translator_translates_and_falls_back() -> None:
    assert translator("es")._(N_("The commands you can use here")) != "The commands you can use here"
    assert translator("en")._("The commands you can use here") == "The commands you can use here"
    assert translator("xx").language == "en"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("es", "es"), ("es-MX", "es"), ("ES", "es"), ("en-GB", "en"), ("fr", "en"), (None, "en")],
)
def test_language_resolution(code: str | None, expected: str) -> None:
    assert resolve_language(code) == expected


def test_spanish_plurals_follow_the_catalogs_two_forms() -> None:
    """Babel's CLDR rule gives Spanish three forms; the catalogs (like gettext) write two."""
    counted = ("{n} person was counted.", "{n} people were counted.")
    assert translator("es").n_(*counted, 1) == "Se contó {n} persona."
    for n in (0, 2, 3, 1_000_000):
        assert translator("es").n_(*counted, n) == "Se contaron {n} personas.", n
