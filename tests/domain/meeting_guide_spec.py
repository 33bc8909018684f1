"""An independent checker for Meeting Guide JSON feeds, written from the spec (not from our code).

Source: https://github.com/code4recovery/spec (README "Specification" and "Field Definitions",
and ``schema/meeting.schema.json``).  It checks what the spec states as rules:

* the feed is a JSON array of objects; ``name`` (string, at most 255) and ``slug`` (URL-safe,
  at most 64, unique in the data set; a string, though integer ids are allowed) are required;
* ``day`` is an integer 0-6 (Sunday 0) or an array of them; weekly meetings need both ``day``
  and ``time``; ``time`` / ``end_time`` are five-character ``HH:MM`` 24-hour strings;
* ``timezone`` is a tz database name; ``updated`` is ``YYYY-MM-DD HH:MM:SS``;
* ``types`` is an array of strings; ``approximate`` is "yes" or "no"; ``latitude`` /
  ``longitude`` are numbers; ``conference_url``, ``url`` and the other URLs are absolute URIs;
  ``conference_phone`` matches the schema's pattern; ``notes``, ``location`` and the other
  plain-text fields hold no HTML; ``entity`` is present when any ``entity_*`` field is.

The schema's US-only address patterns (five-digit ZIP, two-letter state) are not applied: the
README explicitly allows addresses like "Chicago, IL, USA" and feeds from other countries.
:func:`listable_in_app` adds the Meeting Guide app's own import requirements (README, "Meeting
Guide requirements"): slug, day, time and geographic information or a conference link/phone.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
UPDATED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
PHONE = re.compile(r"^[+]?\d{1,15}(?:[,*#]\d+)*$")
URL_SAFE = re.compile(r"^[A-Za-z0-9_~.-]+$")
HTML = re.compile(r"<[A-Za-z/!][^>]*>")
PLAIN_TEXT = ("name", "notes", "location", "location_notes", "group", "group_notes", "conference_url_notes")
STRINGS = (
    *PLAIN_TEXT,
    "formatted_address",
    "address",
    "city",
    "state",
    "postal_code",
    "country",
    "region",
    "sub_region",
    "conference_phone_notes",
    "entity",
    "entity_email",
    "entity_location",
    "entity_phone",
)
URLS = (
    "conference_url",
    "url",
    "edit_url",
    "feedback_url",
    "entity_logo",
    "entity_url",
    "entity_website_url",
)
GEOGRAPHY = ("formatted_address", "address", "city", "state", "postal_code", "country")


def validate_feed(feed: Any) -> list[str]:
    """Every rule the feed breaks, as readable lines; an empty list means it conforms."""
    if not isinstance(feed, list):
        return ["the feed must be a JSON array"]
    problems: list[str] = []
    slugs: set[str] = set()
    for index, entry in enumerate(feed):
        problems += [f"entry {index}: {problem}" for problem in validate_entry(entry)]
        if isinstance(entry, dict) and isinstance(entry.get("slug"), str | int):
            slug = str(entry["slug"])
            if slug in slugs:
                problems.append(f"entry {index}: slug {slug!r} is not unique")
            slugs.add(slug)
    return problems


def validate_entry(entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return ["a meeting must be a JSON object"]
    problems: list[str] = []
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name is required and must be a non-empty string")
    elif len(name) > 255:
        problems.append("name is longer than 255 characters")
    problems += _slug(entry)
    problems += _day_and_time(entry)
    problems += _fields(entry)
    return problems


def _slug(entry: dict[str, Any]) -> list[str]:
    slug = entry.get("slug")
    if isinstance(slug, int) and not isinstance(slug, bool):
        return []
    if not isinstance(slug, str) or not slug:
        return ["slug is required (a string, or an integer id)"]
    if len(slug) > 64:
        return ["slug is longer than 64 characters"]
    return [] if URL_SAFE.match(slug) else [f"slug {slug!r} is not URL-safe"]


def _is_day(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6


def _day_and_time(entry: dict[str, Any]) -> list[str]:
    problems = []
    day = entry.get("day")
    if "day" in entry:
        days = day if isinstance(day, list) else [day]
        if not days or not all(_is_day(d) for d in days):
            problems.append("day must be an integer 0-6 or an array of them")
    if ("day" in entry) != ("time" in entry):
        problems.append("weekly meetings need both day and time")
    for key in ("time", "end_time"):
        if key in entry and not (isinstance(entry[key], str) and HH_MM.match(entry[key])):
            problems.append(f"{key} must be a five-character HH:MM 24-hour time")
    return problems


def _fields(entry: dict[str, Any]) -> list[str]:
    problems = [
        f"{key} must be a string" for key in STRINGS if key in entry and not isinstance(entry[key], str)
    ]
    problems += [
        f"{key} must be plain text, not HTML"
        for key in PLAIN_TEXT
        if isinstance(entry.get(key), str) and HTML.search(entry[key])
    ]
    if "timezone" in entry and not _is_zone(entry["timezone"]):
        problems.append("timezone must be a tz database name")
    if "updated" in entry and not _is_updated(entry["updated"]):
        problems.append("updated must be a UTC timestamp YYYY-MM-DD HH:MM:SS")
    if "types" in entry and not (
        isinstance(entry["types"], list) and all(isinstance(t, str) for t in entry["types"])
    ):
        problems.append("types must be an array of type codes")
    if "approximate" in entry and entry["approximate"] not in ("yes", "no"):
        problems.append('approximate must be "yes" or "no"')
    for key in ("latitude", "longitude"):
        if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], int | float)):
            problems.append(f"{key} must be a number")
    problems += [f"{key} must be an absolute URL" for key in URLS if key in entry and not _is_url(entry[key])]
    phone = entry.get("conference_phone")
    if "conference_phone" in entry and not (isinstance(phone, str) and PHONE.match(phone)):
        problems.append("conference_phone must be digits, optionally + first and , * # after")
    if any(key.startswith("entity_") for key in entry) and not entry.get("entity"):
        problems.append("entity is required when other entity fields are present")
    return problems


def _is_zone(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        return False
    return True


def _is_updated(value: Any) -> bool:
    if not isinstance(value, str) or not UPDATED.match(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)


def listable_in_app(entry: dict[str, Any]) -> bool:
    """The Meeting Guide app's import needs: slug, day, time, and a place or a way to join online."""
    online = bool(entry.get("conference_url") or entry.get("conference_phone"))
    geography = any(entry.get(key) for key in GEOGRAPHY)
    return bool(entry.get("slug") and "day" in entry and entry.get("time") and (geography or online))
