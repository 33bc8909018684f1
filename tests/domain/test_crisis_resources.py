"""Crisis resources: the US defaults, and loading a deployment's own file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.crisis import CrisisCategory
from bot.domain.crisis_resources import (
    DEFAULT_RESOURCES,
    CrisisResourcesError,
    load_crisis_resources,
)

VALID = {
    "region": "GB",
    "emergency_number": "999",
    "lines": {
        "en": [
            {
                "name": "Samaritans",
                "description": "Free, 24/7.",
                "phone": "116 123",
                "url": "https://www.samaritans.org",
                "categories": ["suicidal", "self_harm"],
            },
            {"name": "FRANK", "phone": "0300 123 6600", "categories": ["overdose", "relapse_distress"]},
        ],
        "es": [{"name": "Samaritans (español)", "phone": "116 123"}],
    },
}


def test_defaults_are_the_us_lines_in_both_languages() -> None:
    resources = load_crisis_resources(None)
    assert resources is DEFAULT_RESOURCES
    assert resources.emergency_number == "911"
    for language in ("en", "es"):
        phones = {line.phone for line in resources.for_language(language)}
        assert phones == {"988", "1-800-662-4357"}


def test_spanish_speakers_are_told_about_option_2() -> None:
    lifeline = DEFAULT_RESOURCES.for_language("es")[0]
    assert "press 2" in lifeline.description


def test_unknown_language_falls_back_to_english() -> None:
    assert DEFAULT_RESOURCES.for_language("fr") == DEFAULT_RESOURCES.for_language("en")


def test_overdose_puts_substance_lines_first_but_suicide_gets_988_only() -> None:
    overdose = DEFAULT_RESOURCES.for_category("en", CrisisCategory.OVERDOSE)
    suicidal = DEFAULT_RESOURCES.for_category("en", CrisisCategory.SUICIDAL)
    assert {line.phone for line in overdose} == {"988", "1-800-662-4357"}
    assert [line.phone for line in suicidal] == ["988"]


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_loads_json_and_toml(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"resources{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(VALID), encoding="utf-8")
    else:
        path.write_text(
            'region = "GB"\nemergency_number = "999"\n'
            '[[lines.en]]\nname = "Samaritans"\nphone = "116 123"\ncategories = ["suicidal"]\n',
            encoding="utf-8",
        )
    resources = load_crisis_resources(path)
    assert resources.emergency_number == "999"
    assert resources.for_language("en")[0].name == "Samaritans"
    assert resources.for_category("en", CrisisCategory.SUICIDAL)[0].phone == "116 123"


def test_lines_without_categories_cover_every_category(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(VALID), encoding="utf-8")
    spanish = load_crisis_resources(path).for_language("es")[0]
    assert spanish.categories == frozenset(CrisisCategory)


def _broken(**changes) -> dict:
    data = json.loads(json.dumps(VALID))
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_broken(emergency_number=None), "emergency_number"),
        (_broken(emergency_number=""), "emergency_number"),
        (_broken(lines__en=None), "lines.en is required"),
        (_broken(lines__en=[]), "lines.en must be a non-empty list"),
        (_broken(lines__en__1__phone=None), "needs a phone, sms or url"),
        (_broken(lines__en__0__categories=["sadness"]), "lines.en[0].categories"),
        (_broken(lines__en__0__categories=[]), "lines.en[0].categories"),
        (_broken(lines__en__0__url="www.example.org"), "lines.en[0].url"),
        (_broken(lines__en__0__fone="1"), "unknown keys: fone"),
        (_broken(lines__en__0__name=3), "lines.en[0].name"),
        (_broken(emergency=112), "unknown keys: emergency"),
        ([1, 2], "the top level must be"),
    ],
)
def test_a_bad_file_gets_a_clear_error(tmp_path: Path, data, message: str) -> None:
    path = tmp_path / "resources.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CrisisResourcesError, match=r"resources\.json") as raised:
        load_crisis_resources(path)
    assert message in str(raised.value)


def test_unreadable_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(CrisisResourcesError, match="cannot read"):
        load_crisis_resources(tmp_path / "missing.json")
    bad = tmp_path / "bad.toml"
    bad.write_text("emergency_number = ", encoding="utf-8")
    with pytest.raises(CrisisResourcesError, match="not valid TOML"):
        load_crisis_resources(bad)
    other = tmp_path / "resources.yaml"
    other.write_text("a: 1", encoding="utf-8")
    with pytest.raises(CrisisResourcesError, match=r"\.json or \.toml"):
        load_crisis_resources(other)


def test_resources_cannot_be_changed_after_loading() -> None:
    with pytest.raises(TypeError):
        DEFAULT_RESOURCES.lines["fr"] = ()  # type: ignore[index]
