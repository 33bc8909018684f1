"""Where to send someone in crisis: helplines per language, as data.

The defaults are the United States lines (988 Suicide & Crisis Lifeline, the SAMHSA National
Helpline, 911), with Spanish instructions for Spanish speakers.  A deployment elsewhere sets
``CRISIS_RESOURCES_FILE`` to a JSON or TOML file and :func:`load_crisis_resources` reads it, with
the same shape as :data:`DEFAULT_RESOURCES`::

    region = "GB"
    emergency_number = "999"

    [[lines.en]]
    name = "Samaritans"
    description = "Free, 24/7, for anyone who is struggling."
    phone = "116 123"
    url = "https://www.samaritans.org"
    categories = ["suicidal", "self_harm"]      # optional; all categories when left out

The default texts are marked with ``N_`` and translated where they are shown; a file's texts
are shown as written (the translator passes unknown strings through), so a file gives each
language its own list.  This module only holds data: the handler renders the message.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain.crisis import CrisisCategory
from bot.domain.i18n import DEFAULT_LANGUAGE, N_


class CrisisResourcesError(ValueError):
    """The crisis resources file is unreadable or malformed; the message names the problem."""


@dataclass(frozen=True)
class CrisisLine:
    """One helpline: at least one of ``phone``, ``sms`` or ``url`` is set."""

    name: str
    description: str
    phone: str | None = None
    sms: str | None = None
    url: str | None = None
    categories: frozenset[CrisisCategory] = field(default_factory=lambda: frozenset(CrisisCategory))

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise CrisisResourcesError("a crisis line needs a name")
        if not (self.phone or self.sms or self.url):
            raise CrisisResourcesError(f"crisis line {self.name!r} needs a phone, sms or url")
        if not self.categories:
            raise CrisisResourcesError(f"crisis line {self.name!r} has an empty category list")


@dataclass(frozen=True)
class CrisisResources:
    """Helplines by language code, plus the local emergency number."""

    region: str
    emergency_number: str
    lines: Mapping[str, tuple[CrisisLine, ...]]

    def __post_init__(self) -> None:
        if not self.emergency_number.strip():
            raise CrisisResourcesError("emergency_number must not be empty")
        if not self.lines.get(DEFAULT_LANGUAGE):
            raise CrisisResourcesError(f"lines.{DEFAULT_LANGUAGE} is required: it is the fallback language")
        object.__setattr__(self, "lines", MappingProxyType(dict(self.lines)))

    def for_language(self, language: str) -> tuple[CrisisLine, ...]:
        """The lines for *language*, or the English ones when it has none."""
        return self.lines.get(language) or self.lines[DEFAULT_LANGUAGE]

    def for_category(self, language: str, category: CrisisCategory) -> tuple[CrisisLine, ...]:
        """The lines suited to *category*, most relevant first; every line if none is tagged for it."""
        lines = self.for_language(language)
        return tuple(line for line in lines if category in line.categories) or lines


_ALL = frozenset(CrisisCategory)
_SUBSTANCE = frozenset({CrisisCategory.OVERDOSE, CrisisCategory.RELAPSE_DISTRESS})

_LIFELINE_URL = "https://988lifeline.org"
_SAMHSA_URL = "https://www.samhsa.gov/find-help/helplines/national-helpline"

DEFAULT_RESOURCES = CrisisResources(
    region="US",
    emergency_number="911",
    lines={
        "en": (
            CrisisLine(
                name=N_("988 Suicide & Crisis Lifeline"),
                description=N_("Call or text 988, any time. Free and confidential."),
                phone="988",
                sms="988",
                url=_LIFELINE_URL,
                categories=_ALL,
            ),
            CrisisLine(
                name=N_("SAMHSA National Helpline"),
                description=N_(
                    "Free, confidential, 24/7 help with substance use and mental health, "
                    "including treatment referrals."
                ),
                phone="1-800-662-4357",
                url=_SAMHSA_URL,
                categories=_SUBSTANCE,
            ),
        ),
        "es": (
            CrisisLine(
                name=N_("988 Lifeline, option 2 for Spanish"),
                description=N_("Call 988 and press 2 for Spanish, or text AYUDA to 988. Free, 24/7."),
                phone="988",
                sms="988",
                url=_LIFELINE_URL,
                categories=_ALL,
            ),
            CrisisLine(
                name=N_("SAMHSA National Helpline, in Spanish"),
                description=N_(
                    "Free, confidential, 24/7 help with substance use and mental health, in Spanish."
                ),
                phone="1-800-662-4357",
                url=_SAMHSA_URL,
                categories=_SUBSTANCE,
            ),
        ),
    },
)

_LINE_KEYS = frozenset({"name", "description", "phone", "sms", "url", "categories"})
_TOP_KEYS = frozenset({"region", "emergency_number", "lines"})


def load_crisis_resources(path: Path | str | None) -> CrisisResources:
    """Read *path* (``.json`` or ``.toml``), or return the US defaults when *path* is None.

    Raises :class:`CrisisResourcesError` naming the file and the field at fault, so a bad
    deployment fails at start-up rather than when someone needs the numbers.
    """
    if path is None:
        return DEFAULT_RESOURCES
    path = Path(path)
    try:
        return _parse(_read(path))
    except CrisisResourcesError as error:
        raise CrisisResourcesError(f"{path}: {error}") from None


def _read(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CrisisResourcesError(f"cannot read the file ({error.strerror})") from None
    try:
        if path.suffix == ".json":
            return json.loads(raw)
        if path.suffix == ".toml":
            return tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CrisisResourcesError(f"not valid {path.suffix[1:].upper()}: {error}") from None
    raise CrisisResourcesError("the file name must end in .json or .toml")


def _parse(data: Any) -> CrisisResources:
    table = _mapping(data, "the top level", _TOP_KEYS)
    lines = _mapping(table.get("lines"), "lines", None)
    return CrisisResources(
        region=_text(table, "region", "the top level", required=False) or "",
        emergency_number=_text(table, "emergency_number", "the top level", required=True) or "",
        lines={
            language: tuple(_line(entry, f"lines.{language}[{i}]") for i, entry in enumerate(entries))
            for language, entries in lines.items()
            if _nonempty_list(entries, f"lines.{language}")
        },
    )


def _line(entry: Any, where: str) -> CrisisLine:
    table = _mapping(entry, where, _LINE_KEYS)
    categories = table.get("categories", [category.value for category in CrisisCategory])
    if not isinstance(categories, list) or not categories:
        raise CrisisResourcesError(f"{where}.categories must be a non-empty list")
    try:
        parsed = frozenset(CrisisCategory(value) for value in categories)
    except ValueError:
        known = ", ".join(category.value for category in CrisisCategory)
        raise CrisisResourcesError(f"{where}.categories: use only {known}") from None
    return CrisisLine(
        name=_text(table, "name", where, required=True) or "",
        description=_text(table, "description", where, required=False) or "",
        phone=_text(table, "phone", where, required=False),
        sms=_text(table, "sms", where, required=False),
        url=_url(_text(table, "url", where, required=False), where),
        categories=parsed,
    )


def _mapping(value: Any, where: str, allowed: frozenset[str] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CrisisResourcesError(f"{where} must be a table/object")
    unknown = set(value) - allowed if allowed is not None else set()
    if unknown:
        raise CrisisResourcesError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    return value


def _nonempty_list(value: Any, where: str) -> bool:
    if not isinstance(value, list) or not value:
        raise CrisisResourcesError(f"{where} must be a non-empty list of lines")
    return True


def _text(table: dict[str, Any], key: str, where: str, *, required: bool) -> str | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CrisisResourcesError(f"{where}.{key} must be a non-empty string")
    return value.strip()


def _url(value: str | None, where: str) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise CrisisResourcesError(f"{where}.url must start with https:// or http://")
    return value
