"""The toggles on the /settings screen, declared by the features they belong to.

A feature adds a row to /settings through its ``Feature.settings``::

    SETTINGS = (Toggle("private_announcements", N_("Announcements in private"), default=False),)

and reads the person's choice with ``PreferenceRepository.get_bool(user_id, toggle.key,
toggle.default)``.  Nothing else needs editing: the screen collects every feature's toggles.

A feature whose switch is more than a yes/no in the preferences table (a daily prompt with its
own time and schedule) passes ``load`` and ``save``; the screen then asks the feature instead::

    Toggle("daily_check_in", N_("Daily check-in prompt"), load=has_prompt, save=switch_prompt)

with ``async def has_prompt(application, user_id) -> bool`` and
``async def switch_prompt(application, user_id, on: bool) -> None``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Load = Callable[[Any, int], Awaitable[bool]]  # (application, user_id) -> on?
Save = Callable[[Any, int, bool], Awaitable[None]]  # (application, user_id, on)

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Toggle:
    key: str  # stored in the database and carried in button data: short, stable, lower_snake
    label: str  # N_-marked; what the row says
    default: bool = False
    hint: str = ""  # N_-marked one-line explanation under the screen's title
    order: int = 50
    load: Load | None = None  # the feature keeps this switch itself (see the module docstring)
    save: Save | None = None

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"bad preference key {self.key!r}")
        if (self.load is None) != (self.save is None):
            raise ValueError(f"preference {self.key!r} needs both load and save, or neither")


class HasSettings(Protocol):
    @property
    def settings(self) -> Sequence[Toggle]: ...  # read-only: a frozen Feature has it too


def collect(features: Iterable[HasSettings]) -> list[Toggle]:
    """Every feature's toggles in screen order; a key declared twice is a programming error."""
    toggles = [toggle for feature in features for toggle in feature.settings]
    keys = [toggle.key for toggle in toggles]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"preference keys declared twice: {duplicates}")
    return sorted(toggles, key=lambda t: (t.order, t.key))
