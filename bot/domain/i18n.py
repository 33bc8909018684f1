"""Translations: every user-facing string passes through a :class:`Translator`.

Catalogs are Babel ``.po`` files, one per feature, under ``bot/domain/locales/<lang>/LC_MESSAGES/``.
They are read at start-up and merged, so each feature owns its strings without a shared
catalog file to fight over.  English is the source language and needs no catalog.

Mark strings with ``tr._("...")`` where they are rendered, with ``N_("...")`` where they are
defined ahead of time (command descriptions, domain constants) and translated later, and with
``tr.n_(singular, plural, n)`` for plurals.  ``tests/test_i18n.py`` extracts every marked
string and fails when a catalog lacks one.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    """Translates into one language; cheap to pass to every renderer."""

    language: str
    translations: NullTranslations

    def _(self, message: str) -> str:
        return self.translations.gettext(message)

    def n_(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)


@functools.cache
def supported_languages() -> tuple[str, ...]:
    """English plus every language that has a catalog directory (listed once: catalogs ship with
    the code, and this is asked on every update)."""
    found = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())
    return (DEFAULT_LANGUAGE, *found)


def resolve_language(code: str | None) -> str:
    """Map a Telegram ``language_code`` (``es``, ``es-MX``, ``pt-br``) onto a language we speak."""
    if code:
        base = code.replace("_", "-").split("-")[0].lower()
        if base in supported_languages():
            return base
    return DEFAULT_LANGUAGE


def language_name(code: str) -> str:
    """The language's own name for itself, e.g. ``español``; used on the language buttons."""
    return (Locale.parse(code).get_display_name(code) or code).capitalize()


def load_catalog(language: str) -> Catalog:
    """Merge every feature's ``.po`` file for *language* into one catalog.

    The plural rule is the catalogs' own (their ``Plural-Forms`` header), not Babel's from CLDR:
    CLDR gives Spanish three forms (one, many, other) where the catalogs, like gettext, write two,
    and with CLDR's rule every Spanish plural but the singular came out in English."""
    merged = Catalog(locale=language)
    for po_file in sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_file.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        if "Plural-Forms" in dict(catalog.mime_headers):
            merged.mime_headers = [("Plural-Forms", dict(catalog.mime_headers)["Plural-Forms"])]
        for message in catalog:
            if message.id:
                merged[message.id] = message
    return merged


@cache
def translator(language: str) -> Translator:
    """The translator for *language* (falls back to English for unknown codes)."""
    language = resolve_language(language)
    if language == DEFAULT_LANGUAGE:
        return Translator(language, NullTranslations())
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(language))
    buffer.seek(0)
    return Translator(language, Translations(fp=buffer))
