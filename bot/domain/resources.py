"""The resource directory: helplines, fellowships and local services, with crisis lines first.

Two sources feed it: deployment-wide defaults from a TOML file (national lines, mutual-help
fellowships), read and validated at start-up, and each group's own entries that facilitators add
with a short "field: value" form.  Both go through :func:`problems`, so a bad entry is refused the
same way whether an operator or a facilitator wrote it.  No Telegram here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

from bot.domain.i18n import N_

DEFAULT_FILE = Path(__file__).with_name("data") / "resources.toml"

# Shown in this order; crisis lines always come first.
CATEGORIES: dict[str, str] = {
    "crisis": N_("Crisis lines"),
    "helpline": N_("Helplines"),
    "fellowship": N_("Mutual-help fellowships"),
    "local": N_("Local services"),
    "other": N_("Other"),
}
CRISIS = "crisis"

MAX_GROUP_ENTRIES = 30  # a directory, not a database: each category stays readable in a few pages
LIMITS = {"name": 80, "description": 300, "phone": 40, "link": 200, "hours": 80}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s<>\"]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Resource:
    category: str
    name: str
    description: str = ""
    phone: str = ""
    link: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Problem:
    """Why an entry is refused: an N_-marked message and the values for its placeholders."""

    message: str
    values: dict[str, str | int] = field(default_factory=dict)


class ResourceFileError(ValueError):
    """The defaults file is missing or malformed; the message says where and why, in English."""


def problems(resource: Resource) -> list[Problem]:
    """Everything wrong with an entry; an empty list means it may be shown."""
    found: list[Problem] = []
    if resource.category not in CATEGORIES:
        found.append(
            Problem(N_("The category must be one of: {choices}."), {"choices": ", ".join(CATEGORIES)})
        )
    if not resource.name.strip():
        found.append(Problem(N_("The resource needs a name.")))
    for name, limit in LIMITS.items():
        if len(getattr(resource, name)) > limit:
            found.append(
                Problem(
                    N_("The {field} is too long: at most {limit} characters."),
                    {"field": name, "limit": limit},
                )
            )
    if not resource.phone and not resource.link:
        found.append(Problem(N_("Give a phone number or a link, so people can reach it.")))
    if resource.phone and not any(ch.isdigit() for ch in resource.phone):
        found.append(Problem(N_("The phone must contain a number.")))
    if resource.link and not _URL.match(resource.link):
        found.append(Problem(N_("The link must be a web address starting with https://")))
    return found


def ordered(resources: Iterable[Resource]) -> list[Resource]:
    """Category order (crisis first), keeping each source's own order within a category."""
    rank = {key: index for index, key in enumerate(CATEGORIES)}
    return sorted(resources, key=lambda r: rank.get(r.category, len(rank)))


def _reaches(resource: Resource) -> set[str]:
    digits = "".join(ch for ch in resource.phone if ch.isdigit())
    link = resource.link.lower().rstrip("/").removeprefix("https://").removeprefix("http://")
    return {value for value in (f"tel:{digits}" if digits else "", f"web:{link}" if link else "") if value}


def without_repeats(first: Sequence[Resource], rest: Iterable[Resource]) -> list[Resource]:
    """*first*, then the entries of *rest* that reach a number or site not already listed.

    The crisis lines /sos gives come first and win; a file or a group listing the same line
    again would only make a person in crisis read it twice."""
    seen: set[str] = set()
    for resource in first:
        seen |= _reaches(resource)
    kept = list(first)
    for resource in rest:
        if not _reaches(resource) & seen:
            kept.append(resource)
            seen |= _reaches(resource)
    return kept


def by_category(resources: Iterable[Resource]) -> dict[str, list[Resource]]:
    grouped: dict[str, list[Resource]] = {}
    for resource in ordered(resources):
        grouped.setdefault(resource.category, []).append(resource)
    return grouped


# -- the defaults file ------------------------------------------------------------------------


def _entry(index: int, raw: object) -> Resource:
    if not isinstance(raw, dict):
        raise ResourceFileError(f"resource {index} is not a table")
    known = {f.name for f in fields(Resource)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ResourceFileError(f"resource {index} has unknown keys: {', '.join(unknown)}")
    if not all(isinstance(value, str) for value in raw.values()):
        raise ResourceFileError(f"resource {index}: every value must be a string in quotes")
    if "category" not in raw or "name" not in raw:
        raise ResourceFileError(f"resource {index} needs a category and a name")
    resource = Resource(**{key: value.strip() for key, value in raw.items()})
    wrong = problems(resource)
    if wrong:
        reason = wrong[0].message.format(**wrong[0].values)
        raise ResourceFileError(f"resource {index} ({resource.name}): {reason}")
    return resource


@lru_cache(maxsize=4)
def load_resource_file(path: Path) -> tuple[Resource, ...]:
    """Read and validate a defaults file (``[[resource]]`` tables); cached, as it never changes
    while the bot runs."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ResourceFileError(f"cannot read {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ResourceFileError(f"{path} is not valid TOML: {error}") from None
    entries = data.get("resource")
    if not isinstance(entries, list) or not entries:
        raise ResourceFileError(f"{path} has no [[resource]] entries")
    try:
        return tuple(_entry(index, raw) for index, raw in enumerate(entries, start=1))
    except ResourceFileError as error:
        raise ResourceFileError(f"{path}: {error}") from None


# -- the facilitators' form -------------------------------------------------------------------

FORM_FIELDS = ("category", "name", "description", "phone", "link", "hours")
FIELD_LABELS = {
    "category": N_("category"),
    "name": N_("name"),
    "description": N_("description"),
    "phone": N_("phone"),
    "link": N_("link"),
    "hours": N_("hours"),
}
# Every language's label is accepted, whatever language the form was shown in.
ALIASES = {
    "category": "category", "categoría": "category", "categoria": "category",
    "name": "name", "nombre": "name",
    "description": "description", "descripción": "description", "descripcion": "description",
    "phone": "phone", "teléfono": "phone", "telefono": "phone",
    "link": "link", "enlace": "link", "web": "link",
    "hours": "hours", "horario": "hours",
}  # fmt: skip


@dataclass(frozen=True)
class FormResult:
    resource: Resource | None
    problems: tuple[Problem, ...] = ()


def parse_form(text: str) -> FormResult:
    """Read "field: value" lines; a line without a known field continues the previous one."""
    values: dict[str, str] = {}
    current: str | None = None
    found: list[Problem] = []
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        name = ALIASES.get(key.strip().lower()) if sep else None
        if name is not None:
            current = name
            values[name] = rest.strip()
        elif current is not None and line.strip():
            values[current] = f"{values[current]} {line.strip()}".strip()
        elif line.strip():
            found.append(
                Problem(
                    N_("I could not read “{line}”: write each field as “name: value”."),
                    {"line": line.strip()[:40]},
                )
            )
    resource = Resource(**{name: values.get(name, "") for name in FORM_FIELDS})
    resource = replace(resource, category=resource.category.lower())
    found += problems(resource)
    return FormResult(None if found else resource, tuple(found))


def form_lines(resource: Resource | None, labels: Sequence[str]) -> list[str]:
    """The form, prefilled with *resource* (for editing) or empty; *labels* in FORM_FIELDS order."""
    return [
        f"{label}: {getattr(resource, name) if resource else ''}"
        for name, label in zip(FORM_FIELDS, labels, strict=True)
    ]
