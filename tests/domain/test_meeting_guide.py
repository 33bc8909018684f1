"""Meeting Guide feeds: the export meets the spec, the import explains refusals, round trips keep times."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.meeting_guide import (
    ImportErrorCode,
    SkipReason,
    build_feed,
    feed_json,
    meeting_slug,
    parse_feed,
    parse_feed_bytes,
    plain_text,
)
from bot.domain.meetings import MeetingSeries
from bot.domain.recurrence import Recurrence, RecurrenceKind, Schedule, occurrences
from tests.domain.meeting_guide_spec import listable_in_app, validate_feed

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WEEKLY = Recurrence(RecurrenceKind.WEEKLY)


def series(meeting_id: int, start: datetime, recurrence: Recurrence = WEEKLY, **text: str) -> MeetingSeries:
    zone = text.pop("zone", "America/New_York")
    schedule = Schedule(start, zone, timedelta(minutes=90), recurrence)
    return MeetingSeries(meeting_id, text.pop("title", f"Circle {meeting_id}"), schedule, **text)


GROUP_MEETINGS = [
    series(1, datetime(2026, 11, 24, 19, 0), title="Tuesday Circle", link="https://meet.example.org/tue"),
    series(
        2,
        datetime(2026, 11, 29, 9, 30),
        title="Café del domingo",
        place="12 Main St, Springfield",
        notes="Ring",
    ),
    series(3, datetime(2026, 11, 25, 19, 0), Recurrence(RecurrenceKind.WEEKLY, 2)),
    series(4, datetime(2026, 12, 7, 18, 0), Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, 0, 1)),
    series(5, datetime(2026, 12, 1, 18, 0), Recurrence()),
    series(6, datetime(2026, 1, 6, 18, 0), Recurrence(RecurrenceKind.WEEKLY, until=date(2026, 6, 30))),
]


def test_the_export_satisfies_the_spec_and_lists_what_it_left_out() -> None:
    feed = build_feed(GROUP_MEETINGS, NOW, group_name="Circle", language="es")
    assert validate_feed(json.loads(feed_json(feed.entries))) == []
    assert all(listable_in_app(entry) for entry in feed.entries)
    tuesday, sunday = feed.entries
    assert (tuesday["day"], tuesday["time"], tuesday["end_time"]) == (2, "19:00", "20:30")
    assert (
        tuesday["timezone"] == "America/New_York"
        and tuesday["conference_url"] == "https://meet.example.org/tue"
    )
    assert "formatted_address" not in tuesday and tuesday["types"] == ["S"]
    assert (sunday["day"], sunday["time"], sunday["slug"]) == (0, "09:30", "cafe-del-domingo-2")
    assert sunday["formatted_address"] == "12 Main St, Springfield" and sunday["notes"] == "Ring"
    assert tuesday["updated"] == "2026-11-23 12:00:00"
    assert [(m.id, reason) for m, reason in feed.skipped] == [
        (3, SkipReason.NOT_EVERY_WEEK),
        (4, SkipReason.MONTHLY),
        (5, SkipReason.ONCE),
        (6, SkipReason.ENDED),
    ]


def test_tag_like_text_is_published_defused_and_the_rest_as_typed() -> None:
    meeting = series(
        7, datetime(2026, 11, 24, 19, 0), title="Men's group <Tuesdays>", notes="<b>Bring tea</b> <3"
    )
    feed = build_feed([meeting], NOW, group_name="<i>Circle</i>")
    (entry,) = feed.entries
    assert validate_feed(feed.entries) == []
    assert entry["name"] == "Men's group ‹Tuesdays>"
    assert entry["notes"] == "‹b>Bring tea‹/b> <3"
    assert entry["group"] == "‹i>Circle‹/i>"


def test_the_updated_stamp_is_each_meetings_own_in_utc() -> None:
    changed = datetime(2026, 11, 1, 9, 5, 7, tzinfo=UTC)
    feed = build_feed(GROUP_MEETINGS[:1], NOW, updated={1: changed.astimezone()})
    assert feed.entries[0]["updated"] == "2026-11-01 09:05:07"


def test_slugs_are_url_safe_unique_and_short() -> None:
    long = series(123456, datetime(2026, 11, 24, 19, 0), title="Über " * 40)
    slug = meeting_slug(long)
    assert len(slug) <= 64 and slug.endswith("-123456") and slug.startswith("uber-uber")
    assert meeting_slug(series(7, datetime(2026, 11, 24, 19, 0), title="🌱🌱")) == "meeting-7"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"slug": "a", "day": 1, "time": "19:00"}, "name is required"),
        ({"name": "A", "day": 1, "time": "19:00"}, "slug is required"),
        ({"name": "A", "slug": "a b"}, "not URL-safe"),
        ({"name": "A", "slug": "a", "day": "Monday", "time": "19:00"}, "day must be"),
        ({"name": "A", "slug": "a", "day": 7, "time": "19:00"}, "day must be"),
        ({"name": "A", "slug": "a", "day": 1, "time": "7pm"}, "time must be"),
        ({"name": "A", "slug": "a", "day": 1}, "both day and time"),
        ({"name": "A", "slug": "a", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "A", "slug": "a", "updated": "2026-11-23T12:00:00Z"}, "updated"),
        ({"name": "A", "slug": "a", "notes": "<b>hi</b>"}, "plain text"),
        ({"name": "A", "slug": "a", "conference_phone": "call me"}, "conference_phone"),
        ({"name": "A", "slug": "a", "conference_url": "zoom"}, "absolute URL"),
    ],
)
def test_the_spec_validator_catches_what_the_spec_forbids(entry: dict, problem: str) -> None:
    problems = validate_feed([entry])
    assert any(problem in line for line in problems), problems


def test_import_keeps_valid_entries_and_explains_the_others() -> None:
    feed = [
        {
            "name": "Tuesday Circle",
            "slug": "tue",
            "day": 2,
            "time": "19:00",
            "end_time": "20:30",
            "timezone": "America/New_York",
            "conference_url": "https://meet.example.org/tue",
        },
        {
            "name": "Weekdays",
            "slug": "wd",
            "day": [1, 3],
            "time": "7:05",
            "location": "Hall",
            "address": "1 Road",
            "city": "Town",
            "conference_phone": "+1234,56#",
        },
        {
            "name": "Late",
            "slug": "late",
            "day": 5,
            "time": "23:30",
            "end_time": "00:30",
            "notes": "Bring tea",
        },
        {"slug": "x", "day": 1, "time": "19:00"},
        {"name": "Named day", "day": "Monday", "time": "19:00"},
        {"name": "Bad time", "day": 1, "time": "7pm"},
        {"name": "Zone", "day": 1, "time": "19:00", "timezone": "Mars/Olympus"},
        {"name": "Appointment"},
        {"name": "Insecure", "day": 1, "time": "19:00", "conference_url": "http://x.org"},
        {"name": "Again", "slug": "tue", "day": 1, "time": "19:00"},
        "not a meeting",
        {"name": "Long", "day": 1, "time": "19:00", "end_time": "03:30"},
    ]
    draft = parse_feed(feed, default_zone="Europe/Madrid", now=NOW)
    codes = [(p.index, p.code) for p in draft.problems]
    assert codes == [
        (3, ImportErrorCode.MISSING_NAME),
        (4, ImportErrorCode.BAD_DAY),
        (5, ImportErrorCode.BAD_TIME),
        (6, ImportErrorCode.UNKNOWN_TIMEZONE),
        (7, ImportErrorCode.NO_DAY_OR_TIME),
        (8, ImportErrorCode.BAD_CONFERENCE_URL),
        (9, ImportErrorCode.DUPLICATE_SLUG),
        (10, ImportErrorCode.NOT_AN_OBJECT),
        (11, ImportErrorCode.BAD_DURATION),
    ]
    assert draft.problems[1].name == "Named day"
    tuesday, monday, wednesday, late = draft.meetings
    assert tuesday.schedule.first_start == datetime(2026, 11, 24, 19, 0)
    assert tuesday.schedule.time_zone == "America/New_York" and tuesday.link == "https://meet.example.org/tue"
    assert tuesday.schedule.duration == timedelta(minutes=90)
    assert (monday.schedule.first_start, wednesday.schedule.first_start) == (
        datetime(2026, 11, 30, 7, 5),
        datetime(2026, 11, 25, 7, 5),
    )
    assert monday.schedule.time_zone == "Europe/Madrid" and monday.place == "Hall, 1 Road, Town"
    assert monday.notes == "☎ +1234,56#"
    assert late.schedule.duration == timedelta(hours=1) and late.notes == "Bring tea"
    assert all(m.schedule.recurrence == WEEKLY for m in draft.meetings)


def test_today_later_is_this_week_and_today_earlier_is_next_week() -> None:
    # NOW is Monday 23 November, 13:00 in Madrid.
    later = parse_feed([{"name": "A", "day": 1, "time": "13:01"}], default_zone="Europe/Madrid", now=NOW)
    earlier = parse_feed([{"name": "A", "day": 1, "time": "13:00"}], default_zone="Europe/Madrid", now=NOW)
    assert later.meetings[0].schedule.first_start == datetime(2026, 11, 23, 13, 1)
    assert earlier.meetings[0].schedule.first_start == datetime(2026, 11, 30, 13, 0)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", ImportErrorCode.NOT_JSON),
        (b'{"name": "A"}', ImportErrorCode.NOT_A_LIST),
        (b"\xff", ImportErrorCode.NOT_JSON),
    ],
)
def test_whole_file_problems(raw: bytes, code: ImportErrorCode) -> None:
    draft = parse_feed_bytes(raw, default_zone="UTC", now=NOW)
    assert draft.meetings == [] and [(p.index, p.code) for p in draft.problems] == [(-1, code)]


ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Madrid",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
]
weekly_series = st.builds(
    lambda i, day, hour, minute, fives, zone, title, place, link, notes: MeetingSeries(
        i,
        title,
        Schedule(
            datetime(2026, 11, 23 + day, hour, minute),
            zone,
            timedelta(minutes=5 * fives),
            WEEKLY,
        ),
        place,
        link,
        notes,
    ),
    st.integers(1, 10**6),
    st.integers(0, 6),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(1, 96),
    st.sampled_from(ZONES),
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    ),
    st.none() | st.sampled_from(["12 Main St, Springfield", "Parish hall"]),
    st.none() | st.just("https://meet.example.org/room"),
    st.none() | st.just("Side door.\nBring tea."),
)


@given(st.lists(weekly_series, max_size=5, unique_by=lambda m: m.id))
@settings(max_examples=60, deadline=None)
def test_round_trip_keeps_the_schedule(meetings: list[MeetingSeries]) -> None:
    feed = build_feed(meetings, NOW)
    assert validate_feed(feed.entries) == [] and feed.skipped == []
    draft = parse_feed(json.loads(feed_json(feed.entries)), default_zone="UTC", now=NOW)
    assert draft.problems == [] and len(draft.meetings) == len(meetings)
    window_start, window_end = NOW + timedelta(days=8), NOW + timedelta(days=120)
    for original, imported in zip(meetings, draft.meetings, strict=True):
        assert (imported.title, imported.place, imported.link, imported.notes) == (
            plain_text(original.title),  # tag-like text is published defused; otherwise as typed
            original.place,
            original.link,
            original.notes and plain_text(original.notes),
        )
        assert imported.schedule.time_zone == original.schedule.time_zone
        assert imported.schedule.duration == original.schedule.duration
        assert occurrences(imported.schedule, window_start, window_end) == occurrences(
            original.schedule, window_start, window_end
        )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
entry_like = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values | st.text(max_size=120),
        "slug": json_values,
        "day": json_values | st.integers(-2, 8) | st.lists(st.integers(-1, 7), max_size=3),
        "time": json_values | st.from_regex(r"\A[0-9]{1,2}:[0-9]{2}\Z"),
        "end_time": json_values | st.from_regex(r"\A[0-9]{1,2}:[0-9]{2}\Z"),
        "timezone": json_values | st.sampled_from([*ZONES, "Nowhere/Land", "utc"]),
        "conference_url": json_values | st.just("https://x.org/a"),
        "formatted_address": json_values,
        "notes": json_values,
        "conference_phone": json_values,
    },
)


@given(st.lists(entry_like | json_values, max_size=6) | json_values)
@settings(max_examples=300, deadline=None)
def test_the_import_parser_never_raises(data: object) -> None:
    draft = parse_feed(data, default_zone="UTC", now=NOW)
    assert all(isinstance(p.code, ImportErrorCode) for p in draft.problems)
    indexes = {p.index for p in draft.problems} | {m.index for m in draft.meetings}
    if isinstance(data, list):
        assert indexes == set(range(len(data)))  # every entry is either imported or explained
        assert not {p.index for p in draft.problems} & {m.index for m in draft.meetings}


@given(st.binary(max_size=200))
def test_any_bytes_are_a_draft_not_a_crash(raw: bytes) -> None:
    assert isinstance(parse_feed_bytes(raw, default_zone="UTC", now=NOW).problems, list)
