"""Time-zone names: validation and friendly suggestions for typos (no Telegram here)."""

from __future__ import annotations

import difflib
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@cache
def _known() -> dict[str, str]:
    """Lower-cased name -> canonical IANA name, leaving out legacy aliases like 'US/Eastern'."""
    names = {
        name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
    }
    return {name.lower(): name for name in names | {"UTC"}}


def canonical_timezone(text: str) -> str | None:
    """The IANA name for *text* ('europe/madrid', ' Europe/Madrid '), or None if unknown."""
    name = _known().get(text.strip().replace(" ", "_").lower())
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return None
    return name


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    """Close names for a typo ('Europe/Madird' -> 'Europe/Madrid'), or names of a city."""
    wanted = text.strip().replace(" ", "_").lower()
    known = _known()
    city_matches = [
        name for low, name in known.items() if low.rsplit("/", 1)[-1] == wanted.rsplit("/", 1)[-1]
    ]
    close = difflib.get_close_matches(wanted, list(known), n=limit, cutoff=0.6)
    ordered = dict.fromkeys(city_matches + [known[c] for c in close])
    return list(ordered)[:limit]
