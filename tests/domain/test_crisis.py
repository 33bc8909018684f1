"""The crisis detector: quality on the labelled phrase set, and robustness on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.crisis import CrisisCategory, CrisisSignal, detect, normalise, rule_names
from bot.crisis_eval import Report, evaluate, load_phrases

PHRASES = load_phrases()
POSITIVES = [p for p in PHRASES if p.category is not None]
CRITICAL = [p for p in POSITIVES if p.category in {CrisisCategory.SUICIDAL, CrisisCategory.OVERDOSE}]


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(PHRASES)


def test_the_phrase_set_is_large_and_bilingual() -> None:
    for language in ("en", "es"):
        crisis = [p for p in POSITIVES if p.language == language]
        safe = [p for p in PHRASES if p.category is None and p.language == language]
        assert len(crisis) >= 50, language
        assert len(safe) >= 50, language
    assert len(POSITIVES) >= 120
    assert len(PHRASES) - len(POSITIVES) >= 120


def test_recall_is_at_least_95_percent(report: Report) -> None:
    assert report.recall >= 0.95, [p.text for p in report.misses]


def test_precision_is_at_least_95_percent(report: Report) -> None:
    assert report.precision >= 0.95, [p.text for p in report.false_alarms]


@pytest.mark.parametrize("phrase", CRITICAL, ids=lambda p: p.text)
def test_every_critical_phrase_is_caught(phrase) -> None:
    assert detect(phrase.text) is not None


def test_every_rule_is_exercised_by_a_phrase() -> None:
    fired = {signal.rule for p in POSITIVES if (signal := detect(p.text)) is not None}
    assert rule_names() <= fired


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I don't want to live anymore", CrisisCategory.SUICIDAL),
        ("no quiero vivir", CrisisCategory.SUICIDAL),
        ("I can't stop thinking about killing myself", CrisisCategory.SUICIDAL),
        ("recaí y no puedo más", CrisisCategory.RELAPSE_DISTRESS),
        ("I relapsed and I want to die", CrisisCategory.SUICIDAL),
        ("I'm not suicidal but I took too many pills", CrisisCategory.OVERDOSE),
        ("I would never kill myself. But I want to die.", CrisisCategory.SUICIDAL),
    ],
)
def test_negations_do_not_silence_dangerous_phrases(text: str, category: CrisisCategory) -> None:
    signal = detect(text)
    assert signal is not None
    assert signal.category is category


@pytest.mark.parametrize(
    "text",
    [
        "I'm not going to relapse",
        "I would never kill myself",
        "my sponsor talked about overdose awareness",
        "we discussed suicide prevention at the meeting",
        "this heat is killing me",
        "I'm dying to see you",
        "killing it at work",
        "no voy a recaer",
        "hablamos de prevención del suicidio",
    ],
)
def test_the_briefs_harmless_phrases_stay_quiet(text: str) -> None:
    assert detect(text) is None


def test_the_signal_never_carries_the_text() -> None:
    signal = detect("I want to kill myself")
    assert isinstance(signal, CrisisSignal)
    assert "myself" not in repr(signal)


def test_language_setting_does_not_narrow_screening() -> None:
    assert detect("quiero morirme", language="en") == detect("quiero morirme", language="es")
    assert detect("I want to die", language="es") is not None


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Recaí y NO PUEDO MÁS!!!", " recai y no puedo mas "),
        ("I wanna dieeee", " i want to die "),
        ("kill myslef", " kil myself "),
        ("I OD'd", " i overdosed "),
        ("ＫＭＳ", " kil myself "),
    ],
)
def test_normalise(raw: str, normal: str) -> None:
    assert normalise(raw) == normal


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_detect_never_raises_on_arbitrary_text(text: str) -> None:
    result = detect(text)
    assert result is None or isinstance(result, CrisisSignal)


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_detect_handles_long_text(seed: str) -> None:
    text = (seed * (10_000 // len(seed) + 1))[:10_000]
    result = detect(text)
    assert result is None or isinstance(result, CrisisSignal)


def test_detect_finds_a_phrase_buried_in_a_long_message() -> None:
    filler = "today was long and the meeting ran late. " * 250
    assert detect(filler + "I want to die. " + filler) is not None


SEPARATORS = st.sampled_from([" ", "  ", ". ", "! ", "!!! ", "? ", "... ", ", ", " - ", "\n", "\t", " :( "])


@settings(max_examples=200, deadline=None)
@given(phrase=st.sampled_from(POSITIVES), data=st.data())
def test_positives_survive_case_punctuation_and_whitespace(phrase, data) -> None:
    expected = detect(phrase.text)
    words = phrase.text.split()
    cased = [data.draw(st.sampled_from([w.upper(), w.lower(), w.capitalize()]), label=w) for w in words]
    gaps = [data.draw(SEPARATORS, label="gap") for _ in words]
    mangled = "".join(g + w for g, w in zip(gaps, cased, strict=True)) + data.draw(SEPARATORS)
    assert detect(mangled) == expected
