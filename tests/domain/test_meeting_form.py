"""The one-line meeting form: examples, errors per field, and properties over arbitrary text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain.i18n import translator
from bot.domain.meeting_form import (
    DEFAULT_DURATION,
    FORM_SYNTAX,
    FormError,
    FormField,
    MeetingDraft,
    format_meeting_line,
    parse_meeting_line,
)
from bot.domain.recurrence import Recurrence, RecurrenceKind, Schedule, first_on_rule

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # a Monday; 03:00 in Madrid
ZONE = "Europe/Madrid"
WEEKLY = Recurrence(RecurrenceKind.WEEKLY)


def parse(text: str, now: datetime = NOW) -> MeetingDraft:
    return parse_meeting_line(text, time_zone=ZONE, now=now)


def error(text: str) -> FormError:
    with pytest.raises(FormError) as raised:
        parse(text)
    return raised.value


def test_the_documented_example() -> None:
    draft = parse(
        "/schedule Tuesday Circle | 2026-12-01 19:00 | 90m | weekly | "
        "Community Centre, Room 2 | Bring a friend"
    )
    assert draft == MeetingDraft(
        title="Tuesday Circle",
        schedule=Schedule(datetime(2026, 12, 1, 19, 0), ZONE, timedelta(minutes=90), WEEKLY),
        place="Community Centre, Room 2",
        link=None,
        notes="Bring a friend",
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_help_example_parses_in_every_language(language: str) -> None:
    help_text = translator(language)._(FORM_SYNTAX)
    example_line = next(line for line in help_text.splitlines() if "/schedule" in line and "2026" in line)
    draft = parse(example_line.split(":", 1)[1])
    assert draft.schedule.recurrence == WEEKLY
    assert draft.notes


def test_only_title_and_start_are_required() -> None:
    draft = parse("Circle | 2026-12-01 19:00")
    assert draft.schedule.duration == DEFAULT_DURATION
    assert draft.schedule.recurrence == Recurrence()
    assert (draft.place, draft.link, draft.notes) == (None, None, None)
    assert parse("Circle|2026-12-01 19:00| | |  | ") == draft
    assert parse("/schedule@KindredBot Circle | 2026-12-01 19:00") == draft


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-12-01 19:00", datetime(2026, 12, 1, 19, 0)),
        ("2026/12/1 7pm", datetime(2026, 12, 1, 19, 0)),
        ("2026-12-01T07:30 p.m.", datetime(2026, 12, 1, 19, 30)),
        ("2026-12-01, 19h", datetime(2026, 12, 1, 19, 0)),
        ("2026-12-01 at 19.30", datetime(2026, 12, 1, 19, 30)),
        ("2026-12-01 12am", datetime(2026, 12, 1, 0, 0)),
        ("tue 19:00", datetime(2026, 11, 24, 19, 0)),
        ("Tuesday at 7pm", datetime(2026, 11, 24, 19, 0)),
        ("martes a las 19:00", datetime(2026, 11, 24, 19, 0)),
        ("Miércoles 18:30", datetime(2026, 11, 25, 18, 30)),
        ("mon 19:00", datetime(2026, 11, 23, 19, 0)),  # later today
        ("mon 03:00", datetime(2026, 11, 30, 3, 0)),  # 03:00 today is not after now: next week
        ("today 20:00", datetime(2026, 11, 23, 20, 0)),
        ("mañana 7pm", datetime(2026, 11, 24, 19, 0)),
        ("TOMORROW 9:05", datetime(2026, 11, 24, 9, 5)),
    ],
)
def test_start_forms(start: str, expected: datetime) -> None:
    assert parse(f"Circle | {start}").schedule.first_start == expected


@pytest.mark.parametrize(
    ("duration", "minutes"),
    [
        ("90m", 90),
        ("90 min", 90),
        ("90", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("2h", 120),
        ("1:30", 90),
        ("5m", 5),
        ("8h", 480),
        ("1 hora 15 minutos", 75),
        ("0.25h", 15),
    ],
)
def test_duration_forms(duration: str, minutes: int) -> None:
    assert parse(f"Circle | 2026-12-01 19:00 | {duration}").schedule.duration == timedelta(minutes=minutes)


MONDAY_1, FRIDAY_LAST = (0, 1), (4, -1)


@pytest.mark.parametrize(
    ("repeat", "kind", "interval", "position", "until"),
    [
        ("once", RecurrenceKind.ONCE, 1, None, None),
        ("una vez", RecurrenceKind.ONCE, 1, None, None),
        ("weekly", RecurrenceKind.WEEKLY, 1, None, None),
        ("Semanal", RecurrenceKind.WEEKLY, 1, None, None),
        ("every 2 weeks", RecurrenceKind.WEEKLY, 2, None, None),
        ("cada 3 semanas", RecurrenceKind.WEEKLY, 3, None, None),
        ("every other week", RecurrenceKind.WEEKLY, 2, None, None),
        ("quincenal", RecurrenceKind.WEEKLY, 2, None, None),
        ("weekly until 2027-06-30", RecurrenceKind.WEEKLY, 1, None, date(2027, 6, 30)),
        ("until 2027-06-30", RecurrenceKind.WEEKLY, 1, None, date(2027, 6, 30)),
        ("monthly first monday", RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, MONDAY_1, None),
        ("Monthly on the 1st Mon", RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, MONDAY_1, None),
        ("monthly last friday of the month", RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, FRIDAY_LAST, None),
        ("mensual primer lunes", RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, MONDAY_1, None),
        (
            "mensual el último viernes hasta el 2027-06-30",
            RecurrenceKind.MONTHLY_BY_WEEKDAY,
            1,
            FRIDAY_LAST,
            date(2027, 6, 30),
        ),
        ("monthly", RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, (1, 1), None),  # 2026-12-01: first Tuesday
    ],
)
def test_repeat_forms(
    repeat: str, kind: RecurrenceKind, interval: int, position: tuple[int, int] | None, until: date | None
) -> None:
    recurrence = parse(f"Circle | 2026-12-01 19:00 | 90m | {repeat}").schedule.recurrence
    assert (recurrence.kind, recurrence.interval, recurrence.until) == (kind, interval, until)
    if position:
        assert (recurrence.weekday, recurrence.ordinal) == position


def test_monthly_start_moves_onto_its_rule() -> None:
    draft = parse("Circle | 2026-12-01 19:00 | 90m | monthly last friday")
    assert draft.schedule.first_start == datetime(2026, 12, 25, 19, 0)


def test_place_link_and_notes() -> None:
    online = parse("Circle | 2026-12-01 19:00 | | | https://meet.example.org/circle?x=1&y=2")
    assert (online.place, online.link) == (None, "https://meet.example.org/circle?x=1&y=2")
    room = parse("Circle | 2026-12-01 19:00 | | | Room   2\n(upstairs) | Bring | a | friend\n  and tea ")
    assert (room.place, room.link, room.notes) == ("Room 2 (upstairs)", None, "Bring | a | friend\n  and tea")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("", FormField.LINE),
        ("   ", FormField.LINE),
        ("Circle", FormField.LINE),
        (" | 2026-12-01 19:00", FormField.LINE),
        ("x" * 101 + " | 2026-12-01 19:00", FormField.TITLE),
        ("\x00 | 2026-12-01 19:00", FormField.TITLE),
        ("Circle | next week", FormField.START),
        ("Circle | 2026-12-01", FormField.START),
        ("Circle | 2027-02-31 19:00", FormField.START),
        ("Circle | 2026-12-01 25:00", FormField.START),
        ("Circle | 2026-12-01 13pm", FormField.START),
        ("Circle | 2026-11-22 19:00", FormField.START),
        ("Circle | 9999-12-31 23:00", FormField.START),
        ("Circle | 2026-12-01 19:00 | 4m", FormField.DURATION),
        ("Circle | 2026-12-01 19:00 | 8h01", FormField.DURATION),
        ("Circle | 2026-12-01 19:00 | forever", FormField.DURATION),
        ("Circle | 2026-12-01 19:00 | 90m | daily", FormField.REPEAT),
        ("Circle | 2026-12-01 19:00 | 90m | every 13 weeks", FormField.REPEAT),
        ("Circle | 2026-12-01 19:00 | 90m | monthly fifth monday", FormField.REPEAT),
        ("Circle | 2026-12-01 19:00 | 90m | once until 2027-01-01", FormField.REPEAT),
        ("Circle | 2026-12-01 19:00 | 90m | weekly until 2026-11-30", FormField.REPEAT),
        ("Circle | 2026-12-01 19:00 | 90m | weekly until 2027-02-30", FormField.REPEAT),
        ("Circle | 2026-12-01 19:00 | 90m | weekly | http://meet.example.org", FormField.PLACE),
        ("Circle | 2026-12-01 19:00 | 90m | weekly | https://", FormField.PLACE),
        ("Circle | 2026-12-01 19:00 | 90m | weekly | https://a.org/x y", FormField.PLACE),
        ("Circle | 2026-12-01 19:00 | 90m | weekly | " + "r" * 201, FormField.PLACE),
        ("Circle | 2026-12-01 19:00 | 90m | weekly | Room | " + "n" * 1001, FormField.NOTES),
    ],
)
def test_errors_name_the_field(line: str, field: FormField) -> None:
    assert error(line).field is field


def test_error_messages_quote_the_input_escaped_and_say_what_is_accepted() -> None:
    raised = error("Circle | 2026-12-01 19:00 | <b>long</b>")
    english = raised.render(translator("en"))
    assert english.startswith("Field 3 (duration): ")
    assert "&lt;b&gt;long&lt;/b&gt;" in english and "<b>" not in english
    assert "90m" in english
    assert translator("es")._(raised.message) != raised.message
    assert raised.render(translator("es")).startswith("Campo 3 (duración): ")


def test_unknown_group_time_zone_is_a_line_error() -> None:
    with pytest.raises(FormError) as raised:
        parse_meeting_line("Circle | 2026-12-01 19:00", time_zone="Not/AZone", now=NOW)
    assert raised.value.field is FormField.LINE


# --- properties ------------------------------------------------------------------------------

TOKENS = [
    "|", " | ", "2026-12-01", "19:00", "7pm", "tue", "tomorrow", "90m", "1h30", "1.5h", "weekly",
    "every 2 weeks", "monthly", "first", "last", "monday", "friday", "until", "2027-06-30", "hasta",
    "https://", "http://", "<b>", "&amp;", "'; DROP TABLE meetings; --", "\u202e", "مرحبا", "🙂", "\n",
    "\x00", "ǅ", "ﬀ", "İ", "９０m", "٣", "²", "/schedule", "@bot", " ",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)))
@example("x" * 10_000)
@example("|" * 10_000)
@example("Circle | " + "1" * 10_000)
@example("Circle | 2026-12-01 19:00 | " + "9" * 5000 + "h")
@example("Circle | 2026-12-01 19:00 | 1h | every " + "9" * 5000 + " weeks")
@example("Circle | 2026-12-01 19:00 | 1h | weekly until 99999-01-01")
@example(" \t\n\u00a0\u2003 ")
@example("<script>alert(1)</script> | 2026-12-01 19:00")
@example("Robert'); DROP TABLE meetings;-- | tue 19:00")
@example("\u202eelcriC | mañana 7pm | ٩٠m")
@example("Circle | 2100-12-31 23:59 | 8h | monthly last sunday")
def test_parser_only_ever_raises_form_error(text: str) -> None:
    try:
        draft = parse(text)
    except FormError as raised:
        assert raised.render(translator("es"))  # every error renders, in every language
    else:
        assert draft.title and len(draft.title) <= 100
        assert draft.link is None or draft.link.startswith("https://")


def one_line(max_size: int) -> st.SearchStrategy[str]:
    """Text as the form keeps it: no ``|``, whitespace collapsed, no control characters."""
    text = st.text(
        st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="|"), max_size=max_size
    )
    return text.map(lambda s: " ".join(s.split()))


titles = one_line(100).filter(bool)
places = one_line(200).filter(lambda s: s and not s.casefold().startswith(("http://", "https://")))
links = st.from_regex(r"https://[a-z]{1,20}\.org/[A-Za-z0-9_?=&%-]{0,30}", fullmatch=True)
notes = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\t|"), max_size=300
).map(str.strip)


@st.composite
def drafts(draw: st.DrawFn) -> MeetingDraft:
    first = draw(st.datetimes(datetime(2026, 12, 1), datetime(2030, 1, 1))).replace(second=0, microsecond=0)
    until = draw(st.none() | st.dates(first.date() + timedelta(days=60), date(2031, 1, 1)))
    kind = draw(st.sampled_from(RecurrenceKind))
    if kind is RecurrenceKind.ONCE:
        recurrence = Recurrence()
    elif kind is RecurrenceKind.WEEKLY:
        recurrence = Recurrence(kind, draw(st.integers(1, 12)), until=until)
    else:
        weekday, ordinal = draw(st.integers(0, 6)), draw(st.sampled_from((1, 2, 3, 4, -1)))
        recurrence = Recurrence(kind, 1, weekday, ordinal, until)
        first = first_on_rule(first, recurrence)
    duration = timedelta(minutes=draw(st.integers(5, 480)))
    where = draw(
        st.one_of(st.tuples(st.none(), st.none()), st.tuples(places, st.none()), st.tuples(st.none(), links))
    )
    return MeetingDraft(
        title=draw(titles),
        schedule=Schedule(first, ZONE, duration, recurrence),
        place=where[0],
        link=where[1],
        notes=draw(notes) or None,
    )


@settings(max_examples=200, deadline=None)
@given(drafts())
def test_canonical_line_round_trips(draft: MeetingDraft) -> None:
    line = format_meeting_line(draft)
    assert parse(line) == draft


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*TOKENS[1:], "Circle", "Room 2", "notes"]), max_size=20).map("".join))
def test_formatting_a_parsed_line_is_stable(text: str) -> None:
    try:
        draft = parse("Circle | 2026-12-01 19:00 | " + text)
    except FormError:
        return
    assert parse(format_meeting_line(draft)) == draft
