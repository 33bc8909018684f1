"""Hashed n-gram counts for crisis screening, as scikit-learn's HashingVectorizer makes them.

Why not scikit-learn itself at run time: importing it costs the bot about 65 MB of memory and a
third of a second of start-up, for two small functions.  Training (:mod:`bot.domain.crisis_train`) uses
scikit-learn, and ``tests/domain/test_crisis_features.py`` checks that these counts are identical
to its ``HashingVectorizer(analyzer="char_wb"/"word", alternate_sign=False, norm=None)`` on
arbitrary text, so a model trained there reads the same features here.  The hash is MurmurHash3
(32-bit, seed 0) from ``mmh3``, the function scikit-learn uses.
"""

from __future__ import annotations

import functools
import itertools
import re
from array import array

import mmh3
import numpy as np
from scipy import sparse

CHAR_FEATURES = 2**20  # character 2-5-grams within words
WORD_FEATURES = 2**18  # words and word pairs
N_GRAM_FEATURES = CHAR_FEATURES + WORD_FEATURES
CHAR_NGRAMS = (2, 5)

_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def _word_grams(word: str) -> list[str]:
    """One word's character n-grams ("char_wb": the word padded with a space on both sides)."""
    low, high = CHAR_NGRAMS
    padded = f" {word} "
    grams: list[str] = []
    for n in range(low, high + 1):
        grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
        if len(padded) <= n:  # a short word counts once, whatever n
            break
    return grams


def word_ngrams(text: str) -> list[str]:
    """Words of two or more letters, then every pair of neighbours."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def _columns(grams: list[str], features: int) -> list[int]:
    """Each gram's column: |MurmurHash3| of its UTF-8 bytes modulo *features*.  (scikit-learn
    maps the one hash whose abs() overflows in C, -2**31, to (2**31 - features) % features, which
    is 2**31 % features: what Python's abs() gives here.)"""
    hash32 = mmh3.hash  # 32-bit, seed 0, signed; a str is hashed as its UTF-8 bytes
    return [abs(hash32(gram)) % features for gram in grams]


@functools.lru_cache(maxsize=8192)
def _word_columns(word: str) -> array[int]:
    """The columns of one word's character n-grams.  Kept for the latest words (people write with
    a few thousand, and a long message's sentences repeat its words): with the word n-grams
    below, about 3 MB."""
    return array("i", _columns(_word_grams(word), CHAR_FEATURES))


@functools.lru_cache(maxsize=8192)
def _word_column(gram: str) -> int:
    """The column of a word or a word pair, after the character n-grams'."""
    return CHAR_FEATURES + _columns([gram], WORD_FEATURES)[0]


def hashed_counts(texts: list[str]) -> sparse.csr_matrix:
    """One row per text: counts of its hashed character n-grams, then of its words and pairs."""
    indptr, indices, data = [0], [], []
    for text in texts:
        columns = array("i")
        for word in _WHITE_SPACES.sub(" ", text.lower()).split():
            columns += _word_columns(word)
        columns.extend(map(_word_column, word_ngrams(text)))
        distinct, counts = np.unique(np.frombuffer(columns, dtype=np.int32), return_counts=True)
        indices.append(distinct)
        data.append(counts)
        indptr.append(indptr[-1] + len(distinct))
    return sparse.csr_matrix(
        (
            np.concatenate(data).astype(np.float64) if data else np.zeros(0),
            np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
            np.array(indptr),
        ),
        shape=(len(texts), N_GRAM_FEATURES),
    )
