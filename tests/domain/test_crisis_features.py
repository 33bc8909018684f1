"""The run-time n-gram counts are exactly scikit-learn's, so the trained model reads the same."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from bot.domain.crisis_features import CHAR_FEATURES, WORD_FEATURES, hashed_counts

_CHARS = HashingVectorizer(
    analyzer="char_wb", ngram_range=(2, 5), n_features=CHAR_FEATURES, alternate_sign=False, norm=None
)
_WORDS = HashingVectorizer(
    analyzer="word", ngram_range=(1, 2), n_features=WORD_FEATURES, alternate_sign=False, norm=None
)


def reference(texts: list[str]) -> sparse.csr_matrix:
    return sparse.hstack([_CHARS.transform(texts), _WORDS.transform(texts)], format="csr")


def same(texts: list[str]) -> bool:
    """No entry differs (a difference with no non-zero entry: scipy-stubs type ``!=`` on sparse
    matrices as a plain bool)."""
    ours, theirs = hashed_counts(texts), reference(texts)
    return ours.shape == theirs.shape and (ours - theirs).count_nonzero() == 0


def test_everyday_and_crisis_texts_hash_alike() -> None:
    texts = [" i want to die ", " me quiero morir | ", " a ", "", " ok ", " x y z ", " ñandú 😔 ", "  "]
    assert same(texts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=4))
def test_arbitrary_text_hashes_alike(texts: list[str]) -> None:
    assert same(texts)
