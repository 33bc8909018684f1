"""The resource directory: validation, the facilitators' form, the defaults file, crisis first."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.resources import (
    CATEGORIES,
    CRISIS,
    DEFAULT_FILE,
    FORM_FIELDS,
    Resource,
    ResourceFileError,
    by_category,
    form_lines,
    load_resource_file,
    ordered,
    parse_form,
    problems,
    without_repeats,
)


def test_the_bundled_defaults_load_with_crisis_lines_first() -> None:
    resources = load_resource_file(DEFAULT_FILE)
    names = [r.name for r in resources]
    assert "988 Suicide & Crisis Lifeline" in names and "SMART Recovery" in names
    assert any(r.phone == "1-800-662-4357" for r in resources)
    assert any("741741" in r.description for r in resources)
    assert ordered(reversed(resources))[0].category == CRISIS
    grouped = by_category(resources)
    assert next(iter(grouped)) == CRISIS
    assert {"Alcoholics Anonymous (AA)", "Narcotics Anonymous (NA)", "Al-Anon Family Groups"} <= {
        r.name for r in grouped["fellowship"]
    }
    assert all(r.link.startswith("https://") for r in grouped["fellowship"])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not toml = = 1", "not valid TOML"),
        ("title = 'nothing here'", "no [[resource]] entries"),
        ("[[resource]]\ncategory = 'crisis'\nname = 'X'\nlink = 'ftp://x'", "resource 1 (X): The link"),
        ("[[resource]]\ncategory = 'crisis'\nname = 'X'\nphone = 5", "must be a string"),
        ("[[resource]]\ncategory = 'crisis'\nnmae = 'X'\nphone = '5'", "unknown keys: nmae"),
        ("[[resource]]\ncategory = 'cris'\nname = 'X'\nphone = '5'", "category must be one of"),
        ("[[resource]]\nname = 'X'\nphone = '5'", "needs a category and a name"),
    ],
)
def test_a_bad_defaults_file_says_where_and_why(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "resources.toml"
    path.write_text(content)
    with pytest.raises(ResourceFileError, match=r"resources\.toml") as caught:
        load_resource_file(path)
    assert reason in str(caught.value)


def test_a_missing_defaults_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ResourceFileError, match="cannot read"):
        load_resource_file(tmp_path / "absent.toml")


def test_entries_need_a_way_to_reach_them_and_sane_fields() -> None:
    assert problems(Resource("crisis", "Line", phone="988")) == []
    assert problems(Resource("fellowship", "AA", link="http://aa.org")) == []
    messages = [
        p.message for p in problems(Resource("weird", " ", phone="call us", link="javascript:alert(1)"))
    ]
    assert any("category" in m for m in messages)
    assert any("name" in m for m in messages)
    assert any("phone" in m for m in messages)
    assert any("link" in m for m in messages)
    assert problems(Resource("local", "Nowhere"))[0].message.startswith("Give a phone number or a link")
    too_long = problems(Resource("local", "x" * 81, phone="1"))
    assert too_long[0].values == {"field": "name", "limit": 80}


def test_the_form_reads_fields_in_either_language_and_continues_lines() -> None:
    result = parse_form(
        "Categoría: LOCAL\nnombre: Línea <b>cálida</b>\ndescription: Someone to talk to\n"
        "  in the evenings\nteléfono: 555-0100\nhours: 18-22"
    )
    assert result.problems == ()
    assert result.resource == Resource(
        "local", "Línea <b>cálida</b>", "Someone to talk to in the evenings", "555-0100", "", "18-22"
    )


def test_the_form_explains_what_is_wrong() -> None:
    result = parse_form("just some words\nname: X")
    assert result.resource is None
    assert result.problems[0].values == {"line": "just some words"}
    assert any("category" in p.message for p in result.problems)


def test_a_prefilled_form_reads_back_as_the_same_entry() -> None:
    entry = Resource("fellowship", "SMART", "Meetings: online", "", "https://smartrecovery.org", "")
    assert parse_form("\n".join(form_lines(entry, FORM_FIELDS))).resource == entry


@given(st.text(max_size=400))
def test_the_form_parser_never_crashes_and_accepts_only_valid_entries(text: str) -> None:
    result = parse_form(text)
    assert (result.resource is None) == bool(result.problems)
    if result.resource is not None:
        assert problems(result.resource) == [] and result.resource.category in CATEGORIES


def test_a_line_already_listed_is_not_listed_again() -> None:
    sos = [Resource(CRISIS, "988 Lifeline", phone="988", link="https://988lifeline.org")]
    more = [
        Resource(CRISIS, "988 Suicide & Crisis Lifeline", phone="9-8-8"),  # same number
        Resource("helpline", "Lifeline site", link="http://988LIFELINE.org/"),  # same site
        Resource(CRISIS, "Crisis Text Line", phone="741741"),
        Resource("local", "Text line again", phone="741 741"),  # repeats an entry of *more*
    ]
    assert [r.name for r in without_repeats(sos, more)] == ["988 Lifeline", "Crisis Text Line"]
